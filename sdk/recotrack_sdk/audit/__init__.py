"""The event log's hash chain, and a verifier that works offline on an NDJSON export.

Every event carries ``hash = SHA-256(previous event's hash || canonical(event))``; the first
event's previous hash is 32 zero bytes. Events are numbered 1, 2, 3, … without gaps, in commit
order. So a changed event no longer matches its hash, a deleted one leaves a gap, and moved or
inserted ones break the sequence or the link to their neighbour.

A full rewrite (every hash after the change recomputed) keeps the chain consistent; what finds
it is a *checkpoint*: the service signs the chain's head (`seq`, `hash`, `time`) with an
Ed25519 key the database never holds, hourly and on demand, and every export carries the
latest one. A checkpoint kept anywhere the database's administrator cannot reach is checked
any time later: the chain up to its `seq` must still hash to it (`problem.kind ==
"checkpoint"` names the range of events the change lies in otherwise). The whole-log NDJSON
export starts with one line per checkpoint (``{"checkpoint": {...}}``), before the events;
pass the public keys (`GET /v1/audit/keys`, kept by you) to check their signatures too.

The service computes the hashes with this very module, so server and verifier cannot drift:

```python
from recotrack_sdk.audit import verify_ndjson

with open("events.ndjson", "rb") as export:
    result = verify_ndjson(export, checkpoints=kept_checkpoints, keys=published_keys)
if not result.ok:
    print(result.first_problem)
```

The verifier needs the whole log, from event 1: a filtered export (by date or agency) is not a
chain of its own.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
from collections.abc import Iterable
from typing import Any

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from recotrack_sdk.models import (
    ChainProblem,
    ChainProblemKind,
    ChainVerification,
    Checkpoint,
    SigningKey,
)

__all__ = [
    "GENESIS",
    "AuditEvent",
    "ChainChecker",
    "ChainProblem",
    "ChainVerification",
    "Checkpoint",
    "CheckpointLike",
    "SigningKey",
    "Verification",
    "canonical",
    "chain_hash",
    "checkpoint_message",
    "decode_checkpoint",
    "encode_checkpoint",
    "key_id",
    "signature_problem",
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


# --- checkpoints ---------------------------------------------------------------------------

_CHECKPOINT_CONTEXT = b"recotrack checkpoint v1\n"

CheckpointLike = Checkpoint | tuple[int, str]
"""A signed checkpoint as issued, or an unsigned one: (`seq`, hex hash of event `seq`)."""


def checkpoint_message(seq: int, hash: str, time: dt.datetime) -> bytes:
    """The bytes a checkpoint's signature covers: a fixed context line, then
    `{"hash": …, "seq": …, "time": …}` as compact JSON with sorted keys (`hash` in lower-case
    hex, `time` in UTC with microseconds, as `occurred_at` in `canonical`)."""
    body = {"hash": hash.lower(), "seq": seq, "time": _timestamp(time)}
    return _CHECKPOINT_CONTEXT + msgspec.json.encode(body, order="sorted")


def key_id(public_key: bytes) -> str:
    """A signing key's id: the first 16 hex digits of the SHA-256 of its raw public key."""
    return hashlib.sha256(public_key).hexdigest()[:16]


_checkpoint_encoder = msgspec.json.Encoder()
_checkpoint_decoder = msgspec.json.Decoder(Checkpoint)


def encode_checkpoint(checkpoint: Checkpoint) -> bytes:
    """A checkpoint as compact JSON: what the API answers, the `X-Chain-Checkpoint` header of
    every export and each channel that sends checkpoints out carry."""
    return _checkpoint_encoder.encode(checkpoint)


def decode_checkpoint(text: bytes | str) -> Checkpoint:
    """A checkpoint as issued (JSON); `msgspec.ValidationError`/`DecodeError` if it is not one."""
    return _checkpoint_decoder.decode(text)


def signature_problem(checkpoint: Checkpoint, keys: Iterable[SigningKey]) -> str | None:
    """Why `checkpoint` is not signed by one of `keys` (None: it is)."""
    known = [k for k in keys if k.key_id == checkpoint.key_id]
    if not known:
        return f"key {checkpoint.key_id!r} is not one of the published signing keys"
    message = checkpoint_message(checkpoint.seq, checkpoint.hash, checkpoint.time)
    for key in known:
        try:
            raw = bytes.fromhex(key.public_key)
            if key_id(raw) != key.key_id:
                continue  # a key listed under another key's id proves nothing
            Ed25519PublicKey.from_public_bytes(raw).verify(
                bytes.fromhex(checkpoint.signature), message
            )
        except (ValueError, InvalidSignature):
            continue
        return None
    return f"its signature does not verify with key {checkpoint.key_id}"


