"""Retries against the real service: a service not listening yet, stalls, resets, lost answers,
503 with Retry-After, an idempotency key still in use. A TCP proxy between the SDK and the
service injects the faults; every wait is for a condition, with a bound."""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Iterator

import pytest

import recotrack_sdk._base as base
from recotrack.store.pool import connect
from recotrack_sdk import (
    ConnectionError,
    IdempotencyInProgressError,
    NotFoundError,
    ServerError,
    TimeoutError,
    __version__,
)
from recotrack_sdk._errors import APIError, Problem
from recotrack_sdk._operations import create_agency, create_token, get_agency, readyz
from recotrack_sdk.models import (
    AgencyCreate,
    AgencyPatch,
    ClosureWrite,
    ResponseWrite,
    SyncProgressItem,
    TokenCreate,
)
from tests.live import serve
from tests.sdk.conftest import Caller, Retries, Sdk, make_recommendation
from tests.sdk.support import Fault, FaultProxy, free_port

VINNOVA = AgencyCreate(id="vinnova", name="Vinnova", org_number="202100-5216")


@pytest.fixture
def proxy_to(sdk: Sdk) -> Iterator[list[FaultProxy]]:
    proxies: list[FaultProxy] = []
    yield proxies
    for proxy in proxies:
        proxy.close()


def faulty(sdk: Sdk, proxies: list[FaultProxy], *faults: Fault) -> FaultProxy:
    port = int(sdk.live.url.rsplit(":", 1)[1])
    proxy = FaultProxy(port, list(faults))
    proxies.append(proxy)
    return proxy


async def test_waits_for_a_service_that_is_not_listening_yet(sdk: Sdk, retries: Retries) -> None:
    port = free_port()
    client = sdk.as_("secretariat", url=f"http://127.0.0.1:{port}", max_retries=12)
    call = asyncio.ensure_future(client.create_agency(VINNOVA))
    assert await asyncio.to_thread(retries.first.wait, 20), "the SDK did not retry"
    assert not call.done()
    async with serve(sdk.live.db_url, port):
        created = await asyncio.wait_for(call, 60)
    assert created.value.id == "vinnova"
    ids = [a.id for a in await sdk.as_("secretariat").collect("iter_agencies")]
    assert ids.count("vinnova") == 1


async def test_a_timeout_is_retried(sdk: Sdk, proxy_to: list[FaultProxy], retries: Retries) -> None:
    proxy = faulty(sdk, proxy_to, "stall")
    client = sdk.as_("secretariat", url=proxy.url, timeout=1.0, max_retries=2)
    assert (await client.get_agency("skatteverket")).value.id == "skatteverket"
    assert proxy.seen == ["stall", "pass"]
    assert "ReadTimeout" in retries.messages[0]

    stuck = faulty(sdk, proxy_to, "stall", "stall", "stall")
    client = sdk.as_("secretariat", url=stuck.url, timeout=0.3, max_retries=2)
    with pytest.raises(TimeoutError) as caught:
        await client.get_agency("skatteverket")
    assert isinstance(caught.value, ConnectionError)
    assert isinstance(caught.value, builtins.TimeoutError)
    assert caught.value.request_sent
    assert stuck.seen == ["stall", "stall", "stall"]


async def test_resets_are_retried(sdk: Sdk, proxy_to: list[FaultProxy]) -> None:
    proxy = faulty(sdk, proxy_to, "reset", "reset")
    client = sdk.as_("secretariat", url=proxy.url, max_retries=3)
    assert (await client.get_agency("skatteverket")).value.id == "skatteverket"
    assert proxy.seen == ["reset", "reset", "pass"]

    once = faulty(sdk, proxy_to, "reset")
    client = sdk.as_("secretariat", url=once.url, max_retries=0)
    with pytest.raises(ConnectionError) as caught:
        await client.get_agency("skatteverket")
    assert caught.value.request_sent
    assert not isinstance(caught.value, TimeoutError)


