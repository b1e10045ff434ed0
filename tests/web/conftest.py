"""Fixtures of the dashboard's tests: one database with the demo data and a token per role,
shared by the package. No test changes the demo's records: the tests that revoke or expire
something create their own token first."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from recotrack.demo import load_demo
from recotrack.store.pool import connect
from tests.conftest import with_database
from tests.helpers import seed_tokens

ARTIFACTS: list[tuple[str, Path]] = []
"""Files a test saved for people to look at (the overview's screenshot), named at the end."""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for what, path in ARTIFACTS:
        terminalreporter.write_line(f"{what}: {path}")


@dataclass(frozen=True)
class Demo:
    url: str
    tokens: dict[str, str]
    """A token per role, and one each for `skatteverket` and `forsakringskassan`."""
    db: asyncpg.Connection


@pytest.fixture(scope="package")
async def demo(server_url: str, template_db: str) -> AsyncIterator[Demo]:
    name = f"rt_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'create database "{name}" template "{template_db}"')
        await admin.execute(f'alter database "{name}" set synchronous_commit = off')
        url = with_database(server_url, name)
        tokens = await seed_tokens(url)
        db = await connect(url)
        try:
            await load_demo(db)
            yield Demo(url, tokens, db)
        finally:
            await db.close()
        await admin.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await admin.close()
