"""Wakes long-polling readers of the changes feed when events are committed (LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import asyncpg
import structlog

from recotrack.store.errors import DATABASE_UNAVAILABLE
from recotrack.store.events import CHANNEL
from recotrack.store.pool import connect
from recotrack.store.tokens import TOKEN_CHANNEL

# Back within a second of the database: a long poll waiting meanwhile hears of the commits it
# missed no later than that (a poll's request may time out a few seconds after it began).
_RECONNECT_FIRST_SECONDS = 0.1
_RECONNECT_MAX_SECONDS = 1.0

log = structlog.get_logger("recotrack.store")


class ChangeNotifier:
    """One listening connection per process; any number of waiters. It also hears token
    revocations, and calls `on_revoked` for each one (and when it may have missed some).

    When the database goes away (restart, failover) the connection is re-opened in the
    background until it succeeds; waiters are woken on the loss and again on the return, so
    that they read the feed again instead of sleeping through commits nobody announced.
    """

    def __init__(self) -> None:
        self.on_revoked: Callable[[], None] = lambda: None
        self._committed = asyncio.Event()
        self._conn: asyncpg.Connection | None = None
        self._dsn = ""
        self._closing = False
        self._reconnecting: asyncio.Task[None] | None = None

    async def start(self, dsn: str) -> None:
        self._dsn = dsn
        await self._listen()

    async def _listen(self) -> None:
        conn = await connect(self._dsn)
        await conn.add_listener(CHANNEL, self._on_notify)
        await conn.add_listener(TOKEN_CHANNEL, self._on_token_notify)
        conn.add_termination_listener(self._on_lost)
        self._conn = conn

    def _on_lost(self, conn: Any) -> None:
        if self._closing or conn is not self._conn:
            return
        self._conn = None
        self._on_notify()
        self.on_revoked()  # revocations may go unheard until the connection is back
        log.warning("change notifications lost; reconnecting")
        self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        delay = _RECONNECT_FIRST_SECONDS
        while not self._closing:
            try:
                await self._listen()
            except DATABASE_UNAVAILABLE:
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RECONNECT_MAX_SECONDS)
                continue
            log.info("change notifications back")
            self._on_notify()  # commits made while nobody listened
            self.on_revoked()
            return

    @property
    def listening(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def close(self) -> None:
        self._closing = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnecting
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    def _on_token_notify(self, *_: Any) -> None:
        self.on_revoked()

    def _on_notify(self, *_: Any) -> None:
        self._committed.set()
        self._committed = asyncio.Event()

    def next_commit(self) -> asyncio.Event:
        """Take this before reading the feed, then wait on it: a commit that lands between
        the read and the wait is not missed."""
        return self._committed
