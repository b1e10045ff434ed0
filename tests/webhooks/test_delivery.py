"""Deliveries as a receiver gets them: signed (Standard Webhooks, verified with the SDK and
the secret shown at creation), each change as the feed has it, in the feed's order, and only
what the subscription's agency may read on `/v1/changes`."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import msgspec

from recotrack.store import events
from recotrack.store.pool import connect
from recotrack_sdk.models import Change
from recotrack_sdk.webhooks import verify
from tests import flow
from tests.helpers import Api, connection, until
from tests.webhooks.support import (
    WAIT_SECONDS,
    Receiver,
    received_count,
    subscribe,
    worker,
)


class _Note(msgspec.Struct):
    n: int


async def position_of(db: asyncpg.Connection, webhook_id: str) -> int:
    position: int = await db.fetchval("select position from webhook where id = $1", webhook_id)
    return position


async def caught_up(db: asyncpg.Connection, webhook_id: str) -> None:
    """Until the subscription has been sent (or has skipped) everything in the log."""

    async def done() -> bool:
        head = await db.fetchval("select max(seq) from event")
        return bool(await position_of(db, webhook_id) == head)

    await until("the worker to reach the head of the log", done, seconds=WAIT_SECONDS)


async def feed(api: Api, who: str, after: int) -> list[dict[str, Any]]:
    r = await api.call(who, "GET", "/v1/changes", params={"limit": 1000})
    assert r.status_code == 200, r.text
    return [c for c in r.json()["items"] if c["seq"] > after]


async def test_a_delivery_is_signed_and_holds_the_change_as_the_feed_has_it(api: Api) -> None:
    with Receiver().running() as rx:
        hook = await subscribe(api, "skatteverket", rx.url("/skv"))
        async with connection(api.db_url) as db:
            start = await position_of(db, hook["id"])
            async with worker(api):
                await flow.recommendation(api)
                await caught_up(db, hook["id"])
        expected = await feed(api, "skatteverket", start)
        assert expected, "the agency's feed has the new recommendation"
        got = rx.at("/skv")
        assert [r.json["data"] for r in got] == expected  # exactly as the feed encodes it
        for r in got:
            delivery = verify(r.headers, r.body, hook["secret"])
            assert delivery.data == msgspec.convert(r.json["data"], Change)
            assert (
                r.json["type"]
                == delivery.data.type
                == r.json["data"]["entity"] + "." + (r.json["data"]["action"])
            )
            assert set(r.json) == {"type", "timestamp", "data"}
            assert r.message_id == f"msg_{delivery.data.seq}"
            assert r.headers["content-type"] == "application/json"
            assert r.headers["webhook-signature"].startswith("v1,")
            assert " " not in r.headers["webhook-signature"]  # one secret, one signature
            assert abs(int(r.headers["webhook-timestamp"]) - delivery.timestamp.timestamp()) < 1


async def test_changes_arrive_in_the_feeds_order_each_once(api: Api) -> None:
    """Writers in five connections at once commit in some order; the receiver gets exactly
    the feed, in its order."""

    async def writer(n: int) -> None:
        conn = await connect(api.db_url)
        try:
            for k in range(10):
                async with conn.transaction():
                    await events.record_many(
                        conn,
                        actor="test:order",
                        agency_id=None,
                        entity="note",
                        action="noted",
                        rows=[(f"{n}-{k}-{j}", None, _Note(n=j), None) for j in range(k % 3 + 1)],
                    )
        finally:
            await conn.close()

    with Receiver().running() as rx:
        hook = await subscribe(api, "secretariat", rx.url("/all"))
        async with connection(api.db_url) as db:
            start = await position_of(db, hook["id"])
            async with worker(api):
                await asyncio.gather(*(writer(n) for n in range(5)))
                await caught_up(db, hook["id"])
        expected = [c["seq"] for c in await feed(api, "secretariat", start)]
        assert len(expected) >= 5 * 19  # the notes (and the subscription's own event)
        assert rx.seqs("/all") == expected
        assert len({r.message_id for r in rx.at("/all")}) == len(expected)


async def test_an_agency_receives_what_it_reads_on_the_feed_and_nothing_else(api: Api) -> None:
    with Receiver().running() as rx:
        every = await subscribe(api, "skatteverket", rx.url("/skv"))
        issued_only = await subscribe(
            api, "skatteverket", rx.url("/skv-issued"), events=["recommendation.issued"]
        )
        other = await subscribe(api, "forsakringskassan", rx.url("/fk"))
        async with connection(api.db_url) as db:
            start = await position_of(db, every["id"])
            async with worker(api):
                theirs = await flow.recommendation(api, "forsakringskassan")
                draft = await flow.recommendation(api, issued=False)
                ours = await flow.recommendation(api)
                r = await api.call(
                    "secretariat",
                    "PATCH",
                    f"/v1/recommendations/{draft['id']}",
                    json={"title": "Fortfarande ett utkast"},
                    headers={"If-Match": f'"{draft["version"]}"'},
                )
                assert r.status_code == 200, r.text
                for hook in (every, issued_only, other):
                    await caught_up(db, hook["id"])
        ours_feed = await feed(api, "skatteverket", start)
        assert [r.json["data"] for r in rx.at("/skv")] == ours_feed
        assert {r.json["data"]["agency_id"] for r in rx.at("/skv")} == {"skatteverket"}
        delivered_ids = {r.json["data"]["entity_id"] for r in rx.at("/skv")}
        assert ours["id"] in delivered_ids
        assert draft["id"] not in delivered_ids
        assert theirs["id"] not in delivered_ids
        assert [r.json["data"] for r in rx.at("/skv-issued")] == [
            c for c in ours_feed if c["entity"] == "recommendation" and c["action"] == "issued"
        ]
        assert {r.json["data"]["agency_id"] for r in rx.at("/fk")} == {"forsakringskassan"}
        assert theirs["id"] in {r.json["data"]["entity_id"] for r in rx.at("/fk")}


async def test_after_a_rotation_both_secrets_sign(api: Api) -> None:
    with Receiver().running() as rx:
        hook = await subscribe(api, "skatteverket", rx.url("/skv"))
        rotate = f"/v1/webhooks/{hook['id']}/rotate-secret"
        r = await api.call("skatteverket", "POST", rotate, json={})
        assert r.status_code == 200, r.text
        new = r.json()["secret"]
        async with worker(api):
            await flow.recommendation(api)
            (got, *_) = await received_count(rx, "/skv", 1)
    signatures = got.headers["webhook-signature"].split(" ")
    assert len(signatures) == 2
    assert all(s.startswith("v1,") for s in signatures)
    for secret in (hook["secret"], new):
        assert verify(got.headers, got.body, secret).data.seq == got.seq
    # each signature by its own secret
    for signature, secret in zip(signatures, (new, hook["secret"]), strict=True):
        alone = {**got.headers, "webhook-signature": signature}
        assert verify(alone, got.body, secret).data.seq == got.seq
