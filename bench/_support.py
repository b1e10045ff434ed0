"""What the benchmarks share: a PostgreSQL server, a fresh database on it, servers as
processes of their own on loopback ports, and bits of seed data.

Each benchmark runs against the server in `DATABASE_URL` or, without it, an embedded
PostgreSQL started for the run, in a database of its own that is dropped afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from recotrack.domain.orgnr import luhn_check_digit
from recotrack.store.migrate import migrate
from recotrack.store.pool import connect
from recotrack.store.tokens import create_token
from recotrack_sdk.models import Role, TokenCreate

RECOTRACK = Path(sys.executable).with_name("recotrack")
"""The service's command, from the same environment as the benchmark."""


# --- PostgreSQL ------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """The server in `DATABASE_URL`, or an embedded PostgreSQL for as long as this lasts."""
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    from recotrack.store.embedded import embedded_postgres

    with (
        tempfile.TemporaryDirectory(prefix="rt-bench-") as data,
        embedded_postgres(Path(data)) as embedded,
    ):
        yield embedded


def with_database(server_url: str, name: str) -> str:
    return urlunsplit(urlsplit(server_url)._replace(path="/" + name))


async def _create(server_url: str, name: str) -> str:
    """The migrated database `name` (created if missing), as a URL."""
    admin = await connect(server_url)
    try:
        if not await admin.fetchval("select true from pg_database where datname = $1", name):
            await admin.execute(f'create database "{name}"')
    finally:
        await admin.close()
    url = with_database(server_url, name)
    conn = await connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    return url


async def _drop(server_url: str, name: str) -> None:
    admin = await connect(server_url)
    try:
        await admin.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def database(server_url: str, *, keep: str | None = None) -> AsyncIterator[str]:
    """A new, migrated database on the server, dropped afterwards; with `keep`, the database
    of that name instead, kept (and reused next time), to measure again without seeding."""
    name = keep or f"rt_bench_{uuid.uuid4().hex[:10]}"
    url = await _create(server_url, name)
    try:
        yield url
    finally:
        if keep is None:
            await _drop(server_url, name)


@contextlib.contextmanager
def database_sync(server_url: str) -> Iterator[str]:
    """`database`, for a benchmark that is not itself async (each step on its own loop)."""
    name = f"rt_bench_{uuid.uuid4().hex[:10]}"
    url = asyncio.run(_create(server_url, name))
    try:
        yield url
    finally:
        asyncio.run(_drop(server_url, name))


async def token(conn: asyncpg.Connection, role: Role, agency_id: str | None = None) -> str:
    """A new bearer token for `role` (an agency token: for `agency_id`)."""
    data = TokenCreate(role=role, agency_id=agency_id, label="bench")
    return (await create_token(conn, data, actor="bench")).token


def org_number(n: int) -> str:
    """A valid Swedish organisation number, the `n`th of the benchmarks' made-up ones."""
    digits = f"2021{n:05d}"
    return f"{digits[:6]}-{digits[6:]}{luhn_check_digit([int(c) for c in digits])}"


# --- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    """A loopback port free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service_command(port: int) -> list[str]:
    """`recotrack serve` on a loopback port."""
    return [str(RECOTRACK), "serve", "--host", "127.0.0.1", "--port", str(port)]


@dataclass(frozen=True)
class Running:
    url: str
    pid: int


@contextlib.contextmanager
def running(
    command: Sequence[str], *, port: int, env: dict[str, str], log: Path | None = None
) -> Iterator[Running]:
    """`command` as a process of its own (with `env` added to ours), once it listens on the
    loopback `port`; stopped at the end. Its output goes to `log`, or nowhere (its errors
    still show)."""
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(log.open("wb")) if log is not None else subprocess.DEVNULL
        process = subprocess.Popen(  # noqa: S603  (ours)
            list(command),
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT if log is not None else None,
        )
    try:
        _wait_for(process, port, log)
        yield Running(f"http://127.0.0.1:{port}", process.pid)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(process: subprocess.Popen[bytes], port: int, log: Path | None) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log is not None else ""
            raise RuntimeError(f"{process.args!r} did not start listening on {port}\n{tail}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
