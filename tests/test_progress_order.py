"""One order of progress reports everywhere: the order they were written in (a batch's input
order within the batch). The list, the timeline, the export, the state and "latest" agree on
it, and the latest report is the last one written, whatever date it names."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import asyncpg

from tests import flow
from tests.helpers import Api

STATUSES = ["in_progress", "implemented", "partially_implemented", "implemented", "in_progress"]


async def _batch_of_five(api: Api) -> dict[str, Any]:
    rec = await flow.recommendation(api)
    items = [
        {
            "recommendation_id": rec["id"],
            "external_ref": f"steg-{n}-{rec['id']}",
            "status": status,
            "note": f"steg {n}",
        }
        for n, status in enumerate(STATUSES)
    ]
    r = await api.call("skatteverket", "POST", "/v1/sync/progress", json={"items": items})
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 5
    return rec


async def _notes_listed(api: Api, url: str, *, limit: int) -> list[str]:
    notes: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        page = (await api.call("skatteverket", "GET", f"{url}/progress", params=params)).json()
        notes += [p["note"] for p in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            return notes


async def _timeline(api: Api, url: str) -> list[str]:
    history = (await api.call("skatteverket", "GET", f"{url}/history")).json()["items"]
    return [e["data"]["note"] for e in history if e["entity"] == "progress_report"]


async def _exported_note(api: Api, rec_id: str) -> str:
    r = await api.call("auditor", "GET", "/v1/exports/recommendations?format=ndjson")
    [row] = [row for line in r.text.splitlines() if (row := json.loads(line))["id"] == rec_id]
    note: str = row["progress_note"]
    return note


async def test_a_batch_is_listed_timed_and_latest_in_its_input_order(
    api: Api, db: asyncpg.Connection
) -> None:
    rec = await _batch_of_five(api)
    url = f"/v1/recommendations/{rec['id']}"
    in_order = [f"steg {n}" for n in range(5)]
    # one moment for all five: only the order of writing tells them apart
    assert await db.fetchval("select count(distinct created_at) from progress_report") == 1
    assert await _notes_listed(api, url, limit=100) == in_order
    assert await _notes_listed(api, url, limit=2) == in_order  # and page by page
    assert await _timeline(api, url) == in_order
    got = (await api.call("skatteverket", "GET", url)).json()
    assert (got["reported_status"], got["state"]) == ("in_progress", "in_progress")
    assert await _exported_note(api, rec["id"]) == "steg 4"


async def test_the_latest_report_is_the_last_written_even_when_it_names_an_earlier_day(
    api: Api,
) -> None:
    """A report dated before the others, sent after them, is the agency's newest word: it is
    listed last and counts, as in the timeline (the date stays what the agency gave)."""
    rec = await _batch_of_five(api)
    url = f"/v1/recommendations/{rec['id']}"
    earlier = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    r = await api.call(
        "skatteverket",
        "POST",
        f"{url}/progress",
        json={"status": "implemented", "note": "steg 5", "reported_on": earlier},
    )
    assert r.status_code == 201, r.text
    in_order = [f"steg {n}" for n in range(6)]
    assert await _notes_listed(api, url, limit=4) == in_order
    assert await _timeline(api, url) == in_order
    got = (await api.call("skatteverket", "GET", url)).json()
    assert (got["reported_status"], got["state"]) == ("implemented", "implemented")
    assert await _exported_note(api, rec["id"]) == "steg 5"
    stats = (await api.call("secretariat", "GET", "/v1/stats")).json()
    counted = {
        (c["state"], c["count"]) for c in stats["counts"] if c["agency_id"] == "skatteverket"
    }
    assert counted == {("implemented", 1)}


async def test_assessments_are_listed_in_the_order_written_and_the_last_counts(
    api: Api,
) -> None:
    rec = await flow.recommendation(api)
    url = f"/v1/recommendations/{rec['id']}"
    today = dt.date.today()
    for n, (status, days_ago) in enumerate([("in_progress", 0), ("implemented", 10)]):
        r = await api.call(
            "secretariat",
            "POST",
            f"{url}/assessments",
            json={
                "status": status,
                "note": f"bedömning {n}",
                "assessed_on": (today - dt.timedelta(days=days_ago)).isoformat(),
            },
        )
        assert r.status_code == 201, r.text
    listed = (await api.call("secretariat", "GET", f"{url}/assessments")).json()["items"]
    assert [a["note"] for a in listed] == ["bedömning 0", "bedömning 1"]
    got = (await api.call("secretariat", "GET", url)).json()
    assert got["assessed_status"] == "implemented"
