"""The interval job: each replica looks whether a checkpoint is due, and makes it if so.

It looks when events are committed (the change notifications; at most once a second) and
when the oldest uncovered event will have waited the interval; whether one is due is decided
in the database (`store.checkpoints.create_if_due`), so any number of replicas make one
checkpoint per due moment, and a restarted one simply looks again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator

import structlog

from recotrack.signing import Signer
from recotrack.store import checkpoints as store
from recotrack.store.notify import ChangeNotifier
from recotrack.store.pool import Pool
from recotrack.worker.waiting import first_of

_MIN_PAUSE_SECONDS = 1.0
"""Between two looks: a burst of commits costs one look a second per replica."""
_RETRY_SECONDS = 5.0
"""After a failed look (the database away, say)."""

log = structlog.get_logger("recotrack.worker")


async def run(
    pool: Pool,
    signer: Signer,
    notifier: ChangeNotifier,
    stop: asyncio.Event,
    *,
    interval: float,
    every: int,
) -> None:
    """Look, make what is due, wait for the next commit or due moment; until `stop` is set
    (a look under way is finished first: nothing is cut off mid-transaction)."""
    period = dt.timedelta(seconds=interval)
    while not stop.is_set():
        commit = notifier.next_commit()
        wait = interval
        try:
            async with pool.acquire() as conn:
                due = await store.create_if_due(conn, signer, interval=period, every=every)
            if due.made is not None:
                log.info("checkpoint", seq=due.made.seq, hash=due.made.hash)
                continue  # more may have been written meanwhile
            if due.next_due is not None:
                left = (due.next_due - dt.datetime.now(dt.UTC)).total_seconds()
                wait = min(interval, max(left, 0.0))
        except Exception as exc:  # the database away, or anything else: look again later
            log.warning("checkpoint job could not look", error=type(exc).__name__)
            wait = _RETRY_SECONDS
        if await _stopped(stop, min(wait, _MIN_PAUSE_SECONDS)):
            return
        await first_of(commit, stop, max(wait - _MIN_PAUSE_SECONDS, 0.0))


async def _stopped(stop: asyncio.Event, seconds: float) -> bool:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


@contextlib.asynccontextmanager
async def running(
    pool: Pool, signer: Signer, notifier: ChangeNotifier, *, interval: float, every: int
) -> AsyncIterator[None]:
    """The job in the background for as long as the context lasts."""
    stop = asyncio.Event()
    task = asyncio.create_task(run(pool, signer, notifier, stop, interval=interval, every=every))
    try:
        yield
    finally:
        stop.set()
        await task
