"""Exports: the event log and the recommendations, read from one snapshot in chunks.

An export holds a connection of its own for its whole life: a read-only REPEATABLE READ
transaction (so the chain head named in the response headers is the one of the rows sent)
and a server-side cursor, from which rows are fetched a chunk at a time, only when the
previous chunk has gone out. Events are rendered to NDJSON or CSV lines by PostgreSQL
itself, so Python passes each row on as one string instead of decoding its columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import anyio
import asyncpg

from recotrack.store.checkpoints import latest
from recotrack.store.pool import Connection, Pool
from recotrack.store.recommendation_list import filter_query
from recotrack_sdk.models import Checkpoint, RecommendationQuery

CHUNK_ROWS = 5000
"""Rows fetched from the cursor at a time."""

EventFormat = Literal["ndjson", "csv"]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """An export's connection, inside its read-only repeatable-read transaction."""

    conn: Connection
    has_hash: bool
    """Whether events carry their chain hash (the `hash` column exists)."""
    head_seq: int | None
    head_hash: str | None
    """Hex SHA-256 of the newest event, when events carry hashes."""
    checkpoint: Checkpoint | None
    """The newest signed checkpoint (of this snapshot's chain: at or before its head)."""

    @property
    def head(self) -> str:
        """The chain head: the newest event's hash; its seq while events have no hash."""
        if self.head_hash is not None:
            return self.head_hash
        return str(self.head_seq or 0)


@asynccontextmanager
async def snapshot(pool: Pool) -> AsyncIterator[Snapshot]:
    """A pooled connection in a read-only REPEATABLE READ transaction, for an export's life.

    Its end (rollback, release) is shielded from cancellation: a client that disconnects
    mid-export cancels the stream, and the connection must go back to the pool all the same.
    """
    conn = await pool.acquire()
    transaction = None
    try:
        transaction = conn.transaction(isolation="repeatable_read", readonly=True)
        await transaction.start()
        has_hash = bool(
            await conn.fetchval(
                """
                select exists (
                    select from pg_attribute
                    where attrelid = 'event'::regclass and attname = 'hash' and not attisdropped
                )
                """
            )
        )
        head = await conn.fetchrow(
            "select seq, "
            + ("encode(hash, 'hex')" if has_hash else "null::text")
            + " as hash from event order by seq desc limit 1"
        )
        yield Snapshot(
            conn,
            has_hash,
            head["seq"] if head is not None else None,
            head["hash"] if head is not None else None,
            await latest(conn),
        )
    finally:
        with anyio.CancelScope(shield=True):
            try:
                if transaction is not None and conn.is_in_transaction():
                    await transaction.rollback()
            finally:
                await pool.release(conn)


# --- events ----------------------------------------------------------------------------------

EVENT_COLUMNS = (
    "seq",
    "occurred_at",
    "actor",
    "agency_id",
    "entity",
    "entity_id",
    "action",
    "version",
    "recommendation_id",
    "agency_visible",
    "data",
)


