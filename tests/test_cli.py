"""The `recotrack` command, run as the installed console script against the test database."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from recotrack import __version__
from recotrack.store.migrate import available
from tests.conftest import with_database
from tests.helpers import Api

RECOTRACK = Path(sys.executable).with_name("recotrack")
TIMEOUT_SECONDS = 60


@dataclass
class Ran:
    status: int
    stdout: str
    stderr: str


async def recotrack(
    *args: str, database: str | None, data_dir: Path | None = None, **settings: str
) -> Ran:
    """Run `recotrack ARGS` with `DATABASE_URL=database` (unset when None); bounded in time."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "RECOTRACK_"))}
    env["RECOTRACK_LOG_LEVEL"] = "warning"
    env.update(settings)
    if database is not None:
        env["DATABASE_URL"] = database
    if data_dir is not None:
        env["RECOTRACK_DATA_DIR"] = str(data_dir)
    proc = await asyncio.create_subprocess_exec(
        RECOTRACK,
        *args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            stdout, stderr = await proc.communicate()
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return Ran(proc.returncode, stdout.decode(), stderr.decode())


async def token_count(db_url: str) -> int:
    conn = await asyncpg.connect(db_url)
    try:
        count: int = await conn.fetchval("select count(*) from token")
        return count
    finally:
        await conn.close()


@pytest.fixture
async def empty_db_url(server_url: str) -> AsyncIterator[str]:
    """A database with nothing in it, not even the migrations table."""
    name = f"rt_cli_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'create database "{name}"')
        yield with_database(server_url, name)
        await admin.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await admin.close()


async def test_version() -> None:
    ran = await recotrack("--version", database=None)
    assert (ran.status, ran.stdout) == (0, f"recotrack {__version__}\n")


async def test_token_create_prints_only_the_token_and_it_authenticates(api: Api) -> None:
    ran = await recotrack("token", "create", "--role", "secretariat", database=api.db_url)
    assert ran.status == 0, ran.stderr
    assert ran.stdout.count("\n") == 1
    assert ran.stdout.endswith("\n")
    token = ran.stdout.strip()
    assert token.startswith("rt_")
    assert token not in ran.stderr

    response = await api.client.get("/v1/agencies", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert {a["id"] for a in response.json()["items"]} == {"skatteverket", "forsakringskassan"}


async def test_an_agency_token_sees_its_own_agency_only(api: Api) -> None:
    ran = await recotrack(
        *("token", "create", "--role", "agency", "--agency", "skatteverket"),
        *("--label", "portfolio sync"),
        database=api.db_url,
    )
    assert ran.status == 0, ran.stderr
    token = ran.stdout.strip()

    response = await api.client.get("/v1/agencies", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert [a["id"] for a in response.json()["items"]] == ["skatteverket"]


async def test_token_list_shows_no_secrets_and_revoke_stops_a_token(api: Api) -> None:
    created = await recotrack(
        "token", "create", "--role", "auditor", "--label", "annual audit", database=api.db_url
    )
    token = created.stdout.strip()

    listed = await recotrack("token", "list", database=api.db_url)
    assert listed.status == 0, listed.stderr
    assert token not in listed.stdout
    assert not any(secret in listed.stdout for secret in api.tokens.values())
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["ID", "ROLE", "AGENCY", "CREATED", "REVOKED", "LABEL"]
    audit_rows = [row.split() for row in rows if row.endswith("annual audit")]
    assert len(audit_rows) == 1
    token_id, role, agency, _created, revoked = audit_rows[0][:5]
    assert (role, agency, revoked) == ("auditor", "-", "-")

    revoked_run = await recotrack("token", "revoke", token_id, database=api.db_url)
    assert revoked_run.status == 0, revoked_run.stderr
    assert token_id in revoked_run.stdout

    response = await api.client.get("/v1/agencies", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    relisted = await recotrack("token", "list", database=api.db_url)
    row = next(r.split() for r in relisted.stdout.splitlines() if r.startswith(token_id))
    assert row[4] != "-"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "bogus"], "invalid choice: 'bogus'"),
        (["--role", "agency"], "--agency ID is required with --role agency"),
        (["--role", "agency", "--agency", "no-such-agency"], "no agency 'no-such-agency'"),
        (["--role", "secretariat", "--agency", "skatteverket"], "--agency is only for --role"),
        (["--role", "agency", "--agency", "Not A Slug"], "--agency must be an agency id"),
        (["--role", "auditor", "--label", ""], "--label must be 1 to 200 characters"),
        ([], "the following arguments are required: --role"),
    ],
)
async def test_token_create_refuses_bad_input(db_url: str, args: list[str], message: str) -> None:
    ran = await recotrack("token", "create", *args, database=db_url)
    assert ran.status == 2
    assert ran.stdout == ""
    assert ran.stderr.count("\n") == 1, ran.stderr
    assert message in ran.stderr
    assert "Traceback" not in ran.stderr
    assert await token_count(db_url) == 0


async def test_token_revoke_of_an_unknown_token_is_an_error(db_url: str) -> None:
    ran = await recotrack("token", "revoke", str(uuid.uuid4()), database=db_url)
    assert ran.status == 2
    assert ran.stderr.startswith("recotrack: error: no token")
    assert ran.stderr.count("\n") == 1


async def test_migrate_applies_each_migration_once(empty_db_url: str) -> None:
    first = await recotrack("migrate", database=empty_db_url)
    assert first.status == 0, first.stderr
    assert first.stdout.splitlines() == [name for name, _ in available()]

    again = await recotrack("migrate", database=empty_db_url)
    assert (again.status, again.stdout) == (0, "up to date\n")


async def test_an_unreachable_database_is_one_line_and_status_1() -> None:
    ran = await recotrack("migrate", database="postgresql://nobody@127.0.0.1:1/none")
    assert ran.status == 1
    assert ran.stderr.startswith("recotrack: error:")
    assert ran.stderr.count("\n") == 1
    assert "Traceback" not in ran.stderr


async def test_openapi_writes_the_document(tmp_path: Path) -> None:
    target = tmp_path / "openapi" / "openapi.json"
    ran = await recotrack("openapi", "--output", str(target), database=None, data_dir=tmp_path)
    assert ran.status == 0, ran.stderr
    text = target.read_text(encoding="utf-8")
    document = json.loads(text)
    assert "/v1/agencies" in document["paths"]
    assert document["info"]["version"] == __version__
    assert text == json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert not (tmp_path / "pg").exists()  # no database was started for it

    printed = await recotrack("openapi", database=None, data_dir=tmp_path)
    assert printed.stdout == text


async def test_bad_settings_are_one_line_and_status_2(tmp_path: Path) -> None:
    ran = await recotrack("migrate", database=None, data_dir=tmp_path, RECOTRACK_PORT="eighty")
    assert ran.status == 2
    assert ran.stdout == ""
    assert ran.stderr == "recotrack: error: RECOTRACK_PORT must be a whole number, not 'eighty'\n"


async def test_demo_loads_once(db_url: str) -> None:
    first = await recotrack("demo", database=db_url)
    assert first.status == 0, first.stderr
    assert first.stdout.startswith("demo data loaded: 10 agencies")
    assert first.stdout.count("\n") == 1

    again = await recotrack("demo", database=db_url)
    assert again.status == 0, again.stderr
    assert again.stdout.startswith("demo data already there: 10 agencies")
