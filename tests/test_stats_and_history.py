"""GET /v1/stats and a recommendation's history."""

from __future__ import annotations

import asyncpg
import pytest

from recotrack.demo import load_demo
from tests import flow
from tests.helpers import Api


async def test_stats_match_the_data_for_every_caller(api: Api, db: asyncpg.Connection) -> None:
    await load_demo(db, per_agency=6)
    everything = (await api.call("secretariat", "GET", "/v1/stats")).json()
    assert everything["total"] == await db.fetchval("select count(*) from recommendation")
    assert everything["overdue"] == await db.fetchval(
        "select count(*) from recommendation_view where overdue"
    )
    by_key = {(c["agency_id"], c["area"], c["state"]): c["count"] for c in everything["counts"]}
    expected = {
        (r["agency_id"], r["area"], r["state"]): r["n"]
        for r in await db.fetch(
            "select agency_id, area, state, count(*) as n from recommendation_view group by 1, 2, 3"
        )
    }
    assert by_key == expected
    assert sum(everything["decision_shares"].values()) == pytest.approx(1.0), everything
    assert 0 <= everything["implemented_share"] <= 1
    assert everything["median_days_to_response"] is not None
    overdue = [a["overdue"] for a in everything["overdue_by_agency"]]
    assert overdue == sorted(overdue, reverse=True)

    own = (await api.call("skatteverket", "GET", "/v1/stats")).json()
    assert {c["agency_id"] for c in own["counts"]} == {"skatteverket"}
    assert all(c["state"] != "draft" for c in own["counts"])
    assert own["total"] == await db.fetchval(
        "select count(*) from recommendation"
        " where agency_id = 'skatteverket' and issued_on is not null"
    )
    assert (await api.call("auditor", "GET", "/v1/stats")).json() == everything


async def test_stats_of_an_empty_database(api: Api) -> None:
    empty = (await api.call("auditor", "GET", "/v1/stats")).json()
    assert empty["total"] == 0
    assert empty["implemented_share"] is None
    assert empty["median_days_to_implementation"] is None


async def test_history_tells_the_story_with_actors(api: Api) -> None:
    rec = await flow.recommendation(api, issued=False)
    url = f"/v1/recommendations/{rec['id']}"
    await api.call(
        "secretariat", "PATCH", url, json={"issued_on": "2026-02-01"}, headers={"If-Match": '"1"'}
    )
    await api.call(
        "skatteverket",
        "PUT",
        f"{url}/response",
        json={"decision": "accepted", "responded_by": "Åsa", "target_date": "2026-06-30"},
    )
    await api.call("skatteverket", "POST", f"{url}/progress", json={"status": "implemented"})
    await api.call("secretariat", "PUT", f"{url}/closure", json={"outcome": "implemented"})
    await api.call("secretariat", "DELETE", f"{url}/closure", headers={"If-Match": '"1"'})

    story = (await api.call("auditor", "GET", f"{url}/history")).json()["items"]
    assert [(e["entity"], e["action"]) for e in story] == [
        ("recommendation", "created"),
        ("recommendation", "issued"),
        ("response", "created"),
        ("progress_report", "created"),
        ("closure", "closed"),
        ("closure", "reopened"),
    ]
    assert story[2]["actor_role"] == "agency"
    assert story[2]["actor_label"] == "skatteverket"
    assert story[4]["actor_role"] == "secretariat"
    assert story[2]["data"]["target_date"] == "2026-06-30"

    theirs = (await api.call("skatteverket", "GET", f"{url}/history")).json()["items"]
    assert theirs[0]["action"] == "issued"  # its time as a draft is not theirs
    assert (await api.call("forsakringskassan", "GET", f"{url}/history")).status_code == 404

    paged = (await api.call("auditor", "GET", f"{url}/history?limit=4")).json()
    assert len(paged["items"]) == 4
    rest = (await api.call("auditor", "GET", f"{url}/history?cursor={paged['next_cursor']}")).json()
    assert [e["seq"] for e in paged["items"] + rest["items"]] == [e["seq"] for e in story]


async def test_stats_are_never_stale(api: Api) -> None:
    """The figures are cached until something changes: every write shows at once."""
    before = (await api.call("secretariat", "GET", "/v1/stats")).json()
    assert (await api.call("secretariat", "GET", "/v1/stats")).json() == before
    rec = await flow.recommendation(api)
    after = (await api.call("secretariat", "GET", "/v1/stats")).json()
    assert after["total"] == before["total"] + 1
    r = await api.call(
        "secretariat",
        "PUT",
        f"/v1/recommendations/{rec['id']}/closure",
        json={"outcome": "implemented"},
    )
    assert r.status_code == 201
    closed = (await api.call("secretariat", "GET", "/v1/stats")).json()
    assert sum(c["count"] for c in closed["counts"] if c["state"] == "closed") == 1
    assert (await api.call("skatteverket", "GET", "/v1/stats")).json()["total"] == 1