def utc_text(expression: str) -> str:
    """A timestamptz as exports write every moment: RFC 3339 in UTC with `Z`, to the
    microsecond (`recotrack.exports.moments.utc_text` in Python). Rendered explicitly, since
    PostgreSQL's own text (`::text`, JSON) follows the session's zone, Swedish time here."""
    return f"""to_char({expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


_OCCURRED_AT = utc_text("occurred_at")


def _csv_text(expression: str) -> str:
    """A text column as a CSV field: always quoted, quotes doubled; NULL as an empty field."""
    return f"""coalesce('"' || replace({expression}, '"', '""') || '"', '')"""


def event_columns(has_hash: bool) -> tuple[str, ...]:
    return (*EVENT_COLUMNS, "hash") if has_hash else EVENT_COLUMNS


def event_line(fmt: EventFormat, has_hash: bool) -> str:
    """One event as one line of the format, rendered by PostgreSQL (without the line end)."""
    if fmt == "ndjson":
        members = [
            "'seq', seq",
            f"'occurred_at', {_OCCURRED_AT}",
            "'actor', actor",
            "'agency_id', agency_id",
            "'entity', entity",
            "'entity_id', entity_id",
            "'action', action",
            "'version', version",
            "'recommendation_id', recommendation_id",
            "'agency_visible', agency_visible",
            "'data', data",
        ]
        if has_hash:
            members.append("'hash', encode(hash, 'hex')")
        return f"json_build_object({', '.join(members)})::text"
    fields = [
        "seq::text",
        _OCCURRED_AT,
        _csv_text("actor"),
        _csv_text("agency_id"),
        _csv_text("entity"),
        _csv_text("entity_id"),
        _csv_text("action"),
        "coalesce(version::text, '')",
        "coalesce(recommendation_id::text, '')",
        "agency_visible::text",
        _csv_text("data::text"),
    ]
    if has_hash:
        fields.append("encode(hash, 'hex')")
    # $5 is the separator
    return " || $5 || ".join(fields)


async def event_lines(
    snap: Snapshot,
    *,
    fmt: EventFormat,
    scope: str | None,
    agencies: Sequence[str] | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    separator: str = ";",
) -> AsyncIterator[list[str]]:
    """The events the caller may see, in seq order, as lines (without line ends), a chunk of
    rows at a time. An agency sees its own agency's agency-visible events."""
    args: list[Any] = [scope, list(agencies) if agencies else None, since, until]
    if fmt == "csv":
        args.append(separator)
    query = f"""
        select {event_line(fmt, snap.has_hash)} from event
        where ($1::text is null or (agency_id = $1 and agency_visible))
          and ($2::text[] is null or agency_id = any($2))
          and ($3::timestamptz is null or occurred_at >= $3)
          and ($4::timestamptz is null or occurred_at < $4)
        order by seq
    """
    cursor = await snap.conn.cursor(query, *args)
    while True:
        rows = await cursor.fetch(CHUNK_ROWS)
        if not rows:
            return
        yield [row[0] for row in rows]
        if len(rows) < CHUNK_ROWS:
            return


# --- recommendations -------------------------------------------------------------------------

RECOMMENDATION_COLUMNS = (
    "id",
    "code",
    "agency_id",
    "agency_name",
    "review_id",
    "investment_id",
    "title",
    "area",
    "area_sv",
    "priority",
    "state",
    "overdue",
    "issued_on",
    "response_due",
    "implementation_due",
    "diarienummer",
    "decision",
    "rationale",
    "target_date",
    "responded_by",
    "progress_status",
    "progress_note",
    "progress_reported_on",
    "assessed_status",
    "closure_outcome",
    "closure_note",
    "closed_on",
    "version",
    "created_at",
    "updated_at",
)


async def recommendation_rows(
    snap: Snapshot, *, scope: str | None, filters: RecommendationQuery
) -> AsyncIterator[list[asyncpg.Record]]:
    """One row per recommendation the caller may see (an agency: its own, issued), with its
    response, latest progress report, latest assessment and closure; in creation order.
    `area_sv` is left empty here: the export fills it in from the vocabulary."""
    found = filter_query(scope, filters, "v")
    if found is None:
        return
    where, derived, args = found
    query = f"""
        select v.id::text, v.code, v.agency_id, a.name as agency_name, v.review_id::text,
            v.investment_id::text, v.title, v.area, null::text as area_sv, v.priority, v.state,
            v.overdue, v.issued_on, v.response_due, v.implementation_due, v.diarienummer,
            resp.decision, resp.rationale, resp.target_date, resp.responded_by,
            p.status as progress_status, p.note as progress_note,
            p.reported_on as progress_reported_on, v.assessed_status,
            c.outcome as closure_outcome, c.note as closure_note,
            (c.closed_at at time zone 'Europe/Stockholm')::date as closed_on,
            v.version, v.created_at, v.updated_at
        from (
            select v.* from recommendation_view v
            where {where} and {derived}
        ) v
        join agency a on a.id = v.agency_id
        left join response resp on resp.recommendation_id = v.id
        left join closure c on c.recommendation_id = v.id
        left join lateral (
            select status, note, reported_on from progress_report
            where recommendation_id = v.id
            order by seq desc  -- the last written, as the state counts it (migration 0009)
            limit 1
        ) p on true
        order by v.created_at, v.id
    """
    cursor = await snap.conn.cursor(query, *args)
    while True:
        rows = await cursor.fetch(CHUNK_ROWS)
        if not rows:
            return
        yield rows
        if len(rows) < CHUNK_ROWS:
            return
