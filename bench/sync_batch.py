"""Batch sync against one request per report: 10,000 progress reports through the SDK.

Starts the service (`recotrack serve`, its own process) on a loopback port against a fresh
database (on the embedded PostgreSQL, or the server in DATABASE_URL), creates an agency with
200 issued recommendations and an agency token through the SDK, then sends

1. one batch of 10,000 progress reports (`Client.sync_progress`, POST /v1/sync/progress),
   the figure; then two more batches of 10,000 new ones, to show how the time grows with
   the reports already stored (50, 100, 150 per recommendation),
2. the last batch again (every item `unchanged`: what a retry costs),
3. 10,000 other reports one request each (`Client.create_progress`),

and prints the times and the ratio. Step 3 stops at --max-seconds and extrapolates.

    .venv/bin/python bench/sync_batch.py
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/sync_batch.py

Target on the 2-core machine: the batch applied in under 1 second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import Iterator

from _support import database_sync, free_port, postgres_server, running, service_command, token
from recotrack.store.pool import connect
from recotrack_sdk import Client
from recotrack_sdk.models import (
    AgencyCreate,
    InvestmentCreate,
    ProgressReportCreate,
    RecommendationCreate,
    ReviewCreate,
    SyncProgressItem,
    TokenCreate,
)

RECOMMENDATIONS = 200
REPORTS = 10_000
BATCH_ROUNDS = 3
AGENCY = "skatteverket"


@contextlib.contextmanager
def scratch_database(server_url: str) -> Iterator[tuple[str, str]]:
    """A fresh database on the server (and a secretariat token), dropped after."""

    async def secretariat(url: str) -> str:
        conn = await connect(url)
        try:
            return await token(conn, "secretariat")
        finally:
            await conn.close()

    with database_sync(server_url) as url:
        yield url, asyncio.run(secretariat(url))


@contextlib.contextmanager
def service(db_url: str) -> Iterator[str]:
    """`recotrack serve` on the database, as its own process."""
    port = free_port()
    env = {"DATABASE_URL": db_url, "RECOTRACK_LOG_LEVEL": "warning"}
    with running(service_command(port), port=port, env=env) as serving:
        yield serving.url


def seed(url: str, secretariat_token: str) -> tuple[str, list[str]]:
    """An agency, 200 issued recommendations on it, and an agency token."""
    with Client(url, secretariat_token) as client:
        client.create_agency(AgencyCreate(id=AGENCY, name="Skatteverket", org_number="202100-5448"))
        investment = client.create_investment(
            InvestmentCreate(agency_id=AGENCY, title="Ny beskattningsplattform")
        ).value
        review = client.create_review(
            ReviewCreate(investment_id=investment.id, title="Second opinion 2026")
        ).value
        recs = [
            client.create_recommendation(
                RecommendationCreate(
                    review_id=review.id,
                    code=f"2026-SKV-{n:03d}",
                    title=f"Rekommendation {n}",
                    area="governance",
                    issued_on=dt.date(2026, 1, 15),
                )
            ).value.id
            for n in range(RECOMMENDATIONS)
        ]
        token = client.create_token(TokenCreate(role="agency", agency_id=AGENCY, label="bench"))
    return token.token, recs


def reports(recs: list[str], prefix: str) -> list[SyncProgressItem]:
    return [
        SyncProgressItem(
            recommendation_id=recs[n % len(recs)],
            external_ref=f"{prefix}-{n:05d}",
            status="in_progress",
            note=f"Lägesrapport {n}: arbetet fortskrider enligt plan.",
            percent_complete=n % 101,
        )
        for n in range(REPORTS)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=300,
        help="stop sending one request per report after this long, and extrapolate",
    )
    args = parser.parse_args()

    with (
        postgres_server() as server_url,
        scratch_database(server_url) as (db_url, secretariat),
        service(db_url) as url,
    ):
        agency_token, recs = seed(url, secretariat)
        with Client(url, agency_token, timeout=120) as client:
            client.get_recommendation(recs[0])  # connect and warm up
            batch_times = []
            for round_ in range(BATCH_ROUNDS):
                batch = reports(recs, f"batch{round_}")
                started = time.perf_counter()
                result = client.sync_progress(batch)
                batch_times.append(time.perf_counter() - started)
                assert result.created == REPORTS, result.rejected

            started = time.perf_counter()
            again = client.sync_progress(batch)
            again_seconds = time.perf_counter() - started
            assert again.unchanged == REPORTS

            started = time.perf_counter()
            sent = 0
            for item in reports(recs, "single"):
                client.create_progress(
                    item.recommendation_id,
                    ProgressReportCreate(
                        status=item.status,
                        note=item.note,
                        percent_complete=item.percent_complete,
                        external_ref=item.external_ref,
                    ),
                )
                sent += 1
                if time.perf_counter() - started > args.max_seconds:
                    break
            single_seconds = time.perf_counter() - started

    batch_seconds = batch_times[0]
    per_request = single_seconds / sent
    singles_total = per_request * REPORTS
    note = "" if sent == REPORTS else f" (extrapolated from {sent:,} in {single_seconds:.1f} s)"
    print(f"recommendations:              {RECOMMENDATIONS}")
    later = ", ".join(f"{t:.3f}" for t in batch_times[1:])
    print(f"one batch of {REPORTS:,}:         {batch_seconds:8.3f} s")
    print(f"  the next batches:           {later} s (more reports already stored)")
    print(f"the same batch again:         {again_seconds:8.3f} s (all unchanged)")
    print(f"{REPORTS:,} requests, one each:  {singles_total:8.3f} s{note}")
    print(f"  per request:                {per_request * 1000:8.2f} ms")
    print(f"ratio (one each / batch):     {singles_total / batch_seconds:8.1f} x")
    print(f"target, batch under 1 s:      {'met' if batch_seconds < 1 else 'MISSED'}")


if __name__ == "__main__":
    main()
