"""What every `recotrack` command shares: bad-input errors, the database, tables, names."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import getpass
import os
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg

from recotrack.logs import configure_logging
from recotrack.settings import Settings

if TYPE_CHECKING:
    from recotrack.store.database import Database

T = TypeVar("T")


class UsageError(Exception):
    """Bad input: reported as one line on stderr, exit status 2."""


@contextlib.contextmanager
def database(settings: Settings) -> Iterator[Database]:
    """The database (starting or joining the embedded server when DATABASE_URL is unset)."""
    from recotrack.store.database import database

    with database(settings) as db:
        yield db


def with_database(settings: Settings, job: Callable[[Database], Coroutine[Any, Any, T]]) -> T:
    """Run `job` on the database, logging configured."""
    configure_logging(settings)
    with database(settings) as db:
        return asyncio.run(job(db))


def with_connection(settings: Settings, job: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    """Run `job` on one connection to the service's database, migrated (or checked) first."""
    from recotrack.store.pool import connect

    async def run(db: Database) -> T:
        await db.prepare()
        conn = await connect(db.url)
        try:
            return await job(conn)
        finally:
            await conn.close()

    return with_database(settings, run)


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
