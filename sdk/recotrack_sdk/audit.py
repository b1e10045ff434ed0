"""The event log's hash chain, and a verifier that works offline on an NDJSON export.

Every event carries ``hash = SHA-256(previous event's hash || canonical(event))``; the first
event's previous hash is 32 zero bytes. Events are numbered 1, 2, 3, … without gaps, in commit
order. So a changed event no longer matches its hash, a deleted one leaves a gap, and moved or
inserted ones break the sequence or the link to their neighbour. A full rewrite (every hash
recomputed) is caught by comparing the head hash with one noted earlier (``expected_head``):
keep the head hash of each export or verification, and pass it to the next check.

The service computes the hashes with this very module, so server and verifier cannot drift:

```python
from recotrack_sdk.audit import verify_ndjson

with open("events.ndjson", "rb") as export:
    result = verify_ndjson(export, expected_head="9f…")
if not result.ok:
    print(result.first_problem)
```

The verifier needs the whole log, from event 1: a filtered export (by date or agency) is not a
chain of its own.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterable
from typing import Any

import msgspec

from recotrack_sdk.models import ChainProblem, ChainProblemKind, ChainVerification

__all__ = [
    "GENESIS",
    "AuditEvent",
    "ChainChecker",
    "ChainProblem",
    "ChainVerification",
    "Verification",
    "canonical",
    "chain_hash",
    "verify_events",
    "verify_ndjson",
]

GENESIS = bytes(32)
"""The "previous hash" of the first event."""

Verification = ChainVerification
"""What a verification finds: the same struct `GET /v1/audit/verify` answers with."""


class AuditEvent(msgspec.Struct, kw_only=True):
    """One event of the log, as a line of the NDJSON export carries it."""

    seq: int
    occurred_at: dt.datetime
    actor: str
    agency_id: str | None
    entity: str
    entity_id: str
    action: str
    version: int | None
    recommendation_id: str | None
    agency_visible: bool
    data: dict[str, Any]
    hash: str
    """Hex SHA-256 of the previous event's hash and this event's canonical encoding."""


@functools.lru_cache(maxsize=16)  # the events of one transaction share their time
def _timestamp(value: dt.datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"occurred_at must carry a time zone: {value!r}")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(event: AuditEvent) -> bytes:
    """The bytes an event's hash covers: a JSON array of every field but `hash`, in a fixed
    order; `occurred_at` in UTC with microseconds; object keys in `data` sorted."""
    fields = [
        event.seq,
        _timestamp(event.occurred_at),
        event.actor,
        event.agency_id,
        event.entity,
        event.entity_id,
        event.action,
        event.version,
        None if event.recommendation_id is None else str(event.recommendation_id),
        event.agency_visible,
        event.data,
    ]
    return msgspec.json.encode(fields, order="sorted")


def chain_hash(previous: bytes, event: AuditEvent) -> bytes:
    """SHA-256 of `previous` (the hash of the event before, or `GENESIS`) and the event."""
    return hashlib.sha256(previous + canonical(event)).digest()


class ChainChecker:
    """Checks events fed in order and keeps the first problem; `result()` says what it found.

    The one definition of what an intact chain is: the service's verification and the offline
    one both feed their events through it.
    """

    def __init__(self) -> None:
        self.count = 0
        self.head = GENESIS
        self.next_seq = 1
        self.problem: ChainProblem | None = None

    def add(self, event: AuditEvent) -> bool:
        """Check the next event; False once a problem has been found (stop feeding then)."""
        if self.problem is not None:
            return False
        seq = event.seq
        if seq > self.next_seq:
            gap = (
                f"event {self.next_seq} is missing"
                if seq == self.next_seq + 1
                else f"events {self.next_seq} to {seq - 1} are missing"
            )
            return self._found(self.next_seq, "missing", f"{gap}: event {seq} comes next")
        if seq < self.next_seq:
            return self._found(
                seq,
                "order",
                f"event {seq} comes after event {self.next_seq - 1}: out of order or repeated",
            )
        try:
            stored = bytes.fromhex(event.hash)
        except ValueError:
            stored = b""
        if len(stored) != len(GENESIS):
            return self._found(seq, "content", f"event {seq} has no valid hash: {event.hash!r}")
        try:
            computed = chain_hash(self.head, event)
        except ValueError as exc:
            return self._found(seq, "content", f"event {seq} cannot be encoded: {exc}")
        if computed != stored:
            return self._found(
                seq,
                "content",
                f"event {seq} does not match its hash: it was changed, moved or put in "
                "(or the event before it was re-hashed)",
            )
        self.head = stored
        self.count += 1
        self.next_seq += 1
        return True

    def malformed(self, detail: str) -> None:
        """Note something that is not an event at all (an unreadable line of an export)."""
        if self.problem is None:
            self._found(None, "malformed", detail)

    def result(self, expected_head: str | None = None) -> ChainVerification:
        """What was found; with `expected_head`, an intact chain must also end there."""
        head_hash = self.head.hex() if self.count else None
        problem = self.problem
        if problem is None and expected_head is not None:
            expected = expected_head.strip().lower()
            if expected != (head_hash or ""):
                last = self.next_seq - 1
                ends = f"ends at event {last} with hash {head_hash}" if last else "is empty"
                problem = ChainProblem(
                    seq=last or None,
                    kind="head",
                    detail=f"the chain {ends}, not at the expected head {expected}: "
                    "it was cut short, extended or rewritten",
                )
        return ChainVerification(
            ok=problem is None, count=self.count, head_hash=head_hash, first_problem=problem
        )

    def _found(self, seq: int | None, kind: ChainProblemKind, detail: str) -> bool:
        self.problem = ChainProblem(seq=seq, kind=kind, detail=detail)
        return False


def verify_events(
    events: Iterable[AuditEvent], expected_head: str | None = None
) -> ChainVerification:
    """Verify events given in log order (the whole log, from event 1)."""
    checker = ChainChecker()
    for event in events:
        if not checker.add(event):
            break
    return checker.result(expected_head)


_decoder = msgspec.json.Decoder(AuditEvent)


def verify_ndjson(
    lines: Iterable[bytes | str], expected_head: str | None = None
) -> ChainVerification:
    """Verify an NDJSON export of the whole event log, one event per line (blank lines are
    skipped); `lines` may be a file opened in binary mode. No server, no database."""
    checker = ChainChecker()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            event = _decoder.decode(line)
        except msgspec.DecodeError as exc:
            checker.malformed(f"line {number} is not an event: {exc}")
            break
        if not checker.add(event):
            break
    return checker.result(expected_head)
