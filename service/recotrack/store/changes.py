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


async def read_changes(
    conn: Connection, *, scope: str | None, after: int, limit: int
) -> list[Change]:
    """Changes after position `after` that the caller may see, oldest first."""
    rows = await conn.fetch(
        f"""
        select {_COLUMNS} from event
        where seq > $1 and ($2::text is null or (agency_id = $2 and agency_visible))
        order by seq limit $3
        """,
        after,
        scope,
        limit,
    )
    return [to_struct(row, Change) for row in rows]
