"""Secretariat queries at scale: a filtered list page, a full-text search page and /v1/stats.

100,000 recommendations over 20 agencies and 1,000,000 events, seeded straight into a fresh
database by SQL; the service runs on a loopback socket and is queried over HTTP, one request at
a time, bounded in count. Prints median and p95 per query and the plan PostgreSQL used
(EXPLAIN ANALYZE), so an index regression shows beside the figures.

    .venv/bin/python bench/list_search_stats.py     # embedded PostgreSQL
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/list_search_stats.py

Targets on the 2-core machine: list and search pages under 20 ms median, stats under 200 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import threading
import time
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import uvicorn

from _support import database, org_number, postgres_server, token
from recotrack.app import create_app
from recotrack.settings import Settings
from recotrack.store import recommendation_list, stats
from recotrack.store.pool import connect
from recotrack_sdk.models import RecommendationQuery

RECOMMENDATIONS = 100_000
EVENTS = 1_000_000
AGENCIES = 20
REQUESTS = 100  # per query kind
STATS_RECOMPUTED = 20

SEED_SQL = f"""
insert into investment (agency_id, title, phase, external_ref)
select 'agency-' || (n % {AGENCIES} + 1), 'Investering ' || n, 'execution', 'PPM-' || n
from generate_series(1, 200) n;

insert into review (investment_id, agency_id, title, started_on, delivered_on)
select i.id, i.agency_id, 'Granskning ' || r, date '2024-01-01', date '2024-03-01'
from investment i, generate_series(1, 5) r;

with words as (
    select array['styrning', 'investeringar', 'kompetensförsörjning', 'arkitektur',
        'nyttorealisering', 'förvaltning', 'upphandling', 'leveranser', 'arbetssätt',
        'informationsförsörjning', 'molntjänster', 'säkerhet', 'lånefinansiering',
        'produktägarskap', 'portföljstyrning', 'verksamhetsutveckling'] as w
), reviews as (
    select array_agg(id) as ids, array_agg(agency_id) as agencies from review
)
insert into recommendation (code, review_id, agency_id, title, body, area, priority,
    issued_on, response_due, implementation_due)
select 'R-' || n,
    reviews.ids[n % 1000 + 1], reviews.agencies[n % 1000 + 1],
    'Stärk ' || w[n % 16 + 1] || ' och ' || w[(n / 16) % 16 + 1],
    'Myndigheten bör se över ' || w[(n / 7) % 16 + 1] || ' i arbetet med '
        || w[(n / 3) % 16 + 1] || '.',
    (array['ways_of_working', 'governance', 'competence', 'results',
        'enabling_conditions'])[n % 5 + 1],
    (array['high', 'medium', 'low'])[n % 3 + 1],
    case when n % 20 = 0 then null else date '2024-01-01' + (n % 700) end,
    date '2024-03-01' + (n % 700),
    date '2024-09-01' + (n % 900)
from generate_series(1, {RECOMMENDATIONS}) n, words, reviews;

insert into response (recommendation_id, decision, rationale, responded_by, target_date)
select id, (array['accepted', 'partially_accepted', 'rejected', 'under_consideration'])[
        abs(hashtext(id::text)) % 4 + 1],
    'Myndigheten delar delvis bedömningen.', 'Handläggare', issued_on + 365
from recommendation where issued_on is not null and abs(hashtext(id::text)) % 10 < 7;

insert into progress_report (recommendation_id, agency_id, status, note, reported_on, external_ref)
select r.id, r.agency_id,
    (array['not_started', 'in_progress', 'implemented', 'partially_implemented'])[
        abs(hashtext(r.id::text || s)) % 4 + 1],
    'Arbetet pågår enligt plan.', r.issued_on + 30 * s, r.code || '-' || s
from recommendation r, generate_series(1, 2) s
where r.issued_on is not null and abs(hashtext(r.id::text)) % 10 < 6;

insert into closure (recommendation_id, outcome, note)
select id, 'implemented', 'Verifierat.'
from recommendation where issued_on is not null and abs(hashtext(id::text)) % 4 = 0;

