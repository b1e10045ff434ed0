"""`/v1/recommendations`: create (draft or issued), read with the derived state, change, issue
and retract; codes unique; due dates not before the issue date."""

from __future__ import annotations

from typing import Any

import pytest

from tests import flow
from tests.api.conftest import Shared
from tests.api.support import assert_problem, count, unchanged

FIELDS = {
    "id",
    "code",
    "review_id",
    "investment_id",
    "agency_id",
    "title",
    "body",
    "area",
    "priority",
    "issued_on",
    "response_due",
    "implementation_due",
    "diarienummer",
    "published",
    "state",
    "overdue",
    "decision",
    "reported_status",
    "assessed_status",
    "version",
    "created_at",
    "updated_at",
}


async def test_create_an_issued_recommendation_and_read_it(shared: Shared) -> None:
    api, db = shared.api, shared.db
    rev = await flow.review(api, "forsakringskassan")
    events = await count(db, "event")
    body = {
        "review_id": rev["id"],
        "code": "2026-FK-003",
        "title": "Säkra kompetensförsörjningen",
        "body": "Myndigheten bör *bygga* egen kompetens inom arkitektur.",
        "area": "competence",
        "priority": "low",
        "issued_on": "2026-02-01",
        "response_due": "2026-02-01",
        "implementation_due": "2099-12-31",
        "diarienummer": "Fi2026/00042",
    }
    r = await api.call("secretariat", "POST", "/v1/recommendations", json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert set(created) == FIELDS
    assert r.headers["location"] == f"/v1/recommendations/{created['id']}"
    assert r.headers["etag"] == '"1"'
    assert {k: created[k] for k in body} == body
    assert created["agency_id"] == "forsakringskassan"
    assert created["investment_id"] == rev["investment_id"]
    assert created["state"] == "issued"
    assert created["overdue"] is True  # the response was due long ago
    assert (created["decision"], created["reported_status"], created["assessed_status"]) == (
        None,
        None,
        None,
    )
    assert created["version"] == 1
    assert await count(db, "event") == events + 1

    for who in ("secretariat", "auditor", "forsakringskassan"):
        got = await api.call(who, "GET", r.headers["location"])
        assert got.status_code == 200, got.text
        assert got.headers["etag"] == '"1"'
        assert got.json() == created


async def test_a_draft_has_defaults_and_is_issued_by_a_patch(shared: Shared) -> None:
    api = shared.api
    rev = await flow.review(api)
    r = await api.call(
        "secretariat",
        "POST",
        "/v1/recommendations",
        json={"review_id": rev["id"], "code": "2026-SKV-900", "title": "Utkast", "area": "results"},
    )
    assert r.status_code == 201, r.text
    draft = r.json()
    assert draft["state"] == "draft"
    assert draft["overdue"] is False
    assert draft["body"] == ""
    assert draft["priority"] == "medium"
    assert draft["issued_on"] is None

    url = r.headers["location"]
    r = await api.call(
        "secretariat",
        "PATCH",
        url,
        json={"title": "Ny rubrik", "priority": "high", "diarienummer": "Fi2026/1"},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'
    assert r.json()["state"] == "draft"
    assert (r.json()["title"], r.json()["priority"]) == ("Ny rubrik", "high")

    r = await api.call(
        "secretariat", "PATCH", url, json={"issued_on": "2026-03-01"}, headers={"If-Match": '"2"'}
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "issued"
    assert r.json()["version"] == 3
    assert (await api.call("skatteverket", "GET", url)).status_code == 200


async def test_retracting_is_possible_until_the_agency_acts(shared: Shared) -> None:
    api, db = shared.api, shared.db
    untouched = await flow.recommendation(api)
    url = f"/v1/recommendations/{untouched['id']}"
    r = await api.call(
        "secretariat", "PATCH", url, json={"issued_on": None}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "draft"
    assert_problem(await api.call("skatteverket", "GET", url), 404, "not-found")

    for follow_up in (
        ("PUT", "response", {"decision": "accepted", "responded_by": "Åsa Öberg"}),
        ("POST", "progress", {"status": "not_started"}),
    ):
        rec = await flow.recommendation(api)
        url = f"/v1/recommendations/{rec['id']}"
        method, sub, body = follow_up
        r = await api.call("skatteverket", method, f"{url}/{sub}", json=body)
        assert r.status_code == 201, r.text
        etag = (await api.call("secretariat", "GET", url)).headers["etag"]
        async with unchanged(db):
            r = await api.call(
                "secretariat", "PATCH", url, json={"issued_on": None}, headers={"If-Match": etag}
            )
            assert_problem(r, 409, "transition-not-allowed")


async def test_a_closed_recommendation_cannot_be_edited(shared: Shared) -> None:
    api, db = shared.api, shared.db
    rec = await flow.recommendation(api)
    url = f"/v1/recommendations/{rec['id']}"
    r = await api.call("secretariat", "PUT", f"{url}/closure", json={"outcome": "withdrawn"})
    assert r.status_code == 201, r.text
    etag = (await api.call("secretariat", "GET", url)).headers["etag"]
    async with unchanged(db):
        r = await api.call(
            "secretariat", "PATCH", url, json={"title": "Ändrad"}, headers={"If-Match": etag}
        )
        assert_problem(r, 409, "transition-not-allowed")


async def test_a_code_is_unique(shared: Shared) -> None:
    api, db = shared.api, shared.db
    a = await flow.recommendation(api)
    b = await flow.recommendation(api, "forsakringskassan")
    async with unchanged(db):
        r = await api.call(
            "secretariat",
            "POST",
            "/v1/recommendations",
            json={"review_id": b["review_id"], "code": a["code"], "title": "T", "area": "results"},
        )
        assert_problem(r, 409, "conflict", pointer="/code")
        r = await api.call(
            "secretariat",
            "PATCH",
            f"/v1/recommendations/{b['id']}",
            json={"code": a["code"]},
            headers={"If-Match": '"1"'},
        )
        assert_problem(r, 409, "conflict", pointer="/code")


@pytest.mark.parametrize(
    ("body", "slug", "pointer"),
    [
        ({"review_id": "00000000-0000-4000-8000-000000000000"}, "rule-violation", "/review_id"),
        ({"review_id": "not-an-id"}, "rule-violation", "/review_id"),
        (
            {"issued_on": "2026-03-01", "response_due": "2026-02-28"},
            "rule-violation",
            "/response_due",
        ),
        (
            {"issued_on": "2026-03-01", "implementation_due": "2026-02-28"},
            "rule-violation",
            "/implementation_due",
        ),
        ({"code": "2026 SKV 1"}, "validation", "/code"),
        ({"code": "ab"}, "validation", "/code"),
        ({"code": "2026-SKV-1-"}, "validation", "/code"),
        ({"code": "x" * 41}, "validation", "/code"),
        ({"title": ""}, "validation", "/title"),
    ],
)
async def test_bad_values_are_refused(
    shared: Shared, body: dict[str, Any], slug: str, pointer: str
) -> None:
    async with unchanged(shared.db):
        r = await shared.api.call(
            "secretariat",
            "POST",
            "/v1/recommendations",
            json={
                "review_id": shared.world.review,
                "code": "2026-NEW-001",
                "title": "T",
                "area": "results",
                **body,
            },
        )
        assert_problem(r, 422, slug, pointer=pointer)


async def test_the_world_recommendations_code_is_taken(shared: Shared) -> None:
    rec = (
        await shared.api.call("secretariat", "GET", shared.world.url("/v1/recommendations/{rec}"))
    ).json()
    async with unchanged(shared.db):
        r = await shared.api.call(
            "secretariat",
            "POST",
            "/v1/recommendations",
            json={
                "review_id": shared.world.review,
                "code": rec["code"],
                "title": "T",
                "area": "results",
            },
        )
        assert_problem(r, 409, "conflict", pointer="/code")


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"response_due": "2026-01-14"}, "/response_due"),
        ({"implementation_due": "2026-01-01"}, "/implementation_due"),
        ({"issued_on": "2026-03-01"}, "/response_due"),  # after the stored response_due
    ],
)
async def test_a_change_cannot_put_a_due_date_before_the_issue(
    shared: Shared, change: dict[str, Any], pointer: str
) -> None:
    api, db = shared.api, shared.db
    rec = await flow.recommendation(api, issued_on="2026-01-15", response_due="2026-02-15")
    async with unchanged(db):
        r = await api.call(
            "secretariat",
            "PATCH",
            f"/v1/recommendations/{rec['id']}",
            json=change,
            headers={"If-Match": '"1"'},
        )
        assert_problem(r, 422, "rule-violation", pointer=pointer)


async def test_the_secretariat_decides_what_is_published(shared: Shared) -> None:
    """`published` (for the public catalogue) is false until the secretariat says otherwise,
    on creation or by a change, which is a new version with its event like any other."""
    api, db = shared.api, shared.db
    rec = await flow.recommendation(api)
    assert rec["published"] is False
    url = f"/v1/recommendations/{rec['id']}"
    r = await api.call(
        "secretariat", "PATCH", url, json={"published": True}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["published"], r.json()["version"]) == (True, 2)
    event = await db.fetchrow(
        "select action, data from event where entity = 'recommendation' and entity_id = $1"
        " order by seq desc limit 1",
        rec["id"],
    )
    assert event is not None
    assert (event["action"], event["data"]["published"]) == ("updated", True)
    assert (await flow.recommendation(api, published=True))["published"] is True
    r = await api.call(
        "skatteverket", "PATCH", url, json={"published": False}, headers={"If-Match": '"2"'}
    )
    assert r.status_code == 403, r.text
