"""`/v1/webhooks`: subscriptions, their secrets (shown once, encrypted at rest, rotated with
an overlap), who may manage which, and the destinations the service refuses to send to."""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from recotrack.app import create_app
from recotrack.secretbox import SecretBox
from recotrack.settings import Settings
from recotrack.store import webhooks
from tests.api.support import assert_problem, unchanged
from tests.helpers import Api, connection, secrets_key_file, signing_key_file

PUBLIC = "https://93.184.216.34/hooks/recotrack"
"""A global address written as a literal: it resolves without DNS."""
FIELDS = {
    "id",
    "agency_id",
    "url",
    "events",
    "description",
    "active",
    "disabled_reason",
    "version",
    "created_at",
    "updated_at",
}


async def create(api: Api, who: str, **body: Any) -> dict[str, Any]:
    r = await api.call(who, "POST", "/v1/webhooks", json={"url": PUBLIC, **body})
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def box_of(api: Api) -> SecretBox:
    box: SecretBox = api.client.app.state.secret_box
    return box


async def test_create_shows_the_secret_once_and_stores_it_encrypted(api: Api) -> None:
    r = await api.call(
        "skatteverket",
        "POST",
        "/v1/webhooks",
        json={"url": PUBLIC, "events": ["recommendation.issued"], "description": "portfölj"},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == FIELDS | {"secret", "previous_secret_expires_at"}
    assert body["agency_id"] == "skatteverket"
    assert body["events"] == ["recommendation.issued"]
    assert body["active"] is True
    assert body["version"] == 1
    assert r.headers["etag"] == '"1"'
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["location"] == f"/v1/webhooks/{body['id']}"
    secret: str = body["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) >= 24

    got = await api.call("skatteverket", "GET", f"/v1/webhooks/{body['id']}")
    assert got.status_code == 200
    assert set(got.json()) == FIELDS
    assert got.headers["etag"] == '"1"'
    listed = await api.call("skatteverket", "GET", "/v1/webhooks")
    assert [w["id"] for w in listed.json()["items"]] == [body["id"]]
    assert "secret" not in listed.text

    async with connection(api.db_url) as db:
        stored = await db.fetchrow("select secret, position from webhook")
        assert stored is not None
        assert secret.encode() not in stored["secret"]
        raw = base64.b64decode(secret.removeprefix("whsec_"))
        assert raw not in stored["secret"]
        # the worker's position: the head of the log when it was made (then its own event)
        head = await db.fetchval("select max(seq) from event")
        assert stored["position"] == head - 1
        events = await db.fetch("select entity, action, agency_visible, data::text from event")
        ours = [e for e in events if e["entity"] == "webhook"]
        assert [(e["action"], e["agency_visible"]) for e in ours] == [("created", False)]
        assert all(secret.removeprefix("whsec_") not in e["data"] for e in events)
        assert all('"secret"' not in e["data"] for e in ours)
        # it opens with the service's key: the worker can sign with it
        assert await webhooks.signing_secrets(db, body["id"], box=box_of(api)) == [secret]


async def test_events_default_to_every_type_and_are_checked(api: Api) -> None:
    assert (await create(api, "skatteverket"))["events"] is None
    async with connection(api.db_url) as db, unchanged(db):
        r = await api.call(
            "skatteverket", "POST", "/v1/webhooks", json={"url": PUBLIC, "events": ["nope.nope"]}
        )
        assert_problem(r, 422, "validation", pointer="/events/0")
        r = await api.call(
            "skatteverket",
            "POST",
            "/v1/webhooks",
            json={"url": PUBLIC, "events": ["token.created"]},
        )
        assert_problem(r, 422, "rule-violation", pointer="/events/0")
    # the secretariat's feed has token changes: it may subscribe to them
    assert (await create(api, "secretariat", events=["token.created"]))["agency_id"] is None


async def test_an_agency_manages_only_its_own(api: Api) -> None:
    ours = await create(api, "skatteverket")
    theirs = await create(api, "forsakringskassan")
    everyone = await create(api, "secretariat")
    for_them = await create(api, "secretariat", agency_id="forsakringskassan")
    assert for_them["agency_id"] == "forsakringskassan"
    listed = await api.call("skatteverket", "GET", "/v1/webhooks")
    assert [w["id"] for w in listed.json()["items"]] == [ours["id"]]
    listed = await api.call("secretariat", "GET", "/v1/webhooks")
    assert [w["id"] for w in listed.json()["items"]] == [
        ours["id"],
        theirs["id"],
        everyone["id"],
        for_them["id"],
    ]
    async with connection(api.db_url) as db, unchanged(db):
        for other in (theirs, everyone, for_them):
            path = f"/v1/webhooks/{other['id']}"
            assert_problem(await api.call("skatteverket", "GET", path), 404, "not-found")
            r = await api.call(
                "skatteverket", "PATCH", path, json={"active": False}, headers={"If-Match": '"1"'}
            )
            assert_problem(r, 404, "not-found")
            r = await api.call("skatteverket", "DELETE", path, headers={"If-Match": '"1"'})
            assert_problem(r, 404, "not-found")
            r = await api.call("skatteverket", "POST", f"{path}/rotate-secret", json={})
            assert_problem(r, 404, "not-found")
        r = await api.call(
            "skatteverket",
            "POST",
            "/v1/webhooks",
            json={"url": PUBLIC, "agency_id": "forsakringskassan"},
        )
        assert_problem(r, 422, "rule-violation", pointer="/agency_id")
        r = await api.call(
            "secretariat", "POST", "/v1/webhooks", json={"url": PUBLIC, "agency_id": "nobody"}
        )
        assert_problem(r, 422, "rule-violation", pointer="/agency_id")
    # the agency's own changes feed shows none of it; the secretariat's every one
    feed = (await api.call("skatteverket", "GET", "/v1/changes", params={"limit": 1000})).json()
    assert all(c["entity"] != "webhook" for c in feed["items"])
    feed = (await api.call("secretariat", "GET", "/v1/changes", params={"limit": 1000})).json()
    assert [c["entity_id"] for c in feed["items"] if c["entity"] == "webhook"] == [
        ours["id"],
        theirs["id"],
        everyone["id"],
        for_them["id"],
    ]


async def test_an_auditor_reads_but_changes_nothing(api: Api) -> None:
    hook = await create(api, "secretariat")
    path = f"/v1/webhooks/{hook['id']}"
    assert (await api.call("auditor", "GET", path)).status_code == 200
    assert (await api.call("auditor", "GET", "/v1/webhooks")).status_code == 200
    async with connection(api.db_url) as db, unchanged(db):
        r = await api.call("auditor", "POST", "/v1/webhooks", json={"url": PUBLIC})
        assert_problem(r, 403, "forbidden")
        r = await api.call("auditor", "PATCH", path, json={}, headers={"If-Match": '"1"'})
        assert_problem(r, 403, "forbidden")
        assert_problem(
            await api.call("auditor", "DELETE", path, headers={"If-Match": '"1"'}), 403, "forbidden"
        )
        assert_problem(
            await api.call("auditor", "POST", f"{path}/rotate-secret", json={}), 403, "forbidden"
        )


async def test_change_needs_if_match_and_goes_through_the_write(api: Api) -> None:
    hook = await create(api, "skatteverket")
    path = f"/v1/webhooks/{hook['id']}"
    async with connection(api.db_url) as db, unchanged(db):
        r = await api.call("skatteverket", "PATCH", path, json={"active": False})
        assert_problem(r, 428, "precondition-required")
        r = await api.call(
            "skatteverket", "PATCH", path, json={"active": False}, headers={"If-Match": '"7"'}
        )
        assert_problem(r, 412, "precondition-failed")
        # a change that changes nothing is no new version, and no event
        r = await api.call(
            "skatteverket", "PATCH", path, json={"active": True}, headers={"If-Match": '"1"'}
        )
        assert r.status_code == 200
        assert r.json()["version"] == 1
    r = await api.call(
        "skatteverket",
        "PATCH",
        path,
        json={"active": False, "events": ["closure.closed"], "description": "paus"},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'
    changed = r.json()
    assert (changed["active"], changed["events"], changed["description"]) == (
        False,
        ["closure.closed"],
        "paus",
    )
    assert "secret" not in changed
    r = await api.call(
        "skatteverket", "PATCH", path, json={"events": None}, headers={"If-Match": '"2"'}
    )
    assert r.json()["events"] is None
    assert_problem(
        await api.call("skatteverket", "DELETE", path, headers={"If-Match": '"1"'}),
        412,
        "precondition-failed",
    )
    r = await api.call("skatteverket", "DELETE", path, headers={"If-Match": '"3"'})
    assert r.status_code == 204, r.text
    assert_problem(await api.call("skatteverket", "GET", path), 404, "not-found")
    async with connection(api.db_url) as db:
        actions = await db.fetch("select action from event where entity = 'webhook' order by seq")
    assert [a["action"] for a in actions] == ["created", "updated", "updated", "deleted"]


async def test_rotation_answers_a_new_secret_and_keeps_the_old_one_a_day(api: Api) -> None:
    hook = await create(api, "skatteverket")
    r = await api.call("skatteverket", "POST", f"/v1/webhooks/{hook['id']}/rotate-secret", json={})
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    rotated = r.json()
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != hook["secret"]
    assert rotated["version"] == 2
    overlap = dt.datetime.fromisoformat(rotated["previous_secret_expires_at"]) - (
        dt.datetime.fromisoformat(rotated["updated_at"])
    )
    assert overlap == dt.timedelta(hours=24)
    async with connection(api.db_url) as conn:
        secrets = await webhooks.signing_secrets(conn, hook["id"], box=box_of(api))
        assert secrets == [rotated["secret"], hook["secret"]]
        # a day later only the new one signs
        await conn.execute(
            "update webhook set previous_secret_expires_at = now() - interval '1 second'"
        )
        assert await webhooks.signing_secrets(conn, hook["id"], box=box_of(api)) == [
            rotated["secret"]
        ]


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("https://127.0.0.1/hook", "127.0.0.1"),
        ("https://localhost:8443/hook", "localhost resolves to"),
        ("https://10.1.2.3/hook", "10.1.2.3"),
        ("https://192.168.0.10/hook", "192.168.0.10"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("https://[::1]/hook", "::1"),
        ("https://[::ffff:127.0.0.1]/hook", "127.0.0.1"),
        ("https://224.0.0.1/hook", "224.0.0.1"),
        ("https://0.0.0.0/hook", "0.0.0.0"),  # noqa: S104  (a destination, not a bind)
        ("https://100.64.0.1/hook", "100.64.0.1"),
    ],
)
async def test_a_destination_inside_the_network_is_refused(api: Api, url: str, named: str) -> None:
    async with connection(api.db_url) as db, unchanged(db):
        r = await api.call("skatteverket", "POST", "/v1/webhooks", json={"url": url})
        body = assert_problem(r, 422, "rule-violation", pointer="/url")
        assert named in body["errors"][0]["detail"], body


async def test_http_and_credentials_are_refused(api: Api) -> None:
    hook = await create(api, "skatteverket")
    async with connection(api.db_url) as db, unchanged(db):
        r = await api.call(
            "skatteverket", "POST", "/v1/webhooks", json={"url": "http://93.184.216.34/hook"}
        )
        body = assert_problem(r, 422, "rule-violation", pointer="/url")
        assert "https" in body["errors"][0]["detail"]
        r = await api.call(
            "skatteverket",
            "POST",
            "/v1/webhooks",
            json={"url": "https://user:pw@93.184.216.34/hook"},
        )
        assert_problem(r, 422, "rule-violation", pointer="/url")
        # a change of URL is checked as a new one
        r = await api.call(
            "skatteverket",
            "PATCH",
            f"/v1/webhooks/{hook['id']}",
            json={"url": "https://127.0.0.1/hook"},
            headers={"If-Match": '"1"'},
        )
        assert_problem(r, 422, "rule-violation", pointer="/url")


@pytest.fixture
async def permissive(db_url: str, service_url: str) -> AsyncIterator[Api]:
    settings = Settings.from_env(
        {
            "DATABASE_URL": service_url,
            "RECOTRACK_LOG_LEVEL": "warning",
            "RECOTRACK_SIGNING_KEY_FILE": signing_key_file(),
            "RECOTRACK_SECRETS_KEY_FILE": secrets_key_file(),
            "RECOTRACK_WEBHOOK_ALLOW_PRIVATE": "true",
        }
    )
    async with AsyncTestClient(create_app(settings, service_url)) as client:
        yield await Api.start(client, db_url)


async def test_private_destinations_and_http_when_the_setting_allows(permissive: Api) -> None:
    for url in ("http://127.0.0.1:8080/hook", "https://localhost/hook", "http://10.1.2.3/x"):
        created = await create(permissive, "skatteverket", url=url)
        assert created["url"] == url
    r = await permissive.call(
        "skatteverket", "POST", "/v1/webhooks", json={"url": "ftp://127.0.0.1/hook"}
    )
    assert r.status_code == 422, r.text


async def test_rotation_after_the_key_was_replaced_keeps_no_previous_secret(api: Api) -> None:
    """With a new secrets key (the old one lost), the old secret cannot open to sign: the
    rotation that gives the subscription its new secret keeps none beside it."""
    hook = await create(api, "skatteverket")
    api.client.app.state.secret_box = SecretBox(os.urandom(32))
    r = await api.call("skatteverket", "POST", f"/v1/webhooks/{hook['id']}/rotate-secret", json={})
    assert r.status_code == 200, r.text
    assert r.json()["previous_secret_expires_at"] is None
    async with connection(api.db_url) as db:
        assert await webhooks.signing_secrets(db, hook["id"], box=box_of(api)) == [
            r.json()["secret"]
        ]


@pytest.mark.parametrize("url", ["http://]x/hook", "https://[not-an-address]/hook", "https://[::1"])
async def test_a_url_that_is_not_well_formed_is_refused_in_words(api: Api, url: str) -> None:
    async with connection(api.db_url) as db, unchanged(db):
        r = await api.call("skatteverket", "POST", "/v1/webhooks", json={"url": url})
        body = assert_problem(r, 422, "rule-violation", pointer="/url")
    assert "not well formed" in body["errors"][0]["detail"]
