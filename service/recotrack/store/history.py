"""A recommendation's timeline, from the event log, with the actors named."""

from __future__ import annotations

from typing import Any

from recotrack.store.changes import decode_position, encode_position
from recotrack.store.pool import Connection
from recotrack.store.recommendations import visible_id
from recotrack.store.rows import to_struct
from recotrack_sdk.models import HistoryEntry


async def history(
    conn: Connection, recommendation_id: str, *, scope: str | None, cursor: str | None, limit: int
) -> tuple[list[HistoryEntry], str | None]:
    """Everything that happened to the recommendation, oldest first: issue, edits, responses,
    each progress report and assessment, closure and reopening. An agency sees what it may see
    of it (not its time as a draft)."""
    rec_id = await visible_id(conn, recommendation_id, scope=scope)
    args: list[Any] = [rec_id, scope, decode_position(cursor), limit + 1]
    rows = await conn.fetch(
        """
        select e.seq, e.occurred_at, e.entity, e.entity_id, e.action, e.version, e.actor,
            t.role as actor_role, coalesce(t.label, e.actor) as actor_label, e.data
        from event e
        left join token t on e.actor = 'token:' || t.id::text
        where e.recommendation_id = $1 and ($2::text is null or e.agency_visible)
          and e.seq > $3
        order by e.seq limit $4
        """,
        *args,
    )
    items = [to_struct(row, HistoryEntry) for row in rows[:limit]]
    more = len(rows) > limit
    return items, encode_position(items[-1].seq) if more else None
