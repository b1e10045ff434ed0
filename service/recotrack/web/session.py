"""Who is signed in to the dashboard: a session cookie in, a principal out.

The cookie holds a random session id (the database keeps only its hash, see
`store.web_sessions`); the principal comes from the token the session was made from, so an
agency's session sees what its token sees, and revoking the token ends the session. The
cookie is HttpOnly, SameSite=Lax and (by default) Secure with the `__Host-` prefix. Every
request that changes something (sign-in, sign-out) must come from the dashboard's own pages:
`same_origin` checks what the browser says about where a request came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler

from recotrack.domain.access import Permission, Principal
from recotrack.settings import Settings
from recotrack.store.pool import Pool
from recotrack.store.web_sessions import session_principal

BASE = "/dashboard"
LANG_COOKIE = "recotrack-lang"


class SignInRequired(Exception):
    """No live session: the dashboard answers with the sign-in page."""

    def __init__(self, *, ended: bool) -> None:
        super().__init__("sign-in required")
        self.ended = ended
        """A session cookie came, but its session has ended (expired, signed out, revoked)."""


class CrossSiteRequest(Exception):
    """A state-changing request that did not come from the dashboard's own pages."""


@dataclass(frozen=True, slots=True)
class CookiePolicy:
    secure: bool
    lifetime: dt.timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> CookiePolicy:
        return cls(settings.web_cookie_secure, dt.timedelta(hours=settings.web_session_hours))

    @property
    def name(self) -> str:
        # `__Host-`: the browser accepts it only Secure, for this host alone, on every path.
        return "__Host-recotrack-session" if self.secure else "recotrack-session"

    def session_cookie(self, session_id: str) -> Cookie:
        return Cookie(
            key=self.name,
            value=session_id,
            path="/",
            max_age=int(self.lifetime.total_seconds()),
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

    def cleared(self) -> Cookie:
        return Cookie(
            key=self.name,
            value="",
            path="/",
            max_age=0,
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

    def lang_cookie(self, lang: str) -> Cookie:
        return Cookie(
            key=LANG_COOKIE,
            value=lang,
            path="/",
            max_age=365 * 24 * 3600,
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )


POLICY = "web_policy"
"""The route `opt` under which the dashboard's handlers find the cookie policy."""


def policy_of(request: Request[Any, Any, Any]) -> CookiePolicy:
    policy = request.route_handler.opt[POLICY]
    assert isinstance(policy, CookiePolicy)
    return policy


async def provide_web_principal(request: Request[Any, Any, Any]) -> Principal:
    """The signed-in principal; SignInRequired when there is none."""
    session_id = request.cookies.get(policy_of(request).name)
    if not session_id:
        raise SignInRequired(ended=False)
    pool: Pool = request.app.state.pool
    async with pool.acquire() as conn:
        principal = await session_principal(conn, session_id)
    if principal is None:
        raise SignInRequired(ended=True)
    if not principal.may(Permission.READ):  # every role reads today; the rule is the API's
        raise SignInRequired(ended=True)
    request.scope["user"] = principal  # for the access log, as for the API
    return principal


async def provide_web_connection(
    request: Request[Any, Any, Any], principal: NamedDependency[Principal]
) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection, for a signed-in person only. Depending on the principal puts the
    sign-in check first: a dependency that fails beside one that has already taken a
    connection would leave that connection out of the pool."""
    pool = request.app.state.pool  # a handler's parameter names one type: asyncpg.Connection
    async with pool.acquire() as conn:
        yield conn


def same_origin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Refuse a cross-site POST (a forged sign-in or sign-out). Browsers say where a request
    comes from in `Sec-Fetch-Site`, older ones at least in `Origin`; a request with neither
    does not come from a browser, so it carries no one's cookies against their will."""
    site = connection.headers.get("sec-fetch-site")
    if site is not None:
        if site not in ("same-origin", "none"):
            raise CrossSiteRequest
        return
    origin = connection.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != connection.headers.get("host"):
        raise CrossSiteRequest


def local_target(value: str | None) -> str:
    """Where to go after signing in: a dashboard page of this site, never another site."""
    default = f"{BASE}/"
    if not value or "\\" in value or any(ord(c) < 0x20 for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith(BASE) or value.startswith("//"):
        return default
    if parts.path.startswith(f"{BASE}/sign-"):
        return default
    return value
