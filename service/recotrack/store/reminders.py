"""Reminders by mail: the due dates a pass looks at, and what was sent (migration 0014).

`candidates` is one set-based query over every recommendation: the open due dates that are
near or past (an issued recommendation's response while it has none, and its implementation
target, the response's `target_date` or else `implementation_due`, while it is not closed),
each with its effective due date. Which step is due is the domain's to say
(`domain.reminders`); `unsent` then drops what was sent already, and `sending` records one
mail in the transaction that sends it, so it is sent exactly once (see migration 0014).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from recotrack.domain.reminders import Due, Step
from recotrack.store.pool import Connection

_LOCK = 0x726D6E64  # any fixed number, used only for this: one pass at a time


@dataclass(frozen=True, slots=True)
class Candidate:
    recommendation_id: uuid.UUID
    code: str
    title: str
    agency_id: str
    due: Due
    due_date: dt.date
    """As set."""
    effective_due: dt.date
    """The working day it falls due (a date set on a day off moves to the next one)."""


@dataclass(frozen=True, slots=True)
class Agency:
    name: str
    contacts: list[dict[str, Any]]
    """`[{email, name, role}]` as the API set them."""


class Key(NamedTuple):
    """One mail: a recipient, at one step of one due date's schedule."""

    recommendation_id: uuid.UUID
    due: Due
    due_on: dt.date
    """The effective due date."""
    step: Step
    step_on: dt.date
    recipient: str


@contextlib.asynccontextmanager
async def exclusive(conn: Connection) -> AsyncIterator[None]:
    """One pass at a time, whichever replica or command runs it: a session lock, so `conn`
    must be a connection of its own (the pool does not unlock what a lender left locked); a
    second pass waits for the first and then finds what it sent."""
    await conn.execute("select pg_advisory_lock($1)", _LOCK)
    try:
        yield
    finally:
        await conn.execute("select pg_advisory_unlock($1)", _LOCK)


async def agencies(conn: Connection) -> dict[str, Agency]:
    rows = await conn.fetch("select id, name, contacts from agency")
    return {row["id"]: Agency(row["name"], row["contacts"]) for row in rows}


async def candidates(conn: Connection, today: dt.date, horizon: int) -> list[Candidate]:
    """The open due dates whose effective day is at most `horizon` days after `today`."""
    rows = await conn.fetch(
        """
        select r.id, r.code, r.title, r.agency_id, d.due, d.due_date,
               coalesce(o.next_working_day, d.due_date) as effective_due
        from recommendation r
        left join response resp on resp.recommendation_id = r.id
        cross join lateral (values
            ('response', case when resp.recommendation_id is null then r.response_due end),
            ('implementation', coalesce(resp.target_date, r.implementation_due))
        ) d (due, due_date)
        left join swedish_day_off o on o.day = d.due_date  -- effective_due(), as a join
        where r.issued_on is not null
            and d.due_date <= $1::date + $2::int
            and coalesce(o.next_working_day, d.due_date) <= $1::date + $2::int
            and not exists (select from closure c where c.recommendation_id = r.id)
        order by r.code, d.due desc
        """,
        today,
        horizon,
    )
    return [Candidate(*row) for row in rows]


async def unsent(conn: Connection, keys: Sequence[Key]) -> set[Key]:
    """Those of `keys` not sent yet."""
    if not keys:
        return set()
    columns = list(zip(*keys, strict=True))
    rows = await conn.fetch(
        """
        select k.*
        from unnest($1::uuid[], $2::text[], $3::date[], $4::text[], $5::date[], $6::text[])
            as k (recommendation_id, due, due_on, step, step_on, recipient)
        where not exists (
            select from reminder_sent s
            where (s.recommendation_id, s.due, s.due_on, s.step, s.step_on, s.recipient)
                = (k.recommendation_id, k.due, k.due_on, k.step, k.step_on, k.recipient)
        )
        """,
        *columns,
    )
    return {Key(*row) for row in rows}


@contextlib.asynccontextmanager
async def sending(conn: Connection, key: Key) -> AsyncIterator[bool]:
    """Whether this is the one to send `key`'s mail (False: sent already, or by a replica
    that got there first and committed): send it inside. The record commits when the block
    ends; an error in it (the mail not sent) rolls it back, and a later pass tries again."""
    async with conn.transaction():
        mine = await conn.fetchval(
            """
            insert into reminder_sent (recommendation_id, due, due_on, step, step_on, recipient)
            values ($1, $2, $3, $4, $5, $6)
            on conflict do nothing
            returning true
            """,
            *key,
        )
        yield bool(mine)


async def digest_unsent(conn: Connection, day: dt.date, recipient: str) -> bool:
    return not await conn.fetchval(
        "select exists (select from reminder_digest_sent where day = $1 and recipient = $2)",
        day,
        recipient,
    )


@contextlib.asynccontextmanager
async def sending_digest(conn: Connection, day: dt.date, recipient: str) -> AsyncIterator[bool]:
    """As `sending`, for the week's digest."""
    async with conn.transaction():
        mine = await conn.fetchval(
            """
            insert into reminder_digest_sent (day, recipient) values ($1, $2)
            on conflict do nothing
            returning true
            """,
            day,
            recipient,
        )
        yield bool(mine)


async def record_pass(conn: Connection, day: dt.date, *, sent: int, failed: int) -> None:
    await conn.execute(
        """
        insert into reminder_pass (day, sent, failed) values ($1, $2, $3)
        on conflict (day) do update
            set finished_at = now(), sent = reminder_pass.sent + excluded.sent,
                failed = excluded.failed
        """,
        day,
        sent,
        failed,
    )


async def pass_done(conn: Connection, day: dt.date) -> bool:
    """Whether `day`'s pass ran and sent all it had to."""
    return bool(
        await conn.fetchval(
            "select exists (select from reminder_pass where day = $1 and failed = 0)", day
        )
    )
