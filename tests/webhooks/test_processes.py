"""The worker's progress is in PostgreSQL: a restart goes on where it stopped; two
`recotrack worker` processes on one database send every change to every subscription
exactly once while both run, and after one is killed (SIGKILL) nothing is lost; `recotrack
serve` runs the worker too."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import msgspec

from recotrack.store import events
from tests.conftest import as_service
from tests.helpers import Api, connection, secrets_key_file, signing_key_file, until
from tests.live import serve
from tests.webhooks.support import WAIT_SECONDS, Receiver, subscribe, worker

START_SECONDS = 60.0


class _Note(msgspec.Struct):
    n: int


async def _write(db: asyncpg.Connection, first: int, count: int) -> list[int]:
    """`count` changes, one commit each: their seqs."""
    for n in range(first, first + count):
        async with db.transaction():
            await events.record_many(
                db,
                actor="test:processes",
                agency_id=None,
                entity="note",
                action="noted",
                rows=[(str(n), None, _Note(n=n), None)],
            )
    rows = await db.fetch(
        "select seq from event where entity = 'note' order by seq desc limit $1", count
    )
    return sorted(r["seq"] for r in rows)


async def _all_arrived(rx: Receiver, paths: list[str], seqs: list[int]) -> None:
    async def arrived() -> bool:
        return all(set(seqs) <= set(rx.seqs(p)) for p in paths)

    await until(f"{len(seqs)} changes at {len(paths)} receivers", arrived, seconds=WAIT_SECONDS)


async def test_a_restarted_worker_goes_on_where_it_stopped(api: Api) -> None:
    with Receiver().running() as rx:
        await subscribe(api, "secretariat", rx.url("/all"))
        async with connection(api.db_url) as db:
            async with worker(api):
                before = await _write(db, 0, 20)
                await _all_arrived(rx, ["/all"], before)
            after = await _write(db, 20, 20)  # while no worker runs
            async with worker(api):
                await _all_arrived(rx, ["/all"], after)
    notes = [s for s in rx.seqs("/all") if s >= before[0]]
    assert notes == before + after  # each once, in order


@contextlib.contextmanager
def worker_processes(
    db_url: str, folder: Path, count: int
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` `recotrack worker` processes on `db_url`, each running once this yields."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("RECOTRACK_")}
    environment.update(
        DATABASE_URL=db_url,
        RECOTRACK_LOG_FORMAT="json",
        RECOTRACK_LOG_LEVEL="info",
        RECOTRACK_SIGNING_KEY_FILE=signing_key_file(),
        RECOTRACK_SECRETS_KEY_FILE=secrets_key_file(),
        RECOTRACK_WEBHOOK_ALLOW_PRIVATE="true",
        RECOTRACK_WEBHOOK_RETRY_SCHEDULE="0.1,0.2,0.5,1,2",
    )
    logs = [folder / f"worker-{n}.log" for n in range(count)]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for log in logs:
            with log.open("ab") as out:
                processes.append(
                    subprocess.Popen(
                        [Path(sys.executable).with_name("recotrack"), "worker"],
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        env=environment,
                    )
                )
        for process, log in zip(processes, logs, strict=True):
            _running(process, log)
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(START_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _running(process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"the worker did not start:\n{log.read_text()}"
        if any(_event(line) == "worker running" for line in log.read_text().splitlines()):
            return
        time.sleep(0.05)  # between looks at the log, until the deadline above


def _event(line: str) -> str | None:
    """The event a log line names; None for what is not (yet, if still being written) one."""
    try:
        parsed = json.loads(line)
    except json.JSONDecodeError:
        return None
    return parsed.get("event") if isinstance(parsed, dict) else None


async def test_two_worker_processes_send_each_change_once_and_lose_none_when_one_dies(
    api: Api, tmp_path: Path
) -> None:
    paths = [f"/s{n}" for n in range(5)]
    with Receiver().running() as rx:
        for path in paths:
            await subscribe(api, "secretariat", rx.url(path))
        async with connection(api.db_url) as db:
            with worker_processes(as_service(api.db_url), tmp_path, 2) as (doomed, survivor):
                first = await _write(db, 0, 150)
                await _all_arrived(rx, paths, first)
                for path in paths:  # while both ran: each exactly once, in order
                    ids = Counter(r.message_id for r in rx.at(path))
                    assert set(ids.values()) == {1}, path
                    notes = [s for s in rx.seqs(path) if s >= first[0]]
                    assert notes == first, path

                more = await _write(db, 150, 50)
                doomed.send_signal(signal.SIGKILL)  # whatever it held goes to the other
                doomed.wait(START_SECONDS)
                rest = await _write(db, 200, 50)
                await _all_arrived(rx, paths, more + rest)
                for path in paths:  # nothing lost; a run cut off may come again, in order
                    notes = [s for s in rx.seqs(path) if s >= first[0]]
                    assert set(notes) == set(first + more + rest), path
                    firsts = list(dict.fromkeys(notes))
                    assert firsts == sorted(firsts), path
                survivor.terminate()  # a clean stop
                assert survivor.wait(START_SECONDS) == 0
        log = (tmp_path / "worker-1.log").read_text()
        assert '"event": "stopped"' in log


async def test_serve_runs_the_worker(api: Api, service_url: str) -> None:
    with Receiver().running() as rx:
        await subscribe(api, "secretariat", rx.url("/all"))
        env = {"RECOTRACK_WORKER": "true", "RECOTRACK_WEBHOOK_ALLOW_PRIVATE": "true"}
        async with serve(service_url, env=env), connection(api.db_url) as db:
            seqs = await _write(db, 0, 5)
            await _all_arrived(rx, ["/all"], seqs)
