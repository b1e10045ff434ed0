"""The asyncpg connection pool."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec
from asyncpg.pool import PoolAcquireContext, PoolConnectionProxy

# Dates such as "today" and "overdue" are Swedish dates, whatever the server's own zone. The
# zone shapes only what PostgreSQL renders as text (`::text`, JSON, `to_char`): asyncpg decodes
# a timestamptz as an aware datetime in UTC whatever it is, and so the API's bodies are in UTC.
# SQL that renders a moment for output says UTC itself (`store.exports.utc_text`).
SERVER_SETTINGS = {
    "timezone": "Europe/Stockholm",
    "application_name": "recotrack",
    # JIT compiling costs ~300 ms on a large query and gains nothing on ours
    "jit": "off",
    # Our queries take optional filters (`$1 is null or col = $1`): a generic plan, which
    # PostgreSQL switches to after five runs of a prepared statement, cannot drop the unused
    # ones and ignores the indexes. Planning each run costs a millisecond or two.
    "plan_cache_mode": "force_custom_plan",
}

Connection = asyncpg.Connection | PoolConnectionProxy
"""A connection of its own or one lent by the pool: the store takes either."""


class Pool(asyncpg.Pool):
    """asyncpg's pool, whose `acquire()` waits at most `acquire_timeout` seconds by default.

    A request must never wait without bound for a connection (pool exhausted, database gone):
    past the timeout, `acquire()` raises TimeoutError, which the API answers with 503.
    """

    __slots__ = ("acquire_timeout",)
    acquire_timeout: float

    def acquire(self, *, timeout: float | None = None) -> PoolAcquireContext:
        return super().acquire(timeout=self.acquire_timeout if timeout is None else timeout)


async def _init_connection(conn: Connection) -> None:
    await conn.set_type_codec(
        "jsonb", encoder=_encode_json, decoder=msgspec.json.decode, schema="pg_catalog"
    )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What a connection needs on its way back to the pool, beyond what asyncpg always does
    (roll back an open transaction, drop listeners): nothing. asyncpg's default also runs
    `RESET ALL; CLOSE ALL; UNLISTEN *; pg_advisory_unlock_all()`, a round trip per request,
    for session state that pooled connections never take on: settings are fixed at connect
    (`server_settings`), cursors close with their transaction, advisory locks are taken per
    transaction, LISTEN has a connection of its own."""


def _encode_json(value: object) -> str:
    return msgspec.json.encode(value).decode()


async def create_pool(
    dsn: str,
    *,
    min_size: int = 2,
    max_size: int = 20,
    acquire_timeout: float = 5.0,
    statement_timeout: float = 0,
) -> Pool:
    """The pool; `statement_timeout` (seconds, 0: none) bounds every statement on the server."""
    settings = dict(SERVER_SETTINGS)
    if statement_timeout:
        settings["statement_timeout"] = str(max(1, round(statement_timeout * 1000)))
    # The same arguments as asyncpg.create_pool, which cannot make a subclass.
    pool = Pool(
        dsn,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        min_size=min_size,
        max_size=max_size,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        loop=None,
        init=_init_connection,
        reset=_keep_session,
        server_settings=settings,
        # a connection attempt to a server that does not answer fails as fast as a lend
        timeout=acquire_timeout,
    )
    pool.acquire_timeout = acquire_timeout
    await pool
    return pool


async def connect(dsn: str) -> asyncpg.Connection:
    """A single connection, for commands that do one job and exit."""
    conn = await asyncpg.connect(dsn, server_settings=SERVER_SETTINGS)
    await _init_connection(conn)
    return conn


async def today(conn: Connection) -> dt.date:
    """Today as the database has it: a Swedish date (`SERVER_SETTINGS`), as the rules use."""
    day: dt.date = await conn.fetchval("select current_date")
    return day


async def ping(pool: Pool) -> None:
    """A round trip to the database through the pool; raises when it does not answer."""
    async with pool.acquire() as conn:
        await conn.fetchval("select 1")
