"""`/v1/reviews`: second-opinion assignments on an investment, with their agency derived from it
and a delivery that cannot come before the start."""

from __future__ import annotations

from typing import Any

import pytest

from tests import flow
from tests.api.conftest import Shared
from tests.api.support import assert_problem, count, unchanged
from tests.helpers import Api

FIELDS = {
    "id",
    "investment_id",
    "agency_id",
    "title",
    "report_ref",
    "diarienummer",
    "started_on",
    "delivered_on",
    "version",
    "created_at",
    "updated_at",
}


async def test_create_read_list_and_change(shared: Shared) -> None:
    api, db = shared.api, shared.db
    inv = await flow.investment(api, "forsakringskassan")
    events = await count(db, "event")
    body = {
        "investment_id": inv["id"],
        "title": "Andra granskningen",
        "report_ref": "Rapport 2026:4",
        "diarienummer": "Fi2026/01234",
        "started_on": "2026-02-01",
        "delivered_on": "2026-02-01",  # the same day is fine
    }
    r = await api.call("secretariat", "POST", "/v1/reviews", json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert set(created) == FIELDS
    assert r.headers["location"] == f"/v1/reviews/{created['id']}"
    assert r.headers["etag"] == '"1"'
    assert {k: created[k] for k in body} == body
    assert created["agency_id"] == "forsakringskassan"
    assert created["version"] == 1
    assert await count(db, "event") == events + 1

    got = await api.call("forsakringskassan", "GET", r.headers["location"])
    assert got.status_code == 200, got.text
    assert got.headers["etag"] == '"1"'
    assert got.json() == created
    assert_problem(await api.call("skatteverket", "GET", r.headers["location"]), 404, "not-found")

    r = await api.call(
        "secretariat",
        "PATCH",
        r.headers["location"],
        json={"delivered_on": "2026-05-31", "report_ref": None},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'
    assert r.json()["delivered_on"] == "2026-05-31"
    assert r.json()["report_ref"] is None
    assert r.json()["version"] == 2


async def test_list_and_filter(api: Api) -> None:
    a = await flow.review(api, "skatteverket")
    b = await flow.review(api, "forsakringskassan")
    c = await api.call(
        "secretariat",
        "POST",
        "/v1/reviews",
        json={"investment_id": a["investment_id"], "title": "Uppföljning"},
    )
    assert c.status_code == 201, c.text
    c_id = c.json()["id"]

    async def listed(who: str, query: str = "") -> list[str]:
        r = await api.call(who, "GET", f"/v1/reviews?{query}")
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert await listed("auditor") == [a["id"], b["id"], c_id]
    assert await listed("auditor", "agency=forsakringskassan") == [b["id"]]
    assert await listed("auditor", f"investment_id={a['investment_id']}") == [a["id"], c_id]
    assert await listed("skatteverket") == [a["id"], c_id]
    assert await listed("skatteverket", f"investment_id={b['investment_id']}") == []


async def test_a_malformed_investment_filter_matches_nothing(shared: Shared) -> None:
    """As on /v1/recommendations: a filter narrows a list, it does not make it "not found"."""
    r = await shared.api.call("secretariat", "GET", "/v1/reviews?investment_id=not-an-id")
    assert r.status_code == 200, r.text
    assert r.json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("body", "slug", "pointer"),
    [
        (
            {"investment_id": "00000000-0000-4000-8000-000000000000"},
            "rule-violation",
            "/investment_id",
        ),
        ({"investment_id": "not-an-id"}, "rule-violation", "/investment_id"),
        (
            {"started_on": "2026-03-02", "delivered_on": "2026-03-01"},
            "rule-violation",
            "/delivered_on",
        ),
        ({"title": ""}, "validation", "/title"),
        ({"diarienummer": "x" * 201}, "validation", "/diarienummer"),
    ],
)
async def test_bad_values_are_refused(
    shared: Shared, body: dict[str, Any], slug: str, pointer: str
) -> None:
    async with unchanged(shared.db):
        r = await shared.api.call(
            "secretariat",
            "POST",
            "/v1/reviews",
            json={"investment_id": shared.world.investment, "title": "G", **body},
        )
        assert_problem(r, 422, slug, pointer=pointer)


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"delivered_on": "2026-02-28"}, "/delivered_on"),
        ({"started_on": "2026-04-02"}, "/delivered_on"),
        ({"started_on": "2026-05-01", "delivered_on": "2026-04-30"}, "/delivered_on"),
    ],
)
async def test_a_change_cannot_put_delivery_before_start(
    shared: Shared, change: dict[str, Any], pointer: str
) -> None:
    api, db = shared.api, shared.db
    rev = await flow.review(api, started_on="2026-03-01", delivered_on="2026-04-01")
    async with unchanged(db):
        r = await api.call(
            "secretariat",
            "PATCH",
            f"/v1/reviews/{rev['id']}",
            json=change,
            headers={"If-Match": '"1"'},
        )
        assert_problem(r, 422, "rule-violation", pointer=pointer)
