"""The interval job: two service processes on one database make exactly one checkpoint per
due moment, whether it is due by the number of events or by time, and a replica that dies
while it holds the job's lock (its transaction ends with its connection) stops nobody."""

from __future__ import annotations

import contextlib
from pathlib import Path

import asyncpg
import msgspec
import pytest

from recotrack.settings import Settings
from recotrack.store import events
from recotrack.store.pool import connect
from tests.helpers import Api, until
from tests.live import serve_processes

EVERY = 5
INTERVAL = 2  # seconds
WAIT_SECONDS = 60


class _Note(msgspec.Struct):
    n: int


async def _write(db: asyncpg.Connection, n: int, count: int) -> int:
    """`count` events in one commit; the new head's seq."""
    async with db.transaction():
        await events.record_many(
            db,
            actor="test:job",
            agency_id=None,
            entity="note",
            action="noted",
            rows=[(f"{n}-{k}", k, _Note(n=n), None) for k in range(count)],
        )
    head: int = await db.fetchval("select max(seq) from event")
    return head


async def _checkpoint_at(db: asyncpg.Connection, seq: int) -> None:
    async def made() -> bool:
        return bool(await db.fetchval("select count(*) from checkpoint where seq = $1", seq))

    await until(f"checkpoint at event {seq}", made, seconds=WAIT_SECONDS)


async def test_two_processes_make_one_checkpoint_per_due_moment(
    api: Api, db: asyncpg.Connection, tmp_path: Path
) -> None:
    r = await api.call("secretariat", "POST", "/v1/audit/checkpoints", json={})
    assert r.status_code == 201, r.text
    expected = [r.json()["seq"]]  # what the seeding wrote is covered

    # A replica that took the job's lock and then died: its transaction goes with it.
    stuck = await connect(api.db_url)
    try:
        await stuck.execute("begin")
        await stuck.execute("select pg_advisory_xact_lock($1)", 0x636B7074)
        expected.append(await _write(db, 0, EVERY))  # due by count, while the lock is held
        await _replicas(api, db, tmp_path, stuck, expected)
    finally:
        with contextlib.suppress(Exception):
            await stuck.close(timeout=1)
    made = [row["seq"] for row in await db.fetch("select seq from checkpoint order by id")]
    assert made == expected


async def _replicas(
    api: Api, db: asyncpg.Connection, tmp_path: Path, stuck: asyncpg.Connection, expected: list[int]
) -> None:
    env = {
        "RECOTRACK_CHECKPOINT_EVERY_EVENTS": str(EVERY),
        "RECOTRACK_CHECKPOINT_INTERVAL_SECONDS": str(INTERVAL),
    }
    with serve_processes(api.db_url, tmp_path, 2, env):
        assert await db.fetchval("select count(*) from checkpoint") == 1  # the lock holds
        await db.execute("select pg_terminate_backend($1)", stuck.get_server_pid())  # the crash
        await _checkpoint_at(db, expected[-1])
        for n in range(1, 4):  # due by count: one commit of more than EVERY events each
            expected.append(await _write(db, n, EVERY + n))
            await _checkpoint_at(db, expected[-1])
        for n in range(4, 6):  # due by time: too few events, made INTERVAL after the first
            expected.append(await _write(db, n, 1))
            await _checkpoint_at(db, expected[-1])


def test_the_settings_refuse_nonsense() -> None:
    assert Settings.from_env({}).checkpoint_every_events == 10_000
    assert Settings.from_env({}).checkpoint_interval_seconds == 3600
    for name, value in (
        ("RECOTRACK_CHECKPOINT_EVERY_EVENTS", "0"),
        ("RECOTRACK_CHECKPOINT_INTERVAL_SECONDS", "0"),
        ("RECOTRACK_CHECKPOINT_INTERVAL_SECONDS", "soon"),
    ):
        with pytest.raises(ValueError, match=name):
            Settings.from_env({name: value})
