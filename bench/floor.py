"""The floor of this stack: a bare ASGI app on asyncpg doing what the service does for three
requests, with nothing else: no framework, no authentication, no logging, no ETag.

It calls the service's own store functions (so it runs the same SQL, decodes the same rows
into the same structs and encodes the same JSON) on a pool made the same way; only the HTTP
layer around them is the bare minimum. `load.py` runs it beside the service:

    BENCH_DSN=postgresql://… .venv/bin/python bench/floor.py --port 8001

Routes: GET /v1/recommendations/{id}; GET /v1/recommendations?agency=&area=&limit=;
POST /v1/recommendations/{id}/progress (as the agency in `BENCH_AGENCY`).
"""

from __future__ import annotations

import argparse
import os
from typing import Any
from urllib.parse import parse_qs

import msgspec
import uvicorn

from recotrack.domain.vocabulary import Role
from recotrack.store.errors import NotFound
from recotrack.store.pool import Pool, create_pool
from recotrack.store.progress import add_progress
from recotrack.store.recommendation_list import list_recommendations
from recotrack.store.recommendations import get_recommendation
from recotrack_sdk.models import ProgressReportCreate, RecommendationQuery

_PREFIX = "/v1/recommendations"
_JSON = [(b"content-type", b"application/json")]
_state: dict[str, Any] = {}


async def _answer(send: Any, status: int, body: bytes) -> None:
    headers = [*_JSON, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                _state["pool"] = await create_pool(os.environ["BENCH_DSN"])
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await _state["pool"].close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    pool: Pool = _state["pool"]
    path: str = scope["path"]
    method: str = scope["method"]
    async with pool.acquire() as conn:
        if method == "GET" and path == _PREFIX:
            query = parse_qs(scope["query_string"].decode())
            asked = {name: query[name] for name in ("agency", "area") if name in query}
            filters = msgspec.convert(asked, RecommendationQuery)
            items, cursor = await list_recommendations(
                conn,
                scope=None,
                filters=filters,
                sort=None,
                cursor=None,
                limit=int(query.get("limit", ["100"])[0]),
            )
            await _answer(send, 200, msgspec.json.encode({"items": items, "next_cursor": cursor}))
        elif method == "GET" and path.startswith(_PREFIX + "/"):
            try:
                found = await get_recommendation(conn, path.rsplit("/", 1)[1], scope=None)
            except NotFound:
                await _answer(send, 404, b"{}")
                return
            await _answer(send, 200, msgspec.json.encode(found))
        elif method == "POST" and path.endswith("/progress"):
            data = msgspec.json.decode(await _body(receive), type=ProgressReportCreate)
            agency = os.environ["BENCH_AGENCY"]
            report, _ = await add_progress(
                conn,
                path.split("/")[3],
                data,
                scope=agency,
                role=Role.AGENCY,
                actor=f"agency:{agency}",
            )
            await _answer(send, 201, msgspec.json.encode(report))
        else:
            await _answer(send, 404, b"{}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # As `recotrack serve` runs uvicorn, less what the service adds.
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_config=None, access_log=False, lifespan="on"
    )


if __name__ == "__main__":
    main()
