"""The append-only event log: every write records what changed, by whom, in its transaction.

Events are numbered in commit order. A sequence alone would not do that: two transactions
can take numbers 7 and 8 and commit 8 first, and a reader of the changes feed that saw 8 would
never see 7. So each transaction takes one lock before its first event and holds it until it
commits; numbers are then handed out in the order transactions commit. Writers call `record`
last, after every row lock they need, so the lock is held only for the commit itself.
"""

from __future__ import annotations

import msgspec

from recotrack.store.pool import Connection

CHANNEL = "recotrack_events"
"""Notified (at commit) whenever events were added: wakes long-polling readers of the feed."""
_ORDER_LOCK = 0x6576656E74  # any fixed number, used only for this


async def record(
    conn: Connection,
    *,
    actor: str,
    agency_id: str | None,
    entity: str,
    entity_id: str,
    action: str,
    version: int | None,
    data: msgspec.Struct,
    recommendation_id: str | None = None,
    agency_visible: bool = True,
) -> None:
    """Append one event. Call it inside the transaction of the write it describes, last."""
    await conn.execute("select pg_advisory_xact_lock($1)", _ORDER_LOCK)
    await conn.execute(
        """
        insert into event (actor, agency_id, entity, entity_id, action, version, data,
            recommendation_id, agency_visible)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        """,
        actor,
        agency_id,
        entity,
        entity_id,
        action,
        version,
        data,
        recommendation_id,
        agency_visible,
    )
    await conn.execute("select pg_notify($1, '')", CHANNEL)
