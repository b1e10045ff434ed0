"""Recommendations: one read with its derived state, and the lock its changes take."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from recotrack.domain.vocabulary import State
from recotrack.store.errors import NotFound
from recotrack.store.pool import Connection
from recotrack.store.rows import maybe_id, must, parse_id, to_struct
from recotrack_sdk.models import Recommendation

COLUMNS = (
    "id::text, code, review_id::text, investment_id::text, agency_id, title, body, area, priority,"
    " issued_on, response_due, implementation_due, diarienummer, published, state, overdue,"
    " decision, reported_status, assessed_status, version, created_at, updated_at"
)


async def get_recommendation(
    conn: Connection, recommendation_id: str, *, scope: str | None
) -> Recommendation:
    row = await conn.fetchrow(
        f"""
        select {COLUMNS} from recommendation_view where {_VISIBLE}
        """,
        parse_id(recommendation_id, "recommendation"),
        scope,
    )
    if row is None:
        raise NotFound(f"no recommendation {recommendation_id!r}")
    return to_struct(row, Recommendation)


def seen(scope: str, alias: str | None = None) -> str:
    """SQL: the recommendation (`alias`, or the one table's) is one the reader of agency
    `scope` (SQL of a text, null: every agency's) may see: an agency sees its own, once
    issued (drafts are not)."""
    a = f"{alias}." if alias else ""
    return f"({scope}::text is null or ({a}agency_id = {scope} and {a}issued_on is not null))"


_SEEN = seen("$2")
_VISIBLE = f"id = $1 and {_SEEN}"


async def get_recommendation_by_code(
    conn: Connection, code: str, *, scope: str | None
) -> Recommendation:
    """The recommendation with this code, among those the caller may see; or, when none has it
    exactly, the only one whose code it is but for case (people write `2026-skv-003`)."""
    row = await conn.fetchrow(
        f"select {COLUMNS} from recommendation_view where code = $1 and {_SEEN}", code, scope
    )
    if row is None:
        # only when the exact code is not found: this one scans (codes have no index by case)
        alike = await conn.fetch(
            f"select id from recommendation where upper(code) = upper($1) and {_SEEN} limit 2",
            code,
            scope,
        )
        if len(alike) == 1:
            row = await conn.fetchrow(
                f"select {COLUMNS} from recommendation_view where {_VISIBLE}", alike[0]["id"], scope
            )
    if row is None:
        raise NotFound(f"no recommendation with code {code!r}")
    return to_struct(row, Recommendation)


async def visible_id(conn: Connection, recommendation_id: str, *, scope: str | None) -> uuid.UUID:
    """The id of a recommendation the caller may see; NotFound otherwise."""
    rec_id = parse_id(recommendation_id, "recommendation")
    if not await conn.fetchval(f"select true from recommendation where {_VISIBLE}", rec_id, scope):
        raise NotFound(f"no recommendation {recommendation_id!r}")
    return rec_id


async def visible_ids(
    conn: Connection, recommendation_ids: set[str], *, scope: str | None
) -> set[str]:
    """Those of `recommendation_ids` the caller may see, in one query."""
    keys = [key for key in map(maybe_id, recommendation_ids) if key is not None]
    rows = await conn.fetch(
        f"select id::text from recommendation where id = any($1::uuid[]) and {_SEEN}",
        keys,
        scope,
    )
    return {row["id"] for row in rows}


@dataclass(frozen=True, slots=True)
class Locked:
    """A recommendation locked for a change, with what the rules need to know of it."""

    id: uuid.UUID
    agency_id: str
    state: State
    version: int
    today: dt.date


async def lock(conn: Connection, recommendation_id: str, *, scope: str | None) -> Locked:
    """Lock a recommendation the caller may see (inside a transaction): its changes happen
    one at a time, and the rules are checked against its state at that moment."""
    rec_id = parse_id(recommendation_id, "recommendation")
    row = await conn.fetchrow(
        f"select id, agency_id, version from recommendation where {_VISIBLE} for update",
        rec_id,
        scope,
    )
    if row is None:
        raise NotFound(f"no recommendation {recommendation_id!r}")
    # A statement of its own: after waiting for the lock it sees what the last holder committed.
    derived = must(
        await conn.fetchrow(
            "select state, write_time()::date as today from recommendation_view where id = $1",
            rec_id,
        )
    )
    return Locked(
        rec_id, row["agency_id"], State(derived["state"]), row["version"], derived["today"]
    )
