"""POST /v1/sync/progress: a batch keyed by external_ref; resending is a no-op; items fail alone."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest

from tests import flow
from tests.helpers import Api


def _item(rec_id: str, ref: str, **fields: Any) -> dict[str, Any]:
    return {"recommendation_id": rec_id, "external_ref": ref, "status": "in_progress", **fields}


async def test_a_batch_is_applied_once_with_an_outcome_per_item(
    api: Api, db: asyncpg.Connection
) -> None:
    own = await flow.recommendation(api)
    closed = await flow.recommendation(api)
    r = await api.call(
        "secretariat",
        "PUT",
        f"/v1/recommendations/{closed['id']}/closure",
        json={"outcome": "withdrawn"},
    )
    assert r.status_code == 201
    draft = await flow.recommendation(api, issued=False)
    theirs = await flow.recommendation(api, "forsakringskassan")
    batch = [
        _item(own["id"], "A-1"),
        _item(own["id"], "A-2", status="implemented", percent_complete=100),
        _item(own["id"], "A-1"),  # repeated within the batch
        _item(closed["id"], "A-3"),  # closed: no progress
        _item(draft["id"], "A-4"),  # a draft is invisible to the agency
        _item(theirs["id"], "A-5"),  # another agency's
        _item(own["id"], "A-6", status="done"),  # bad enum
        {"recommendation_id": own["id"], "status": "in_progress"},  # no external_ref
        _item(own["id"], "A-7", reported_on="2999-01-01"),  # in the future
        _item("not-an-id", "A-8"),
    ]
    events_before = await db.fetchval("select count(*) from event")
    r = await api.call("skatteverket", "POST", "/v1/sync/progress", json={"items": batch})
    assert r.status_code == 200, r.text
    result = r.json()
    outcomes = [
        (o["index"], o["outcome"], (o.get("problem") or {}).get("status")) for o in result["items"]
    ]
    assert outcomes == [
        (0, "created", None),
        (1, "created", None),
        (2, "unchanged", None),
        (3, "rejected", 409),
        (4, "rejected", 404),
        (5, "rejected", 404),
        (6, "rejected", 422),
        (7, "rejected", 422),
        (8, "rejected", 422),
        (9, "rejected", 404),
    ]
    assert result["items"][6]["problem"]["pointer"] == "/status"
    assert "`in_progress`" in result["items"][6]["problem"]["detail"]  # the values it may take
    assert result["items"][2]["progress_report_id"] == result["items"][0]["progress_report_id"]
    assert (result["created"], result["unchanged"], result["rejected"]) == (2, 1, 7)
    assert await db.fetchval("select count(*) from progress_report") == 2
    assert await db.fetchval("select count(*) from event") == events_before + 2
    state = (await api.call("skatteverket", "GET", f"/v1/recommendations/{own['id']}")).json()
    assert state["state"] == "implemented"

    again = await api.call("skatteverket", "POST", "/v1/sync/progress", json={"items": batch[:3]})
    assert [o["outcome"] for o in again.json()["items"]] == ["unchanged"] * 3
    assert await db.fetchval("select count(*) from progress_report") == 2


async def test_only_agencies_sync_and_the_batch_is_bounded(api: Api) -> None:
    own = await flow.recommendation(api)
    body = {"items": [_item(own["id"], "X")]}
    assert (
        await api.call("secretariat", "POST", "/v1/sync/progress", json=body)
    ).status_code == 403
    assert (await api.call("auditor", "POST", "/v1/sync/progress", json=body)).status_code == 403
    empty = await api.call("skatteverket", "POST", "/v1/sync/progress", json={"items": []})
    assert empty.status_code == 422
    too_many = {"items": [_item(own["id"], f"R-{i}") for i in range(10_001)]}
    r = await api.call("skatteverket", "POST", "/v1/sync/progress", json=too_many)
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "/items"


async def test_what_a_batch_records_is_what_is_stored(api: Api, db: asyncpg.Connection) -> None:
    """The reports of a batch are built before they are written (not read back): the event
    log must hold exactly the rows the database stored, evidence and time included."""
    rec = await flow.recommendation(api)
    links = ["https://example.se/beslut.pdf", "https://example.se/plan"]
    batch = [_item(rec["id"], "E-1", evidence=links, note="Med bilagor"), _item(rec["id"], "E-2")]
    r = await api.call("skatteverket", "POST", "/v1/sync/progress", json={"items": batch})
    assert r.status_code == 200, r.text
    stored = (
        await api.call("skatteverket", "GET", f"/v1/recommendations/{rec['id']}/progress")
    ).json()["items"]
    history = (
        await api.call("skatteverket", "GET", f"/v1/recommendations/{rec['id']}/history")
    ).json()["items"]
    recorded = [e["data"] for e in history if e["entity"] == "progress_report"]
    assert sorted(stored, key=lambda p: p["external_ref"]) == recorded
    assert recorded[0]["evidence"] == links
    assert recorded[1]["evidence"] == []
    assert (await api.call("auditor", "GET", "/v1/audit/verify")).json()["ok"]


async def test_a_report_belongs_to_its_recommendations_agency(
    api: Api, db: asyncpg.Connection
) -> None:
    rec = await flow.recommendation(api)
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await db.execute(
            """
            insert into progress_report (recommendation_id, agency_id, status, reported_on)
            values ($1, 'forsakringskassan', 'in_progress', current_date)
            """,
            uuid.UUID(rec["id"]),
        )


@pytest.mark.parametrize("body", [b"{", b"not json", b'{"items": [1,}', b'{"items": 5, "x'])
async def test_a_batch_that_is_not_json_is_malformed_json(
    api: Api, db: asyncpg.Connection, body: bytes
) -> None:
    events_before = await db.fetchval("select count(*) from event")
    r = await api.call(
        "skatteverket",
        "POST",
        "/v1/sync/progress",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text
    assert r.json()["type"] == "https://recotrack.se/problems/malformed-json"
    assert await db.fetchval("select count(*) from event") == events_before
