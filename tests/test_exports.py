"""Exports over HTTP: the event log and the recommendations, as NDJSON, CSV (for Swedish
Excel, or RFC 4180) and XLSX; scoped to the caller, streamed from one snapshot, and a client
that reads slowly or leaves early costs no connection."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import re
import socket
import time
import zipfile
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest

from recotrack_sdk import AsyncClient, Client, Export
from tests import flow
from tests.helpers import Api

EVENTS = "/v1/audit/events"
RECOMMENDATIONS = "/v1/exports/recommendations"
BULK_EVENTS = 20_000
"""Events behind the streaming tests: an export of ~10 MB, more than the socket buffers
between the service and a client hold."""
EVENT_KEYS = {
    "seq",
    "occurred_at",
    "actor",
    "agency_id",
    "entity",
    "entity_id",
    "action",
    "version",
    "recommendation_id",
    "agency_visible",
    "data",
}


async def _head(db: asyncpg.Connection) -> str:
    return str(await db.fetchval("select encode(hash, 'hex') from event order by seq desc"))


def _excel_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "no BOM: Excel would guess the encoding"
    text = content.decode("utf-8-sig")
    assert "\r\n" in text
    assert "\n" not in text.replace("\r\n", ""), "a bare LF line end"
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


async def _followed_up(api: Api) -> dict[str, Any]:
    """An issued recommendation with a response, two progress reports and a closure."""
    rec = await flow.recommendation(api, title="Förbättra styrningen av ärendehanteringen")
    url = f"/v1/recommendations/{rec['id']}"
    r = await api.call(
        "skatteverket",
        "PUT",
        f"{url}/response",
        json={
            "decision": "partially_accepted",
            "rationale": 'Delvis; kräver ändrad förordning (§ 3), "snarast"; översyn',
            "target_date": "2026-12-31",
            "responded_by": "Åsa Öberg",
        },
    )
    assert r.status_code == 201, r.text
    for day, status, note in (
        ("2026-02-01", "in_progress", "Påbörjat"),
        ("2026-03-01", "implemented", "Klart; införd i förvaltningen"),
    ):
        r = await api.call(
            "skatteverket",
            "POST",
            f"{url}/progress",
            json={"status": status, "note": note, "reported_on": day},
        )
        assert r.status_code == 201, r.text
    r = await api.call(
        "secretariat",
        "PUT",
        f"{url}/closure",
        json={"outcome": "implemented", "note": "Verifierat"},
    )
    assert r.status_code == 201, r.text
    return rec


# --- the event log ---------------------------------------------------------------------------


async def test_events_as_ndjson_every_event_in_seq_order_with_all_columns(
    api: Api, db: asyncpg.Connection
) -> None:
    await _followed_up(api)
    r = await api.call("auditor", "GET", EVENTS)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/x-ndjson")
    assert re.fullmatch(
        r'attachment; filename="recotrack-events-\d{4}-\d{2}-\d{2}\.ndjson"',
        r.headers["content-disposition"],
    )
    assert r.headers["x-chain-head"] == await _head(db)
    events = [json.loads(line) for line in r.content.decode().splitlines()]
    assert len(events) == await db.fetchval("select count(*) from event")
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs)
    assert r.headers["x-chain-head-seq"] == str(seqs[-1])
    assert set(events[0]) == EVENT_KEYS | {"hash"}
    stored = await db.fetch("select seq, encode(hash, 'hex') as hash from event")
    assert {e["seq"]: e["hash"] for e in events} == {row["seq"]: row["hash"] for row in stored}
    response = next(e for e in events if e["entity"] == "response")
    assert response["data"]["responded_by"] == "Åsa Öberg"
    assert dt.datetime.fromisoformat(response["occurred_at"]).tzinfo is not None


async def test_events_as_csv_for_swedish_excel_and_as_rfc4180(
    api: Api, db: asyncpg.Connection
) -> None:
    await _followed_up(api)
    r = await api.call("secretariat", "GET", EVENTS + "?format=csv")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].endswith('.csv"')
    rows = _excel_rows(r.content)
    assert len(rows) == await db.fetchval("select count(*) from event")
    assert set(rows[0]) == EVENT_KEYS | {"hash"}
    response = next(row for row in rows if row["entity"] == "response")
    data = json.loads(response["data"])
    assert data["responded_by"] == "Åsa Öberg"
    assert '"snarast"' in data["rationale"]
    assert re.fullmatch(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z",
        rows[0]["occurred_at"],  # UTC
    )

    plain = await api.call("secretariat", "GET", EVENTS + "?format=csv&dialect=rfc4180")
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    plain_rows = list(csv.DictReader(io.StringIO(plain.content.decode(), newline="")))
    assert plain_rows == rows


async def test_an_agency_exports_its_own_agency_visible_events_only(
    api: Api, db: asyncpg.Connection
) -> None:
    mine = await flow.recommendation(api)
    draft = await flow.recommendation(api, issued=False)
    theirs = await flow.recommendation(api, agency="forsakringskassan")
    r = await api.call("skatteverket", "GET", EVENTS)
    events = [json.loads(line) for line in r.text.splitlines()]
    assert {e["agency_id"] for e in events} == {"skatteverket"}
    seen = {e["entity_id"] for e in events}
    assert mine["id"] in seen
    assert draft["id"] not in seen
    assert theirs["id"] not in seen
    expected = await db.fetchval(
        "select count(*) from event where agency_id = 'skatteverket' and agency_visible"
    )
    assert len(events) == expected
    # asking for another agency gives nothing, as the lists do
    other = await api.call("skatteverket", "GET", EVENTS + "?agency=forsakringskassan")
    assert other.status_code == 200
    assert other.content == b""


async def test_events_between_since_and_until(api: Api, db: asyncpg.Connection) -> None:
    await _followed_up(api)
    times = [
        row["occurred_at"] for row in await db.fetch("select occurred_at from event order by seq")
    ]
    middle = times[len(times) // 2]
    r = await api.call("auditor", "GET", EVENTS, headers={})
    everything = [json.loads(line) for line in r.text.splitlines()]
    since = await api.call(
        "auditor", "GET", f"{EVENTS}?since={middle.isoformat().replace('+', '%2B')}"
    )
    later = [json.loads(line) for line in since.text.splitlines()]
    assert [e["seq"] for e in later] == [
        e["seq"] for e in everything if dt.datetime.fromisoformat(e["occurred_at"]) >= middle
    ]
    until = await api.call(
        "auditor", "GET", f"{EVENTS}?until={middle.isoformat().replace('+', '%2B')}"
    )
    earlier = [json.loads(line) for line in until.text.splitlines()]
    assert len(earlier) + len(later) == len(everything)
    # a date: its whole day, in Swedish time
    today = (await db.fetchval("select current_date")).isoformat()
    day = await api.call("auditor", "GET", f"{EVENTS}?since={today}&until={today}")
    assert len(day.text.splitlines()) == len(everything)
    tomorrow = await api.call("auditor", "GET", f"{EVENTS}?since=2999-01-01")
    assert tomorrow.content == b""


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        (EVENTS + "?format=xml", "format"),
        (EVENTS + "?format=xlsx", "format"),
        (EVENTS + "?format=csv&dialect=semicolon", "dialect"),
        (EVENTS + "?since=yesterday", "since"),
        (EVENTS + "?until=2026-13-01", "until"),
        (RECOMMENDATIONS + "?format=pdf", "format"),
        (RECOMMENDATIONS + "?dialect=tsv", "dialect"),
        (RECOMMENDATIONS + "?area=weather", "area"),
    ],
)
async def test_bad_parameters_are_400_problems(api: Api, url: str, parameter: str) -> None:
    r = await api.call("auditor", "GET", url)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["type"].endswith("/invalid-parameter")
    assert [e.get("parameter") for e in problem["errors"]] == [parameter]


async def test_no_token_no_export(api: Api) -> None:
    for url in (EVENTS, RECOMMENDATIONS):
        r = await api.call("nobody", "GET", url)
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")


# --- recommendations -------------------------------------------------------------------------


async def test_one_row_per_recommendation_with_response_latest_progress_and_closure(
    api: Api, db: asyncpg.Connection
) -> None:
    done = await _followed_up(api)
    plain = await flow.recommendation(api, area="competence", code="2026-OE-001")
    draft = await flow.recommendation(api, issued=False)
    r = await api.call("secretariat", "GET", RECOMMENDATIONS)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert re.fullmatch(
        r'attachment; filename="recotrack-recommendations-\d{4}-\d{2}-\d{2}\.csv"',
        r.headers["content-disposition"],
    )
    assert r.headers["x-chain-head"] == await _head(db)
    rows = {row["id"]: row for row in _excel_rows(r.content)}
    assert set(rows) == {done["id"], plain["id"], draft["id"]}
    row = rows[done["id"]]
    assert row["title"] == "Förbättra styrningen av ärendehanteringen"
    assert (row["area"], row["area_sv"]) == ("governance", "styrning och ledning")
    assert row["decision"] == "partially_accepted"
    assert row["rationale"] == 'Delvis; kräver ändrad förordning (§ 3), "snarast"; översyn'
    assert row["target_date"] == "2026-12-31"
    assert row["responded_by"] == "Åsa Öberg"
    assert (row["progress_status"], row["progress_reported_on"]) == ("implemented", "2026-03-01")
    assert row["progress_note"] == "Klart; införd i förvaltningen"
    assert (row["closure_outcome"], row["closure_note"]) == ("implemented", "Verifierat")
    assert dt.date.fromisoformat(row["closed_on"])
    assert (row["state"], row["overdue"]) == ("closed", "false")
    assert row["agency_name"] == "Skatteverket"
    other = rows[plain["id"]]
    assert (other["code"], other["area_sv"]) == ("2026-OE-001", "kompetens")
    assert other["decision"] == other["progress_status"] == other["closure_outcome"] == ""
    assert rows[draft["id"]]["state"] == "draft"


async def test_filters_and_agency_scope_apply_to_the_export(api: Api) -> None:
    governance = await flow.recommendation(api)
    competence = await flow.recommendation(api, area="competence")
    draft = await flow.recommendation(api, issued=False)
    theirs = await flow.recommendation(api, agency="forsakringskassan")

    def ids(content: bytes) -> set[str]:
        return {row["id"] for row in _excel_rows(content)}

    r = await api.call("auditor", "GET", RECOMMENDATIONS + "?area=competence")
    assert ids(r.content) == {competence["id"]}
    r = await api.call("auditor", "GET", RECOMMENDATIONS + "?agency=forsakringskassan")
    assert ids(r.content) == {theirs["id"]}
    r = await api.call("auditor", "GET", RECOMMENDATIONS + "?state=draft")
    assert ids(r.content) == {draft["id"]}
    r = await api.call("skatteverket", "GET", RECOMMENDATIONS)
    assert ids(r.content) == {governance["id"], competence["id"]}
    r = await api.call("forsakringskassan", "GET", RECOMMENDATIONS + "?agency=skatteverket")
    assert ids(r.content) == set()
    r = await api.call("auditor", "GET", RECOMMENDATIONS + "?q=produktstyrning&agency=skatteverket")
    assert ids(r.content) == {governance["id"], competence["id"], draft["id"]}


async def test_recommendations_as_ndjson_and_rfc4180(api: Api) -> None:
    done = await _followed_up(api)
    r = await api.call("auditor", "GET", RECOMMENDATIONS + "?format=ndjson")
    assert r.headers["content-type"].startswith("application/x-ndjson")
    [row] = [json.loads(line) for line in r.text.splitlines()]
    assert row["id"] == done["id"]
    assert row["overdue"] is False
    assert row["area_sv"] == "styrning och ledning"
    assert row["responded_by"] == "Åsa Öberg"
    assert row["target_date"] == "2026-12-31"
    plain = await api.call("auditor", "GET", RECOMMENDATIONS + "?dialect=rfc4180")
    [csv_row] = list(csv.DictReader(io.StringIO(plain.content.decode(), newline="")))
    assert csv_row["rationale"] == row["rationale"]


def _xlsx_cells(content: bytes) -> list[list[str]]:
    """The first sheet's rows as text, read from the XML inside the XLSX (a ZIP)."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        names = book.namelist()
        shared: list[str] = []
        if "xl/sharedStrings.xml" in names:
            shared_xml = book.read("xl/sharedStrings.xml").decode()
            shared = [_unescape(s) for s in re.findall(r"<t[^>]*>(.*?)</t>", shared_xml, re.S)]
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    rows = []
    for row_xml in re.findall(r"<row[^>]*>(.*?)</row>", sheet, re.S):
        cells = []
        for attrs, inner in re.findall(r"<c([^>]*?)(?:/>|>(.*?)</c>)", row_xml, re.S):
            text = re.search(r"<t[^>]*>(.*?)</t>", inner or "", re.S)
            value = re.search(r"<v>(.*?)</v>", inner or "", re.S)
            if 't="s"' in attrs and value:
                cells.append(shared[int(value.group(1))])
            elif text:
                cells.append(_unescape(text.group(1)))
            else:
                cells.append(value.group(1) if value else "")
        rows.append(cells)
    return rows


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    )


