"""All the background work, in one place: what `recotrack serve` runs beside the API (unless
`RECOTRACK_WORKER=false`) and what `recotrack worker` runs alone. A new job is one more line
in `running`.

Each job keeps its state in PostgreSQL and decides there what is due, so any number of
processes may run this side by side. The jobs share a pool of their own, so that they never
take the connections the API's requests wait for.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from recotrack.secretbox import SecretBox
from recotrack.settings import Settings
from recotrack.signing import Signer
from recotrack.store.notify import ChangeNotifier
from recotrack.store.pool import create_pool
from recotrack.worker import checkpoints, deliveries, reminders


@contextlib.asynccontextmanager
async def running(
    settings: Settings,
    dsn: str,
    *,
    signer: Signer,
    box: SecretBox,
    notifier: ChangeNotifier,
) -> AsyncIterator[None]:
    """Every job in the background while the context lasts; each finishes what it is doing
    on the way out. `notifier` (started) wakes them when events are committed."""
    pool = await create_pool(
        dsn,
        min_size=1,
        # a delivery slot holds one while its request is out; the other jobs need one each
        max_size=settings.webhook_concurrency + 2,
        acquire_timeout=settings.pool_acquire_timeout,
        statement_timeout=settings.statement_timeout,
    )
    try:
        async with contextlib.AsyncExitStack() as jobs:
            await jobs.enter_async_context(
                checkpoints.running(
                    pool,
                    signer,
                    notifier,
                    interval=settings.checkpoint_interval_seconds,
                    every=settings.checkpoint_every_events,
                )
            )
            await jobs.enter_async_context(
                deliveries.running(pool, box, notifier, deliveries.Config.from_settings(settings))
            )
            await jobs.enter_async_context(reminders.running(dsn, settings))  # needs SMTP
            yield
    finally:
        await pool.close()
