"""The webhook delivery worker's state and its log (migration 0013).

A worker takes one subscription at a time (`claim`) with its row locked `for no key update
skip locked`, in a transaction it holds while its requests are out: no other worker, in
this process or another, takes the same subscription meanwhile, and the lock goes with the
worker's connection when the worker dies. (`no key`: the API can still add rows that refer
to the subscription, such as a queued redelivery, while it is being worked on.)
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from recotrack.domain.deliveries import message_id
from recotrack.store.changes import visible
from recotrack.store.errors import NotFound
from recotrack.store.events import CHANNEL
from recotrack.store.pool import Connection
from recotrack.store.rows import Keyset, parse_id, to_struct
from recotrack_sdk.models import DeliveryAttempt

_COLUMNS = (
    "id::text, webhook_id::text, seq, type, message_id, attempt, redelivery, status, "
    "created_at, attempted_at, status_code, duration_seconds, error, next_attempt_at"
)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A subscription a worker holds, as it was when taken."""

    id: str
    agency_id: str | None
    url: str
    events: list[str] | None
    position: int
    failures: int
    head: int
    """The log's last seq when it was taken: what is sent now is at most this far."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt, as the worker made it, for the log."""

    seq: int
    type: str
    attempt: int
    succeeded: bool
    attempted_at: dt.datetime
    status_code: int | None
    duration_seconds: float
    error: str | None
    next_attempt_at: dt.datetime | None = None


async def claim(conn: Connection) -> Claimed | None:
    """Take (in the caller's transaction) a subscription with changes it has not been sent
    and no retry to wait for; the one looked at least recently. None: nothing to do."""
    row = await conn.fetchrow(
        """
        with head as (select coalesce(max(seq), 0) as seq from event)
        select w.id::text, w.agency_id, w.url, w.events, w.position, w.failures,
            head.seq as head
        from webhook w, head
        where w.active and w.position < head.seq
            and (w.next_attempt_at is null or w.next_attempt_at <= now())
        order by w.worked_at nulls first, w.id
        limit 1
        for no key update of w skip locked
        """
    )
    return None if row is None else Claimed(**dict(row))


async def record(
    conn: Connection,
    webhook_id: str,
    attempts: Sequence[Attempt],
    *,
    position: int,
    failures: int,
    next_attempt_at: dt.datetime | None,
) -> None:
    """Log `attempts` and move the subscription to where they left it (under its lock)."""
    if attempts:
        await conn.execute(
            """
            insert into webhook_delivery (id, webhook_id, seq, type, message_id, attempt,
                status, created_at, attempted_at, status_code, duration_seconds, error,
                next_attempt_at)
            select gen_random_uuid(), $1, a.seq, a.type, a.message_id, a.attempt,
                case when a.ok then 'succeeded' else 'failed' end, a.attempted_at, a.attempted_at,
                a.status_code, a.duration, a.error, a.next_attempt_at
            from unnest($2::bigint[], $3::text[], $4::integer[], $5::boolean[],
                    $6::timestamptz[], $7::integer[], $8::float8[], $9::text[],
                    $10::timestamptz[], $11::text[])
                as a (seq, type, attempt, ok, attempted_at, status_code, duration, error,
                    next_attempt_at, message_id)
            """,
            uuid.UUID(webhook_id),
            *_columns(attempts),
        )
    succeeded = sum(a.succeeded for a in attempts)
    await conn.execute(
        """
        update webhook set position = $2, failures = $3, next_attempt_at = $4,
            worked_at = now(), succeeded_count = succeeded_count + $5,
            failed_count = failed_count + $6
        where id = $1
        """,
        uuid.UUID(webhook_id),
        position,
        failures,
        next_attempt_at,
        succeeded,
        len(attempts) - succeeded,
    )


def _columns(attempts: Sequence[Attempt]) -> list[list[Any]]:
    return [
        [a.seq for a in attempts],
        [a.type for a in attempts],
        [a.attempt for a in attempts],
        [a.succeeded for a in attempts],
        [a.attempted_at for a in attempts],
        [a.status_code for a in attempts],
        [a.duration_seconds for a in attempts],
        [a.error for a in attempts],
        [a.next_attempt_at for a in attempts],
        [message_id(a.seq) for a in attempts],
    ]


async def next_due(conn: Connection) -> dt.datetime | None:
    """The earliest moment, from now on, that a retry or a queued redelivery falls due (None:
    none). One due already is being worked on: its worker goes on with it."""
    due: dt.datetime | None = await conn.fetchval(
        """
        select least(
            (select min(next_attempt_at) from webhook where active and next_attempt_at > now()),
            (select min(next_attempt_at) from webhook_delivery
             where status = 'queued' and next_attempt_at > now()))
        """
    )
    return due


