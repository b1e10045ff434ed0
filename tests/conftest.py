"""Tests run against a real PostgreSQL: `DATABASE_URL` when set, else an embedded server.

Migrations run once into a template database; each test gets a fresh copy of it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
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
from tests.helpers import Api, connection, secrets_key_file, signing_key_file
from tests.live import serve

# For the service processes tests start with this environment: none makes a key of its own
# in the user's data directory.
os.environ.setdefault("RECOTRACK_SIGNING_KEY_FILE", signing_key_file())
os.environ.setdefault("RECOTRACK_SECRETS_KEY_FILE", secrets_key_file())


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every collected item under a node id of its own, so that every one runs and is counted.

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


@contextlib.asynccontextmanager
async def copy_of_template(
    server_url: str, template_db: str, prefix: str = "rt_test"
) -> AsyncIterator[str]:
    """A fresh, migrated database (a copy of the template), dropped afterwards: its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'create database "{name}" template "{template_db}"')
        # Tests need no durability across a crash of the server: not waiting for each commit
        # to reach the disk halves the suite's time on a server that syncs its WAL.
        await admin.execute(f'alter database "{name}" set synchronous_commit = off')
        yield with_database(server_url, name)
        await admin.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await admin.close()


@pytest.fixture
async def db_url(server_url: str, template_db: str) -> AsyncIterator[str]:
    async with copy_of_template(server_url, template_db) as url:
        yield url


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
