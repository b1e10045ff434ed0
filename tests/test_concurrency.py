"""Optimistic concurrency under real concurrency: two callers, one version, one winner.

Litestar's test client runs each request to its end before the next one starts (it blocks
the event loop while the app runs in a portal thread), so it cannot race. These tests run
the app in uvicorn on a loopback port, in a thread of its own, and send the two requests
from two separate `httpx.AsyncClient`s (two connections, two pooled database connections).

Each race is run in two ways, in a bounded loop:

- free: both requests are sent at once, and PostgreSQL sorts them out;
- held: the test holds the recommendation's row lock until both requests are inside their
  transactions, waiting for it (seen in `pg_stat_activity`), then lets go. Both have read
  nothing yet that the other wrote: only the lock and the version check stand between them.

Either way exactly one wins, the other is refused, and the event log shows one change.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Coroutine, Sequence
from typing import Any

import asyncpg
import httpx
import pytest

from tests import flow
from tests.helpers import Api
from tests.live import serve

ROUNDS = 20


# --- the service on a loopback port ------------------------------------------------------


@pytest.fixture
async def base_url(api: Api) -> AsyncIterator[str]:
    """The service, served by uvicorn on 127.0.0.1, on the test's database."""
    async with serve(api.db_url) as url:
        yield url


