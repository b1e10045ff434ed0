"""Test helpers: tokens per role, and a client that speaks as one of them."""

from __future__ import annotations

import asyncio
import atexit
import base64
import contextlib
import functools
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar.testing import AsyncTestClient

from recotrack.store.pool import connect
from recotrack.store.roles import SERVICE_GROUP
from recotrack.store.tokens import create_token
from recotrack_sdk.models import Role, TokenCreate

T = TypeVar("T")


async def until(what: str, check: Callable[[], Awaitable[T]], *, seconds: float) -> T:
    """Poll `check` until it answers something truthy, and return that; fail after `seconds`
    (a bounded wait on a condition, never a fixed pause)."""
    deadline = time.monotonic() + seconds
    while not (result := await check()):
        assert time.monotonic() < deadline, f"timed out after {seconds} s waiting for {what}"
        await asyncio.sleep(0.05)
    return result


@functools.cache
def signing_key_file() -> str:
    """A checkpoint signing key for this test process (RECOTRACK_SIGNING_KEY_FILE), so that
    no test makes one in the user's data directory."""
    folder = Path(tempfile.mkdtemp(prefix="recotrack-key-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "signing-key.pem"
    path.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    return str(path)


@functools.cache
def secrets_key_file() -> str:
    """A webhook secrets key for this test process (RECOTRACK_SECRETS_KEY_FILE), so that no
    test makes one in the user's data directory; the same for every app and process a test
    starts, so that what one seals another opens (the delivery worker's processes)."""
    folder = Path(tempfile.mkdtemp(prefix="recotrack-key-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "secrets.key"
    path.write_bytes(base64.b64encode(os.urandom(32)) + b"\n")
    path.chmod(0o600)
    return str(path)


AGENCIES = {
    "skatteverket": ("Skatteverket", "202100-5448"),
    "forsakringskassan": ("Försäkringskassan", "202100-5521"),
}


RESTRICTED = {
    "login": True,
    "superuser": False,
    "createrole": False,
    "createdb": False,
    "bypassrls": False,
    "in_service_group": True,
}
"""The powers of the service's login role: none beyond its group's privileges."""


async def role_powers(conn: asyncpg.Connection, name: str) -> dict[str, bool]:
    """What role `name` may do beyond its privileges (compare with RESTRICTED)."""
    row = await conn.fetchrow(
        """
        select rolcanlogin as login, rolsuper as superuser, rolcreaterole as createrole,
               rolcreatedb as createdb, rolbypassrls as bypassrls,
               pg_has_role(rolname, $2, 'member') as in_service_group
        from pg_roles where rolname = $1
        """,
        name,
        SERVICE_GROUP,
    )
    assert row is not None, f"no role {name}"
    return dict(row)


@contextlib.asynccontextmanager
async def connection(url: str) -> AsyncIterator[asyncpg.Connection]:
    """One connection to `url`, closed afterwards."""
    conn = await connect(url)
    try:
        yield conn
    finally:
        await conn.close()


async def seed_tokens(db_url: str) -> dict[str, str]:
    """A token per role, and the two agencies each with an agency token (by agency id)."""
    conn = await connect(db_url)
    tokens: dict[str, str] = {}
    try:
        roles: tuple[Role, ...] = ("secretariat", "auditor")
        for role in roles:
            created = await create_token(
                conn, TokenCreate(role=role, label=f"test {role}"), actor="test"
            )
            tokens[role] = created.token
        for agency_id, (name, org_number) in AGENCIES.items():
            await conn.execute(
                "insert into agency (id, name, org_number) values ($1, $2, $3)",
                agency_id,
                name,
                org_number,
            )
            created = await create_token(
                conn,
                TokenCreate(role="agency", agency_id=agency_id, label=agency_id),
                actor="test",
            )
            tokens[agency_id] = created.token
    finally:
        await conn.close()
    return tokens


EVERY_ROUTE = {"RECOTRACK_PUBLIC_CATALOGUE": "true", "RECOTRACK_PUBLIC_RATE_LIMIT": "0"}
"""The app under test serves every operation of its contract, the public catalogue's too
(without its limit, which its own test sets)."""


class Api:
    """The app under test, with a token for each role and for two agencies."""

    def __init__(self, client: AsyncTestClient[Any], db_url: str, tokens: dict[str, str]) -> None:
        self.client = client
        self.db_url = db_url
        self.tokens = tokens

    @classmethod
    async def start(cls, client: AsyncTestClient[Any], db_url: str) -> Api:
        return cls(client, db_url, await seed_tokens(db_url))

    async def call(
        self,
        who: str,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        all_headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who in self.tokens else {}
        all_headers.update(headers or {})
        return await self.client.request(
            method, url, json=json, headers=all_headers, content=content, params=params
        )