class _Anchor(msgspec.Struct, frozen=True, order=True):
    """A hash the chain must have at `seq`, and what promised it (for the problem's words)."""

    seq: int
    hash: str
    label: str


# --- the checker -----------------------------------------------------------------------------


LOOKAHEAD = 64
"""How many events past a broken link the checker reads to tell what happened there: an event
moved by more than this is reported as missing where it should have been."""


def _links(previous: bytes, event: AuditEvent, seq: int | None = None) -> bool:
    """Whether `event` (numbered `seq` instead, when given) hashes to its own hash after
    `previous`: whether it belongs there."""
    try:
        stored = bytes.fromhex(event.hash)
        if seq is not None and seq != event.seq:
            event = msgspec.structs.replace(event, seq=seq)
        return chain_hash(previous, event) == stored
    except ValueError:
        return False


def _events(seqs: Iterable[int]) -> str:
    numbers = [str(s) for s in seqs]
    if len(numbers) == 1:
        return f"event {numbers[0]}"
    return f"events {', '.join(numbers[:-1])} and {numbers[-1]}"


class ChainChecker:
    """Checks events fed in order and keeps the first problem; `result()` says what it found.

    The one definition of what an intact chain is: the service's verification and the offline
    one both feed their events through it. Checkpoints are given before the events
    (`expect_checkpoint`): at each one's `seq` the chain must still have the checkpoint's hash.

    At a broken link it reads on a little (up to `LOOKAHEAD` events, while `add` still returns
    True) to name what happened: events swapped or moved (`order`), deleted (`missing`), one
    altered (`content`), one put in (`inserted`), one repeated (`order`).
    """

    def __init__(self) -> None:
        self.count = 0
        self.head = GENESIS
        self.next_seq = 1
        self.problem: ChainProblem | None = None
        self._before_head: bytes | None = None  # the hash before `head`, while there is one
        self._recent: dict[int, str] = {}  # seq → hash of the last events that held
        self._pending: list[AuditEvent] = []  # read past a broken link, to tell what broke
        self._anchors: list[_Anchor] = []
        self._held = 0
        self._held_at = (0, GENESIS)  # the last checkpoint that held: (seq, hash)

    def expect_checkpoint(
        self, checkpoint: CheckpointLike, keys: Iterable[SigningKey] | None = None
    ) -> bool:
        """Check the chain against `checkpoint` too; with `keys`, a signed one must be signed
        by one of them. False once a problem has been found."""
        self._settle()
        if self.problem is not None:
            return False
        if isinstance(checkpoint, tuple):
            seq, expected = checkpoint
            label = f"the expected hash at event {seq}"
        else:
            seq, expected = checkpoint.seq, checkpoint.hash
            label = f"the checkpoint of {_timestamp(checkpoint.time)} (key {checkpoint.key_id})"
            if keys is not None:
                why = signature_problem(checkpoint, keys)
                if why is not None:
                    return self._found(seq, "signature", f"{label} cannot be trusted: {why}")
        if seq < self.next_seq - 1:
            raise ValueError(f"a checkpoint at event {seq} comes after that event was checked")
        bisect.insort(self._anchors, _Anchor(seq, expected.strip().lower(), label))
        return self._reached()

    def add(self, event: AuditEvent) -> bool:
        """Check the next event; False once a problem has been found (stop feeding then)."""
        if self.problem is not None:
            return False
        if self._pending:
            self._pending.append(event)
            if self._told():
                self._settle()
                return False
            return True
        if event.seq != self.next_seq or not _links(self.head, event):
            self._pending.append(event)
            if self._told():
                self._settle()
                return False
            return True
        self._before_head = self.head
        self.head = bytes.fromhex(event.hash)
        self.count += 1
        self.next_seq += 1
        self._recent[event.seq] = event.hash.lower()
        self._recent.pop(event.seq - LOOKAHEAD, None)
        return self._reached()

    # --- telling what broke ----------------------------------------------------------------

    def _told(self) -> bool:
        """Whether the events read past the broken link are enough to say what broke."""
        first, n = self._pending[0], self.next_seq
        if len(self._pending) >= LOOKAHEAD or first.seq < n:
            return True
        if first.seq == n:
            return len(self._pending) >= 2
        return any(e.seq == n for e in self._pending)

    def _settle(self) -> None:
        """Name the problem the pending events show (at the end of the events, or of a look
        ahead)."""
        if not self._pending or self.problem is not None:
            self._pending = []
            return
        events, self._pending = self._pending, []
        first, n = events[0], self.next_seq
        if first.seq < n:
            self._early(first)
        elif first.seq > n:
            self._late(events)
        else:
            self._unlinked(events)

    def _late(self, events: list[AuditEvent]) -> None:
        """The next event has a higher number than the next expected: moved, or deleted."""
        n = self.next_seq
        found = next((i for i, e in enumerate(events) if e.seq == n), None)
        if found is None:
            first = events[0].seq
            gap = (
                f"event {n} is missing"
                if first == n + 1
                else f"events {n} to {first - 1} are missing"
            )
            self._found(n, "missing", f"{gap}: event {first} comes next")
            return
        early = [e.seq for e in events[:found]]
        last = max(early)
        if early == [n + 1]:
            self._found(
                n + 1,
                "order",
                f"events {n} and {n + 1} are out of order: event {n + 1} comes before event {n}",
                from_seq=n,
            )
            return
        self._found(
            last,
            "order",
            f"events {n} to {last} are out of order: event {n} comes after {_events(early)}",
            from_seq=n,
        )

    def _early(self, event: AuditEvent) -> None:
        """The next event has a number already checked: repeated, or a second one put in."""
        s, last = event.seq, self.next_seq - 1
        if self._recent.get(s) == event.hash.lower():
            self._found(s, "order", f"event {s} is repeated: a copy of it comes after event {last}")
        elif s == last and self._before_head is not None and _links(self._before_head, event):
            self._undo_last()
            self._found(
                s,
                "inserted",
                f"two events numbered {s} both follow event {s - 1}: one of them was put in",
            )
        else:
            self._found(s, "order", f"event {s} comes after event {last}: out of order or repeated")

    def _unlinked(self, events: list[AuditEvent]) -> None:
        """The next event has the right number but does not match its hash after the head."""
        first, n, head = events[0], self.next_seq, self.head
        after = events[1] if len(events) > 1 else None
        try:
            stored = bytes.fromhex(first.hash)
        except ValueError:
            stored = b""
        if len(stored) != len(GENESIS):
            self._found(n, "content", f"event {n} has no valid hash: {first.hash!r}")
            return
        try:
            canonical(first)
        except ValueError as exc:
            self._found(n, "content", f"event {n} cannot be encoded: {exc}")
            return
        if self._before_head is not None and _links(self._before_head, first, n - 1):
            # it is the event before it that does not belong: a forger's, hashed to fit
            self._undo_last()
            self._found(
                n - 1,
                "inserted",
                f"event {n - 1} was put in: the event after it is the original event {n - 1}, "
                "renumbered (and so, likely, every event after it)",
            )
        elif (
            after is not None
            and after.seq == n + 1
            and _links(head, after, n)
            and _links(bytes.fromhex(after.hash), first, n + 1)
        ):
            self._found(
                n + 1,
                "order",
                f"events {n} and {n + 1} are out of order: each has the other's content and hash "
                "under its own number",
                from_seq=n,
            )
        elif after is not None and after.seq == n + 1 and _links(head, after, n):
            self._found(
                n,
                "inserted",
                f"event {n} was put in: the event after it is the original event {n}, "
                "renumbered (and so, likely, every event after it)",
            )
        elif after is not None and after.seq == n and _links(head, after):
            self._found(
                n,
                "inserted",
                f"event {n} appears twice, and the first does not belong: it was put in before "
                f"the event {n} that follows event {n - 1}",
            )
        elif after is not None and after.seq == n + 1 and _links(stored, after):
            self._found(
                n,
                "content",
                f"event {n} was altered: it no longer matches its hash, to which event {n + 1} "
                "still links",
            )
        elif after is None:
            self._found(
                n,
                "content",
                f"event {n} does not match its hash: it was altered, or put in (it is the last "
                "event: nothing after it tells which)",
            )
        else:
            self._found(
                n,
                "content",
                f"event {n} does not match its hash: it was changed, moved or put in "
                "(or the event before it was re-hashed)",
            )

    def _undo_last(self) -> None:
        """Take back the last event counted as intact: it turned out not to belong."""
        assert self._before_head is not None
        self._recent.pop(self.next_seq - 1, None)
        self.head, self._before_head = self._before_head, None
        self.count -= 1
        self.next_seq -= 1

    # --- checkpoints -----------------------------------------------------------------------

    def _reached(self) -> bool:
        """Compare the head with each checkpoint at its `seq` (the events fed so far)."""
        at = self.next_seq - 1
        while self._anchors and self._anchors[0].seq <= at:
            anchor = self._anchors.pop(0)
            if anchor.hash != self.head.hex():
                return self._broken(anchor, f"they now hash to {self.head.hex()}")
            self._held += 1
            self._held_at = (anchor.seq, self.head)
        return True

    def _broken(self, anchor: _Anchor, now: str) -> bool:
        """The chain misses `anchor`: the change lies after the last checkpoint that held."""
        first = self._held_at[0] + 1
        events = f"event {first}" if first == anchor.seq else f"events {first} to {anchor.seq}"
        self.count, self.head = self._held_at
        return self._found(
            anchor.seq,
            "checkpoint",
            f"{events} no longer hash to {anchor.label}, {anchor.hash}: {now}; an event in "
            "that range was changed, deleted, moved or put in, and the chain re-hashed after it",
            from_seq=first,
        )

    def _cut_short(self, anchor: _Anchor) -> None:
        """The events end before `anchor`'s event: the end of the log was cut off (or events
        after the last checkpoint that held were deleted, and the chain re-hashed)."""
        last = self.next_seq - 1
        first = self._held_at[0] + 1
        ends = f"the chain ends at event {last}" if last else "the log is empty"
        cut = (
            f"event {last + 1}" if anchor.seq == last + 1 else f"events {last + 1} to {anchor.seq}"
        )
        self.count, self.head = self._held_at
        self._found(
            anchor.seq,
            "truncated",
            f"{ends}, but {anchor.label} is of event {anchor.seq}: {cut} were cut off its end "
            f"(or one of events {first} to {anchor.seq} was deleted and the chain re-hashed)",
            from_seq=first,
        )

    def malformed(self, detail: str) -> None:
        """Note something that is not an event at all (an unreadable line of an export)."""
        self._settle()
        if self.problem is None:
            self._found(None, "malformed", detail)

    def result(self, expected_head: str | None = None) -> ChainVerification:
        """What was found; with `expected_head`, an intact chain must also end there."""
        self._settle()
        if self.problem is None and self._anchors:
            self._cut_short(self._anchors[0])
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
            ok=problem is None,
            count=self.count,
            head_hash=head_hash,
            first_problem=problem,
            checkpoints=self._held,
        )

    def _found(
        self, seq: int | None, kind: ChainProblemKind, detail: str, from_seq: int | None = None
    ) -> bool:
        self.problem = ChainProblem(seq=seq, kind=kind, detail=detail, from_seq=from_seq)
        return False


