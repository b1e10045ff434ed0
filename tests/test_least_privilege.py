"""Least privilege: the service's role reads the event log and appends to it, and nothing an
attacker with its password could use to rewrite history: no update, delete or truncate, no
disabling the append-only trigger, no `session_replication_role` (which skips triggers)."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from recotrack.settings import Settings
from recotrack.store.database import Database
from recotrack.store.migrate import NotMigrated, available, migrate
from recotrack.store.roles import SERVICE_GROUP, ensure_service_login
from tests.conftest import SERVICE_ROLE, as_service, with_database
from tests.helpers import RESTRICTED, Api, connection, role_powers

REFUSED = [
    "update event set actor = 'someone else'",
    "delete from event",
    "truncate event",
    "alter table event disable trigger event_no_update_delete",
    "alter table event disable trigger all",
    "set session_replication_role = replica",
    "drop trigger event_no_truncate on event",
    "create table stolen (x int)",
]


@pytest.fixture
async def as_service_role(service_url: str) -> AsyncIterator[asyncpg.Connection]:
    async with connection(service_url) as conn:
        yield conn


@pytest.mark.parametrize("statement", REFUSED)
async def test_the_service_role_may_not_rewrite_history(
    api: Api, as_service_role: asyncpg.Connection, statement: str
) -> None:
    created = await api.call("secretariat", "POST", "/v1/agencies", json=_agency())
    assert created.status_code == 201, created.text  # an event to aim at
    with pytest.raises(asyncpg.InsufficientPrivilegeError) as refused:
        await as_service_role.execute(statement)
    # refused for want of privilege, not stopped by the trigger (which a superuser can skip)
    assert "append-only" not in str(refused.value)
    assert "permission denied" in str(refused.value) or "must be owner" in str(refused.value)


async def test_the_service_role_reads_and_appends_only(
    as_service_role: asyncpg.Connection,
) -> None:
    assert await as_service_role.fetchval("select current_user") == SERVICE_ROLE
    assert await role_powers(as_service_role, SERVICE_ROLE) == RESTRICTED
    owner = await as_service_role.fetchval(
        "select pg_get_userbyid(relowner) from pg_class where oid = 'event'::regclass"
    )
    assert owner != SERVICE_ROLE
    allowed = {
        privilege
        for privilege in ("select", "insert", "update", "delete", "truncate", "references")
        if await as_service_role.fetchval("select has_table_privilege('event', $1)", privilege)
    }
    assert allowed == {"select", "insert"}


async def test_tables_of_later_migrations_are_readable_and_appendable_only(
    db: asyncpg.Connection, as_service_role: asyncpg.Connection
) -> None:
    await db.execute("create table later_table (id bigint generated always as identity, x int)")
    await migrate(db)  # as a later migration would: the privileges follow it
    inserted = await as_service_role.fetchval("insert into later_table (x) values (1) returning id")
    assert inserted == 1
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await as_service_role.execute("update later_table set x = 2")


async def test_the_service_role_checks_and_says_what_to_run(
    server_url: str, service_role: str
) -> None:
    """The service's role applies nothing: on a database nobody migrated, one a migration is
    missing from, or one restored without privileges, it says what to run; the owner's run
    puts it right."""
    name = f"rt_fresh_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'create database "{name}"')
        owner_url = with_database(server_url, name)
        settings = Settings.from_env(
            {"DATABASE_URL": as_service(owner_url), "RECOTRACK_MIGRATION_DATABASE_URL": owner_url}
        )
        assert settings.database_url
        assert settings.migration_database_url
        service = Database(settings.database_url)
        owner = Database(settings.database_url, settings.migration_database_url)

        async def refusal() -> str:
            with pytest.raises(NotMigrated) as refused:
                await service.prepare()
            assert "RECOTRACK_MIGRATION_DATABASE_URL" in refused.value.detail
            assert "recotrack migrate" in refused.value.detail
            return refused.value.detail

        assert "no privileges" in await refusal()
        assert await owner.prepare() == [migration for migration, _ in available()]
        assert await service.prepare() == []

        async with connection(owner_url) as conn:
            last = available()[-1][0]
            await conn.execute("delete from schema_migration where name = $1", last)
            assert f"lacks migrations ({last})" in await refusal()
            await conn.execute(
                "insert into schema_migration (name, sha256) values ($1, $2)",
                last,
                hashlib.sha256(available()[-1][1].encode()).hexdigest(),
            )
            # what `pg_restore --no-acl` leaves
            await conn.execute(f"revoke all on all tables in schema public from {SERVICE_GROUP}")
            assert "no privileges" in await refusal()
        assert await owner.prepare() == []
        assert await service.prepare() == []
    finally:
        await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.close()


async def test_making_the_login_role_tolerates_concurrent_makers(server_url: str) -> None:
    """Roles are the cluster's: several processes may make the same one at once."""
    name = f"rt_login_{uuid.uuid4().hex[:10]}"
    conns = [await asyncpg.connect(server_url) for _ in range(4)]
    try:
        await asyncio.wait_for(
            asyncio.gather(*(ensure_service_login(conn, name) for conn in conns)), 60
        )
        assert await conns[0].fetchval("select pg_has_role($1, $2, 'member')", name, SERVICE_GROUP)
    finally:
        await conns[0].execute(f"drop role if exists {name}")
        for conn in conns:
            await conn.close()


def _agency() -> dict[str, str]:
    return {"id": "lantmateriet", "name": "Lantmäteriet", "org_number": "202100-4888"}
