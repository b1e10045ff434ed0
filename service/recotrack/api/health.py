"""`/healthz` (the process answers) and `/readyz` (and its database does)."""

from __future__ import annotations

import asyncio

import msgspec
from litestar import Response, get
from litestar.datastructures import State

_READY_TIMEOUT_SECONDS = 2.0


class Health(msgspec.Struct):
    status: str


@get(
    "/healthz",
    operation_id="healthz",
    summary="Liveness",
    tags=["operations"],
    sync_to_thread=False,
)
def healthz() -> Health:
    return Health(status="ok")


@get(
    "/readyz", operation_id="readyz", summary="Readiness: the database answers", tags=["operations"]
)
async def readyz(state: State) -> Response[Health]:
    try:
        async with asyncio.timeout(_READY_TIMEOUT_SECONDS):
            async with state.pool.acquire() as conn:
                await conn.fetchval("select 1")
    except (OSError, TimeoutError, Exception):
        return Response(Health(status="unavailable"), status_code=503, headers={"Retry-After": "5"})
    return Response(Health(status="ok"))
