"""The service on a real socket: uvicorn in a thread of the test process, on 127.0.0.1.

Litestar's test client runs one request at a time; whatever needs truly concurrent requests
(long polls, races) or a socket (the SDK, the CLI) runs against this instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator

import uvicorn

from recotrack.app import create_app
from recotrack.settings import Settings

START_SECONDS = 30.0


@contextlib.asynccontextmanager
async def serve(
    db_url: str, port: int = 0, *, env: dict[str, str] | None = None
) -> AsyncIterator[str]:
    """Run the app for `db_url` on a loopback port (0: a free one); yield its base URL.

    `env`: more settings (`RECOTRACK_…` variables) for this app."""
    settings = Settings.from_env(
        {"DATABASE_URL": db_url, "RECOTRACK_LOG_LEVEL": "warning", **(env or {})}
    )
    config = uvicorn.Config(
        create_app(settings, db_url),
        host="127.0.0.1",
        port=port,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped before it was listening"
        assert time.monotonic() < deadline, "uvicorn did not start in time"
        await asyncio.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{bound}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, START_SECONDS)
        assert not thread.is_alive(), "uvicorn did not stop"
