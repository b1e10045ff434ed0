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
    ids: dict[str, list[str]]
    """Path parameter → ids of real objects (Skatteverket's, Försäkringskassan's, drafts)."""


async def _seed(api: Api) -> dict[str, list[str]]:
    """Both agencies' recommendations, issued and draft, with a response, a progress report,
    an assessment; and the tokens' ids."""
    ids: dict[str, list[str]] = {"agency_id": ["skatteverket", "forsakringskassan"]}

    def note(name: str, value: str) -> None:
        ids.setdefault(name, []).append(value)

    for agency in ("skatteverket", "forsakringskassan"):
        for issued in (True, False):
            rec = await flow.recommendation(api, agency, issued=issued)
            note("recommendation_id", rec["id"])
            note("review_id", rec["review_id"])
            note("investment_id", rec["investment_id"])
            if not issued:
                continue
            url = f"/v1/recommendations/{rec['id']}"
            body = {"decision": "accepted", "responded_by": "GD"}
            r = await api.call(agency, "PUT", url + "/response", json=body)
            assert r.status_code == 201, r.text
            r = await api.call(agency, "POST", url + "/progress", json={"status": "in_progress"})
            assert r.status_code == 201, r.text
            note("report_id", r.json()["id"])
            r = await api.call(
                "secretariat", "POST", url + "/assessments", json={"status": "not_started"}
            )
            assert r.status_code == 201, r.text
            note("assessment_id", r.json()["id"])
    r = await api.call("secretariat", "GET", "/v1/tokens")
    ids["token_id"] = [token["id"] for token in r.json()["items"]]
    return ids


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
            ids = await _seed(Api(client, db_url, tokens))
            yield Service(url, db_url, tokens, ids)
        await admin.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await admin.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY:
        terminalreporter.section(f"fuzzing ({PROFILE.name} profile)")
        for kind, count in sorted(TALLY.items()):
            terminalreporter.write_line(f"{count:>8}  {kind}")
