"""`Idempotency-Key` on every POST: a retry gets the first response again, never a second write.

The request runs inside a transaction that this middleware opens; the handler's own
transaction becomes a savepoint in it (`provide_connection` hands the handler this
connection). The write and the stored response are committed together, so a crash between
them loses both and a retry simply runs again. While one request holds a key, a concurrent
retry gets 409; the same key with another body, 422. Only successful responses are kept: a
refused request wrote nothing and may be retried as it is.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import asyncpg
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from recotrack.api.asgi import send_problem, send_response
from recotrack.api.problems import problem, unavailable
from recotrack.domain.access import Principal
from recotrack.store import idempotency
from recotrack.store.errors import DATABASE_UNAVAILABLE
from recotrack.store.pool import Pool

HELD_CONNECTION = "recotrack.connection"
"""Key in the request's state of the connection a handler must use (see `deps`)."""
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_REPLAYED_HEADERS = {"content-type", "etag", "location"}
# The database gone, or a connection whose last operation its loss cut short.
_LOST: tuple[type[Exception], ...] = (
    *DATABASE_UNAVAILABLE,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,
)


def idempotency_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "POST":
            await app(scope, receive, send)
            return
        key = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"idempotency-key"), None
        )
        principal = scope.get("user")
        if key is None or not isinstance(principal, Principal):
            await app(scope, receive, send)
            return
        if not _KEY.match(key):
            await send_problem(
                send,
                problem(
                    "bad-request", 400, "Idempotency-Key must be 1 to 255 visible ASCII characters"
                ),
            )
            return
        if not scope["route_handler"].opt.get("idempotent", True):
            await send_problem(
                send,
                problem(
                    "bad-request",
                    400,
                    "this operation cannot be replayed (its response holds a secret that is "
                    "never stored): send it without Idempotency-Key",
                ),
            )
            return
        http_scope: HTTPScope = scope
        await _run_once(app, http_scope, receive, send, token_id=principal.token_id, key=key)

    return middleware


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message: Any = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _run_once(
    app: ASGIApp, scope: HTTPScope, receive: Receive, send: Send, *, token_id: str, key: str
) -> None:
    body = await _read_body(receive)
    print_ = idempotency.fingerprint(scope["method"], scope["path"], scope["query_string"], body)
    pool: Pool = scope["app"].state.pool
    async with pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        committed = False
        try:
            if not await idempotency.claim(conn, token_id, key):
                await send_problem(
                    send,
                    problem(
                        "idempotency-in-progress",
                        409,
                        "a request with this Idempotency-Key is still running; retry later",
                    ),
                )
                return
            stored = await idempotency.find(conn, token_id, key)
            if stored is not None:
                if stored.fingerprint != print_:
                    await send_problem(
                        send,
                        problem(
                            "idempotency-key-mismatch",
                            422,
                            "this Idempotency-Key was used for a different request",
                        ),
                    )
                    return
                await _replay(stored, send)
                return
            state = {**scope.get("state", {}), HELD_CONNECTION: conn}
            inner: Any = {**scope, "state": state}
            status, headers, response_body = await _capture(app, inner, body)
            if 200 <= status < 300:
                try:
                    await idempotency.save(
                        conn,
                        token_id,
                        key,
                        idempotency.StoredResponse(
                            print_,
                            status,
                            [(n, v) for n, v in headers if n.lower() in _REPLAYED_HEADERS],
                            response_body,
                        ),
                    )
                    await transaction.commit()
                except _LOST:
                    # The database went away after the handler's work: unless the commit got
                    # through, nothing happened; if it did, the retry with this key replays it.
                    await send_problem(send, unavailable())
                    return
                committed = True
            await send_response(send, status, headers, response_body)
        finally:
            if not committed:
                # A connection the database dropped took its transaction with it; the
                # request's own failure (503) is what the client must hear.
                with contextlib.suppress(*DATABASE_UNAVAILABLE, asyncpg.InterfaceError):
                    await transaction.rollback()


async def _capture(
    app: ASGIApp, scope: Scope, body: bytes
) -> tuple[int, list[tuple[str, str]], bytes]:
    """Run the request with its body replayed; hold the response until we know its fate."""
    delivered = False

    async def receive() -> Any:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    status = 500
    headers: list[tuple[str, str]] = []
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = [
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])
            ]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, headers, b"".join(chunks)


async def _replay(stored: idempotency.StoredResponse, send: Send) -> None:
    headers = [
        *stored.headers,
        ("idempotent-replayed", "true"),
        ("content-length", str(len(stored.body))),
    ]
    await send_response(send, stored.status, headers, stored.body)
