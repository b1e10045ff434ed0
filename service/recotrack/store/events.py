"""The append-only event log: every write records what changed, by whom, in its transaction."""

from __future__ import annotations

import msgspec

from recotrack.store.pool import Connection


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
) -> None:
    """Append one event. Call it inside the transaction of the write it describes."""
    await conn.execute(
        """
        insert into event (actor, agency_id, entity, entity_id, action, version, data)
        values ($1, $2, $3, $4, $5, $6, $7)
        """,
        actor,
        agency_id,
        entity,
        entity_id,
        action,
        version,
        data,
    )
