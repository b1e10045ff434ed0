"""The service on a real socket: uvicorn in a thread of the test process, on 127.0.0.1.

Litestar's test client runs one request at a time; whatever needs truly concurrent requests
(long polls, races) or a socket (the SDK) runs against this instead.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import uvicorn

from recotrack.app import create_app
from recotrack.settings import Settings

_START_TIMEOUT_SECONDS = 20.0


@contextlib.contextmanager
def serve(db_url: str) -> Iterator[str]:
    """Run the app for `db_url` on a free loopback port; yield its base URL."""
    settings = Settings.from_env({"DATABASE_URL": db_url, "RECOTRACK_LOG_LEVEL": "warning"})
    config = uvicorn.Config(
        create_app(settings, db_url),
        host="127.0.0.1",
        port=0,
        log_config=None,
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=_START_TIMEOUT_SECONDS)
