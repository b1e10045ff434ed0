"""Sync never drops a report silently: an `external_ref` sent again with other content is a
`conflict` naming the fields that differ (the stored report stays as it was), the same one
sent again is `unchanged`, and every outcome, a rejected one's too, echoes its `external_ref`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg

from tests import flow
from tests.api.support import assert_problem, unchanged
from tests.helpers import Api

SYNC = "/v1/sync/progress"
CONFLICT = "https://recotrack.se/problems/conflict"


def _item(rec_id: str, ref: str, **fields: Any) -> dict[str, Any]:
    return {"recommendation_id": rec_id, "external_ref": ref, "status": "in_progress", **fields}


def _pointers(outcome: dict[str, Any]) -> list[str]:
    return [e["pointer"] for e in outcome["problem"]["errors"]]


async def test_a_ref_sent_again_with_other_content_is_a_conflict_and_nothing_is_lost(
    api: Api, db: asyncpg.Connection
) -> None:
    rec = await flow.recommendation(api)
    other = await flow.recommendation(api)
    first = _item(rec["id"], "K-1", note="Upphandlingen är klar", percent_complete=40)
    r = await api.call("skatteverket", "POST", SYNC, json={"items": [first]})
    [created] = r.json()["items"]
    assert created["outcome"] == "created"
    stored = await db.fetchrow("select * from progress_report")

    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    batch = [
        first,  # the same again
        {**first, "status": "implemented", "note": "Införd"},  # other content
        {**first, "percent_complete": None, "evidence": ["https://skatteverket.se/plan"]},
        {**first, "reported_on": yesterday},
        {**first, "recommendation_id": other["id"]},  # another recommendation
    ]
    async with unchanged(db):
        r = await api.call("skatteverket", "POST", SYNC, json={"items": batch})
        assert r.status_code == 200, r.text
    result = r.json()
    outcomes = result["items"]
    assert [o["outcome"] for o in outcomes] == ["unchanged"] + ["conflict"] * 4
    assert {o["external_ref"] for o in outcomes} == {"K-1"}
    assert {o["progress_report_id"] for o in outcomes} == {created["progress_report_id"]}
    assert outcomes[0].get("problem") is None
    for outcome in outcomes[1:]:
        problem = outcome["problem"]
        assert (problem["type"], problem["status"], problem["pointer"]) == (
            CONFLICT,
            409,
            "/external_ref",
        )
        assert "new external_ref" in problem["detail"]  # how to correct a report
    assert _pointers(outcomes[1]) == ["/status", "/note"]
    assert "status" in outcomes[1]["problem"]["detail"]
    assert "note" in outcomes[1]["problem"]["detail"]
    assert "'in_progress'" in outcomes[1]["problem"]["errors"][0]["detail"]
    assert _pointers(outcomes[2]) == ["/percent_complete", "/evidence"]
    assert _pointers(outcomes[3]) == ["/reported_on"]
    assert _pointers(outcomes[4]) == ["/recommendation_id"]
    assert (result["created"], result["unchanged"], result["conflict"], result["rejected"]) == (
        0,
        1,
        4,
        0,
    )
    assert await db.fetchrow("select * from progress_report") == stored


async def test_a_ref_twice_in_one_batch_with_other_content_is_a_conflict(
    api: Api, db: asyncpg.Connection
) -> None:
    rec = await flow.recommendation(api)
    batch = [
        _item(rec["id"], "D-1", note="först"),
        _item(rec["id"], "D-1", note="först"),
        _item(rec["id"], "D-1", note="sedan"),
    ]
    result = (await api.call("skatteverket", "POST", SYNC, json={"items": batch})).json()
    assert [o["outcome"] for o in result["items"]] == ["created", "unchanged", "conflict"]
    assert _pointers(result["items"][2]) == ["/note"]
    assert len({o["progress_report_id"] for o in result["items"]}) == 1
    assert await db.fetchval("select note from progress_report") == "först"


async def test_a_rejected_item_echoes_its_external_ref(api: Api) -> None:
    rec = await flow.recommendation(api)
    batch = [
        _item(rec["id"], "R-1", status="done"),  # not a status: refused by its schema
        _item("not-an-id", "R-2"),  # no such recommendation
        {"recommendation_id": rec["id"], "status": "in_progress"},  # no external_ref at all
        "not even an object",
    ]
    result = (await api.call("skatteverket", "POST", SYNC, json={"items": batch})).json()
    assert [(o["outcome"], o["external_ref"]) for o in result["items"]] == [
        ("rejected", "R-1"),
        ("rejected", "R-2"),
        ("rejected", None),
        ("rejected", None),
    ]


async def test_one_report_sent_again_with_other_content_is_a_409(
    api: Api, db: asyncpg.Connection
) -> None:
    rec = await flow.recommendation(api)
    url = f"/v1/recommendations/{rec['id']}/progress"
    body = {"status": "in_progress", "external_ref": "P-1", "note": "Pågår"}
    assert (await api.call("skatteverket", "POST", url, json=body)).status_code == 201
    async with unchanged(db):
        again = await api.call("skatteverket", "POST", url, json=body)
        assert again.status_code == 200, again.text
        other = await api.call("skatteverket", "POST", url, json={**body, "note": "Klar"})
        problem = assert_problem(other, 409, "conflict", pointer="/external_ref")
    assert "note" in problem["detail"]
    assert "new external_ref" in problem["detail"]