async def test_a_lost_answer_to_a_post_is_replayed_not_repeated(
    sdk: Sdk, proxy_to: list[FaultProxy]
) -> None:
    proxy = faulty(sdk, proxy_to, "drop_response")
    client = sdk.as_("secretariat", url=proxy.url)
    created = await client.create_agency(VINNOVA)
    assert created.value.id == "vinnova"
    assert proxy.seen == ["drop_response", "pass"]
    keys = {
        line.split(b":", 1)[1].strip()
        for chunk in proxy.received
        for line in chunk.split(b"\r\n")
        if line.lower().startswith(b"idempotency-key:")
    }
    assert len(keys) == 1  # one key, sent twice
    agencies = await sdk.as_("secretariat").collect("iter_agencies")
    assert [a.id for a in agencies].count("vinnova") == 1


async def test_a_lost_answer_to_a_batch_is_replayed(sdk: Sdk, proxy_to: list[FaultProxy]) -> None:
    rec = await make_recommendation(sdk.as_("secretariat"))
    proxy = faulty(sdk, proxy_to, "drop_response")
    agency = sdk.as_("skatteverket", url=proxy.url)
    items = [
        SyncProgressItem(recommendation_id=rec.id, external_ref=f"B-{n}", status="in_progress")
        for n in range(50)
    ]
    result = await agency.sync_progress(items)
    assert result.created == 50  # the first answer, replayed
    assert proxy.seen == ["drop_response", "pass"]
    reports = await sdk.as_("skatteverket").collect("iter_progress", rec.id)
    assert sorted(r.external_ref for r in reports) == sorted(f"B-{n}" for n in range(50))


async def test_a_lost_answer_to_a_conditional_change_is_recognised(
    sdk: Sdk, proxy_to: list[FaultProxy], retries: Retries
) -> None:
    c = sdk.as_("secretariat")
    current = await c.get_agency("skatteverket")
    proxy = faulty(sdk, proxy_to, "drop_response")
    client = sdk.as_("secretariat", url=proxy.url)
    updated = await client.update_agency(
        "skatteverket", AgencyPatch(name="Skatteverket (SKV)"), if_match=current
    )
    # the retry was refused with 412 (the first attempt had applied); a read showed ours
    assert (updated.value.name, updated.value.version) == ("Skatteverket (SKV)", 2)
    assert updated.etag == '"2"'
    assert any("earlier attempt" in m for m in retries.messages)

    rec = await make_recommendation(c)
    respond = faulty(sdk, proxy_to, "drop_response")
    agency = sdk.as_("skatteverket", url=respond.url)
    response = await agency.put_response(
        rec.id, ResponseWrite(decision="accepted", responded_by="Anna"), if_match=None
    )
    assert (response.value.decision, response.value.version) == ("accepted", 1)

    close = faulty(sdk, proxy_to, "drop_response")
    closer = sdk.as_("secretariat", url=close.url)
    closed = await closer.put_closure(rec.id, ClosureWrite(outcome="implemented"), if_match=None)
    assert closed.value.version == 1

    reopen = faulty(sdk, proxy_to, "drop_response")
    opener = sdk.as_("secretariat", url=reopen.url)
    assert await opener.reopen(rec.id, if_match=closed) is None
    assert reopen.seen == ["drop_response", "pass"]
    with pytest.raises(NotFoundError):
        await c.get_closure(rec.id)


async def test_a_lost_answer_to_a_stale_change_is_still_refused(
    sdk: Sdk, proxy_to: list[FaultProxy]
) -> None:
    """The first attempt was refused (412) and its answer lost: the retry's 412 is re-checked,
    and the resource is not the result of our change, so the 412 stands."""
    c = sdk.as_("secretariat")
    stale = await c.get_agency("skatteverket")
    await c.update_agency("skatteverket", AgencyPatch(name="Skatteverket 2"), if_match=stale)
    proxy = faulty(sdk, proxy_to, "drop_response")
    client = sdk.as_("secretariat", url=proxy.url)
    with pytest.raises(APIError) as caught:
        await client.update_agency("skatteverket", AgencyPatch(name="Mitt namn"), if_match=stale)
    assert caught.value.status == 412
    assert (await c.get_agency("skatteverket")).value.name == "Skatteverket 2"


