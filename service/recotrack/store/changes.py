"""The changes feed: the event log read in commit order, from a position the reader keeps."""

from __future__ import annotations

import base64
import binascii

import msgspec

from recotrack.store.errors import InvalidCursor
from recotrack.store.pool import Connection
from recotrack.store.rows import to_struct
from recotrack_sdk.models import Change

_COLUMNS = (
    "seq, occurred_at, entity, entity_id, action, version, agency_id, recommendation_id::text"
)
_position = msgspec.json.Decoder(tuple[str, int])


def encode_position(seq: int) -> str:
    raw = msgspec.json.encode(("changes", seq))
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_position(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        name, seq = _position.decode(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise InvalidCursor("the cursor is not one the changes feed handed out") from None
    if name != "changes" or seq < 0:
        raise InvalidCursor("the cursor is not one the changes feed handed out")
    return seq


def visible(scope: str, types: str = "null") -> str:
    """SQL: the event is one the reader with agency `scope` (SQL of a text, null: every
    agency's) may see on the feed, and of `types` (SQL of a text[], null: all). The one
    definition of what an agency reads, for the feed and for its webhook subscriptions."""
    return (
        f"({scope}::text is null or (agency_id = {scope} and agency_visible))"
        f" and ({types}::text[] is null or entity || '.' || action = any({types}))"
    )


async def read_changes(
    conn: Connection,
    *,
    scope: str | None,
    after: int,
    limit: int,
    types: list[str] | None = None,
    until: int | None = None,
) -> list[Change]:
    """Changes after position `after` (up to `until`) that the caller may see, oldest first;
    `types`: only those (`entity.action`)."""
    rows = await conn.fetch(
        f"""
        select {_COLUMNS} from event
        where seq > $1 and ($4::bigint is null or seq <= $4) and {visible("$2", "$5")}
        order by seq limit $3
        """,
        after,
        scope,
        limit,
        until,
        types,
    )
    return [to_struct(row, Change) for row in rows]


async def read_change(conn: Connection, seq: int) -> Change | None:
    """The change numbered `seq`, whoever may see it."""
    row = await conn.fetchrow(f"select {_COLUMNS} from event where seq = $1", seq)
    return None if row is None else to_struct(row, Change)
