"""`sdk/examples/portfolio_sync.py`, run as a program against the live service: nothing doubled,
nothing missed, whether it runs to its end or is killed in the middle."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from recotrack.store.pool import connect
from recotrack_sdk import AsyncClient
from recotrack_sdk.models import Recommendation, RecommendationPatch
from tests.sdk.conftest import Caller, Live, make_recommendation
from tests.sdk.support import FaultProxy

EXAMPLE = Path(__file__).parents[2] / "sdk" / "examples" / "portfolio_sync.py"
RUN_SECONDS = 60


class Portfolio:
    """The example's SQLite file, and how to run the example on it."""

    def __init__(self, live: Live, path: Path) -> None:
        self.live = live
        self.path = path

    def env(self, url: str) -> dict[str, str]:
        return {
            **os.environ,
            "RECOTRACK_URL": url,
            "RECOTRACK_TOKEN": self.live.tokens["skatteverket"],
            "PORTFOLIO_DB": str(self.path),
        }

    async def run(self) -> str:
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, str(EXAMPLE)],
            env=self.env(self.live.url),
            capture_output=True,
            text=True,
            timeout=RUN_SECONDS,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    async def run_and_kill(self, proxy: FaultProxy, *, after: str) -> None:
        """Run through `proxy`, and SIGKILL the run once the proxy holds an answer back and
        `after` (SQL, true or false) holds on the service's database."""
        process = await asyncio.to_thread(
            subprocess.Popen,
            [sys.executable, str(EXAMPLE)],
            env=self.env(proxy.url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            assert await asyncio.to_thread(proxy.held.wait, RUN_SECONDS), "never got there"
            conn = await connect(self.live.db_url)
            try:
                deadline = time.monotonic() + RUN_SECONDS
                while not await conn.fetchval(after):
                    assert time.monotonic() < deadline, f"never true: {after}"
                    await asyncio.sleep(0.02)
            finally:
                await conn.close()
            assert process.poll() is None, "the run ended on its own"
        finally:
            process.kill()
            process.wait(timeout=30)
            assert process.stderr is not None
            process.stderr.close()

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if not self.path.exists():
            return []
        db = sqlite3.connect(self.path)
        try:
            return list(db.execute(sql))
        except sqlite3.OperationalError:  # no such table: never got that far
            return []
        finally:
            db.close()

    def mirror(self) -> dict[str, Recommendation]:
        decode = msgspec.json.Decoder(Recommendation).decode
        return {
            str(rec_id): decode(snapshot)
            for rec_id, snapshot in self.rows("select id, snapshot from recommendation")
        }


@pytest.fixture
async def secretariat(live: Live) -> AsyncIterator[Caller]:
    async with AsyncClient(live.url, live.tokens["secretariat"]) as client:
        yield Caller("async", client)


async def check_in_step(portfolio: Portfolio, live: Live) -> None:
    """The mirror is the agency's recommendations as they are now; every update the tool made
    is on the service exactly once, and acknowledged."""
    async with AsyncClient(live.url, live.tokens["skatteverket"]) as agency:
        current = {r.id: r async for r in agency.iter_recommendations()}
    assert portfolio.mirror() == current
    outbox = portfolio.rows("select external_ref, outcome from outbox")
    assert outbox
    assert all(outcome in ("created", "unchanged") for _, outcome in outbox)
    conn = await connect(live.db_url)
    try:
        on_service = {
            row["external_ref"]: row["n"]
            for row in await conn.fetch(
                "select external_ref, count(*) as n from progress_report group by external_ref"
            )
        }
    finally:
        await conn.close()
    assert on_service == {ref: 1 for ref, _ in outbox}


async def test_two_runs(live: Live, secretariat: Caller, tmp_path: Path) -> None:
    recs = [await make_recommendation(secretariat) for _ in range(4)]
    draft = await make_recommendation(secretariat, issued=False)
    await make_recommendation(secretariat, "forsakringskassan")
    portfolio = Portfolio(live, tmp_path / "portfolio.sqlite3")

    first = await portfolio.run()
    assert "sent 4 updates" in first
    assert set(portfolio.mirror()) == {r.id for r in recs}

    # between runs, the secretariat issues the draft and edits one
    current = await secretariat.get_recommendation(draft.id)
    await secretariat.update_recommendation(
        draft.id, RecommendationPatch(issued_on=dt.date(2026, 2, 2)), if_match=current
    )
    current = await secretariat.get_recommendation(recs[0].id)
    await secretariat.update_recommendation(
        recs[0].id, RecommendationPatch(title="Ny lydelse"), if_match=current
    )
    second = await portfolio.run()
    assert "sent 1 updates" in second
    assert portfolio.mirror()[recs[0].id].title == "Ny lydelse"
    await portfolio.run()  # pulls what the second run pushed last
    await check_in_step(portfolio, live)


async def test_killed_and_run_again(live: Live, secretariat: Caller, tmp_path: Path) -> None:
    recs = [await make_recommendation(secretariat) for _ in range(3)]
    draft = await make_recommendation(secretariat, issued=False)
    portfolio = Portfolio(live, tmp_path / "portfolio.sqlite3")
    port = int(live.url.rsplit(":", 1)[1])

    # killed after pulling the changes, while reading the recommendations: nothing is kept
    proxy = FaultProxy(port, [], hold_when=b"GET /v1/recommendations")
    try:
        await portfolio.run_and_kill(proxy, after="select true")
    finally:
        proxy.close()
    assert portfolio.rows("select cursor from sync_state") == []
    assert portfolio.mirror() == {}

    await portfolio.run()
    assert set(portfolio.mirror()) == {r.id for r in recs}

    # killed after the service applied its updates, before it heard so: sent again, no double
    current = await secretariat.get_recommendation(draft.id)
    await secretariat.update_recommendation(
        draft.id, RecommendationPatch(issued_on=dt.date(2026, 2, 2)), if_match=current
    )
    proxy = FaultProxy(port, [], hold_when=b"POST /v1/sync/progress")
    try:
        await portfolio.run_and_kill(proxy, after="select count(*) = 4 from progress_report")
    finally:
        proxy.close()
    assert portfolio.rows("select count(*) from outbox where outcome is null") == [(1,)]

    await portfolio.run()
    outcomes = portfolio.rows("select outcome, count(*) from outbox group by 1 order by 1")
    assert outcomes == [("created", 3), ("unchanged", 1)]
    await portfolio.run()
    await check_in_step(portfolio, live)
