"""Secrecy marks: the secretariat marks fields with their legal ground; every role that may
read the recommendation reads them; each change is an event; bad marks change nothing."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests import flow
from tests.api.conftest import Shared
from tests.api.support import assert_problem, count, unchanged

MARKS: dict[str, Any] = {
    "fields": [
        {"field": "body", "ground": "18 kap. 8 § OSL", "note": "Brandväggens regler"},
        {"field": "response.planned_actions", "ground": "19 kap. 3 § OSL"},
    ]
}


async def _secrecy_events(db: asyncpg.Connection, rec_id: str) -> list[asyncpg.Record]:
    return await db.fetch(
        "select action, version, agency_visible, data from event"
        " where entity = 'secrecy' and entity_id = $1 order by seq",
        rec_id,
    )


async def test_marks_are_set_read_by_every_reader_and_recorded(shared: Shared) -> None:
    api, db = shared.api, shared.db
    rec = await flow.recommendation(api)
    url = f"/v1/recommendations/{rec['id']}/secrecy"
    assert_problem(await api.call("secretariat", "GET", url), 404, "not-found")

    r = await api.call("secretariat", "PUT", url, json=MARKS)
    assert r.status_code == 201, r.text
    assert r.headers["etag"] == '"1"'
    marks = r.json()
    assert marks["recommendation_id"] == rec["id"]
    assert marks["version"] == 1
    assert marks["fields"] == [
        {"field": "body", "ground": "18 kap. 8 § OSL", "note": "Brandväggens regler"},
        {"field": "response.planned_actions", "ground": "19 kap. 3 § OSL", "note": ""},
    ]
    for who in ("secretariat", "skatteverket", "auditor"):
        got = await api.call(who, "GET", url)
        assert got.status_code == 200, (who, got.text)
        assert got.json() == marks
    # another agency finds neither the recommendation nor its marks
    assert_problem(await api.call("forsakringskassan", "GET", url), 404, "not-found")
    # the marks hide nothing from those who may read: the body is there as written
    body = (await api.call("skatteverket", "GET", f"/v1/recommendations/{rec['id']}")).json()
    assert body["body"] == rec["body"]

    [event] = await _secrecy_events(db, rec["id"])
    assert (event["action"], event["version"], event["agency_visible"]) == ("created", 1, True)
    assert event["data"]["fields"] == marks["fields"]
    feed = (await api.call("skatteverket", "GET", "/v1/changes?limit=1000")).json()
    assert any(c["entity"] == "secrecy" and c["entity_id"] == rec["id"] for c in feed["items"])


async def test_changing_marks_needs_the_version_read(shared: Shared) -> None:
    api, db = shared.api, shared.db
    rec = await flow.recommendation(api)
    url = f"/v1/recommendations/{rec['id']}/secrecy"
    assert (await api.call("secretariat", "PUT", url, json=MARKS)).status_code == 201
    fewer = {"fields": [{"field": "title", "ground": "31 kap. 16 § OSL", "note": "Leverantören"}]}

    async with unchanged(db):
        assert_problem(
            await api.call("secretariat", "PUT", url, json=fewer), 428, "precondition-required"
        )
        r = await api.call("secretariat", "PUT", url, json=fewer, headers={"If-Match": '"7"'})
        assert_problem(r, 412, "precondition-failed")

    r = await api.call("secretariat", "PUT", url, json=fewer, headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["fields"][0]["field"]) == (2, "title")

    # the same marks again are no change: no new version, no event
    events = await count(db, "event")
    again = await api.call("secretariat", "PUT", url, json=fewer, headers={"If-Match": '"2"'})
    assert again.status_code == 200, again.text
    assert again.json()["version"] == 2
    assert await count(db, "event") == events

    cleared = await api.call(
        "secretariat", "PUT", url, json={"fields": []}, headers={"If-Match": '"2"'}
    )
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["fields"], cleared.json()["version"]) == ([], 3)
    actions = [e["action"] for e in await _secrecy_events(db, rec["id"])]
    assert actions == ["created", "updated", "updated"]


async def test_only_the_secretariat_marks(shared: Shared) -> None:
    api, db = shared.api, shared.db
    rec = await flow.recommendation(api)
    url = f"/v1/recommendations/{rec['id']}/secrecy"
    async with unchanged(db):
        for who in ("skatteverket", "auditor"):
            assert_problem(await api.call(who, "PUT", url, json=MARKS), 403, "forbidden")


async def test_bad_marks_are_refused_in_words_and_change_nothing(shared: Shared) -> None:
    api, db = shared.api, shared.db
    rec = await flow.recommendation(api)
    url = f"/v1/recommendations/{rec['id']}/secrecy"
    twice = {
        "fields": [
            {"field": "body", "ground": "18 kap. 8 § OSL"},
            {"field": "body", "ground": "19 kap. 1 § OSL"},
        ]
    }
    async with unchanged(db):
        r = await api.call("secretariat", "PUT", url, json=twice)
        problem = assert_problem(r, 422, "rule-violation", pointer="/fields/1/field")
        assert "marked twice" in problem["errors"][0]["detail"]

        r = await api.call(
            "secretariat", "PUT", url, json={"fields": [{"field": "budget", "ground": "x"}]}
        )
        [error] = assert_problem(r, 422, "validation", pointer="/fields/0/field")["errors"]
        assert "`closure.note`" in error["detail"]
        assert "budget" in error["detail"]

        for ground, slug in (("", "validation"), ("   ", "rule-violation")):
            r = await api.call(
                "secretariat", "PUT", url, json={"fields": [{"field": "body", "ground": ground}]}
            )
            assert_problem(r, 422, slug, pointer="/fields/0/ground")

        missing = f"/v1/recommendations/{'0' * 8}-0000-4000-8000-{'0' * 12}/secrecy"
        assert_problem(await api.call("secretariat", "PUT", missing, json=MARKS), 404, "not-found")


async def test_a_drafts_marks_are_no_agencys_business(shared: Shared) -> None:
    api, db = shared.api, shared.db
    rec = await flow.recommendation(api, issued=False)
    url = f"/v1/recommendations/{rec['id']}/secrecy"
    assert (await api.call("secretariat", "PUT", url, json=MARKS)).status_code == 201
    assert_problem(await api.call("skatteverket", "GET", url), 404, "not-found")
    [event] = await _secrecy_events(db, rec["id"])
    assert event["agency_visible"] is False


async def test_the_common_grounds_are_listed(shared: Shared) -> None:
    r = await shared.api.call("skatteverket", "GET", "/v1/secrecy-grounds")
    assert r.status_code == 200, r.text
    grounds = {g["reference"]: g for g in r.json()}
    assert {"18 kap. 8 § OSL", "19 kap. 3 § OSL", "31 kap. 16 § OSL"} <= set(grounds)
    assert all(g["sv"] and g["en"] for g in grounds.values())
