"""Token lookups are cached per process, yet a revocation stops the token everywhere."""

from __future__ import annotations

import asyncio
import time

import httpx

from recotrack.api.auth import PrincipalCache
from recotrack.domain.access import Principal
from recotrack.domain.vocabulary import Role
from tests.helpers import Api
from tests.live import serve

NOTICE_SECONDS = 10.0  # bound on waiting for PostgreSQL's notification to arrive


def test_the_cache_keeps_for_its_ttl_and_only_while_trusted() -> None:
    trusted = True
    cache = PrincipalCache(ttl=60, trusted=lambda: trusted)
    who = Principal(token_id="t", role=Role.AUDITOR, agency_id=None)
    cache.put(b"k", who)
    assert cache.get(b"k") is who
    trusted = False  # the notification channel is down: every request looks its token up
    assert cache.get(b"k") is None
    cache.put(b"other", who)
    trusted = True
    assert cache.get(b"other") is None
    cache.clear()
    assert cache.get(b"k") is None
    assert PrincipalCache(ttl=0, trusted=lambda: True).get(b"k") is None
    expired = PrincipalCache(ttl=1e-9, trusted=lambda: True)
    expired.put(b"k", who)
    time.sleep(0.001)
    assert expired.get(b"k") is None


async def test_a_revocation_through_one_process_stops_the_token_in_another(api: Api) -> None:
    created = await api.call(
        "secretariat", "POST", "/v1/tokens", json={"role": "auditor", "label": "cached"}
    )
    token = created.json()
    auth = {"Authorization": f"Bearer {token['token']}"}
    secretariat = {"Authorization": f"Bearer {api.tokens['secretariat']}"}
    async with (
        serve(api.db_url) as one,
        serve(api.db_url) as other,
        httpx.AsyncClient(timeout=10) as client,
    ):
        for url in (one, other):  # the token is known, and cached, in both
            for _ in range(2):
                assert (await client.get(f"{url}/v1/agencies", headers=auth)).status_code == 200
        revoked = await client.delete(f"{one}/v1/tokens/{token['id']}", headers=secretariat)
        assert revoked.status_code == 200, revoked.text
        # The revoking process: at once.
        assert (await client.get(f"{one}/v1/agencies", headers=auth)).status_code == 401
        # The other: as soon as PostgreSQL's notification reaches it.
        deadline = time.monotonic() + NOTICE_SECONDS
        while (await client.get(f"{other}/v1/agencies", headers=auth)).status_code != 401:
            assert time.monotonic() < deadline, "the other process still accepts the token"
            await asyncio.sleep(0.02)
