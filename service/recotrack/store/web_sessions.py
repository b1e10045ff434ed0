"""Sessions of the web dashboard: a random id (kept only as a hash) standing for a token.

A session is only as good as its token: the principal is read through the token on every
request, so revoking the token ends every session made from it at once.
"""

from __future__ import annotations

import datetime as dt
import secrets

from recotrack.credentials import token_hash
from recotrack.domain.access import Principal
from recotrack.domain.vocabulary import Role
from recotrack.store.pool import Connection
from recotrack.store.tokens import principal_for


async def create_session(
    conn: Connection, token: str, *, lifetime: dt.timedelta
) -> tuple[str, Principal] | None:
    """A new session for a valid token: (its secret id, for the cookie; the principal); None
    for an unknown or revoked token. Expired sessions are cleared on the way."""
    async with conn.transaction():
        principal = await principal_for(conn, token)
        if principal is None:
            return None
        session_id = secrets.token_urlsafe(32)
        await conn.execute("delete from web_session where expires_at <= now()")
        await conn.execute(
            """
            insert into web_session (id_hash, token_id, expires_at)
            values ($1, $2, now() + $3::interval)
            """,
            token_hash(session_id),
            principal.token_id,
            lifetime,
        )
    return session_id, principal


async def session_principal(conn: Connection, session_id: str) -> Principal | None:
    """The principal of a live session: not expired, its token not revoked."""
    row = await conn.fetchrow(
        """
        select t.id::text, t.role, t.agency_id
        from web_session s join token t on t.id = s.token_id
        where s.id_hash = $1 and s.expires_at > now() and t.revoked_at is null
        """,
        token_hash(session_id),
    )
    if row is None:
        return None
    return Principal(token_id=row["id"], role=Role(row["role"]), agency_id=row["agency_id"])


async def end_session(conn: Connection, session_id: str) -> None:
    await conn.execute("delete from web_session where id_hash = $1", token_hash(session_id))
