"""`/healthz` (the process answers) and `/readyz` (and its database does)."""

from __future__ import annotations

import asyncio

from litestar import Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec

from recotrack.store.pool import ping
from recotrack_sdk.models import Health

_READY_TIMEOUT_SECONDS = 2.0


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
    "/readyz",
    operation_id="readyz",
    summary="Readiness: the database answers",
    tags=["operations"],
    responses={
        503: ResponseSpec(
            Health,
            description="The database does not answer (`Retry-After` says when to ask again)",
            generate_examples=False,
        )
    },
)
async def readyz(state: State) -> Response[Health]:
    try:
        async with asyncio.timeout(_READY_TIMEOUT_SECONDS):
            await ping(state.pool)
    except Exception:  # whatever fails, the database is not there for us
        return Response(Health(status="unavailable"), status_code=503, headers={"Retry-After": "5"})
    return Response(Health(status="ok"))
