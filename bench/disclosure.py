"""A release of public records of 1,000 recommendations: reading them, and each document.

Loads the demo data set (120 recommendations an agency, with responses, progress reports,
assessments and closures from their history) into a fresh database, marks two fields of
every recommendation secret, and times `create_disclosure` of 1,000 issued ones as the API
runs it: the records read in its transaction, redacted, typeset as PDF (Typst, in-process,
off the event loop), written as CSV and JSON, stored, recorded. Then each document alone
from the same records, and the sizes. Medians of three.

    .venv/bin/python bench/disclosure.py     # embedded PostgreSQL
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/disclosure.py
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Callable

from _support import database, postgres_server
from recotrack.demo import load_demo
from recotrack.exports.release import as_csv, as_json, as_pdf, documents, redact
from recotrack.store import disclosures
from recotrack.store.pool import connect
from recotrack_sdk.models import DisclosureCreate

PER_AGENCY = 120
RELEASED = 1_000
ROUNDS = 3
MARKS = """
insert into secrecy (recommendation_id, fields)
select id, '[{"field": "body", "ground": "18 kap. 8 § OSL", "note": ""},
             {"field": "progress.note", "ground": "19 kap. 1 § OSL", "note": ""}]'
from recommendation
"""


def _median(run: Callable[[], object]) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def main() -> None:
    with postgres_server() as server:
        async with database(server) as url:
            conn = await connect(url)
            try:
                await load_demo(conn, per_agency=PER_AGENCY)
                await conn.execute(MARKS)
                ids = [
                    str(r["id"])
                    for r in await conn.fetch(
                        "select id from recommendation where issued_on is not null"
                        " order by code limit $1",
                        RELEASED,
                    )
                ]
                request = DisclosureCreate(request_ref="BENCH 2026/1", recommendation_ids=ids)
                whole = []
                for _ in range(ROUNDS):
                    start = time.perf_counter()
                    made = await disclosures.create_disclosure(
                        conn, request, render=documents, actor="bench"
                    )
                    whole.append(time.perf_counter() - start)
                start = time.perf_counter()
                records = await disclosures.records(conn, [uuid.UUID(i) for i in ids])
                read = time.perf_counter() - start
                released = [redact(r) for r in records]
                pdf = _median(lambda: as_pdf(made, released))
                csv = _median(lambda: as_csv(released))
                json = _median(lambda: as_json(made, released))
                sizes = {d.format: d.size for d in made.documents}
            finally:
                await conn.close()
    print(f"recommendations released: {len(ids)} (demo data, two fields marked on each)")
    print(f"create_disclosure, all formats: {statistics.median(whole):.2f} s (median of {ROUNDS})")
    print(f"  reading the records:          {read:.3f} s")
    print(f"  PDF:  {pdf:.2f} s, {sizes['pdf'] / 1e6:.1f} MB")
    print(f"  CSV:  {csv:.3f} s, {sizes['csv'] / 1e6:.1f} MB")
    print(f"  JSON: {json:.3f} s, {sizes['json'] / 1e6:.1f} MB")


if __name__ == "__main__":
    asyncio.run(main())
