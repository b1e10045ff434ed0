"""Dependencies every controller shares: a pooled connection, the caller, page parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import asyncpg
from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from recotrack.api.idempotency import HELD_CONNECTION
from recotrack.domain.access import Principal

Limit = Annotated[
    int,
    QueryParameter(ge=1, le=1000, description="Items per page (default 100, at most 1000)."),
]
Cursor = Annotated[
    str | None,
    QueryParameter(max_length=512, description="`next_cursor` of the previous page."),
]


async def provide_connection(
    request: Request[Any, Any, Any], principal: NamedDependency[Principal]
) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection; or, for a POST with an Idempotency-Key, the connection whose
    transaction will also keep the response (see `idempotency`).

    It depends on `principal` so that it comes after the request's other dependencies, for two
    reasons. When one of them fails (an invalid filter parameter), Litestar does not close a
    generator dependency already started beside it, and the connection would not go back. And
    Litestar resolves independent dependencies concurrently, in a task group of their own for
    each request, which cost a GET ~7% of its CPU time (bench/README.md)."""
    held = request.scope.get("state", {}).get(HELD_CONNECTION)
    if held is not None:
        yield held
        return
    pool = request.app.state.pool
    conn = await pool.acquire()
    try:
        yield conn
    finally:
        await pool.release(conn)


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    principal = request.user
    assert isinstance(principal, Principal)  # the authentication middleware put it there
    return principal


DEPENDENCIES = {
    "conn": Provide(provide_connection),
    "principal": Provide(provide_principal, sync_to_thread=False),
}
