"""Bounds on every request: rate per token (429), header size (431), the time to an answer
(504), the wait for a database connection (503), one SQL statement's time (504).

Each runs the real app on a loopback socket with the one limit set low.
"""

from __future__ import annotations

import asyncio
import json

import asyncpg
import httpx
import pytest

from recotrack.api.limits import TokenBuckets
from recotrack_sdk import AsyncClient, RateLimitedError
from tests import flow
from tests.helpers import Api
from tests.live import serve

CLIENT_TIMEOUT = 15.0  # a request that hung would fail the test here


def auth(api: Api, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.tokens[who]}"}


def assert_problem(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"https://recotrack.se/problems/{slug}"
    assert response.json()["status"] == status


# --- rate -----------------------------------------------------------------------------------


def test_a_bucket_allows_its_burst_then_its_rate() -> None:
    buckets = TokenBuckets(rate=2.0, burst=3)
    assert [buckets.take("a", 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a", 0.0) == pytest.approx(0.5)  # one more in half a second
    assert buckets.take("b", 0.0) == 0.0  # another key has its own bucket
    assert buckets.take("a", 0.5) == 0.0
    assert buckets.take("a", 0.5) > 0
    assert [buckets.take("a", 10.0) for _ in range(3)] == [0.0, 0.0, 0.0]  # never above burst
    assert buckets.take("a", 10.0) > 0


async def test_rate_limit_per_token_with_retry_after(api: Api) -> None:
    env = {"RECOTRACK_RATE_LIMIT": "2", "RECOTRACK_RATE_BURST": "3"}
    async with (
        serve(api.db_url, env=env) as url,
        httpx.AsyncClient(base_url=url, timeout=CLIENT_TIMEOUT) as raw,
    ):
        answers = [
            await raw.get("/v1/agencies", headers=auth(api, "secretariat")) for _ in range(4)
        ]
        assert [r.status_code for r in answers[:3]] == [200, 200, 200]
        limited = answers[3]
        assert_problem(limited, 429, "rate-limited")
        assert int(limited.headers["retry-after"]) >= 1
        # Another token, and the probes, are not held back by this one's use.
        other = await raw.get("/v1/agencies", headers=auth(api, "auditor"))
        assert other.status_code == 200
        for _ in range(5):
            assert (await raw.get("/healthz")).status_code == 200
        # Without a token: by client address; refused before authentication says 401.
        anonymous = [await raw.get("/v1/agencies") for _ in range(4)]
        assert [r.status_code for r in anonymous] == [401, 401, 401, 429]

        # The SDK reports it as RateLimitedError, and with retries waits as told and succeeds.
        async with AsyncClient(url, api.tokens["skatteverket"], max_retries=0) as impatient:
            for _ in range(3):
                await impatient.list_agencies()
            with pytest.raises(RateLimitedError) as raised:
                await impatient.list_agencies()
            assert raised.value.retry_after is not None
            assert raised.value.retry_after >= 1
        async with AsyncClient(url, api.tokens["skatteverket"], max_retries=3) as patient:
            page = await patient.list_agencies()
            assert [a.id for a in page.items] == ["skatteverket"]


# --- headers -------------------------------------------------------------------------------


async def test_headers_too_large_get_431(api: Api) -> None:
    big = {"X-Padding": "x" * 20_000}
    r = await api.call("secretariat", "GET", "/v1/agencies", headers=big)
    assert_problem(r, 431, "headers-too-large")
    fine = await api.call("secretariat", "GET", "/v1/agencies", headers={"X-Padding": "x" * 8000})
    assert fine.status_code == 200


@pytest.mark.parametrize(
    "head",
    [
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\x01b\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\x7fb\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHo st: x\r\n\r\n",
        b"GET /hea lthz HTTP/1.1\r\nHost: x\r\n\r\n",
    ],
    ids=["control-character", "delete", "space-in-a-name", "space-in-the-path"],
)
async def test_a_request_the_server_cannot_parse_gets_a_problem(live_url: str, head: bytes) -> None:
    """The HTTP parser's refusal is a problem like every other error (was uvicorn's text)."""
    address = httpx.URL(live_url)
    reader, writer = await asyncio.open_connection(address.host, address.port)
    try:
        writer.write(head)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), CLIENT_TIMEOUT)  # it closes
    finally:
        writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    headers, _, body = rest.partition(b"\r\n\r\n")
    assert status_line == b"HTTP/1.1 400 Bad Request", answer
    assert b"content-type: application/problem+json" in headers.lower(), answer
    problem = json.loads(body)
    assert problem["type"] == "https://recotrack.se/problems/bad-request"
    assert problem["status"] == 400


# --- time ----------------------------------------------------------------------------------


async def test_a_request_that_takes_too_long_gets_504(api: Api) -> None:
    async with (
        serve(api.db_url, env={"RECOTRACK_REQUEST_TIMEOUT": "0.5"}) as url,
        httpx.AsyncClient(base_url=url, timeout=CLIENT_TIMEOUT) as raw,
    ):
        # A long poll that waits longer than the request may take.
        first = await raw.get("/v1/changes", headers=auth(api, "secretariat"))
        cursor = first.json()["next_cursor"]
        slow = await raw.get(
            "/v1/changes", params={"cursor": cursor, "wait": 5}, headers=auth(api, "secretariat")
        )
        assert_problem(slow, 504, "timeout")
        assert "retry-after" in slow.headers
        # The service is fine afterwards.
        assert (await raw.get("/v1/agencies", headers=auth(api, "secretariat"))).status_code == 200


async def test_no_free_connection_in_time_gets_503(api: Api) -> None:
    env = {
        "RECOTRACK_POOL_MIN_SIZE": "1",
        "RECOTRACK_POOL_MAX_SIZE": "1",
        "RECOTRACK_POOL_ACQUIRE_TIMEOUT": "0.3",
    }
    async with (
        serve(api.db_url, env=env) as url,
        httpx.AsyncClient(base_url=url, timeout=CLIENT_TIMEOUT) as raw,
    ):
        first = await raw.get("/v1/changes", headers=auth(api, "secretariat"))
        cursor = first.json()["next_cursor"]
        # A long poll holds the only connection while it waits.
        poll = asyncio.create_task(
            raw.get(
                "/v1/changes", params={"cursor": cursor, "wait": 2}, headers=auth(api, "auditor")
            )
        )
        answers = []
        for _ in range(5):  # until the poll holds the connection (it waits 2 s with it)
            await asyncio.sleep(0.2)
            answers.append(await raw.get("/v1/agencies", headers=auth(api, "secretariat")))
            if answers[-1].status_code == 503:
                break
        busy = answers[-1]
        assert_problem(busy, 503, "service-unavailable")
        assert int(busy.headers["retry-after"]) >= 1
        assert (await poll).status_code == 200
        assert (await raw.get("/v1/agencies", headers=auth(api, "secretariat"))).status_code == 200


async def test_a_statement_that_runs_too_long_gets_504(api: Api) -> None:
    rec = await flow.recommendation(api)
    async with (
        serve(api.db_url, env={"RECOTRACK_STATEMENT_TIMEOUT": "0.3"}) as url,
        httpx.AsyncClient(base_url=url, timeout=CLIENT_TIMEOUT) as raw,
    ):
        blocker = await asyncpg.connect(api.db_url)
        try:
            # Another transaction holds the row: the change waits on its lock, then is cut.
            locked = blocker.transaction()
            await locked.start()
            await blocker.execute(
                "select 1 from recommendation where id = $1 for update", rec["id"]
            )
            stuck = await raw.patch(
                f"/v1/recommendations/{rec['id']}",
                json={"title": "Ny titel"},
                headers={**auth(api, "secretariat"), "If-Match": f'"{rec["version"]}"'},
            )
            assert_problem(stuck, 504, "timeout")
            await locked.rollback()
        finally:
            await blocker.close()
        done = await raw.patch(
            f"/v1/recommendations/{rec['id']}",
            json={"title": "Ny titel"},
            headers={**auth(api, "secretariat"), "If-Match": f'"{rec["version"]}"'},
        )
        assert done.status_code == 200, done.text