async def test_creating_a_token_is_not_repeated_after_a_lost_answer(
    sdk: Sdk, proxy_to: list[FaultProxy]
) -> None:
    proxy = faulty(sdk, proxy_to, "drop_response")
    client = sdk.as_("secretariat", url=proxy.url)
    with pytest.raises(ConnectionError) as caught:
        await client.create_token(TokenCreate(role="auditor", label="Revisionen"))
    assert caught.value.request_sent
    assert proxy.seen == ["drop_response"]  # not sent again: it may have been created
    headers = b"".join(proxy.received).lower()
    assert b"idempotency-key" not in headers
    # a 503 may come from a service that failed half-way: not repeated either
    busy = faulty(sdk, proxy_to, "unavailable")
    client = sdk.as_("secretariat", url=busy.url)
    with pytest.raises(ServerError):
        await client.create_token(TokenCreate(role="auditor", label="Revisionen"))
    assert busy.seen == ["unavailable"]
    tokens = await sdk.as_("secretariat").collect("iter_tokens")
    assert [t.label for t in tokens].count("Revisionen") == 1  # the one whose answer was lost


async def test_service_unavailable_is_retried_after_retry_after(
    sdk: Sdk, proxy_to: list[FaultProxy]
) -> None:
    proxy = faulty(sdk, proxy_to, "unavailable", "unavailable")
    client = sdk.as_("secretariat", url=proxy.url, max_retries=3)
    assert (await client.get_agency("skatteverket")).value.id == "skatteverket"
    assert proxy.seen == ["unavailable", "unavailable", "pass"]

    give_up = faulty(sdk, proxy_to, "unavailable", "unavailable")
    client = sdk.as_("secretariat", url=give_up.url, max_retries=1)
    with pytest.raises(ServerError) as caught:
        await client.get_agency("skatteverket")
    assert caught.value.status == 503


async def test_an_idempotency_key_in_use_is_waited_for(sdk: Sdk, retries: Retries) -> None:
    """Another request holds the key (here: the test holds its lock): 409, retried until free."""
    c = sdk.as_("secretariat")
    tokens = await c.collect("iter_tokens")
    token_id = next(t.id for t in tokens if t.label == "test secretariat")
    conn = await connect(sdk.live.db_url)
    try:
        await conn.execute(
            "select pg_advisory_lock(hashtextextended($1 || ':' || $2, 0))", token_id, "held-key"
        )
        call = asyncio.ensure_future(
            sdk.as_("secretariat", max_retries=8).create_agency(VINNOVA, idempotency_key="held-key")
        )
        assert await asyncio.to_thread(retries.first.wait, 20), "the SDK did not retry"
        assert "idempotency-in-progress" in retries.messages[0]
        await conn.execute(
            "select pg_advisory_unlock(hashtextextended($1 || ':' || $2, 0))", token_id, "held-key"
        )
        created = await asyncio.wait_for(call, 60)
    finally:
        await conn.close()
    assert created.value.id == "vinnova"


async def test_user_agent(sdk: Sdk, proxy_to: list[FaultProxy]) -> None:
    proxy = faulty(sdk, proxy_to)
    await sdk.as_("secretariat", url=proxy.url, user_agent="portfolio/2.1").healthz()
    sent = b"".join(proxy.received).decode().lower()
    assert f"user-agent: portfolio/2.1 recotrack-sdk/{__version__}" in sent


# --- the policy itself, without a service -------------------------------------------------


