"""The service on a real socket: uvicorn in a thread of the test process, on 127.0.0.1.

Litestar's test client runs one request at a time; whatever needs truly concurrent requests
(long polls, races) or a socket (the SDK, the CLI) runs against this instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import uvicorn

from recotrack.app import create_app
from recotrack.httpserver import BoundedHttpToolsProtocol
from recotrack.settings import Settings
from tests.helpers import EVERY_ROUTE, secrets_key_file, signing_key_file

START_SECONDS = 30.0


@contextlib.asynccontextmanager
async def serve(
    db_url: str, port: int = 0, *, env: dict[str, str] | None = None
) -> AsyncIterator[str]:
    """Run the app for `db_url` on a loopback port (0: a free one); yield its base URL.

    `env`: more settings (`RECOTRACK_…` variables) for this app."""
    settings = Settings.from_env(
        {
            "DATABASE_URL": db_url,
            "RECOTRACK_LOG_LEVEL": "warning",
            "RECOTRACK_SIGNING_KEY_FILE": signing_key_file(),
            "RECOTRACK_SECRETS_KEY_FILE": secrets_key_file(),
            "RECOTRACK_WORKER": "false",  # unless `env` says otherwise
            **EVERY_ROUTE,
            **(env or {}),
        }
    )
    config = uvicorn.Config(
        create_app(settings, db_url),
        host="127.0.0.1",
        port=port,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="on",
        http=BoundedHttpToolsProtocol,  # as `recotrack serve` runs it
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


@contextlib.contextmanager
def serve_processes(
    db_url: str, folder: Path, count: int, env: dict[str, str] | None = None
) -> Iterator[list[str]]:
    """`count` processes of `recotrack serve` on `db_url` (replicas), started side by side;
    yield their base URLs. Their logs are in `folder`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("RECOTRACK_")}
    environment.update(
        DATABASE_URL=db_url,
        RECOTRACK_LOG_FORMAT="json",
        RECOTRACK_LOG_LEVEL="info",  # the `listening` event has the port
        RECOTRACK_SIGNING_KEY_FILE=signing_key_file(),
        RECOTRACK_SECRETS_KEY_FILE=secrets_key_file(),
        **(env or {}),
    )
    logs = [folder / f"serve-{n}.log" for n in range(count)]
    processes = []
    try:
        for log in logs:
            with log.open("ab") as out:
                processes.append(
                    subprocess.Popen(
                        [Path(sys.executable).with_name("recotrack"), "serve", "--port", "0"],
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        env=environment,
                    )
                )
        yield [_listening(process, log) for process, log in zip(processes, logs, strict=True)]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(START_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _listening(process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + START_SECONDS
    while True:
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"serve did not start:\n{log.read_text()}"
        for line in log.read_text().splitlines():
            if line.startswith("{") and json.loads(line).get("event") == "listening":
                return str(json.loads(line)["url"])
        time.sleep(0.05)