async def test_recommendations_as_xlsx(api: Api, db: asyncpg.Connection) -> None:
    done = await _followed_up(api)
    r = await api.call("auditor", "GET", RECOMMENDATIONS + "?format=xlsx")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert r.headers["content-disposition"].endswith('.xlsx"')
    assert r.headers["x-chain-head"] == await _head(db)
    header, row = _xlsx_cells(r.content)
    assert header[:3] == ["id", "code", "agency_id"]
    assert done["id"] in row
    assert "Åsa Öberg" in row
    assert "styrning och ledning" in row
    assert 'Delvis; kräver ändrad förordning (§ 3), "snarast"; översyn' in row


async def test_the_chain_head_is_of_the_exports_own_snapshot(
    api: Api, db: asyncpg.Connection
) -> None:
    """Rows and head come from one snapshot: the head is the last event exported."""
    await _followed_up(api)
    r = await api.call("auditor", "GET", EVENTS)
    last = json.loads(r.text.splitlines()[-1])
    assert r.headers["x-chain-head-seq"] == str(last["seq"])
    if "hash" in last:
        assert r.headers["x-chain-head"] == last["hash"]


# --- streaming over a real socket ------------------------------------------------------------


async def _busy(db: asyncpg.Connection) -> int:
    """The service's connections to this database inside a transaction (an export's)."""
    return int(
        await db.fetchval(
            """
            select count(*) from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid()
              and application_name = 'recotrack' and xact_start is not null
            """
        )
    )


