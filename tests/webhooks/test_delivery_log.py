"""`GET /v1/webhooks/{id}/deliveries` (newest first, paged) and `…/redeliver` (the change
sent once more, soon, with its `webhook-id`), through the API and the SDK; who may; and the
delivery figures on /metrics."""

from __future__ import annotations

import re

import httpx

from recotrack_sdk import AsyncClient, NotFoundError, PermissionDeniedError
from tests import flow
from tests.helpers import Api, until
from tests.webhooks.support import (
    WAIT_SECONDS,
    Receiver,
    log_of,
    logged,
    received_count,
    subscribe,
    worker,
)


async def test_the_log_pages_newest_first_and_a_redelivery_goes_once(api: Api) -> None:
    with Receiver().running() as rx:
        rx.plan("/skv", (500, 0.0))
        hook = await subscribe(api, "skatteverket", rx.url("/skv"))
        async with worker(api):
            await flow.recommendation(api)
            await received_count(rx, "/skv", 4)  # a failure, then the three changes

            async def logged() -> list[dict[str, object]]:
                log = await log_of(api, hook["id"], who="skatteverket")
                return log if len(log) >= 4 else []

            log = await until("the log", logged, seconds=WAIT_SECONDS)
            times = [d["attempted_at"] for d in log]
            assert times == sorted(times, reverse=True)  # type: ignore[type-var]
            assert log[-1]["status"] == "failed"
            assert not any(d["redelivery"] for d in log)

            # one page at a time, the same items
            paged, cursor = [], None
            for _ in range(10):
                params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
                r = await api.call(
                    "auditor", "GET", f"/v1/webhooks/{hook['id']}/deliveries", params=params
                )
                assert r.status_code == 200, r.text
                paged += r.json()["items"]
                cursor = r.json()["next_cursor"]
                if cursor is None:
                    break
            assert paged == log

            again = log[0]  # the last change
            r = await api.call(
                "skatteverket",
                "POST",
                f"/v1/webhooks/{hook['id']}/deliveries/{again['id']}/redeliver",
                json={},
            )
            assert r.status_code == 202, r.text
            queued = r.json()
            assert queued["status"] == "queued"
            assert queued["redelivery"] is True
            assert (queued["seq"], queued["message_id"]) == (again["seq"], again["message_id"])
            assert queued["attempt"] == 2
            got = await received_count(rx, "/skv", 5)

            async def sent() -> list[dict[str, object]]:
                return [
                    d
                    for d in await log_of(api, hook["id"])
                    if d["id"] == queued["id"] and d["status"] == "succeeded"
                ]

            await until("the redelivery logged", sent, seconds=WAIT_SECONDS)
        assert got[4].message_id == again["message_id"]
        assert [r.message_id for r in rx.at("/skv")].count(again["message_id"]) == 2


async def test_who_may_read_the_log_and_redeliver(api: Api) -> None:
    with Receiver().running() as rx:
        hook = await subscribe(api, "skatteverket", rx.url("/skv"))
        async with worker(api):
            await flow.recommendation(api)
            await received_count(rx, "/skv", 1)
            (delivery, *_) = await until(
                "the log", lambda: log_of(api, hook["id"]), seconds=WAIT_SECONDS
            )
    url = f"/v1/webhooks/{hook['id']}/deliveries"
    again = f"{url}/{delivery['id']}/redeliver"
    for who, read, write in [
        ("skatteverket", 200, 202),
        ("secretariat", 200, 202),
        ("auditor", 200, 403),
        ("forsakringskassan", 404, 404),
    ]:
        assert (await api.call(who, "GET", url)).status_code == read, who
        assert (await api.call(who, "POST", again, json={})).status_code == write, who
    nothing = f"{url}/00000000-0000-4000-8000-000000000000/redeliver"
    r = await api.call("skatteverket", "POST", nothing, json={})
    assert r.status_code == 404
    assert "no delivery" in r.json()["detail"]


async def test_the_sdk_lists_and_redelivers(api: Api, live_url: str) -> None:
    with Receiver().running() as rx:
        hook = await subscribe(api, "skatteverket", rx.url("/skv"))
        async with worker(api), AsyncClient(live_url, api.tokens["skatteverket"]) as client:
            await flow.recommendation(api)
            await received_count(rx, "/skv", 3)
            await logged(api, hook["id"], 3)
            page = await client.list_webhook_deliveries(hook["id"], limit=2)
            assert len(page.items) == 2
            assert page.next_cursor is not None
            every = [d async for d in client.iter_webhook_deliveries(hook["id"], page_size=1)]
            assert len(every) >= 3
            assert all(d.status == "succeeded" for d in every)
            queued = await client.redeliver(hook["id"], every[-1].id)
            assert queued.status == "queued"
            assert queued.message_id == every[-1].message_id
            await received_count(rx, "/skv", len(every) + 1)
            async with AsyncClient(live_url, api.tokens["forsakringskassan"]) as other:
                try:
                    await other.list_webhook_deliveries(hook["id"])
                except NotFoundError:
                    pass
                else:
                    raise AssertionError("another agency reads the log")
            async with AsyncClient(live_url, api.tokens["auditor"]) as auditor:
                try:
                    await auditor.redeliver(hook["id"], every[-1].id)
                except PermissionDeniedError:
                    pass
                else:
                    raise AssertionError("the auditor redelivers")


async def test_metrics_show_deliveries_by_outcome_and_the_oldest_waiting(
    api: Api, live_url: str
) -> None:
    with Receiver().running() as rx:
        rx.plan("/skv", (500, 0.0))
        hook = await subscribe(api, "skatteverket", rx.url("/skv"))
        stuck = await subscribe(api, "skatteverket", rx.url("/off"))
        r = await api.call(
            "skatteverket",
            "PATCH",
            f"/v1/webhooks/{stuck['id']}",
            json={"active": False},
            headers={"If-Match": '"1"'},
        )
        assert r.status_code == 200, r.text
        async with worker(api):
            await flow.recommendation(api)
            await received_count(rx, "/skv", 4)
            await logged(api, hook["id"], 4)
        async with httpx.AsyncClient() as http:
            text = (await http.get(f"{live_url}/metrics")).text

    def value(name: str, webhook_id: str, extra: str = "") -> float:
        pattern = rf'^{name}\{{agency="skatteverket",{extra}webhook="{webhook_id}"\}} (\S+)$'
        found = re.search(pattern, text, re.MULTILINE)
        assert found, f"{name} for {webhook_id} in\n{text}"
        return float(found.group(1))

    ours = hook["id"]
    assert value("recotrack_webhook_deliveries_total", ours, 'outcome="succeeded",') == 3
    assert value("recotrack_webhook_deliveries_total", ours, 'outcome="failed",') == 1
    assert value("recotrack_webhook_consecutive_failures", ours) == 0
    assert value("recotrack_webhook_oldest_undelivered_seconds", ours) == 0
    assert value("recotrack_webhook_active", stuck["id"]) == 0
    assert value("recotrack_webhook_oldest_undelivered_seconds", stuck["id"]) > 0
