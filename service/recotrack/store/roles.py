"""The service's database role: a login role in the `recotrack_service` group, to which
migration 0007 grants reading everything and appending to the event log (and no more).

Roles belong to the whole cluster, which several databases (and processes) may share: each
step is made only when missing and tolerates a concurrent maker.
"""

from __future__ import annotations

import contextlib
import re
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

from recotrack.store.pool import Connection

SERVICE_GROUP = "recotrack_service"
"""The group role holding the service's privileges (made by migration 0007 when missing)."""

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


async def ensure_service_login(conn: Connection, name: str, password: str | None = None) -> None:
    """Make `name` a login role in the service's group, creating what is missing; needs a
    connection with CREATEROLE. `password`, when given, is set only on creation."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a plain role name: {name!r}")
    await _create_if_missing(conn, SERVICE_GROUP, f"create role {SERVICE_GROUP} nologin")
    secret = "" if password is None else f" password {await _literal(conn, password)}"
    login = f"create role {name} login{secret} in role {SERVICE_GROUP}"
    await _create_if_missing(conn, name, login)
    if not await conn.fetchval("select pg_has_role($1, $2, 'member')", name, SERVICE_GROUP):
        await conn.execute(f"grant {SERVICE_GROUP} to {name}")


async def _create_if_missing(conn: Connection, name: str, statement: str) -> None:
    if await conn.fetchval("select exists (select from pg_roles where rolname = $1)", name):
        return
    # made meanwhile by another process sharing the cluster: as good
    with contextlib.suppress(asyncpg.DuplicateObjectError, asyncpg.UniqueViolationError):
        await conn.execute(statement)


async def _literal(conn: Connection, text: str) -> str:
    quoted: str = await conn.fetchval("select quote_literal($1)", text)
    return quoted


def with_user(url: str, user: str, password: str | None = None) -> str:
    """`url` with another user (and password) in it."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    login = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    return urlunsplit(parts._replace(netloc=f"{login}@{host}"))
