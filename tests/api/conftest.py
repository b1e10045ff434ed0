"""Fixtures of the API tests.

`api`, `db` and `world` are a fresh database per test: for tests that look at whole lists.

`shared` is one database per module, with its own `world`, which keeps the suite fast. A
test that uses it either leaves the database as it found it (the refusals, each of which
checks that with `unchanged`), or creates the objects it changes and looks only at those
(and at counts relative to its start). None changes the shared world's objects.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from recotrack.app import create_app
from recotrack.settings import Settings
from recotrack.store.pool import connect
from tests import flow
from tests.api.support import World
from tests.conftest import as_service, copy_of_template
from tests.helpers import EVERY_ROUTE, Api, secrets_key_file, signing_key_file


async def make_world(api: Api) -> World:
    rec = await flow.recommendation(api)
    return World(investment=rec["investment_id"], review=rec["review_id"], rec=rec["id"])


@pytest.fixture
async def world(api: Api) -> World:
    return await make_world(api)


@dataclass(frozen=True)
class Shared:
    api: Api
    db: asyncpg.Connection
    world: World


@asynccontextmanager
async def shared_service(
    server_url: str, template_db: str, env: dict[str, str] | None = None
) -> AsyncIterator[Shared]:
    """A database of its own, and the app on it with the settings `env` adds."""
    async with copy_of_template(server_url, template_db) as url:
        service = as_service(url)  # the app as the service's restricted role
        settings = Settings.from_env(
            {
                "DATABASE_URL": service,
                "RECOTRACK_LOG_LEVEL": "warning",
                "RECOTRACK_SIGNING_KEY_FILE": signing_key_file(),
                "RECOTRACK_SECRETS_KEY_FILE": secrets_key_file(),
                **EVERY_ROUTE,
                **(env or {}),
            }
        )
        async with AsyncTestClient(create_app(settings, service)) as client:
            api = await Api.start(client, url)
            db = await connect(url)
            try:
                yield Shared(api, db, await make_world(api))
            finally:
                await db.close()


@pytest.fixture(scope="module")
async def shared(server_url: str, template_db: str) -> AsyncIterator[Shared]:
    async with shared_service(server_url, template_db) as found:
        yield found
