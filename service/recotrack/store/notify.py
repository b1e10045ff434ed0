"""Wakes long-polling readers of the changes feed when events are committed (LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from recotrack.store.events import CHANNEL
from recotrack.store.pool import connect


class ChangeNotifier:
    """One listening connection per process; any number of waiters."""

    def __init__(self) -> None:
        self._committed = asyncio.Event()
        self._conn: asyncpg.Connection | None = None

    async def start(self, dsn: str) -> None:
        self._conn = await connect(dsn)
        await self._conn.add_listener(CHANNEL, self._on_notify)

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    def _on_notify(self, *_: Any) -> None:
        self._committed.set()
        self._committed = asyncio.Event()

    def next_commit(self) -> asyncio.Event:
        """Take this before reading the feed, then wait on it: a commit that lands between
        the read and the wait is not missed."""
        return self._committed
