"""Verifying the event log's hash chain (see `events` for how it is written), against every
stored checkpoint (`checkpoints`) and any the caller brings."""

from __future__ import annotations

from recotrack.store.checkpoints import every_checkpoint, signing_keys
from recotrack.store.pool import Connection
from recotrack_sdk.audit import AuditEvent, ChainChecker, CheckpointLike
from recotrack_sdk.models import ChainVerification

_PREFETCH = 5000

EVENTS_IN_ORDER = """
select seq, occurred_at, actor, agency_id, entity, entity_id, action, version,
    recommendation_id::text as recommendation_id, agency_visible, data, encode(hash, 'hex') as hash
from event
order by seq
"""
"""Every event as an `AuditEvent` row, in log order."""


async def verify_chain(
    conn: Connection,
    expected_head: str | None = None,
    checkpoint: CheckpointLike | None = None,
) -> ChainVerification:
    """Check the whole chain, streamed through a server-side cursor: the first broken link
    (which event, what is wrong), or the count and head hash.

    A rewrite that re-hashes every event after its change keeps the links consistent, but
    cannot reach a hash signed before it: so the chain must also still hash to each stored
    checkpoint (signed by a published key) and to `checkpoint` (a signed one as issued, or
    an unsigned `(seq, hash)`), and with `expected_head` end exactly there."""
    checker = ChainChecker()
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        keys = await signing_keys(conn)
        given = [] if checkpoint is None else [checkpoint]
        if all(checker.expect_checkpoint(c, keys) for c in [*given, *await every_checkpoint(conn)]):
            async for row in conn.cursor(EVENTS_IN_ORDER, prefetch=_PREFETCH):
                if not checker.add(AuditEvent(**row)):
                    break
    return checker.result(expected_head)
