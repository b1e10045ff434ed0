"""Fixtures of the CLI tests: the real service on a loopback socket, with the demo data, and
the CLI's `main` run in-process with its own streams and environment."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import dataclasses
import io
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from recotrack.app import create_app
from recotrack.demo import load_demo
from recotrack_sdk._cli import main
from tests.conftest import as_service, copy_of_template, test_settings
from tests.helpers import Api, connection
from tests.live import serve

PER_AGENCY = 8
"""Demo recommendations per agency (ten agencies): every state, some overdue."""


def excel_csv(text: str) -> list[dict[str, str]]:
    """Rows of CSV as Swedish Excel opens it (the CLI's default, as the API's exports): a BOM,
    `;` between fields, CRLF line ends."""
    assert text.startswith("\ufeff"), text[:40]
    assert text.endswith("\r\n")
    return list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=";"))


class Terminal(io.StringIO):
    """A stream that says it is a terminal (for the progress bar and fitted tables)."""

    encoding = "utf-8"

    def isatty(self) -> bool:
        return True


@dataclass
class Ran:
    status: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


@dataclass
class Cli:
    """The CLI pointed at the live service; `run` speaks as one of the test tokens."""

    url: str
    tokens: dict[str, str]
    home: Path
    env: dict[str, str] = field(default_factory=dict)

    def environment(self, who: str | None, extra: Mapping[str, str] | None) -> dict[str, str]:
        env = {"HOME": str(self.home), "RECOTRACK_URL": self.url}
        if who is not None:
            env["RECOTRACK_TOKEN"] = self.tokens[who]
        env.update(self.env)
        env.update(extra or {})
        return env

    async def run(
        self,
        *args: str,
        who: str | None = "secretariat",
        env: Mapping[str, str] | None = None,
        stdout: io.StringIO | None = None,
        stderr: io.StringIO | None = None,
    ) -> Ran:
        out = stdout if stdout is not None else io.StringIO()
        err = stderr if stderr is not None else io.StringIO()
        status = await asyncio.to_thread(
            main, list(args), stdout=out, stderr=err, env=self.environment(who, env)
        )
        return Ran(status, out.getvalue(), err.getvalue())


@pytest.fixture
async def cli(api: Api, live_url: str, tmp_path: Path) -> Cli:
    """The live service with nothing but the test tokens' two agencies."""
    home = tmp_path / "home"
    home.mkdir()
    return Cli(live_url, api.tokens, home)


@pytest.fixture
async def demo(cli: Cli, db: asyncpg.Connection) -> Cli:
    """The live service with the demo data set loaded."""
    await load_demo(db, per_agency=PER_AGENCY)
    return cli


# --- one service for a whole module ------------------------------------------------------
# For modules whose tests only read from the service (the CLI writes nothing) and write only
# files of their own: the database, the app and its live socket are made once per module
# instead of once per test. Each test still gets a home directory and an environment of its
# own (`fresh_home`).


@dataclass(frozen=True)
class Shared:
    api: Api
    cli: Cli

    def fresh_home(self, tmp_path: Path) -> Cli:
        home = tmp_path / "home"
        home.mkdir()
        return dataclasses.replace(self.cli, home=home, env={})


@contextlib.asynccontextmanager
async def _shared(
    server_url: str, template_db: str, folder: Path, *, with_demo: bool
) -> AsyncIterator[Shared]:
    """What `api`, `live_url` and `cli` (and `demo`, `with_demo`) make, in the same order."""
    async with copy_of_template(server_url, template_db) as url:
        service = as_service(url)
        async with AsyncTestClient(create_app(test_settings(service), service)) as client:
            api = await Api.start(client, url)
            async with serve(service) as live:
                if with_demo:
                    async with connection(url) as db:
                        await load_demo(db, per_agency=PER_AGENCY)
                yield Shared(api, Cli(live, api.tokens, folder))


@pytest.fixture(scope="module")
async def shared_service(
    server_url: str, template_db: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Shared]:
    """The live service with nothing but the test tokens' two agencies, for a module."""
    async with _shared(
        server_url, template_db, tmp_path_factory.mktemp("home"), with_demo=False
    ) as shared:
        yield shared


@pytest.fixture(scope="module")
async def shared_demo(
    server_url: str, template_db: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Shared]:
    """The live service with the demo data set loaded, for a module."""
    async with _shared(
        server_url, template_db, tmp_path_factory.mktemp("home"), with_demo=True
    ) as shared:
        yield shared