async def _settled(db: asyncpg.Connection) -> int:
    busy = await _busy(db)
    for _ in range(200):
        if not busy:
            break
        await asyncio.sleep(0.05)
        busy = await _busy(db)
    return busy


async def _bulk_events(db: asyncpg.Connection) -> None:
    """Many events at once, in SQL (valid-looking hashes: the chain is not what these tests
    are about)."""
    payload = "repeat('Händelse för granskning; ', 16)"
    await db.execute(
        f"""
        insert into event (seq, occurred_at, actor, agency_id, entity, entity_id, action,
            version, data, hash)
        select m.top + g, now(), 'bench', 'skatteverket', 'recommendation', g::text,
            'updated', 1, jsonb_build_object('n', g, 'text', {payload}),
            sha256(g::text::bytea)
        from generate_series(1, $1) g, (select coalesce(max(seq), 0) top from event) m
        """,
        BULK_EVENTS,
    )


def _small_window(base_url: str) -> socket.socket:
    """A connection whose receive window is small (set before connecting, so it holds)."""
    parts = urlsplit(base_url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect((parts.hostname, parts.port))
    return sock


def _partial_read(base_url: str, token: str, path: str, nbytes: int) -> bytes:
    """Send the request, read a little of the answer slowly, then hang up."""
    parts = urlsplit(base_url)
    with _small_window(base_url) as sock:
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {parts.hostname}\r\n"
            f"Authorization: Bearer {token}\r\n\r\n"
        )
        sock.sendall(request.encode())
        received = b""
        while len(received) < nbytes:
            chunk = sock.recv(1024)
            if not chunk:
                break
            received += chunk
            time.sleep(0.001)
        return received


