"""What the demo needs of the database beyond the store's writes: the moment it is loaded,
and a clock that makes the writes after it happen at a past moment.

The demo is a history written after the fact. Each write goes through the same store
function as the API's, in the demo's one transaction; `set_write_time` first sets the moment
it is made at (`write_time()`, migration 0010), which its event and its rows then carry
and the rules take as now (`Locked.today`). Only the demo sets it.
"""

from __future__ import annotations

import datetime as dt

from recotrack.store.pool import Connection


async def now(conn: Connection) -> dt.datetime:
    """The transaction's own time, which no clock set in it changes."""
    moment: dt.datetime = await conn.fetchval("select now()")
    return moment


async def set_write_time(conn: Connection, at: dt.datetime | None) -> None:
    """The writes that follow in this transaction happen at `at` (None: at its own time).

    Only a past moment: a history is of what happened."""
    if at is not None and at.tzinfo is None:
        raise ValueError(f"a write time needs a time zone: {at!r}")
    accepted = await conn.fetchval(
        """
        select set_config('recotrack.write_time', coalesce($1, ''), true)
        where $1 is null or $1::timestamptz <= now()
        """,
        None if at is None else at.isoformat(),
    )
    if accepted is None:
        raise ValueError(f"a write time must not be in the future: {at!r}")
