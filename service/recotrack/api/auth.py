"""Authentication (bearer tokens to principals) and the permission guard."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware

from recotrack.api.problems import problem
from recotrack.credentials import PREFIX
from recotrack.domain.access import Permission, Principal
from recotrack.store.pool import Pool
from recotrack.store.tokens import principal_for

PUBLIC_PATHS = ["^/healthz$", "^/readyz$", "^/schema"]
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="recotrack"'}


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token.startswith(PREFIX):
            raise NotAuthorizedException(
                "send an API token: Authorization: Bearer rt_…", headers=_CHALLENGE
            )
        pool: Pool = connection.app.state.pool
        async with pool.acquire() as conn:
            principal = await principal_for(conn, token)
        if principal is None:
            raise NotAuthorizedException("the token is unknown or revoked", headers=_CHALLENGE)
        return AuthenticationResult(user=principal, auth=principal.token_id)


def authentication_middleware() -> DefineMiddleware:
    return DefineMiddleware(BearerTokenMiddleware, exclude=PUBLIC_PATHS)


def requires(permission: Permission) -> dict[str, Any]:
    """Route `opt` naming the permission a route needs (the guard refuses routes without one)."""
    return {"permission": permission}


async def permission_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Async although it awaits nothing: Litestar runs a sync guard in a worker thread, which
    cost a fifth of the time of a one-row GET (bench/README.md)."""
    if connection.scope.get("method") == "OPTIONS":
        return  # Litestar's own answer to OPTIONS (the allowed methods) reveals no data
    permission = handler.opt.get("permission")
    principal = connection.user
    if not isinstance(principal, Principal) or not isinstance(permission, Permission):
        raise problem("forbidden", 403, "this operation is not open to any caller")
    if not principal.may(permission):
        raise problem("forbidden", 403, f"the {principal.role} role may not do this")
