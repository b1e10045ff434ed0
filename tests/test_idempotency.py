"""Idempotency-Key: a retried POST gets the first response, never a second write."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx

from tests import flow
from tests.helpers import Api
from tests.live import serve


async def test_a_retry_replays_the_first_response_and_writes_once(
    api: Api, db: asyncpg.Connection
) -> None:
    rec = await flow.recommendation(api)
    url = f"/v1/recommendations/{rec['id']}/progress"
    body = {"status": "in_progress", "note": "Påbörjat"}
    key = {"Idempotency-Key": "sync-2026-11-26-001"}
    first = await api.call("skatteverket", "POST", url, json=body, headers=key)
    assert first.status_code == 201, first.text
    events = await db.fetchval("select count(*) from event")
    again = await api.call("skatteverket", "POST", url, json=body, headers=key)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert await db.fetchval("select count(*) from progress_report") == 1
    assert await db.fetchval("select count(*) from event") == events

    other = await api.call("skatteverket", "POST", url, json={**body, "note": "Annat"}, headers=key)
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-mismatch")

    # keys are per token: another agency's identical key is its own
    fk = await flow.recommendation(api, "forsakringskassan")
    theirs = await api.call(
        "forsakringskassan",
        "POST",
        f"/v1/recommendations/{fk['id']}/progress",
        json=body,
        headers=key,
    )
    assert theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers


async def test_a_refused_request_is_not_kept(api: Api, db: asyncpg.Connection) -> None:
    rec = await flow.recommendation(api)
    url = f"/v1/recommendations/{rec['id']}/progress"
    key = {"Idempotency-Key": "k-1"}
    bad = await api.call("skatteverket", "POST", url, json={"status": "done"}, headers=key)
    assert bad.status_code == 422
    good = await api.call("skatteverket", "POST", url, json={"status": "done"}, headers=key)
    assert good.status_code == 422
    assert "idempotent-replayed" not in good.headers
    assert await db.fetchval("select count(*) from idempotency_key") == 0


async def test_concurrent_retries_write_once(
    api: Api, live_url: str, db: asyncpg.Connection
) -> None:
    rec = await flow.recommendation(api)
    url = f"/v1/recommendations/{rec['id']}/progress"
    headers = {"Idempotency-Key": "race", "Authorization": f"Bearer {api.tokens['skatteverket']}"}
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as client:
        results = await asyncio.gather(
            *(client.post(url, json={"status": "in_progress"}, headers=headers) for _ in range(8))
        )
        codes = [r.status_code for r in results]
        assert set(codes) <= {201, 409}, codes
        first = [
            r for r in results if r.status_code == 201 and "idempotent-replayed" not in r.headers
        ]
        assert len(first) == 1
        in_progress = [r for r in results if r.status_code == 409]
        assert all(r.json()["type"].endswith("/idempotency-in-progress") for r in in_progress)
        replay = await client.post(url, json={"status": "in_progress"}, headers=headers)
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json()["id"] == first[0].json()["id"]
    assert await db.fetchval("select count(*) from progress_report") == 1


async def test_token_creation_refuses_a_key(api: Api, db: asyncpg.Connection) -> None:
    r = await api.call(
        "secretariat",
        "POST",
        "/v1/tokens",
        json={"role": "auditor", "label": "x"},
        headers={"Idempotency-Key": "t"},
    )
    assert r.status_code == 400
    assert await db.fetchval("select count(*) from token where label = 'x'") == 0


async def test_the_key_holds_across_two_service_processes(api: Api, db: asyncpg.Connection) -> None:
    """Two servers on one database (two apps, two pools): retries spread over both write once."""
    rec = await flow.recommendation(api)
    url = f"/v1/recommendations/{rec['id']}/progress"
    headers = {"Idempotency-Key": "two", "Authorization": f"Bearer {api.tokens['skatteverket']}"}
    async with (
        serve(api.db_url) as one,
        serve(api.db_url) as other,
        httpx.AsyncClient(timeout=30) as client,
    ):
        results = await asyncio.gather(
            *(
                client.post(f"{base}{url}", json={"status": "in_progress"}, headers=headers)
                for base in [one, other] * 5
            )
        )
        assert {r.status_code for r in results} <= {201, 409}
        final = await client.post(f"{other}{url}", json={"status": "in_progress"}, headers=headers)
    assert final.status_code == 201
    assert await db.fetchval("select count(*) from progress_report") == 1
    assert await db.fetchval("select count(*) from event where entity = 'progress_report'") == 1
