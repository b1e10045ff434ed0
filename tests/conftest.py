"""Tests run against a real PostgreSQL: `DATABASE_URL` when set, else an embedded server.

Migrations run once into a template database; each test gets a fresh copy of it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import tempfile
import threading
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from _pytest.nodeid import NodeId
from litestar.testing import AsyncTestClient

from recotrack.app import create_app
from recotrack.settings import Settings
from recotrack.store.migrate import migrate
from recotrack.store.pool import connect
from recotrack.store.roles import ensure_service_login, with_user
from tests.helpers import EVERY_ROUTE, Api, connection, secrets_key_file, signing_key_file
from tests.live import serve

# For the service processes tests start with this environment: none makes a key of its own
# in the user's data directory.
os.environ.setdefault("RECOTRACK_SIGNING_KEY_FILE", signing_key_file())
os.environ.setdefault("RECOTRACK_SECRETS_KEY_FILE", secrets_key_file())


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


DATABASE_FIXTURE = "server_url"
"""Every way a test reaches the test database (`DATABASE_URL`, else the embedded server)
goes through this fixture: `db_url`, `api`, the shared services of the modules, … all need it.
A test without it in its fixtures never touches that database (it is pure, reads files, or
starts an embedded server of its own), so it does the same whichever PostgreSQL that is."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-only",
        action="store_true",
        help=f"run only the tests that use the test database (those that need the fixture "
        f"`{DATABASE_FIXTURE}`): .ci/run's second run, on another PostgreSQL, where the "
        "others would only repeat the first",
    )


def uses_the_database(item: pytest.Item) -> bool:
    """Whether the test's outcome can depend on the PostgreSQL it runs on: it reaches the
    test database, and is not marked `once` (its subject is elsewhere, such as a browser's
    rendering of pages whose data other tests check on every server)."""
    return DATABASE_FIXTURE in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
        "once"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every collected item under a node id of its own, so that every one runs and is counted;
    with `--database-only`, the others deselected.

    Schemathesis names its items per operation (`test_x[GET /v1/agencies]`) but, on pytest
    9.2, leaves their node ids without the operation: pytest-xdist, which sends items to its
    workers by node id, then ran one operation per test function and counted the others as
    nothing (86 items collected, 4 passed), hiding the failures of the rest."""
    for item in items:
        if item.parent is not None and item.nodeid.rpartition("::")[2] != item.name:
            item._id = NodeId.parse(f"{item.parent.nodeid}::{item.name}")
    twice = sorted(nodeid for nodeid, n in Counter(item.nodeid for item in items).items() if n > 1)
    if twice:
        raise pytest.UsageError(f"tests collected twice under one node id: {', '.join(twice)}")
    if config.getoption("database_only"):
        others = [item for item in items if not uses_the_database(item)]
        if others:
            config.hook.pytest_deselected(items=others)
            items[:] = [item for item in items if uses_the_database(item)]


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    from recotrack.store.embedded import embedded_postgres

    # Not under pytest's temporary folder: a pytest starting meanwhile (as root) makes that
    # 0700, and the `pgserver` user that runs the embedded server would lose its way in.
    with (
        tempfile.TemporaryDirectory(prefix="recotrack-tests-") as folder,
        embedded_postgres(Path(folder)) as embedded_url,
    ):
        yield embedded_url


SERVICE_ROLE = "recotrack_test_service"
"""The service's restricted role in the tests: the app connects as it, so every test shows
that the privileges migration 0007 grants are enough (and `db` looks on as the superuser)."""
SERVICE_PASSWORD = "recotrack-tests"  # for servers that ask for one; a test cluster's only


@pytest.fixture(scope="session")
async def service_role(server_url: str) -> str:
    """The restricted login role, made (once per cluster, whichever worker is first)."""
    conn = await asyncpg.connect(server_url)
    try:
        await ensure_service_login(conn, SERVICE_ROLE, SERVICE_PASSWORD)
    finally:
        await conn.close()
    return SERVICE_ROLE


def as_service(url: str) -> str:
    """`url` as the service's restricted role."""
    return with_user(url, SERVICE_ROLE, SERVICE_PASSWORD)


@pytest.fixture(scope="session")
async def template_db(server_url: str, service_role: str) -> AsyncIterator[str]:
    name = f"rt_tmpl_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'create database "{name}"')
        conn = await connect(with_database(server_url, name))
        try:
            await migrate(conn)
        finally:
            await conn.close()
        yield name
        await admin.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await admin.close()


async def _create_copy(admin: asyncpg.Connection, template_db: str, name: str) -> None:
    await admin.execute(f'create database "{name}" template "{template_db}"')
    # Tests need no durability across a crash of the server: not waiting for each commit
    # to reach the disk halves the suite's time on a server that syncs its WAL.
    await admin.execute(f'alter database "{name}" set synchronous_commit = off')


