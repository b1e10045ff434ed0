"""The service SIGKILLed in the middle of a batch, twice, and restarted on the same port and
database, while the SDK works through a series of calls: every report ends up there once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from recotrack.store.pool import connect
from recotrack_sdk import AsyncClient, Client
from recotrack_sdk.models import ProgressReportCreate, SyncProgressItem
from tests.helpers import seed_tokens
from tests.sdk.conftest import Caller, Retries, make_recommendation
from tests.sdk.support import ServiceProcess, service_process

BATCH_SIZE = 2_000
KILL_AFTER = (1, 4)
"""Kill while a batch is being written once this many batches are in."""
BATCHES = max(KILL_AFTER) + 1
"""Up to the batch that the last kill hits: a batch after it would prove nothing more."""
DEADLINE_SECONDS = 120.0

WHERE_WE_ARE = """
select
  (select count(*) from progress_report where external_ref like 'batch-%') as batched,
  (select count(*) from progress_report where external_ref like 'single-%') as singles,
  (select count(*) from pg_stat_activity
   where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null
     and state in ('active', 'idle in transaction')) as transactions
"""


def series(recs: list[str]) -> list[list[SyncProgressItem]]:
    return [
        [
            SyncProgressItem(
                recommendation_id=recs[n % len(recs)],
                external_ref=f"batch-{b}-{n}",
                status="in_progress",
                note=f"Rapport {n}",
            )
            for n in range(BATCH_SIZE)
        ]
        for b in range(BATCHES)
    ]


def run_series(client: Client, batches: list[list[SyncProgressItem]], rec: str) -> list[int]:
    created = []
    for b, batch in enumerate(batches):
        result = client.sync_progress(batch)
        assert result.rejected == 0
        created.append(result.created)
        client.create_progress(
            rec, ProgressReportCreate(status="in_progress", external_ref=f"single-{b}")
        )
    return created


async def run_series_async(
    client: AsyncClient, batches: list[list[SyncProgressItem]], rec: str
) -> list[int]:
    created = []
    for b, batch in enumerate(batches):
        result = await client.sync_progress(batch)
        assert result.rejected == 0
        created.append(result.created)
        await client.create_progress(
            rec, ProgressReportCreate(status="in_progress", external_ref=f"single-{b}")
        )
    return created


async def kill_in_a_batch(service: ServiceProcess, db_url: str, batches_in: int) -> None:
    """Wait until at least `batches_in` batches are stored and the next is being written; then
    SIGKILL the service and start it again."""
    conn = await connect(db_url)
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while True:
            row = await conn.fetchrow(WHERE_WE_ARE)
            assert row is not None
            # the single report after the last batch is in: the transaction is the next batch
            if row["singles"] == batches_in and row["transactions"]:
                assert row["batched"] == batches_in * BATCH_SIZE
                break
            assert time.monotonic() < deadline, "no batch in flight to kill"
            await asyncio.sleep(0.002)
    finally:
        await conn.close()
    service.kill()
    await asyncio.to_thread(service.start)


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_killed_in_the_middle_of_a_batch(
    kind: str, db_url: str, tmp_path: Path, retries: Retries
) -> None:
    tokens = await seed_tokens(db_url)
    with service_process(db_url, tmp_path / "service.log") as service:
        async with AsyncClient(service.url, tokens["secretariat"]) as secretariat:
            recs = [(await make_recommendation(Caller("async", secretariat))).id for _ in range(5)]
        batches = series(recs)
        if kind == "sync":
            with Client(service.url, tokens["skatteverket"], max_retries=15) as client:
                work = asyncio.ensure_future(
                    asyncio.to_thread(run_series, client, batches, recs[0])
                )
                for batches_in in KILL_AFTER:
                    await kill_in_a_batch(service, db_url, batches_in)
                created = await asyncio.wait_for(work, DEADLINE_SECONDS)
        else:
            async with AsyncClient(service.url, tokens["skatteverket"], max_retries=15) as aclient:
                work = asyncio.ensure_future(run_series_async(aclient, batches, recs[0]))
                for batches_in in KILL_AFTER:
                    await kill_in_a_batch(service, db_url, batches_in)
                created = await asyncio.wait_for(work, DEADLINE_SECONDS)

    # each batch was applied once: its answer says all were created (a replayed first answer,
    # or the retry's own after the killed attempt rolled back), and nothing is there twice
    assert created == [BATCH_SIZE] * BATCHES
    conn = await connect(db_url)
    try:
        row = await conn.fetchrow(
            "select count(*) as total, count(distinct external_ref) as refs from progress_report"
        )
    finally:
        await conn.close()
    assert row is not None
    assert row["total"] == row["refs"] == BATCHES * BATCH_SIZE + BATCHES
    retried = [m for m in retries.messages if m.startswith("retry")]
    assert len(retried) >= len(KILL_AFTER), "the SDK never had to retry"
    assert any("POST /v1/sync/progress" in m for m in retried), retried
