"""Fixtures of the dashboard's tests: one database with the demo data and a token per role,
shared by the package. No test changes the demo's records: the tests that revoke or expire
something create their own token first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from recotrack.demo import load_demo
from recotrack.store.pool import connect
from tests.conftest import copy_of_template
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
    async with copy_of_template(server_url, template_db) as url:
        tokens = await seed_tokens(url)
        db = await connect(url)
        try:
            await load_demo(db)
            yield Demo(url, tokens, db)
        finally:
            await db.close()
