"""What every `recotrack` command shares: bad-input errors, the database, tables, names."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import getpass
import os
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import TypeVar

import asyncpg

from recotrack.logs import configure_logging
from recotrack.settings import Settings

T = TypeVar("T")


class UsageError(Exception):
    """Bad input: reported as one line on stderr, exit status 2."""


@contextlib.contextmanager
def database(settings: Settings) -> Iterator[str]:
    """The database URL (starting or joining the embedded server when DATABASE_URL is unset)."""
    from recotrack.store.database import database_url

    with database_url(settings) as dsn:
        yield dsn


def with_connection(
    settings: Settings,
    job: Callable[[asyncpg.Connection], Awaitable[T]],
    *,
    migrate_first: bool = True,
) -> T:
    """Run `job` on one connection to the service's database, migrated first."""
    from recotrack.store.migrate import migrate
    from recotrack.store.pool import connect

    async def run(dsn: str) -> T:
        conn = await connect(dsn)
        try:
            if migrate_first:
                await migrate(conn)
            return await job(conn)
        finally:
            await conn.close()

    configure_logging(settings)
    with database(settings) as dsn:
        return asyncio.run(run(dsn))


def who_runs_it() -> str:
    """How the event log names whoever runs the command."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError, ImportError):
        user = str(os.getuid())
    return f"cli:{user}"


def utc_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        print("  ".join(cells).rstrip())