def _error(status: int, **headers: str) -> APIError:
    return APIError(Problem(status=status), status=status, headers=headers, body=b"")


def test_backoff_is_exponential_with_full_jitter() -> None:
    call = get_agency("x")
    sent = ConnectionError("reset", request_sent=True)
    for retries_done in range(8):
        ceiling = min(base.MAX_RETRY_DELAY, base.INITIAL_RETRY_DELAY * 2**retries_done)
        delays = [base.retry_delay(call, sent, retries_done, 10) for _ in range(200)]
        assert all(d is not None and 0 <= d <= ceiling for d in delays)
        assert max(d for d in delays if d is not None) > ceiling / 2
    assert base.retry_delay(call, sent, 3, 3) is None  # no retries left


def test_which_failures_are_retried() -> None:
    read = get_agency("x")
    post = create_agency(VINNOVA, idempotency_key=None)
    token = create_token(TokenCreate(role="auditor", label="x"))
    probe = readyz()
    unsent = ConnectionError("refused", request_sent=False)
    sent = TimeoutError("read timeout", request_sent=True)
    for call in (read, post):
        assert base.retry_delay(call, unsent, 0, 3) is not None
        assert base.retry_delay(call, sent, 0, 3) is not None
        for status in (429, 502, 503, 504):
            assert base.retry_delay(call, _error(status), 0, 3) is not None
        for status in (400, 401, 404, 409, 412, 422, 500):
            assert base.retry_delay(call, _error(status), 0, 3) is None
    in_progress = IdempotencyInProgressError(Problem(status=409), status=409, headers={}, body=b"")
    assert base.retry_delay(post, in_progress, 0, 3) is not None
    assert base.retry_delay(token, unsent, 0, 3) is not None
    assert base.retry_delay(token, sent, 0, 3) is None
    assert base.retry_delay(token, _error(429), 0, 3) is not None
    assert base.retry_delay(token, _error(503), 0, 3) is None
    assert base.retry_delay(probe, unsent, 0, 3) is None
    # Retry-After is honoured, up to a cap
    assert base.retry_delay(read, _error(429, **{"retry-after": "2"}), 0, 3) == 2.0
    assert base.retry_delay(read, _error(503, **{"retry-after": "3600"}), 0, 3) == (
        base.MAX_RETRY_AFTER
    )


def test_one_idempotency_key_per_call() -> None:
    first = create_agency(VINNOVA, idempotency_key=None)
    second = create_agency(VINNOVA, idempotency_key=None)
    key = first.request.headers["Idempotency-Key"]
    assert key != second.request.headers["Idempotency-Key"]
    assert first.request.headers["Idempotency-Key"] == key  # the same on every send
    mine = create_agency(VINNOVA, idempotency_key="mine")
    assert mine.request.headers["Idempotency-Key"] == "mine"
    token = create_token(TokenCreate(role="auditor", label="x"))
    assert "Idempotency-Key" not in token.request.headers


async def test_with_options_shares_the_connections(sdk: Sdk, proxy_to: list[FaultProxy]) -> None:
    proxy = faulty(sdk, proxy_to, "stall")
    patient = sdk.as_("secretariat", url=proxy.url, timeout=30, max_retries=3)
    hasty = Caller(sdk.kind, patient.client.with_options(timeout=0.3, max_retries=0))
    with pytest.raises(TimeoutError):
        await hasty.get_agency("skatteverket")
    assert (patient.client.timeout, patient.client.max_retries) == (30, 3)
    assert (hasty.client.timeout, hasty.client.max_retries) == (0.3, 0)
    assert (await patient.get_agency("skatteverket")).value.id == "skatteverket"
    other = Caller(sdk.kind, patient.client.with_options(max_retries=0))
    assert (await other.get_agency("skatteverket")).value.id == "skatteverket"
    assert proxy.seen == ["stall", "pass"]  # one pool: the other client reused the connection
