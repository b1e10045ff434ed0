"""Authentication (bearer tokens to principals) and the permission guard."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware

from recotrack.api.problems import problem
from recotrack.credentials import PREFIX, token_hash
from recotrack.domain.access import Permission, Principal
from recotrack.domain.rules import TRANSITIONS, Action
from recotrack.store.pool import Pool
from recotrack.store.tokens import principal_for

# /metrics has a guard of its own (an optional token of its own: see api/metrics.py); the
# dashboard signs people in with its own session cookie (recotrack.web), never a token; the
# public catalogue is anyone's (and 404 when it is not served).
PUBLIC_PATHS = [
    "^/healthz$",
    "^/readyz$",
    "^/metrics$",
    "^/schema",
    "^/$",
    "^/dashboard(/|$)",
    "^/public(/|$)",
]
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="recotrack"'}


class PrincipalCache:
    """Token hash → principal, for `ttl` seconds: most requests then skip the token lookup
    (a pooled connection and a query; a sixth of a one-row GET, bench/README.md).

    Revocation still takes effect at once: a revoking process clears its cache itself, and
    every process clears it when PostgreSQL tells of a revocation (`ChangeNotifier`). While
    that notification channel is down (`trusted()` false) the cache is not used at all, so a
    revocation never goes unheard for longer than it takes a notification to arrive. Only
    known tokens are kept; an unknown one is looked up every time.
    """

    _MAX_ENTRIES = 10_000

    def __init__(self, ttl: float, trusted: Callable[[], bool]) -> None:
        self.ttl = ttl
        self._trusted = trusted
        self._entries: dict[bytes, tuple[Principal, float]] = {}

    def get(self, key: bytes) -> Principal | None:
        found = self._entries.get(key)
        if found is None or not self._trusted():
            return None
        principal, expires = found
        if time.monotonic() >= expires:
            del self._entries[key]
            return None
        return principal

    def put(self, key: bytes, principal: Principal) -> None:
        if not self.ttl or not self._trusted():
            return
        if len(self._entries) >= self._MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (principal, time.monotonic() + self.ttl)

    def clear(self) -> None:
        self._entries.clear()


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
        cache: PrincipalCache = connection.app.state.principals
        key = token_hash(token)
        principal = cache.get(key)
        if principal is None:
            pool: Pool = connection.app.state.pool
            async with pool.acquire() as conn:
                principal = await principal_for(conn, token)
            if principal is None:
                raise NotAuthorizedException("the token is unknown or revoked", headers=_CHALLENGE)
            cache.put(key, principal)
        return AuthenticationResult(user=principal, auth=principal.token_id)


def authentication_middleware() -> DefineMiddleware:
    return DefineMiddleware(BearerTokenMiddleware, exclude=PUBLIC_PATHS)


def requires(permission: Permission) -> dict[str, Any]:
    """Route `opt` naming the permission a route needs (the guard refuses routes without one)."""
    return {"permission": permission}


def performs(*actions: Action) -> dict[str, Any]:
    """Route `opt` of a route that performs these actions on a recommendation: the permission
    the transition table gives them, so that the guard asks what the rules will."""
    permissions = {TRANSITIONS[action].permission for action in actions}
    if len(permissions) != 1:
        raise ValueError(f"{', '.join(actions)} need different permissions: one route each")
    return requires(permissions.pop())


async def permission_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Async although it awaits nothing: Litestar runs a sync guard in a worker thread, which
    cost a fifth of the time of a one-row GET (bench/README.md)."""
    permission = handler.opt.get("permission")
    principal = connection.user
    if not isinstance(principal, Principal) or not isinstance(permission, Permission):
        raise problem("forbidden", 403, "this operation is not open to any caller")
    if not principal.may(permission):
        raise problem("forbidden", 403, f"the {principal.role} role may not do this")