@contextlib.asynccontextmanager
async def copy_of_template(
    server_url: str, template_db: str, prefix: str = "rt_test"
) -> AsyncIterator[str]:
    """A fresh, migrated database (a copy of the template), dropped afterwards: its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_url)
    try:
        await _create_copy(admin, template_db, name)
        yield with_database(server_url, name)
        await admin.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await admin.close()


T = TypeVar("T")


class FreshDatabases:
    """Copies of the template for one test each, made one ahead and dropped behind, on a
    thread (and event loop) of this worker's own: a test waits for neither.

    A copy takes a few hundred ms, and a drop more (PostgreSQL checkpoints on DROP DATABASE);
    both used to be in every test's setup and teardown. Each test still gets a copy that no
    other test has used; the drops are checked when the session ends. On the thread, creates
    and drops go one at a time each, on a connection each, so a backlog of drops never holds
    up the next copy."""

    def __init__(self, server_url: str, template_db: str) -> None:
        self._server_url = server_url
        self._template_db = template_db
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="fresh-databases", daemon=True
        )
        self._thread.start()
        self._connections: dict[str, asyncpg.Connection] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._spare: concurrent.futures.Future[str] = self._submit(self._create())
        self._drops: list[concurrent.futures.Future[None]] = []

    def _submit(self, work: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    @contextlib.asynccontextmanager
    async def _admin(self, purpose: str) -> AsyncIterator[asyncpg.Connection]:
        """One connection and lock per purpose (on the thread's loop)."""
        lock = self._locks.setdefault(purpose, asyncio.Lock())
        async with lock:
            conn = self._connections.get(purpose)
            if conn is None or conn.is_closed():
                conn = self._connections[purpose] = await asyncpg.connect(self._server_url)
            yield conn

    async def _create(self) -> str:
        name = f"rt_test_{uuid.uuid4().hex[:10]}"
        async with self._admin("create") as admin:
            await _create_copy(admin, self._template_db, name)
        return name

    async def _drop(self, name: str) -> None:
        async with self._admin("drop") as admin:
            await admin.execute(f'drop database if exists "{name}" with (force)')

    async def take(self) -> str:
        """The name of a fresh copy; the next one is made meanwhile."""
        spare, self._spare = self._spare, self._submit(self._create())
        return await asyncio.wrap_future(spare)

    async def give_back(self, name: str) -> None:
        """Drop `name` later; wait only when too many drops are behind (each holds a copy's
        disk space until it is done)."""
        self._drops.append(self._submit(self._drop(name)))
        while len(self._drops) > self.MAX_DROPS_BEHIND:
            await asyncio.wrap_future(self._drops.pop(0))  # its error, if any, fails the test
        self._drops = [drop for drop in self._drops if not drop.done() or drop.exception()]

    MAX_DROPS_BEHIND = 20

    def close(self) -> None:
        """Drop the spare and wait for every drop; raise the first that failed."""
        with contextlib.suppress(Exception):  # a spare that failed is dropped as nothing
            self._drops.append(self._submit(self._drop(self._spare.result(timeout=120))))
        try:
            for drop in self._drops:
                drop.result(timeout=120)
        finally:

            async def close_connections() -> None:
                for conn in self._connections.values():
                    await conn.close()

            self._submit(close_connections()).result(timeout=30)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)
            self._loop.close()


@pytest.fixture(scope="session")
def fresh_databases(server_url: str, template_db: str) -> Iterator[FreshDatabases]:
    databases = FreshDatabases(server_url, template_db)
    try:
        yield databases
    finally:
        databases.close()


@pytest.fixture
async def db_url(server_url: str, fresh_databases: FreshDatabases) -> AsyncIterator[str]:
    name = await fresh_databases.take()
    try:
        yield with_database(server_url, name)
    finally:
        await fresh_databases.give_back(name)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection, to look at what the API did (or did not do)."""
    async with connection(db_url) as conn:
        yield conn


def test_settings(db_url: str) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": db_url,
            "RECOTRACK_LOG_LEVEL": "warning",
            "RECOTRACK_SIGNING_KEY_FILE": signing_key_file(),
            "RECOTRACK_SECRETS_KEY_FILE": secrets_key_file(),
            # the background work runs where a test asks for it (tests/webhooks/, …)
            "RECOTRACK_WORKER": "false",
            **EVERY_ROUTE,
        }
    )


@pytest.fixture
def service_url(db_url: str) -> str:
    """The test's database as the service's restricted role."""
    return as_service(db_url)


@pytest.fixture
async def api(db_url: str, service_url: str) -> AsyncIterator[Api]:
    """The app, connected as the service's restricted role; `api.db_url` is the superuser's."""
    app = create_app(test_settings(service_url), service_url)
    async with AsyncTestClient(app) as client:
        yield await Api.start(client, db_url)


@pytest.fixture
async def live_url(api: Api, service_url: str) -> AsyncIterator[str]:
    """The same app and database as `api`, also served on a real loopback socket."""
    async with serve(service_url) as url:
        yield url
