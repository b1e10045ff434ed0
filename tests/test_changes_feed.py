"""The changes feed: commit order, never a miss or a repeat, scoped per agency, long-poll."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import asyncpg
import httpx

from recotrack.domain.vocabulary import Role
from recotrack.store.changes import read_changes
from recotrack.store.pool import connect
from recotrack.store.progress import add_progress
from recotrack_sdk.models import ProgressReportCreate
from tests import flow
from tests.helpers import Api

WRITERS = 8
WRITES_PER_WRITER = 25


async def test_a_follower_sees_every_change_once_in_commit_order_under_concurrent_writers(
    api: Api, db: asyncpg.Connection
) -> None:
    """Writers commit out of the order they started in (each pauses before its commit); a
    follower reading the feed all the while must end up with exactly the event table."""
    recs = [await flow.recommendation(api) for _ in range(WRITERS)]
    start = await db.fetchval("select coalesce(max(seq), 0) from event")
    done = asyncio.Event()
    seen: list[int] = []

    async def writer(n: int) -> None:
        conn = await connect(api.db_url)
        rng = random.Random(n)
        try:
            for i in range(WRITES_PER_WRITER):
                async with conn.transaction():
                    await add_progress(
                        conn,
                        recs[n]["id"],
                        ProgressReportCreate(status="in_progress", note=f"{n}/{i}"),
                        scope=None,
                        role=Role.AGENCY,
                        actor="test",
                    )
                    await conn.execute("select pg_sleep($1)", rng.random() * 0.01)
        finally:
            await conn.close()

    async def follower() -> None:
        conn = await connect(api.db_url)
        position = start
        try:
            while True:
                finished = done.is_set()
                batch = await read_changes(conn, scope=None, after=position, limit=7)
                seen.extend(change.seq for change in batch)
                position = batch[-1].seq if batch else position
                if finished and not batch:
                    return
                await asyncio.sleep(0)
        finally:
            await conn.close()

    following = asyncio.create_task(follower())
    async with asyncio.timeout(60):
        await asyncio.gather(*(writer(n) for n in range(WRITERS)))
        done.set()
        await following

    committed = [
        r["seq"] for r in await db.fetch("select seq from event where seq > $1 order by seq", start)
    ]
    assert len(committed) == WRITERS * WRITES_PER_WRITER
    assert seen == committed


async def test_an_agency_follows_only_its_own_issued_changes(api: Api) -> None:
    draft = await flow.recommendation(api, issued=False)
    own = await flow.recommendation(api)
    other = await flow.recommendation(api, "forsakringskassan")

    async def follow(who: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            params = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
            page = (await api.call(who, "GET", f"/v1/changes{params}")).json()
            assert page["next_cursor"]
            items += page["items"]
            if not page["items"]:
                return items
            cursor = page["next_cursor"]

    theirs = await follow("skatteverket")
    ids = {c["entity_id"] for c in theirs}
    assert own["id"] in ids
    assert draft["id"] not in ids
    assert other["id"] not in ids
    assert {c["agency_id"] for c in theirs} == {"skatteverket"}
    assert all(c["entity"] != "token" for c in theirs)
    everything = await follow("auditor")
    assert {draft["id"], own["id"], other["id"]} <= {c["entity_id"] for c in everything}
    assert [c["seq"] for c in everything] == sorted(c["seq"] for c in everything)


async def test_an_empty_page_keeps_the_cursor_and_a_bad_cursor_is_refused(api: Api) -> None:
    first = (await api.call("auditor", "GET", "/v1/changes")).json()
    cursor = first["next_cursor"]
    again = (await api.call("auditor", "GET", f"/v1/changes?cursor={cursor}")).json()
    assert again == {"items": [], "next_cursor": cursor}
    bad = await api.call("auditor", "GET", "/v1/changes?cursor=bm9wZQ")
    assert bad.status_code == 400
    assert bad.json()["type"].endswith("/invalid-cursor")
    assert (await api.call("auditor", "GET", "/v1/changes?wait=31")).status_code == 400


async def test_a_long_poll_returns_when_a_change_commits(api: Api, live_url: str) -> None:
    auth = {"Authorization": f"Bearer {api.tokens['auditor']}"}
    async with httpx.AsyncClient(base_url=live_url, headers=auth, timeout=30) as client:
        head = (await client.get("/v1/changes", params={"limit": 1000})).json()["next_cursor"]
        waiting = asyncio.create_task(
            client.get("/v1/changes", params={"cursor": head, "wait": 20})
        )
        await asyncio.sleep(0.2)  # let the request start waiting: the write below must wake it
        assert not waiting.done()
        write = await client.post(
            "/v1/investments",
            json={"agency_id": "skatteverket", "title": "Ny e-tjänst"},
            headers={"Authorization": f"Bearer {api.tokens['secretariat']}"},
        )
        assert write.status_code == 201
        async with asyncio.timeout(15):  # well before the 20 s the poll would wait for nothing
            page = (await waiting).json()
    assert [c["entity"] for c in page["items"]] == ["investment"]


async def test_a_long_poll_sleeps_through_changes_its_reader_may_not_see(
    api: Api, live_url: str
) -> None:
    """Every commit wakes the waiting polls; one that the reader may not see (another
    agency's) must not end its wait with an empty page."""
    own = {"Authorization": f"Bearer {api.tokens['skatteverket']}"}
    secretariat = {"Authorization": f"Bearer {api.tokens['secretariat']}"}
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as client:
        head = (await client.get("/v1/changes", headers=own)).json()["next_cursor"]
        waiting = asyncio.create_task(
            client.get("/v1/changes", params={"cursor": head, "wait": 20}, headers=own)
        )
        await asyncio.sleep(0.2)  # let the request start waiting
        theirs = await client.post(
            "/v1/investments",
            json={"agency_id": "forsakringskassan", "title": "Ny e-tjänst"},
            headers=secretariat,
        )
        assert theirs.status_code == 201
        await asyncio.sleep(0.5)  # the notice of that commit has reached the service
        assert not waiting.done(), waiting.result().json()
        mine = await client.post(
            "/v1/investments",
            json={"agency_id": "skatteverket", "title": "Ny e-tjänst"},
            headers=secretariat,
        )
        assert mine.status_code == 201
        async with asyncio.timeout(15):
            page = (await waiting).json()
    assert [(c["entity"], c["agency_id"]) for c in page["items"]] == [
        ("investment", "skatteverket")
    ]
