"""Verifying the event log's hash chain (see `events` for how it is written)."""

from __future__ import annotations

from recotrack.store.pool import Connection
from recotrack_sdk.audit import AuditEvent, ChainChecker
from recotrack_sdk.models import ChainVerification

_PREFETCH = 5000

EVENTS_IN_ORDER = """
select seq, occurred_at, actor, agency_id, entity, entity_id, action, version,
    recommendation_id::text as recommendation_id, agency_visible, data, encode(hash, 'hex') as hash
from event
order by seq
"""
"""Every event as an `AuditEvent` row, in log order."""


async def verify_chain(conn: Connection, expected_head: str | None = None) -> ChainVerification:
    """Check the whole chain, streamed through a server-side cursor: the first broken link
    (which event, what is wrong), or the count and head hash; with `expected_head`, the chain
    must also end there (a full rewrite re-hashes every event, but cannot reach a head noted
    earlier)."""
    checker = ChainChecker()
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        async for row in conn.cursor(EVENTS_IN_ORDER, prefetch=_PREFETCH):
            if not checker.add(AuditEvent(**row)):
                break
    return checker.result(expected_head)