def verify_events(
    events: Iterable[AuditEvent],
    expected_head: str | None = None,
    *,
    checkpoints: Iterable[CheckpointLike] = (),
    keys: Iterable[SigningKey] | None = None,
) -> ChainVerification:
    """Verify events given in log order (the whole log, from event 1), against `checkpoints`
    too (each signed one's signature against `keys`, when given)."""
    checker = ChainChecker()
    keys = None if keys is None else list(keys)
    if all(checker.expect_checkpoint(c, keys) for c in checkpoints):
        for event in events:
            if not checker.add(event):
                break
    return checker.result(expected_head)


class _CheckpointLine(msgspec.Struct):
    checkpoint: Checkpoint


_decoder = msgspec.json.Decoder(AuditEvent)
_checkpoint_line = msgspec.json.Decoder(_CheckpointLine)


def verify_ndjson(
    lines: Iterable[bytes | str],
    expected_head: str | None = None,
    *,
    checkpoints: Iterable[CheckpointLike] = (),
    keys: Iterable[SigningKey] | None = None,
) -> ChainVerification:
    """Verify an NDJSON export of the whole event log, one event per line (blank lines are
    skipped); `lines` may be a file opened in binary mode. No server, no database.

    The export's own checkpoint lines (before the events) are checked with the `checkpoints`
    given; with `keys` (the published ones, as you kept them), each signed checkpoint's
    signature too: without keys, a forged checkpoint line would go unnoticed."""
    checker = ChainChecker()
    keys = None if keys is None else list(keys)
    if not all(checker.expect_checkpoint(c, keys) for c in checkpoints):
        return checker.result(expected_head)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        raw = line.encode() if isinstance(line, str) else line
        try:
            if raw.lstrip().startswith(b'{"checkpoint"'):
                if checker.count:
                    checker.malformed(f"line {number}: a checkpoint after the first event")
                    break
                if not checker.expect_checkpoint(_checkpoint_line.decode(raw).checkpoint, keys):
                    break
                continue
            event = _decoder.decode(raw)
        except msgspec.DecodeError as exc:
            checker.malformed(f"line {number} is not an event: {exc}")
            break
        if not checker.add(event):
            break
    return checker.result(expected_head)
