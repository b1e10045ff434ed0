"""Exporting the event log over HTTP: 1,000,000 events as NDJSON and as CSV.

Seeds 1,000,000 events into a fresh database by SQL (stand-in hashes where events carry
them: an export reads the chain, it does not verify it), starts the service as its own
process (`recotrack serve`) on a loopback port, downloads `GET /v1/audit/events` in each
format with a streaming client, and prints rows per second and the service's peak memory
growth (RSS, sampled every 10 ms) during each export. Beside them, the floor: a bare asyncio
socket server (also its own process) doing the same query through an asyncpg server-side
cursor, chunk by chunk, to the socket, measured in the same run.

    .venv/bin/python bench/export_events.py     # embedded PostgreSQL
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/export_events.py

Targets on the 2-core machine: at least 100,000 events per second, under 50 MB growth.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading
import time
from collections.abc import Iterator

import asyncpg
import httpx
import psutil

from _support import database_sync, free_port, postgres_server, running, service_command, token
from recotrack.store.exports import CHUNK_ROWS, EventFormat, event_line
from recotrack.store.pool import SERVER_SETTINGS, connect

EVENTS = 1_000_000
FORMATS = ("ndjson", "csv")

SEED_WITH_HASH = """
insert into event (seq, occurred_at, hash, actor, agency_id, entity, entity_id, action, version,
    data, recommendation_id)
select m.top + n, timestamptz '2026-01-01 08:00+01' + n * interval '1 second',
    sha256(n::text::bytea), 'token:' || (n % 50), 'agency-' || (n % 20 + 1), 'progress_report',
    gen_random_uuid()::text, 'created', 1,
    jsonb_build_object('status', 'in_progress', 'note', 'Arbetet pågår enligt plan; ' || n,
        'percent_complete', n % 100, 'reported_on', '2026-03-01'),
    gen_random_uuid()
from generate_series(1, $1) n, (select coalesce(max(seq), 0) as top from event) m
"""
SEED_WITHOUT_HASH = """
insert into event (occurred_at, actor, agency_id, entity, entity_id, action, version, data,
    recommendation_id)
select timestamptz '2026-01-01 08:00+01' + n * interval '1 second',
    'token:' || (n % 50), 'agency-' || (n % 20 + 1), 'progress_report',
    gen_random_uuid()::text, 'created', 1,
    jsonb_build_object('status', 'in_progress', 'note', 'Arbetet pågår enligt plan; ' || n,
        'percent_complete', n % 100, 'reported_on', '2026-03-01'),
    gen_random_uuid()
from generate_series(1, $1) n
"""
HAS_HASH = """
select exists (select from information_schema.columns
    where table_name = 'event' and column_name = 'hash')
"""


@contextlib.contextmanager
def seeded_database(server_url: str) -> Iterator[tuple[str, str]]:
    """A fresh database with 1,000,000 events (and an auditor token), dropped after."""

    async def seed(url: str) -> str:
        conn = await connect(url)
        try:
            auditor = await token(conn, "auditor")
            started = time.perf_counter()
            has_hash = await conn.fetchval(HAS_HASH)
            await conn.execute(SEED_WITH_HASH if has_hash else SEED_WITHOUT_HASH, EVENTS)
            await conn.execute("vacuum analyze event")
            print(
                f"seeded {EVENTS:,} events ({'with' if has_hash else 'without'} hash) "
                f"in {time.perf_counter() - started:.1f} s"
            )
        finally:
            await conn.close()
        return auditor

    with database_sync(server_url) as url:
        yield url, asyncio.run(seed(url))


def _rss(proc: psutil.Process) -> int:
    """The process's resident memory, with its children's (none for these servers)."""
    total = proc.memory_info().rss
    for child in proc.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += child.memory_info().rss
    return int(total)


def download(url: str, headers: dict[str, str], proc: psutil.Process) -> tuple[int, float, int]:
    """Stream `url` to nowhere: (lines, seconds, the server's peak RSS growth in bytes)."""
    baseline = _rss(proc)
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss(proc))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    lines = 0
    started = time.perf_counter()
    with (
        httpx.Client(timeout=600) as client,
        client.stream("GET", url, headers=headers) as response,
    ):
        assert response.status_code == 200, response.read()[:500]
        for chunk in response.iter_raw(256 * 1024):
            lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    return lines, elapsed, peak - baseline


# --- the floor: asyncpg's server-side cursor straight to a socket ---------------------------


async def _floor_server(port: int, db_url: str) -> None:
    pool = await asyncpg.create_pool(
        db_url, min_size=1, max_size=4, server_settings=SERVER_SETTINGS
    )
    assert pool is not None
    async with pool.acquire() as probe:
        has_hash = bool(await probe.fetchval(HAS_HASH))

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return  # the readiness probe
        fmt: EventFormat = "csv" if b"format=csv" in request.split(b"\r\n", 1)[0] else "ndjson"
        end = b"\n" if fmt == "ndjson" else b"\r\n"
        args = [";"] if fmt == "csv" else []
        line = event_line(fmt, has_hash).replace("$5", "$1")
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            cursor = await conn.cursor(f"select {line} from event order by seq", *args)
            while rows := await cursor.fetch(CHUNK_ROWS):
                writer.write(end.join([row[0].encode() for row in rows]) + end)
                await writer.drain()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


# --- the run ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--floor-server", nargs=2, metavar=("PORT", "DATABASE_URL"))
    args = parser.parse_args()
    if args.floor_server:
        asyncio.run(_floor_server(int(args.floor_server[0]), args.floor_server[1]))
        return

    with postgres_server() as server_url, seeded_database(server_url) as (db_url, auditor):
        service_port, floor_port = free_port(), free_port()
        env = {"DATABASE_URL": db_url, "RECOTRACK_LOG_LEVEL": "warning"}
        floor_command = [sys.executable, __file__, "--floor-server", str(floor_port), db_url]
        with (
            running(service_command(service_port), port=service_port, env=env) as serving,
            running(floor_command, port=floor_port, env=env) as flooring,
        ):
            service, floor = psutil.Process(serving.pid), psutil.Process(flooring.pid)
            headers = {"Authorization": f"Bearer {auditor}"}
            print(f"{'':24}{'rows/s':>10}{'seconds':>10}{'peak RSS growth':>18}")
            for fmt in FORMATS:
                for label, proc, url in (
                    ("service", service, f"{serving.url}/v1/audit/events?format={fmt}"),
                    ("floor", floor, f"{flooring.url}/?format={fmt}"),
                ):
                    lines, seconds, growth = download(url, headers, proc)
                    rows = lines - (1 if fmt == "csv" and label == "service" else 0)
                    assert rows >= EVENTS, f"{label} {fmt}: {rows:,} rows, not {EVENTS:,}"
                    print(
                        f"{fmt + ' ' + label:24}{rows / seconds:>10,.0f}{seconds:>10.2f}"
                        f"{growth / 2**20:>15.1f} MB"
                    )


if __name__ == "__main__":
    main()
