"""One time zone story: every timestamp that leaves the service through the API or an export
is RFC 3339 in UTC, written with `Z`, although the database sessions run in Swedish time
(`store.pool.SERVER_SETTINGS`: so that "today" is a Swedish day). People are shown Swedish
time instead, and are told so (tests/web)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import asyncpg

from recotrack.domain.swedish_time import STOCKHOLM
from recotrack.store.pool import SERVER_SETTINGS, connect
from recotrack_sdk.audit import verify_ndjson
from tests import flow
from tests.helpers import Api

# a date and a time of day, with or without a zone: anything that looks like a moment
_MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?"
)
_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z")


def _moments(text: str) -> list[str]:
    found = _MOMENT.findall(text)
    assert found, "the text carries timestamps"
    return found


def _not_utc(text: str) -> list[str]:
    return [m for m in _moments(text) if not _UTC.fullmatch(m)]


async def _history(api: Api) -> dict[str, Any]:
    """A recommendation with a response, a moved target date, progress and a closure."""
    rec = await flow.recommendation(api)
    url = f"/v1/recommendations/{rec['id']}"
    body = {"decision": "accepted", "target_date": "2026-06-30", "responded_by": "Åsa Öberg"}
    r = await api.call("skatteverket", "PUT", f"{url}/response", json=body)
    assert r.status_code == 201, r.text
    r = await api.call(
        "skatteverket",
        "PUT",
        f"{url}/response",
        json={**body, "target_date": "2026-12-31", "target_date_reason": "Ny upphandling"},
        headers={"If-Match": r.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    for day, status in (("2026-02-01", "in_progress"), ("2026-03-01", "implemented")):
        r = await api.call(
            "skatteverket",
            "POST",
            f"{url}/progress",
            json={"status": status, "note": "steg", "reported_on": day},
        )
        assert r.status_code == 201, r.text
    r = await api.call(
        "secretariat", "PUT", f"{url}/closure", json={"outcome": "implemented", "note": "OK"}
    )
    assert r.status_code == 201, r.text
    r = await api.call("secretariat", "POST", "/v1/audit/checkpoints", json={})
    assert r.status_code in (200, 201), r.text
    return rec


async def test_the_sessions_run_in_swedish_time(api: Api) -> None:
    """What makes the rest of this module mean something: the zone a session renders
    timestamps in, when nothing says otherwise, is not UTC."""
    assert SERVER_SETTINGS["timezone"] == "Europe/Stockholm"
    conn = await connect(api.db_url)
    try:
        assert await conn.fetchval("show timezone") == "Europe/Stockholm"
        rendered = await conn.fetchval("select to_json(now())::text")
    finally:
        await conn.close()
    assert not rendered.endswith('Z"')


async def test_exports_carry_only_utc_timestamps(api: Api) -> None:
    await _history(api)
    for path in (
        "/v1/audit/events",
        "/v1/audit/events?format=csv",
        "/v1/audit/events?format=csv&dialect=rfc4180",
        "/v1/exports/recommendations",
        "/v1/exports/recommendations?format=ndjson",
        "/v1/exports/recommendations?dialect=rfc4180",
    ):
        r = await api.call("auditor", "GET", path)
        assert r.status_code == 200, (path, r.text)
        assert _not_utc(r.content.decode("utf-8-sig")) == [], path
        if "checkpoint" in r.headers.get("x-chain-checkpoint", ""):
            assert _not_utc(r.headers["x-chain-checkpoint"]) == [], path


async def test_api_bodies_carry_only_utc_timestamps(api: Api) -> None:
    rec = await _history(api)
    url = f"/v1/recommendations/{rec['id']}"
    for who, path in (
        ("auditor", "/v1/recommendations"),
        ("auditor", url),
        ("auditor", f"{url}/response"),
        ("auditor", f"{url}/progress"),
        ("auditor", f"{url}/closure"),
        ("auditor", f"{url}/history"),
        ("auditor", "/v1/changes"),
        ("auditor", "/v1/audit/checkpoints"),
        ("auditor", "/v1/agencies"),
        ("secretariat", "/v1/tokens"),
        ("skatteverket", url),
    ):
        r = await api.call(who, "GET", path)
        assert r.status_code == 200, (path, r.text)
        assert _not_utc(r.text) == [], path


async def test_the_xlsx_export_writes_moments_in_utc_and_says_so(
    api: Api, db: asyncpg.Connection
) -> None:
    rec = await _history(api)
    r = await api.call("auditor", "GET", "/v1/exports/recommendations?format=xlsx")
    assert r.status_code == 200, r.text
    with zipfile.ZipFile(io.BytesIO(r.content)) as book:
        styles = book.read("xl/styles.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    formats = re.findall(r'formatCode="([^"]*)"', styles)
    assert any(f.endswith("&quot;Z&quot;") for f in formats), formats
    created: dt.datetime = await db.fetchval(
        "select created_at from recommendation where id = $1", rec["id"]
    )
    # Excel's serial day number of the moment in UTC (1900 system)
    utc = created.astimezone(dt.UTC).replace(tzinfo=None)
    serial = (utc - dt.datetime(1899, 12, 30)).total_seconds() / 86400
    values = [float(v) for v in re.findall(r"<v>([0-9.]+)</v>", sheet) if "." in v]
    assert any(abs(v - serial) < 1 / 86400 for v in values), (serial, values)


async def test_the_chain_verifies_in_either_form_of_its_times(api: Api) -> None:
    """The hash covers a moment, not how it is written: an export made before this rule (times
    with Swedish offsets, as PostgreSQL rendered them) verifies as the one made now (`Z`)."""
    await _history(api)
    r = await api.call("auditor", "GET", "/v1/audit/events")
    assert r.status_code == 200, r.text
    lines = [json.loads(line) for line in r.text.splitlines()]
    events = [line for line in lines if "checkpoint" not in line]
    assert events
    assert all(e["occurred_at"].endswith("Z") for e in events)
    head = r.headers["x-chain-head"]
    assert verify_ndjson(r.text.splitlines(), head).ok

    def swedish(event: dict[str, Any]) -> dict[str, Any]:
        moment = dt.datetime.fromisoformat(event["occurred_at"]).astimezone(STOCKHOLM)
        return {**event, "occurred_at": moment.isoformat()}

    before = [json.dumps(swedish(e)) for e in events]
    assert all(not json.loads(e)["occurred_at"].endswith("Z") for e in before)
    assert verify_ndjson(before, head).ok


def test_the_contract_says_moments_are_utc_and_dates_swedish() -> None:
    contract = json.loads((Path(__file__).parents[1] / "openapi" / "openapi.json").read_text())
    description = contract["info"]["description"]
    assert "RFC 3339 in UTC" in description
    assert "Europe/Stockholm" in description