async def test_a_client_that_reads_slowly_and_leaves_early_leaks_no_connection(
    api: Api, db: asyncpg.Connection, live_url: str
) -> None:
    await _bulk_events(db)
    total = await db.fetchval("select count(*) from event")
    token = api.tokens["auditor"]
    # more abandoned exports than the pool has connections (20): a leak would exhaust it
    for i in range(25):
        path = EVENTS + ("?format=csv" if i % 2 else "")
        head = await asyncio.to_thread(_partial_read, live_url, token, path, 20_000)
        assert head.startswith(b"HTTP/1.1 200"), head[:200]
    assert await _settled(db) == 0, "an abandoned export still holds its transaction"
    with Client(live_url, token, max_retries=0, timeout=10) as client:
        out = io.BytesIO()
        export = client.export_events(out, format="ndjson")
    events = [x for x in out.getvalue().splitlines() if not x.startswith(b'{"checkpoint":')]
    assert len(events) == total
    assert export.chain_head == await _head(db)
    assert await _settled(db) == 0


async def test_a_slow_reader_holds_one_transaction_and_the_server_does_not_buffer(
    api: Api, db: asyncpg.Connection, live_url: str
) -> None:
    """While a client is not reading, the export waits in its transaction (the generator is
    paused at the socket) rather than reading everything into memory and finishing."""
    await _bulk_events(db)
    with _small_window(live_url) as sock:
        sock.sendall(
            f"GET {EVENTS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            f"{api.tokens['auditor']}\r\n\r\n".encode()
        )
        await asyncio.to_thread(sock.recv, 1024)
        # What is checked is that nothing happens (the export does not run to its end without
        # the reader): a pause is the only way to give it the chance.
        await asyncio.sleep(0.5)
        # At least the export's: the service's background work (the checkpoint job, which the
        # bulk events wake) may hold a short transaction of its own at this moment.
        assert await _busy(db) >= 1, "the export finished without the client reading it"
    assert await _settled(db) == 0


