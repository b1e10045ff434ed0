"""Stored first responses of POSTs, by (token, Idempotency-Key), kept at least 24 hours."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from recotrack.store.pool import Connection

RETENTION = dt.timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class StoredResponse:
    fingerprint: bytes
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> bytes:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


async def claim(conn: Connection, token_id: str, key: str) -> bool:
    """Inside a transaction: True if no other request with this key is running right now.
    The claim holds until the transaction ends, across every process on the database."""
    return bool(
        await conn.fetchval(
            "select pg_try_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))",
            token_id,
            key,
        )
    )


async def find(conn: Connection, token_id: str, key: str) -> StoredResponse | None:
    row = await conn.fetchrow(
        """
        select fingerprint, status, headers, body from idempotency_key
        where token_id = $1 and key = $2 and created_at > now() - $3::interval
        """,
        token_id,
        key,
        RETENTION,
    )
    if row is None:
        return None
    headers = [(str(name), str(value)) for name, value in row["headers"]]
    return StoredResponse(row["fingerprint"], row["status"], headers, row["body"])


async def save(conn: Connection, token_id: str, key: str, response: StoredResponse) -> None:
    """Keep the response, in the transaction of the write it answers; forget expired ones."""
    await conn.execute(
        """
        insert into idempotency_key (token_id, key, fingerprint, status, headers, body)
        values ($1, $2, $3, $4, $5, $6)
        on conflict (token_id, key) do update set
            fingerprint = excluded.fingerprint, status = excluded.status,
            headers = excluded.headers, body = excluded.body, created_at = now()
        """,
        token_id,
        key,
        response.fingerprint,
        response.status,
        [list(pair) for pair in response.headers],
        response.body,
    )
    await conn.execute(
        """
        delete from idempotency_key where ctid = any(array(
            select ctid from idempotency_key where created_at < now() - $1::interval limit 100
        ))
        """,
        RETENTION,
    )
