"""One live service for a whole fuzzing module: its own database, tokens and some data.

A fresh service per test would cost a database and a server start for each of the ~70
parametrized operations; the fuzzers only need one that answers, with real objects in it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest
import pytest_asyncio
from litestar.testing import AsyncTestClient

from recotrack.app import create_app
from tests import flow
from tests.conftest import test_settings, with_database
from tests.fuzz.profile import PROFILE, TALLY
from tests.helpers import Api, seed_tokens
from tests.live import serve


@dataclass(frozen=True)
class Service:
    url: str
    db_url: str
    tokens: dict[str, str]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def service(server_url: str, template_db: str) -> AsyncIterator[Service]:
    name = f"rt_fuzz_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'create database "{name}" template "{template_db}"')
        await admin.execute(f'alter database "{name}" set synchronous_commit = off')
        db_url = with_database(server_url, name)
        tokens = await seed_tokens(db_url)
        app = create_app(test_settings(db_url), db_url)
        async with serve(db_url) as url, AsyncTestClient(app) as client:
            api = Api(client, db_url, tokens)
            for agency in ("skatteverket", "forsakringskassan"):
                await flow.recommendation(api, agency)
                await flow.recommendation(api, agency, issued=False)
            yield Service(url, db_url, tokens)
        await admin.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await admin.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY:
        terminalreporter.section(f"fuzzing ({PROFILE.name} profile)")
        for kind, count in sorted(TALLY.items()):
            terminalreporter.write_line(f"{count:>8}  {kind}")
