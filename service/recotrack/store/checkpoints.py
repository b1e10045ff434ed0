"""Signed checkpoints of the event log's hash chain: made, listed, and read for verification.

A checkpoint is the service's signed word that at `time` event `seq` had hash `hash`
(`recotrack_sdk.audit.checkpoint_message`). Only public keys are kept here, so that a
checkpoint signed by a key since rotated away keeps verifying; the private key is a file
(`recotrack.signing`).

Made on demand, and by each replica's interval job (`worker.checkpoints`) when one is due:
events were written since the last checkpoint, and the oldest of them has waited the interval
or there are `every` of them. The job decides under a transaction-level advisory lock with the
last checkpoint read inside it, so of several replicas waking at once exactly one makes it;
a crash releases the lock with the transaction, and nothing else is remembered but the rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from recotrack.signing import Signer
from recotrack.store.pool import Connection
from recotrack.store.rows import Keyset, must, to_struct
from recotrack_sdk.audit import GENESIS, checkpoint_message
from recotrack_sdk.models import Checkpoint, SigningKey

_LOCK = 0x636B7074  # any fixed number, used only for this

_COLUMNS = """checkpoint.id, seq, encode(hash, 'hex') as hash, made_at as time, key_id,
    encode(signature, 'hex') as signature"""


async def register_key(conn: Connection, signer: Signer) -> None:
    """Publish the signer's public key (once; a restart with the same key adds nothing)."""
    await conn.execute(
        "insert into signing_key (key_id, public_key) values ($1, $2) on conflict do nothing",
        signer.key_id,
        signer.public_key,
    )


@dataclass(frozen=True, slots=True)
class Due:
    """What the interval job found: the checkpoint it made, or when to look again."""

    made: Checkpoint | None
    next_due: dt.datetime | None
    """When the oldest event not yet covered will have waited the interval (None: none)."""


async def create(conn: Connection, signer: Signer) -> Checkpoint:
    """Sign the chain's head now (an empty log's too: seq 0)."""
    async with conn.transaction():
        await conn.execute("select pg_advisory_xact_lock($1)", _LOCK)
        head = await _head(conn)
        return await _sign(conn, signer, head["now"], head["seq"] or 0, head["hash"] or GENESIS)


async def create_if_due(
    conn: Connection, signer: Signer, *, interval: dt.timedelta, every: int
) -> Due:
    """Make a checkpoint if one is due (see the module's docstring), else nothing."""
    async with conn.transaction():
        await conn.execute("select pg_advisory_xact_lock($1)", _LOCK)
        head = await _head(conn)
        seq: int = head["seq"] or 0
        covered: int = head["covered"] or 0
        if seq <= covered:
            return Due(None, None)
        oldest: dt.datetime = must(
            await conn.fetchrow("select occurred_at from event where seq = $1", covered + 1)
        )["occurred_at"]
        now: dt.datetime = head["now"]
        if seq - covered < every and now - oldest < interval:
            return Due(None, oldest + interval)
        return Due(await _sign(conn, signer, now, seq, head["hash"]), None)


async def _head(conn: Connection) -> Any:
    return must(
        await conn.fetchrow(
            """
            select statement_timestamp() as now, head.seq, head.hash,
                (select max(seq) from checkpoint) as covered
            from (select 1) one
            left join (select seq, hash from event order by seq desc limit 1) head on true
            """
        )
    )


async def _sign(
    conn: Connection, signer: Signer, now: dt.datetime, seq: int, hash: bytes
) -> Checkpoint:
    signature = signer.sign(checkpoint_message(seq, hash.hex(), now))
    row = await conn.fetchrow(
        f"""
        insert into checkpoint (seq, hash, made_at, key_id, signature)
        values ($1, $2, $3, $4, $5)
        returning {_COLUMNS}
        """,
        seq,
        hash,
        now,
        signer.key_id,
        signature,
    )
    return to_struct(row, Checkpoint)


async def latest(conn: Connection) -> Checkpoint | None:
    """The newest checkpoint (None before the first)."""
    row = await conn.fetchrow(f"select {_COLUMNS} from checkpoint order by id desc limit 1")
    return None if row is None else to_struct(row, Checkpoint)


async def list_checkpoints(
    conn: Connection, *, cursor: str | None, limit: int
) -> tuple[list[Checkpoint], str | None]:
    """Oldest first, a page at a time."""
    keyset = Keyset(
        "checkpoints",
        cursor,
        limit,
        table="checkpoint",
        id_type="bigint",
        key="id",
        key_type="bigint",
    )
    args: list[Any] = []
    rows = await conn.fetch(
        f"select {_COLUMNS} from checkpoint where {keyset.where(args)} "
        f"order by {keyset.order_by} limit {keyset.fetch}",
        *args,
    )
    return keyset.page(rows, Checkpoint)


async def every_checkpoint(conn: Connection) -> list[Checkpoint]:
    """All of them, oldest first: what the chain is verified against."""
    rows = await conn.fetch(f"select {_COLUMNS} from checkpoint order by id")
    return [to_struct(row, Checkpoint) for row in rows]


async def signing_keys(conn: Connection) -> list[SigningKey]:
    """Every public key that has signed (or may sign) checkpoints, oldest first."""
    rows = await conn.fetch(
        """
        select key_id, encode(public_key, 'hex') as public_key, created_at
        from signing_key order by created_at, key_id
        """
    )
    return [to_struct(row, SigningKey) for row in rows]
