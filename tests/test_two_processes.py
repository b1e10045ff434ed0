"""Two service processes on one database, many SDK clients against both at once.

What one process promises must hold across the other: an Idempotency-Key retried on the
other replica replays instead of writing twice; of concurrent changes with the same
`If-Match`, exactly one wins, whichever replica each went to; a follower of the changes feed
on one replica sees every change made through both, once, in commit order. Counted.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from recotrack_sdk import AsyncClient, PreconditionFailedError
from recotrack_sdk.models import ProgressReportCreate, RecommendationPatch
from tests import flow
from tests.helpers import Api
from tests.live import serve_processes

CLIENTS = 8
REPORTS_PER_CLIENT = 12
PATCHERS = 6
PATCH_ROUNDS = 5
ROUND_SECONDS = 120


@pytest.fixture
def replicas(api: Api, tmp_path: Path) -> Iterator[tuple[str, str]]:
    with serve_processes(api.db_url, tmp_path, 2) as (a, b):
        yield a, b


async def test_idempotency_if_match_and_the_feed_hold_across_two_processes(
    api: Api, db: asyncpg.Connection, replicas: tuple[str, str]
) -> None:
    recs = [await flow.recommendation(api) for _ in range(CLIENTS)]
    contested = await flow.recommendation(api)
    start = await db.fetchval("select coalesce(max(seq), 0) from event")
    agency, secretariat = api.tokens["skatteverket"], api.tokens["secretariat"]
    async with contextlib.AsyncExitStack() as stack:
        on = {
            (replica, token): await stack.enter_async_context(
                AsyncClient(replica, token, max_retries=10)
            )
            for replica in replicas
            for token in (agency, secretariat)
        }
        follower = on[replicas[0], secretariat]
        seen: list[int] = []
        writing_done = asyncio.Event()
        stored: dict[str, str] = {}  # idempotency key -> the report's id, as both replicas said

        async def follow() -> None:
            # Start where the writers start; read on until they are done and the feed is dry.
            first = await follower.list_changes()
            cursor = first.next_cursor
            seen.extend(c.seq for c in first.items if c.seq > start)
            while True:
                finished = writing_done.is_set()
                page = await follower.list_changes(cursor=cursor, limit=17)
                seen.extend(c.seq for c in page.items if c.seq > start)
                cursor = page.next_cursor
                if finished and not page.items:
                    return

        async def report(n: int) -> None:
            rec_id = recs[n]["id"]
            for i in range(REPORTS_PER_CLIENT):
                key = f"client-{n}-report-{i}"
                body = ProgressReportCreate(status="in_progress", note=f"{n}/{i}")
                # The same call on both replicas at once, as a retry through a load balancer
                # could: one writes, the other replays (after 409 in progress, retried).
                a, b = await asyncio.gather(
                    *(
                        on[replica, agency].create_progress(rec_id, body, idempotency_key=key)
                        for replica in replicas
                    )
                )
                assert a.id == b.id
                stored[key] = a.id

        wins: list[int] = []
        losses = 0

        async def patch(n: int) -> None:
            nonlocal losses
            client = on[replicas[n % 2], secretariat]
            for r in range(PATCH_ROUNDS):
                current = await client.get_recommendation(contested["id"])
                try:
                    changed = await client.update_recommendation(
                        contested["id"],
                        RecommendationPatch(title=f"Titel {n}/{r}"),
                        if_match=current,
                    )
                except PreconditionFailedError:
                    losses += 1
                else:
                    wins.append(changed.value.version)

        following = asyncio.create_task(follow())
        async with asyncio.timeout(ROUND_SECONDS):
            await asyncio.gather(
                *(report(n) for n in range(CLIENTS)), *(patch(n) for n in range(PATCHERS))
            )
            writing_done.set()
            await following

    # Idempotency: one report per key, none twice, each with the id both replicas gave.
    rows = await db.fetch("select id::text, note from progress_report")
    assert len(rows) == CLIENTS * REPORTS_PER_CLIENT
    assert sorted(r["id"] for r in rows) == sorted(stored.values())
    assert await db.fetchval("select count(*) from idempotency_key") == len(stored)

    # If-Match: every win made exactly one new version; no two wins share one.
    assert len(wins) == len(set(wins))
    assert len(wins) + losses == PATCHERS * PATCH_ROUNDS
    assert losses, "no two changes raced: the test proved nothing"
    final = await db.fetchval("select version from recommendation where id = $1", contested["id"])
    assert final == contested["version"] + len(wins)
    updates = await db.fetchval(
        "select count(*) from event where entity = 'recommendation' and entity_id = $1"
        " and action = 'updated' and seq > $2",
        contested["id"],
        start,
    )
    assert updates == len(wins)

    # The feed: the follower on one replica saw every change through both, once, in order.
    committed = [
        r["seq"] for r in await db.fetch("select seq from event where seq > $1 order by seq", start)
    ]
    assert seen == committed
    assert len(committed) >= CLIENTS * REPORTS_PER_CLIENT + len(wins)
