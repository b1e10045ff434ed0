"""Plain SQL migrations, forward only: applied in file-name order, each once, recorded."""

from __future__ import annotations

import hashlib
from importlib import resources

from recotrack.store.errors import StoreError
from recotrack.store.pool import Connection
from recotrack.store.roles import SERVICE_GROUP

# Any fixed number: only migrators take this lock, so two replicas starting at once
# apply each migration once.
_LOCK_KEY = 0x7265636F


_PRIVILEGES = (resources.files("recotrack.store") / "privileges.sql").read_text(encoding="utf-8")
"""What the service's role may do: granted again by every run, after the migrations."""


def available() -> list[tuple[str, str]]:
    """(name, sql) of every migration shipped with the package, in order."""
    folder = resources.files("recotrack.store") / "migrations"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(f.name, f.read_text(encoding="utf-8")) for f in files]


async def migrate(conn: Connection) -> list[str]:
    """Apply what has not been applied, then grant the service's role its privileges (anew:
    they cover the tables just added, and come back after a restore without them); return
    the names applied now."""
    applied_now: list[str] = []
    await conn.execute("select pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(
            """
            create table if not exists schema_migration (
                name       text primary key,
                sha256     text not null,
                applied_at timestamptz not null default now()
            )
            """
        )
        done = {
            row["name"]: row["sha256"]
            for row in await conn.fetch("select name, sha256 from schema_migration")
        }
        for name, sql in available():
            digest = hashlib.sha256(sql.encode()).hexdigest()
            if name in done:
                if done[name] != digest:
                    raise RuntimeError(
                        f"migration {name} was changed after it was applied; "
                        "migrations are forward only: add a new file instead"
                    )
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute(
                    "insert into schema_migration (name, sha256) values ($1, $2)", name, digest
                )
            applied_now.append(name)
        async with conn.transaction():
            await conn.execute(_PRIVILEGES)
    finally:
        await conn.execute("select pg_advisory_unlock($1)", _LOCK_KEY)
    return applied_now


class NotMigrated(StoreError):
    """The database lacks migrations that the connected role may not apply."""


async def pending(conn: Connection) -> list[str]:
    """The names of the migrations not applied yet, read without changing anything."""
    names = [name for name, _ in available()]
    if await conn.fetchval("select to_regclass('schema_migration')") is None:
        return names
    done = {row["name"] for row in await conn.fetch("select name from schema_migration")}
    return [name for name in names if name not in done]


async def is_service_role(conn: Connection) -> bool:
    """Whether the connected role is the service's restricted one (in `recotrack_service`, not
    a superuser): it never migrates, only checks."""
    found: bool = await conn.fetchval(
        """
        select exists (select from pg_roles where rolname = $1)
           and pg_has_role(current_user, $1, 'member')
           and not (select rolsuper from pg_roles where rolname = current_user)
        """,
        SERVICE_GROUP,
    )
    return found


async def prepare(conn: Connection) -> list[str]:
    """Bring the schema up to date before the service uses it: migrate as any role but the
    service's own, which only checks that nothing is pending and that it has its privileges
    (saying what to run if not). Returns the names applied now."""
    if not await is_service_role(conn):
        return await migrate(conn)
    granted = await conn.fetchval(
        """
        select coalesce(has_table_privilege(to_regclass('schema_migration'), 'select')
            and has_table_privilege(to_regclass('event'), 'select, insert'), false)
        """
    )
    missing = await pending(conn) if granted else []
    if granted and not missing:
        return []
    user = await conn.fetchval("select current_user")
    problem = (
        f"the database lacks migrations ({', '.join(missing)}), which the service's role {user}"
        " does not apply"
        if missing
        else f"the service's role {user} has no privileges in this database (not migrated yet,"
        " or restored without them)"
    )
    raise NotMigrated(
        f"{problem}: run `recotrack migrate` with RECOTRACK_MIGRATION_DATABASE_URL set to the"
        " owner's URL (deploy/OPERATIONS.md, Database roles)"
    )
