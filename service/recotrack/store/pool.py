"""The asyncpg connection pool."""

from __future__ import annotations

import asyncpg
import msgspec
from asyncpg.pool import PoolConnectionProxy

# Dates such as "today" and "overdue" are Swedish dates, whatever the server's own zone.
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

Pool = asyncpg.Pool
Connection = asyncpg.Connection | PoolConnectionProxy
"""A connection of its own or one lent by the pool: the store takes either."""


async def _init_connection(conn: Connection) -> None:
    await conn.set_type_codec(
        "jsonb", encoder=_encode_json, decoder=msgspec.json.decode, schema="pg_catalog"
    )


def _encode_json(value: object) -> str:
    return msgspec.json.encode(value).decode()


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 20) -> Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        server_settings=SERVER_SETTINGS,
    )
    assert pool is not None
    return pool


async def connect(dsn: str) -> asyncpg.Connection:
    """A single connection, for commands that do one job and exit."""
    conn = await asyncpg.connect(dsn, server_settings=SERVER_SETTINGS)
    await _init_connection(conn)
    return conn


async def ping(pool: Pool) -> None:
    """A round trip to the database through the pool; raises when it does not answer."""
    async with pool.acquire() as conn:
        await conn.fetchval("select 1")
