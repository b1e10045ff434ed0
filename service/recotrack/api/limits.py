"""Limits on what one client may ask of a process: header size (431) and request rate (429).

The rate is a token bucket per API token (per client address for requests without one),
kept in this process's memory: with N replicas a token may send up to N times the rate in
all. That bounds what one runaway script does to a replica; an exact global limit would cost
a database round trip on every request. The limit is checked before authentication, so a
refused request costs no database work. Buckets are keyed by the token's SHA-256 (the token
itself is never kept); an unknown token gets a bucket of its own, and then 401.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from recotrack.api.asgi import send_problem
from recotrack.api.problems import problem
from recotrack.credentials import PREFIX, token_hash

log = structlog.get_logger("recotrack.api")

PUBLIC_ROOT = "/public"
_EXEMPT = frozenset({"/healthz", "/readyz"})  # probes must see the truth, whatever the load
_MAX_BUCKETS = 10_000
"""Past this many keys, buckets that have refilled are forgotten (they are as good as new)."""


def header_limit_middleware(app: ASGIApp, max_bytes: int) -> ASGIApp:
    """431 for a request whose header fields exceed `max_bytes` in all (names and values).

    The HTTP server refuses far larger ones itself (with a plain 400) before they get here.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            size = sum(len(name) + len(value) for name, value in scope["headers"])
            if size > max_bytes:
                await send_problem(
                    send,
                    problem(
                        "headers-too-large",
                        431,
                        f"the request's headers take {size} bytes; at most {max_bytes} are read",
                    ),
                )
                return
        await app(scope, receive, send)

    return middleware


class TokenBuckets:
    """`rate` requests a second per key, and bursts of up to `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._buckets: dict[bytes | str, tuple[float, float]] = {}  # key: (tokens, at)

    def take(self, key: bytes | str, now: float) -> float:
        """Take one request's worth from `key`'s bucket: 0.0 if allowed, else the seconds to
        wait until one is available."""
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
        if len(self._buckets) >= _MAX_BUCKETS and key not in self._buckets:
            self._forget_full(now)
        self._buckets[key] = (tokens - 1.0, now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        refill = self.burst / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < refill}


def is_public(path: str) -> bool:
    """Whether `path` is the public catalogue's (`/public` and below)."""
    return path == PUBLIC_ROOT or path.startswith(f"{PUBLIC_ROOT}/")


def rate_limit_middleware(app: ASGIApp, rate: float, burst: int) -> ASGIApp:
    """The API's and the dashboard's limit, per token (per address without one)."""
    return _limited(
        app,
        rate,
        burst,
        applies=lambda path: path not in _EXEMPT and not is_public(path),
        key=_client_key,
        per="for each token",
    )


def public_rate_limit_middleware(app: ASGIApp, rate: float, burst: int) -> ASGIApp:
    """The public catalogue's own limit, per client address: it has no tokens, and its
    readers are anyone, so it is kept apart from what the API's callers may send."""
    return _limited(
        app,
        rate,
        burst,
        applies=is_public,
        key=_address_key,
        per="from each address",
    )


def _limited(
    app: ASGIApp,
    rate: float,
    burst: int,
    *,
    applies: Callable[[str], bool],
    key: Callable[[Scope], bytes | str],
    per: str,
) -> ASGIApp:
    if not rate:
        return app
    buckets = TokenBuckets(rate, burst)

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or not applies(scope["path"]):
            await app(scope, receive, send)
            return
        wait = buckets.take(key(scope), time.monotonic())
        if wait:
            retry_after = max(1, math.ceil(wait))
            await send_problem(
                send,
                problem(
                    "rate-limited",
                    429,
                    f"too many requests: at most {rate:g} a second (bursts of {buckets.burst})"
                    f" {per}; retry after {retry_after} s",
                    headers={"Retry-After": str(retry_after)},
                ),
            )
            return
        await app(scope, receive, send)

    return middleware


def _client_key(scope: Scope) -> bytes | str:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            if scheme.lower() == "bearer" and token.startswith(PREFIX):
                return token_hash(token)
            break
    return _address_key(scope)


def _address_key(scope: Scope) -> str:
    client = scope.get("client")
    return f"address:{client[0]}" if client else "address:unknown"