@contextlib.asynccontextmanager
async def two_clients(base_url: str, *tokens: str) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One client per token, each with its own connections."""
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=base_url,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                )
            )
            for token in tokens
        ]
        yield clients


async def second_token(api: Api, role: str, agency: str | None = None) -> str:
    body: dict[str, Any] = {"role": role, "label": f"second {role}"}
    if agency is not None:
        body["agency_id"] = agency
    r = await api.call("secretariat", "POST", "/v1/tokens", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["token"])


# --- racing --------------------------------------------------------------------------------


async def race(
    db: asyncpg.Connection,
    recommendation_id: str,
    first: Coroutine[Any, Any, httpx.Response],
    second: Coroutine[Any, Any, httpx.Response],
    *,
    hold: bool,
) -> tuple[httpx.Response, httpx.Response]:
    """Send both requests at once; with `hold`, only after both wait on the row lock."""
    if not hold:
        a, b = await asyncio.gather(first, second)
        return a, b
    tx = db.transaction()
    await tx.start()
    try:
        await db.execute(
            "select 1 from recommendation where id = $1::uuid for update", recommendation_id
        )
    except BaseException:
        first.close()
        second.close()
        await tx.rollback()
        raise
    tasks = [asyncio.ensure_future(first), asyncio.ensure_future(second)]
    try:
        await wait_for_lock_waiters(db, 2, tasks)
    finally:
        await tx.rollback()
        a, b = await asyncio.gather(*tasks)
    return a, b


async def wait_for_lock_waiters(
    db: asyncpg.Connection, count: int, tasks: Sequence[asyncio.Future[httpx.Response]]
) -> None:
    deadline = time.monotonic() + 10
    while True:
        # `db` is in the transaction that holds the lock, and PostgreSQL keeps one snapshot of
        # pg_stat_activity per transaction: without a fresh one each time, a request that got
        # to the lock after the first look is never seen (it was, on a loaded machine)
        await db.execute("select pg_stat_clear_snapshot()")
        waiting = await db.fetchval(
            """
            select count(*) from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'
              and pid <> pg_backend_pid()
            """
        )
        if waiting >= count:
            return
        for task in tasks:
            if task.done():  # answered without waiting for the lock: show what it said
                response = task.result()
                raise AssertionError(
                    f"a request finished while the row was locked: "
                    f"{response.status_code} {response.text}"
                )
        assert time.monotonic() < deadline, f"only {waiting} of {count} requests reached the lock"
        await asyncio.sleep(0.01)


async def events(db: asyncpg.Connection, entity: str, entity_id: str) -> list[asyncpg.Record]:
    return list(
        await db.fetch(
            "select action, version, data from event where entity = $1 and entity_id = $2 "
            "order by seq",
            entity,
            entity_id,
        )
    )


def winner_and_loser(
    a: httpx.Response, b: httpx.Response, won: int, lost: int
) -> tuple[httpx.Response, httpx.Response]:
    statuses = sorted([a.status_code, b.status_code])
    assert statuses == sorted([won, lost]), f"{a.status_code} {a.text} / {b.status_code} {b.text}"
    return (a, b) if a.status_code == won else (b, a)


# --- PATCH a recommendation ----------------------------------------------------------------


@pytest.mark.parametrize("hold", [False, True], ids=["free", "held"])
async def test_two_secretaries_patch_one_recommendation_one_wins(
    api: Api, db: asyncpg.Connection, base_url: str, hold: bool
) -> None:
    rec = await flow.recommendation(api)
    url = f"/v1/recommendations/{rec['id']}"
    tokens = (api.tokens["secretariat"], await second_token(api, "secretariat"))
    async with two_clients(base_url, *tokens) as (one, two):
        for round_ in range(ROUNDS):
            current = await one.get(url)
            etag, version = current.headers["etag"], current.json()["version"]
            before = await events(db, "recommendation", rec["id"])

            a, b = await race(
                db,
                rec["id"],
                one.patch(url, json={"title": f"Ett {round_}"}, headers={"If-Match": etag}),
                two.patch(url, json={"title": f"Två {round_}"}, headers={"If-Match": etag}),
                hold=hold,
            )

            won, lost = winner_and_loser(a, b, 200, 412)
            assert won.json()["version"] == version + 1
            assert won.headers["etag"] == f'"{version + 1}"'
            assert lost.json()["type"].endswith("/precondition-failed")
            assert lost.headers["etag"] == won.headers["etag"]  # the version to read again
            after = await events(db, "recommendation", rec["id"])
            new = after[len(before) :]
            assert [(e["action"], e["version"]) for e in new] == [("updated", version + 1)]
            stored = await db.fetchrow(
                "select title, version from recommendation where id = $1::uuid", rec["id"]
            )
            assert stored is not None
            assert (stored["title"], stored["version"]) == (won.json()["title"], version + 1)


# --- PUT the agency's response -------------------------------------------------------------


def _response(by: str) -> dict[str, Any]:
    return {"decision": "accepted", "responded_by": by, "planned_actions": [f"Åtgärd av {by}"]}


@pytest.mark.parametrize("hold", [False, True], ids=["free", "held"])
async def test_two_agency_clients_change_one_response_one_wins(
    api: Api, db: asyncpg.Connection, base_url: str, hold: bool
) -> None:
    rec = await flow.recommendation(api)
    url = f"/v1/recommendations/{rec['id']}/response"
    first = await api.call("skatteverket", "PUT", url, json=_response("Registrator"))
    assert first.status_code == 201, first.text
    tokens = (api.tokens["skatteverket"], await second_token(api, "agency", "skatteverket"))
    async with two_clients(base_url, *tokens) as (one, two):
        for round_ in range(ROUNDS):
            current = await one.get(url)
            etag, version = current.headers["etag"], current.json()["version"]
            before = await events(db, "response", rec["id"])

            a, b = await race(
                db,
                rec["id"],
                one.put(url, json=_response(f"Ett {round_}"), headers={"If-Match": etag}),
                two.put(url, json=_response(f"Två {round_}"), headers={"If-Match": etag}),
                hold=hold,
            )

            won, lost = winner_and_loser(a, b, 200, 412)
            assert won.json()["version"] == version + 1
            assert lost.json()["type"].endswith("/precondition-failed")
            after = await events(db, "response", rec["id"])
            new = after[len(before) :]
            assert [(e["action"], e["version"]) for e in new] == [("updated", version + 1)]
            stored = (await one.get(url)).json()
            assert stored["responded_by"] == won.json()["responded_by"]
            assert stored["version"] == version + 1


@pytest.mark.parametrize("hold", [False, True], ids=["free", "held"])
async def test_two_first_responses_one_creates_the_other_must_read_it_first(
    api: Api, db: asyncpg.Connection, base_url: str, hold: bool
) -> None:
    """Both send no `If-Match` (there is nothing to match yet). The second to get the lock
    finds a response: changing an existing one needs `If-Match`, so 428, exactly as when it
    comes a second later; the first response is not overwritten unseen."""
    tokens = (api.tokens["skatteverket"], await second_token(api, "agency", "skatteverket"))
    async with two_clients(base_url, *tokens) as (one, two):
        for round_ in range(ROUNDS):
            rec = await flow.recommendation(api)
            url = f"/v1/recommendations/{rec['id']}/response"

            a, b = await race(
                db,
                rec["id"],
                one.put(url, json=_response(f"Ett {round_}")),
                two.put(url, json=_response(f"Två {round_}")),
                hold=hold,
            )

            won, lost = winner_and_loser(a, b, 201, 428)
            assert lost.json()["type"].endswith("/precondition-required")
            assert [e["action"] for e in await events(db, "response", rec["id"])] == ["created"]
            assert (await one.get(url)).json()["responded_by"] == won.json()["responded_by"]


# --- PUT the first closure -----------------------------------------------------------------


@pytest.mark.parametrize("hold", [False, True], ids=["free", "held"])
async def test_two_first_closures_one_closes_the_other_must_read_it_first(
    api: Api, db: asyncpg.Connection, base_url: str, hold: bool
) -> None:
    """Two secretaries close the same recommendation at once, neither with `If-Match`.

    The one that gets the lock second finds a closure. DESIGN: a change to an existing
    resource needs `If-Match`, 428 without it (412 is for an `If-Match` that no longer
    matches; 409 for a transition the state forbids, but amending a closure is allowed).
    So 428, the same answer as for a second `PUT` a minute later, and the first closure
    is neither overwritten nor "amended" by a caller who never saw it.
    """
    tokens = (api.tokens["secretariat"], await second_token(api, "secretariat"))
    async with two_clients(base_url, *tokens) as (one, two):
        for _ in range(ROUNDS):
            rec = await flow.recommendation(api)
            url = f"/v1/recommendations/{rec['id']}/closure"

            a, b = await race(
                db,
                rec["id"],
                one.put(url, json={"outcome": "implemented", "note": "Ett"}),
                two.put(url, json={"outcome": "withdrawn", "note": "Två"}),
                hold=hold,
            )

            won, lost = winner_and_loser(a, b, 201, 428)
            assert lost.json()["type"].endswith("/precondition-required")
            assert [
                (e["action"], e["version"]) for e in await events(db, "closure", rec["id"])
            ] == [("closed", 1)]
            closure = (await one.get(url)).json()
            assert (closure["outcome"], closure["version"]) == (won.json()["outcome"], 1)
