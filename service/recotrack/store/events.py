"""The append-only event log: every write records what changed, by whom, in its transaction.

Events are numbered in commit order. A sequence alone would not do that: two transactions
can take numbers 7 and 8 and commit 8 first, and a reader of the changes feed that saw 8 would
never see 7. So each transaction takes one lock before its first event and holds it until it
commits; numbers are then handed out in the order transactions commit. Writes record their
events last (`writes.Write.record`), after every row lock they need, so the lock is held only
for the commit itself.

Under that lock the numbers are gapless (1, 2, 3, …: a gap means a deleted event) and each
event gets its link in the hash chain: SHA-256 of the previous event's hash and the event's
canonical encoding (`recotrack_sdk.audit`, shared with the offline verifier). The time is
the transaction's (`write_time()`: the time its rows carry too), read from the database with
the head, so what is hashed is exactly what is stored.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import msgspec

from recotrack.store.pool import Connection
from recotrack.store.rows import must
from recotrack_sdk.audit import GENESIS, AuditEvent, chain_hash

CHANNEL = "recotrack_events"
"""Notified (at commit) whenever events were added: wakes long-polling readers of the feed."""
_ORDER_LOCK = 0x6576656E74  # any fixed number, used only for this


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
    """Append events of one kind, numbered in the order given: (entity_id, version, data,
    recommendation_id) each. Call it inside the transaction of the write they describe, last."""
    await conn.execute("select pg_advisory_xact_lock($1)", _ORDER_LOCK)
    head = must(
        await conn.fetchrow(
            """
            select write_time() as now, head.seq, head.hash
            from (select 1) one
            left join (select seq, hash from event order by seq desc limit 1) head on true
            """
        )
    )
    occurred_at: dt.datetime = head["now"]
    seq: int = head["seq"] or 0
    previous: bytes = head["hash"] or GENESIS
    numbers: list[int] = []
    hashes: list[bytes] = []
    payloads: list[dict[str, Any]] = []
    recommendation_ids: list[str | None] = []
    as_stored: dict[str, str] = {}  # each id as the uuid column gives it back, parsed once
    for entity_id, version, data, recommendation_id in rows:
        seq += 1
        if recommendation_id is not None:
            if recommendation_id not in as_stored:
                as_stored[recommendation_id] = str(uuid.UUID(recommendation_id))
            recommendation_id = as_stored[recommendation_id]
        # hashed as the database will give it back: the plain JSON form of the struct
        payload: dict[str, Any] = msgspec.to_builtins(data)
        previous = chain_hash(
            previous,
            AuditEvent(
                seq=seq,
                occurred_at=occurred_at,
                actor=actor,
                agency_id=agency_id,
                entity=entity,
                entity_id=entity_id,
                action=action,
                version=version,
                recommendation_id=recommendation_id,
                agency_visible=agency_visible,
                data=payload,
                hash="",
            ),
        )
        numbers.append(seq)
        hashes.append(previous)
        payloads.append(payload)
        recommendation_ids.append(recommendation_id)
    await conn.execute(
        """
        insert into event (seq, occurred_at, hash, actor, agency_id, entity, action,
            agency_visible, entity_id, version, data, recommendation_id)
        select e.seq, $1, e.hash, $2, $3, $4, $5, $6, e.entity_id, e.version, e.data,
            e.recommendation_id::uuid
        from unnest($7::bigint[], $8::bytea[], $9::text[], $10::integer[], $11::jsonb[],
                $12::text[])
            as e (seq, hash, entity_id, version, data, recommendation_id)
        order by e.seq
        """,
        occurred_at,
        actor,
        agency_id,
        entity,
        action,
        agency_visible,
        numbers,
        hashes,
        [row[0] for row in rows],
        [row[1] for row in rows],
        payloads,
        recommendation_ids,
    )
    await conn.execute("select pg_notify($1, '')", CHANNEL)


async def recorded_by(conn: Connection, actor: str) -> bool:
    """Whether the log holds an event by `actor`."""
    return bool(await conn.fetchval("select true from event where actor = $1 limit 1", actor))


async def count(conn: Connection) -> int:
    """How many events the log holds: its head's number, since numbers are gapless."""
    head: int | None = await conn.fetchval("select max(seq) from event")
    return head or 0