# --- redeliveries ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Queued:
    """A redelivery a worker holds (its row locked), to send once."""

    id: str
    webhook_id: str
    url: str
    seq: int
    attempt: int


async def redeliver(
    conn: Connection, webhook_id: str, delivery_id: str, *, scope: str | None
) -> DeliveryAttempt:
    """Queue the change of delivery `delivery_id` to be sent again, once, soon, whatever
    the order (a subscription the caller may see; NotFound otherwise)."""
    key = parse_id(webhook_id, "webhook")
    delivery = parse_id(delivery_id, "delivery")
    async with conn.transaction():
        row = await conn.fetchrow(
            f"""
            insert into webhook_delivery (id, webhook_id, seq, type, message_id, attempt,
                redelivery, status, next_attempt_at)
            select $3, d.webhook_id, d.seq, d.type, d.message_id,
                (select count(*) + 1 from webhook_delivery o
                 where o.webhook_id = d.webhook_id and o.seq = d.seq),
                true, 'queued', now()
            from webhook_delivery d join webhook w on w.id = d.webhook_id
            where d.id = $2 and d.webhook_id = $1 and ($4::text is null or w.agency_id = $4)
            returning {_COLUMNS}
            """,
            key,
            delivery,
            uuid.uuid4(),
            scope,
        )
        if row is None:
            await _must_see(conn, key, webhook_id, scope)
            raise NotFound(f"no delivery {delivery_id!r} of webhook {webhook_id!r}")
        await conn.execute("select pg_notify($1, '')", CHANNEL)  # wakes the workers
    return to_struct(row, DeliveryAttempt)


async def claim_redelivery(conn: Connection) -> Queued | None:
    """Take (in the caller's transaction) a queued redelivery that is due."""
    row = await conn.fetchrow(
        """
        select d.id::text, d.webhook_id::text, w.url, d.seq, d.attempt
        from webhook_delivery d join webhook w on w.id = d.webhook_id
        where d.status = 'queued' and d.next_attempt_at <= now()
        order by d.next_attempt_at
        limit 1
        for update of d skip locked
        """
    )
    return None if row is None else Queued(**dict(row))


async def record_redelivery(conn: Connection, delivery_id: str, attempt: Attempt) -> None:
    await conn.execute(
        """
        update webhook_delivery set status = $2, attempted_at = $3, status_code = $4,
            duration_seconds = $5, error = $6, next_attempt_at = null
        where id = $1
        """,
        uuid.UUID(delivery_id),
        "succeeded" if attempt.succeeded else "failed",
        attempt.attempted_at,
        attempt.status_code,
        attempt.duration_seconds,
        attempt.error,
    )


# --- the log, for the API -------------------------------------------------------------------


async def list_deliveries(
    conn: Connection, webhook_id: str, *, scope: str | None, cursor: str | None, limit: int
) -> tuple[list[DeliveryAttempt], str | None]:
    """A subscription's log, newest first."""
    key = parse_id(webhook_id, "webhook")
    await _must_see(conn, key, webhook_id, scope)
    keyset = Keyset("webhook_deliveries", cursor, limit, table="webhook_delivery", descending=True)
    args: list[Any] = [key]
    rows = await conn.fetch(
        f"""
        select {_COLUMNS} from webhook_delivery
        where webhook_id = $1 and {keyset.where(args)}
        order by {keyset.order_by} limit {keyset.fetch}
        """,
        *args,
    )
    return keyset.page(rows, DeliveryAttempt)


async def _must_see(conn: Connection, key: uuid.UUID, webhook_id: str, scope: str | None) -> None:
    found = await conn.fetchval(
        "select true from webhook where id = $1 and ($2::text is null or agency_id = $2)",
        key,
        scope,
    )
    if not found:
        raise NotFound(f"no webhook {webhook_id!r}")


# --- figures, for /metrics ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figures:
    """One subscription's figures as the database has them (every replica's work)."""

    id: str
    agency_id: str | None
    active: bool
    succeeded: int
    failed: int
    failures: int
    oldest_undelivered_seconds: float
    """How long the first change it has not been sent has waited (0: none waits)."""


async def figures(conn: Connection) -> list[Figures]:
    rows = await conn.fetch(
        f"""
        select w.id::text, w.agency_id, w.active, w.succeeded_count as succeeded,
            w.failed_count as failed, w.failures,
            coalesce(extract(epoch from now() - first.occurred_at)::float8, 0)
                as oldest_undelivered_seconds
        from webhook w
        left join lateral (
            select occurred_at from event
            where seq > w.position and {visible("w.agency_id", "w.events")}
            order by seq limit 1
        ) first on true
        order by w.id
        """
    )
    return [Figures(**dict(row)) for row in rows]
