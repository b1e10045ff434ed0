"""The append-only event log: every write records what changed, by whom, in its transaction.

Events are numbered in commit order. A sequence alone would not do that: two transactions
can take numbers 7 and 8 and commit 8 first, and a reader of the changes feed that saw 8 would
never see 7. So each transaction takes one lock before its first event and holds it until it
commits; numbers are then handed out in the order transactions commit. Writers call `record`
last, after every row lock they need, so the lock is held only for the commit itself.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    await record_many(
        conn,
        actor=actor,
        agency_id=agency_id,
        entity=entity,
        action=action,
        rows=[(entity_id, version, data, recommendation_id)],
        agency_visible=agency_visible,
    )


async def record_many(
    conn: Connection,
    *,
    actor: str,
    agency_id: str | None,
    entity: str,
    action: str,
    rows: Sequence[tuple[str, int | None, msgspec.Struct, str | None]],
    agency_visible: bool = True,
) -> None:
    """Append events of one kind at once, numbered in the order given:
    (entity_id, version, data, recommendation_id) each."""
    await conn.execute("select pg_advisory_xact_lock($1)", _ORDER_LOCK)
    await conn.execute(
        """
        insert into event (actor, agency_id, entity, action, agency_visible,
            entity_id, version, data, recommendation_id)
        select $1, $2, $3, $4, $5, e.entity_id, e.version, e.data, e.recommendation_id::uuid
        from unnest($6::text[], $7::integer[], $8::jsonb[], $9::text[])
            with ordinality as e (entity_id, version, data, recommendation_id, n)
        order by e.n
        """,
        actor,
        agency_id,
        entity,
        action,
        agency_visible,
        [row[0] for row in rows],
        [row[1] for row in rows],
        [row[2] for row in rows],
        [row[3] for row in rows],
    )
    await conn.execute("select pg_notify($1, '')", CHANNEL)
