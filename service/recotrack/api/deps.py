"""Dependencies every controller shares: a pooled connection, the caller, page parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import asyncpg
from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import QueryParameter

from recotrack.domain.access import Principal

Limit = Annotated[
    int,
    QueryParameter(ge=1, le=1000, description="Items per page (default 100, at most 1000)."),
]
Cursor = Annotated[
    str | None,
    QueryParameter(max_length=512, description="`next_cursor` of the previous page."),
]


async def provide_connection(state: State) -> AsyncIterator[asyncpg.Connection]:
    conn = await state.pool.acquire()
    try:
        yield conn
    finally:
        await state.pool.release(conn)


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    principal = request.user
    assert isinstance(principal, Principal)  # the authentication middleware put it there
    return principal


DEPENDENCIES = {
    "conn": Provide(provide_connection),
    "principal": Provide(provide_principal, sync_to_thread=False),
}
