"""The public catalogue at scale: its JSON page, its HTML page and its feed.

The 100,000 recommendations and 1,000,000 events of `list_search_stats.py` (its seed), three
in four published, a tenth of them with the body and the response's rationale marked secret.
The service (RECOTRACK_PUBLIC_CATALOGUE=true, no rate limit) runs on a loopback socket and is
asked without a token, one request at a time, bounded in count: median and p95 per kind.

    .venv/bin/python bench/public_catalogue.py     # embedded PostgreSQL
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/public_catalogue.py

Target on the 2-core machine: a page (JSON of 100, HTML of 50) under 100 ms median.
"""

from __future__ import annotations

import asyncio
import os
import statistics

import httpx

from _support import database, postgres_server
from list_search_stats import _seed, _serve, _time
from recotrack.store.pool import connect

TARGET_MS = 100.0
PUBLISH = """
update recommendation set published = true where abs(hashtext(id::text || 'p')) % 4 != 0;
insert into secrecy (recommendation_id, fields)
select id, '[{"field": "body", "ground": "18 kap. 8 § OSL", "note": ""},
             {"field": "response.rationale", "ground": "19 kap. 3 § OSL", "note": ""}]'
from recommendation where abs(hashtext(id::text || 's')) % 10 = 0
on conflict do nothing;
"""
QUERIES = {
    "JSON, first page of 100": "/public/v1/recommendations?limit=100",
    "JSON, newest first": "/public/v1/recommendations?limit=100&sort=-issued_on",
    "JSON, one agency and area": (
        "/public/v1/recommendations?agency=agency-3&area=governance&limit=100"
    ),
    "JSON, a search": "/public/v1/recommendations?q=nyttorealisering&limit=100",
    "HTML page of 50": "/public/",
    "HTML, a search": "/public/?q=nyttorealisering",
    "Atom feed of 50": "/public/feed.atom",
}


async def main() -> None:
    keep = "rt_bench_kept" if os.environ.get("BENCH_KEEP") == "1" else None
    with postgres_server() as server:
        async with database(server, keep=keep) as db_url:
            conn = await connect(db_url)
            try:
                if await conn.fetchval("select count(*) from recommendation") == 0:
                    await _seed(conn)
                await conn.execute(PUBLISH)
                # as autovacuum would have by then: counts are index-only scans
                await conn.execute("vacuum analyze recommendation")
                counts = await conn.fetchrow(
                    "select count(*) as r, count(*) filter (where published) as p,"
                    " (select count(*) from secrecy) as s from recommendation"
                )
            finally:
                await conn.close()
            assert counts is not None
            print(
                f"{counts['r']:,} recommendations, {counts['p']:,} published,"
                f" {counts['s']:,} with fields marked secret"
            )
            env = {"RECOTRACK_PUBLIC_CATALOGUE": "true", "RECOTRACK_PUBLIC_RATE_LIMIT": "0"}
            with _serve(db_url, env) as base:
                async with httpx.AsyncClient(base_url=base, timeout=60) as client:
                    results = {}
                    for name, path in QUERIES.items():
                        await _time(client, path)  # warm up
                        results[name] = await _time(client, path)
    print("\n100 requests each, one at a time, over HTTP on loopback, without a token:")
    for name, timings in results.items():
        median = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1]
        verdict = "ok" if median < TARGET_MS else "OVER TARGET"
        print(
            f"  {name:28} median {median:7.1f} ms   p95 {p95:7.1f} ms   "
            f"target < {TARGET_MS:.0f} ms median: {verdict}"
        )


if __name__ == "__main__":
    asyncio.run(main())
