"""API tokens: created, listed (never with secrets), revoked, and resolved to a principal."""

from __future__ import annotations

from typing import Any

from recotrack.credentials import new_token, token_hash
from recotrack.domain.access import Principal
from recotrack.domain.errors import RuleViolation
from recotrack.domain.vocabulary import Role
from recotrack.store.agencies import agency_exists
from recotrack.store.errors import NotFound
from recotrack.store.pool import Connection
from recotrack.store.rows import Keyset, parse_id, to_struct
from recotrack.store.writes import write
from recotrack_sdk.models import Token, TokenCreate, TokenCreated

_COLUMNS = "id::text, role, agency_id, label, created_at, revoked_at"
TOKEN_CHANNEL = "recotrack_tokens"  # noqa: S105  (a channel name, not a secret)
"""Notified (at commit) when a token is revoked: processes that cache principals forget them."""


async def create_token(conn: Connection, data: TokenCreate, *, actor: str) -> TokenCreated:
    if (data.role == "agency") != (data.agency_id is not None):
        raise RuleViolation(
            "an agency token needs an agency_id; other roles take none", pointer="/agency_id"
        )
    secret = new_token()
    async with write(conn, "token", actor=actor) as w:
        if data.agency_id is not None and not await agency_exists(conn, data.agency_id):
            raise RuleViolation(f"no agency {data.agency_id!r}", pointer="/agency_id")
        row = await conn.fetchrow(
            f"""
            insert into token (secret_hash, role, agency_id, label) values ($1, $2, $3, $4)
            returning {_COLUMNS}
            """,
            token_hash(secret),
            data.role,
            data.agency_id,
            data.label,
        )
        token = await w.record("created", to_struct(row, Token), agency_visible=False)
    return TokenCreated(
        token=secret,
        id=token.id,
        role=token.role,
        agency_id=token.agency_id,
        label=token.label,
        created_at=token.created_at,
    )


async def list_tokens(
    conn: Connection, *, cursor: str | None, limit: int
) -> tuple[list[Token], str | None]:
    keyset = Keyset("tokens", cursor, limit, table="token")
    args: list[Any] = []
    rows = await conn.fetch(
        f"""
        select {_COLUMNS} from token where {keyset.where(args)}
        order by {keyset.order_by} limit {keyset.fetch}
        """,
        *args,
    )
    return keyset.page(rows, Token)


async def revoke_token(conn: Connection, token_id: str, *, actor: str) -> Token:
    token_uuid = parse_id(token_id, "token")
    async with write(conn, "token", actor=actor) as w:
        row = await conn.fetchrow(
            f"""
            update token set revoked_at = now()
            where id = $1 and revoked_at is null returning {_COLUMNS}
            """,
            token_uuid,
        )
        if row is None:  # unknown, or revoked before: then nothing changes, nothing is logged
            earlier = await conn.fetchrow(f"select {_COLUMNS} from token where id = $1", token_uuid)
            if earlier is None:
                raise NotFound(f"no token {token_id!r}")
            return to_struct(earlier, Token)
        await conn.execute("select pg_notify($1, $2)", TOKEN_CHANNEL, row["id"])
        return await w.record("revoked", to_struct(row, Token), agency_visible=False)


async def principal_for(conn: Connection, token: str) -> Principal | None:
    """The principal a bearer token stands for, or None for an unknown or revoked one."""
    row = await conn.fetchrow(
        "select id::text, role, agency_id from token where secret_hash = $1 and revoked_at is null",
        token_hash(token),
    )
    if row is None:
        return None
    return Principal(token_id=row["id"], role=Role(row["role"]), agency_id=row["agency_id"])
