"""`/v1/tokens`: API tokens. The secret is shown once, at creation, and never stored."""

from __future__ import annotations

import asyncpg
from litestar import Controller, Response, delete, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from recotrack.api.auth import requires
from recotrack.api.contract import ID, follows, success
from recotrack.api.deps import Cursor, Limit
from recotrack.api.problem_responses import CREATES, REMOVES, documented
from recotrack.domain.access import Permission, Principal
from recotrack.store import tokens as store
from recotrack_sdk.models import Page, Token, TokenCreate, TokenCreated


class TokenController(Controller):
    path = "/tokens"
    tags = ["tokens"]  # noqa: RUF012
    opt = requires(Permission.MANAGE_TOKENS)

    @get(
        responses=documented(400, 401, 403),
        operation_id="list_tokens",
        summary="List tokens (never their secrets)",
        opt=requires(Permission.READ_TOKENS),
    )
    async def list_tokens(
        self,
        conn: NamedDependency[asyncpg.Connection],
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> Page[Token]:
        items, next_cursor = await store.list_tokens(conn, cursor=cursor, limit=limit)
        return Page(items=items, next_cursor=next_cursor)

    @post(
        responses=CREATES,
        operation_id="create_token",
        operation_class=success(links=[follows("revoke_token", token_id=ID)]),
        summary="Create a token",
        # the response holds the secret, which is never stored: nothing to replay
        opt={**requires(Permission.MANAGE_TOKENS), "idempotent": False},
    )
    async def create_token(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        data: JSONBody[TokenCreate],
    ) -> Response[TokenCreated]:
        """The response holds the secret: it is shown this once and cannot be recovered."""
        created = await store.create_token(conn, data, actor=principal.actor)
        return Response(
            created,
            status_code=201,
            headers={"Location": f"/v1/tokens/{created.id}", "Cache-Control": "no-store"},
        )

    @delete(
        "/{token_id:str}",
        responses=REMOVES,
        operation_id="revoke_token",
        summary="Revoke a token",
        status_code=200,
    )
    async def revoke_token(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        state: State,
        token_id: FromPath[str],
    ) -> Token:
        """Revoking takes effect at once; revoking again changes nothing."""
        revoked = await store.revoke_token(conn, token_id, actor=principal.actor)
        # Here at once; in other processes when PostgreSQL's notification reaches them.
        state.principals.clear()
        return revoked