# --- the SDK ---------------------------------------------------------------------------------


async def test_the_sdk_downloads_exports_into_files(
    api: Api, db: asyncpg.Connection, live_url: str
) -> None:
    done = await _followed_up(api)
    token = api.tokens["auditor"]

    def sync_download() -> tuple[Export, bytes, Export, bytes]:
        with Client(live_url, token) as client:
            events, rec = io.BytesIO(), io.BytesIO()
            first = client.export_events(events, format="csv", dialect="rfc4180")
            second = client.export_recommendations(rec, format="ndjson", area="governance")
        return first, events.getvalue(), second, rec.getvalue()

    first, events, second, recs = await asyncio.to_thread(sync_download)
    assert first.chain_head == await _head(db)
    assert first.filename is not None
    assert first.filename.endswith(".csv")
    assert first.size == len(events)
    assert len(list(csv.DictReader(io.StringIO(events.decode(), newline="")))) == (
        await db.fetchval("select count(*) from event")
    )
    assert [json.loads(line)["id"] for line in recs.splitlines()] == [done["id"]]
    assert second.media_type.startswith("application/x-ndjson")

    async with AsyncClient(live_url, api.tokens["skatteverket"]) as client:
        out = io.BytesIO()
        export = await client.export_recommendations(out, format="xlsx")
        assert export.filename is not None
        assert export.filename.endswith(".xlsx")
        assert done["id"] in _xlsx_cells(out.getvalue())[1]
        since = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        empty = io.BytesIO()
        await client.export_events(empty, since=since)
        assert empty.getvalue() == b""
        from recotrack_sdk import BadRequestError

        with pytest.raises(BadRequestError):
            await client.export_events(io.BytesIO(), format="xml")  # type: ignore[arg-type]


async def test_an_ndjson_export_verifies_offline_to_its_chain_head(
    api: Api, db: asyncpg.Connection
) -> None:
    """The export carries every event as the chain hashed it: the SDK's offline verifier
    accepts it and ends at the head the response named."""
    from recotrack_sdk.audit import verify_ndjson

    await _followed_up(api)
    r = await api.call("auditor", "GET", EVENTS)
    result = verify_ndjson(r.content.splitlines(), expected_head=r.headers["x-chain-head"])
    assert result.ok, result
    assert result.count == await db.fetchval("select count(*) from event")


async def test_a_bad_since_says_what_it_takes(api: Api) -> None:
    r = await api.call("auditor", "GET", f"{EVENTS}?since=yesterday")
    assert r.status_code == 400
    (error,) = r.json()["errors"]
    assert error["parameter"] == "since"
    assert "YYYY-MM-DD" in error["detail"]
    assert "RFC 3339" in error["detail"]