-- numbered after any events already there; the hashes are stand-ins (this log is read, not
-- verified: chaining a million events is the writer's job, one transaction at a time)
insert into event (seq, occurred_at, hash, actor, agency_id, entity, entity_id, action, version,
    data, recommendation_id)
select (select coalesce(max(seq), 0) from event) + n, now(),
    sha256(convert_to(n::text, 'UTF8')), 'bench', r.agency_id, 'recommendation', r.id::text,
    'updated', 1, jsonb_build_object('n', n), r.id
from generate_series(1, {EVENTS}) n
join recommendation r on r.code = 'R-' || (n % {RECOMMENDATIONS} + 1);

analyze;
"""


@contextlib.contextmanager
def _serve(db_url: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """The service in a thread of this process (the benchmarks of reads at scale serve it so),
    with the settings `env` adds."""
    settings = Settings.from_env(
        {"DATABASE_URL": db_url, "RECOTRACK_LOG_LEVEL": "warning", **(env or {})}
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, db_url),
            host="127.0.0.1",
            port=0,
            log_config=None,
            access_log=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the service did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


class _Explaining:
    """Stands in for a connection: runs each query under EXPLAIN ANALYZE and keeps the plans."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.plans: list[str] = []

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        plan = await self.conn.fetch(f"explain (analyze, buffers, costs off) {sql}", *args)
        self.plans.append("\n".join(row[0] for row in plan))
        return await self.conn.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None


async def _seed(conn: asyncpg.Connection) -> None:
    started = time.perf_counter()
    await conn.execute("set synchronous_commit = off")
    await conn.executemany(
        "insert into agency (id, name, org_number) values ($1, $2, $3)",
        [(f"agency-{n}", f"Myndighet {n}", org_number(n)) for n in range(1, AGENCIES + 1)],
    )
    await conn.execute(SEED_SQL)
    print(f"seeded in {time.perf_counter() - started:.1f} s")


async def _time(client: httpx.AsyncClient, path: str) -> list[float]:
    timings = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = await client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return timings


async def _time_every_agency(conn: asyncpg.Connection) -> list[float]:
    """The figures of every agency computed at once: what /v1/stats costs when nothing is
    cached (the first call of a process, the first of a day)."""
    agency_ids = [row["id"] for row in await conn.fetch("select id from agency")]
    timings = []
    for _ in range(STATS_RECOMPUTED // 4):
        started = time.perf_counter()
        await stats.agency_figures(conn, agency_ids, drafts=True)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def _time_fresh_stats(client: httpx.AsyncClient) -> list[float]:
    """/v1/stats right after a write, so the part of the agency written to is computed again,
    not served from the cache."""
    timings = []
    for n in range(STATS_RECOMPUTED):
        write = await client.post(
            "/v1/investments", json={"agency_id": "agency-1", "title": f"Bänk {n}"}
        )
        write.raise_for_status()
        started = time.perf_counter()
        response = await client.get("/v1/stats")
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return timings


async def main() -> None:
    # BENCH_KEEP=1: keep the seeded database and reuse it, to measure again without seeding
    keep = "rt_bench_kept" if os.environ.get("BENCH_KEEP") == "1" else None
    with postgres_server() as server:
        async with database(server, keep=keep) as db_url:
            conn = await connect(db_url)
            if await conn.fetchval("select count(*) from recommendation") == 0:
                await _seed(conn)
            counts = await conn.fetchrow(
                "select (select count(*) from recommendation) as r,"
                " (select count(*) from event) as e"
            )
            assert counts is not None
            print(f"{counts['r']:,} recommendations and {counts['e']:,} events")
            secretariat = await token(conn, "secretariat")
            queries = {
                "filtered list page": (
                    "/v1/recommendations?agency=agency-3&area=governance&state=responded"
                    "&state=in_progress&limit=100",
                    recommendation_list.list_recommendations,
                    {
                        "filters": RecommendationQuery(
                            agency=["agency-3"],
                            area=["governance"],
                            state=["responded", "in_progress"],
                        ),
                        "sort": None,
                    },
                ),
                "full-text search page": (
                    "/v1/recommendations?q=investeringar%20styrning&limit=100",
                    recommendation_list.list_recommendations,
                    {"filters": RecommendationQuery(q="investeringar styrning"), "sort": None},
                ),
            }
            with _serve(db_url) as base:
                headers = {"Authorization": f"Bearer {secretariat}"}
                async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
                    results = {}
                    for name, (path, _, _) in queries.items():
                        await _time(client, path)  # warm up
                        results[name] = (await _time(client, path), 20.0)
                    results["stats, after a change"] = (await _time_fresh_stats(client), 200.0)
                    every_agency = await _time_every_agency(conn)
                    results["stats, nothing cached (store)"] = (every_agency, 200.0)
                    await _time(client, "/v1/stats")
                    results["stats, unchanged (cached)"] = (
                        await _time(client, "/v1/stats"),
                        200.0,
                    )
            print(f"\n{REQUESTS} requests each, one at a time, over HTTP on loopback:")
            for name, (timings, target) in results.items():
                median = statistics.median(timings)
                p95 = statistics.quantiles(timings, n=20)[-1]
                verdict = "ok" if median < target else "OVER TARGET"
                print(
                    f"  {name:28} median {median:7.1f} ms   p95 {p95:7.1f} ms   "
                    f"target < {target:.0f} ms median: {verdict}"
                )
            for name, (_, function, kwargs) in queries.items():
                explaining = _Explaining(conn)
                await function(explaining, scope=None, cursor=None, limit=100, **kwargs)  # type: ignore[arg-type]
                print(f"\n--- plan: {name}\n{explaining.plans[0]}")
            explaining = _Explaining(conn)
            agency_ids = [row["id"] for row in await conn.fetch("select id from agency")]
            await stats.agency_figures(explaining, agency_ids, drafts=True)  # type: ignore[arg-type]
            for n, plan in enumerate(explaining.plans, start=1):
                print(f"\n--- plan: stats, query {n}\n{plan}")
            await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
