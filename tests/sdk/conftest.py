"""Fixtures of the SDK tests: the real service on a loopback port, and the SDK in both flavours.

`sdk` is parametrized: each test runs once with `Client` (called from a worker thread) and
once with `AsyncClient`, through one awaitable interface, so both are held to the same tests.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest

from recotrack_sdk import AgencySync, AsyncAgencySync, AsyncClient, Client, SyncResult
from recotrack_sdk.models import (
    Change,
    InvestmentCreate,
    Recommendation,
    RecommendationCreate,
    ReviewCreate,
    SyncProgressItem,
)
from tests.helpers import seed_tokens
from tests.live import serve

Kind = Literal["sync", "async"]


@dataclass
class Live:
    """The service under test: its URL, database and a token per role or agency."""

    url: str
    db_url: str
    tokens: dict[str, str]


@pytest.fixture
async def live(db_url: str) -> AsyncIterator[Live]:
    tokens = await seed_tokens(db_url)
    async with serve(db_url) as url:
        yield Live(url, db_url, tokens)


class Caller:
    """One client (sync or async) with every method awaitable."""

    def __init__(self, kind: Kind, client: Client | AsyncClient) -> None:
        self.kind = kind
        self.client = client

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self.client, name)
        if self.kind == "sync":

            async def in_thread(*args: Any, **kwargs: Any) -> Any:
                return await asyncio.to_thread(method, *args, **kwargs)

            return in_thread
        return method  # type: ignore[no-any-return]

    async def collect(self, name: str, *args: Any, **kwargs: Any) -> list[Any]:
        """Everything an `iter_*` method yields."""
        iterator = getattr(self.client, name)(*args, **kwargs)
        if self.kind == "sync":
            return await asyncio.to_thread(list, iterator)
        return [item async for item in iterator]

    async def changes(self, cursor: str | None, **kwargs: Any) -> tuple[list[Change], str | None]:
        """The changes feed from `cursor` to its end, and the stream's cursor after it."""
        if isinstance(self.client, Client):
            stream = self.client.changes(cursor, **kwargs)
            return await asyncio.to_thread(list, stream), stream.cursor
        astream = self.client.changes(cursor, **kwargs)
        return [change async for change in astream], astream.cursor

    async def agency_sync(
        self, cursor: str | None, reports: Iterable[SyncProgressItem] = ()
    ) -> SyncResult:
        if isinstance(self.client, Client):
            return await asyncio.to_thread(AgencySync(self.client).run, cursor, reports)
        return await AsyncAgencySync(self.client).run(cursor, reports)


@dataclass
class Sdk:
    kind: Kind
    live: Live
    _clients: list[Client | AsyncClient] = field(default_factory=list)

    def as_(
        self, who: str, *, token: str | None = None, url: str | None = None, **options: Any
    ) -> Caller:
        """A client with the token of `who` (a role or an agency id; else none), or `token`."""
        token = token if token is not None else self.live.tokens.get(who, "")
        base_url = url or self.live.url
        client: Client | AsyncClient = (
            Client(base_url, token, **options)
            if self.kind == "sync"
            else AsyncClient(base_url, token, **options)
        )
        self._clients.append(client)
        return Caller(self.kind, client)

    async def close(self) -> None:
        for client in self._clients:
            if isinstance(client, Client):
                client.close()
            else:
                await client.aclose()


@pytest.fixture(params=["sync", "async"])
async def sdk(request: pytest.FixtureRequest, live: Live) -> AsyncIterator[Sdk]:
    kit = Sdk(request.param, live)
    try:
        yield kit
    finally:
        await kit.close()


class Retries(logging.Handler):
    """The SDK's retry log lines, and an event set at the first one."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []
        self.first = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        if record.getMessage().startswith("retry"):
            self.first.set()


@pytest.fixture
def retries() -> Iterator[Retries]:
    logger = logging.getLogger("recotrack_sdk")
    handler = Retries()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


_codes = itertools.count(1)


async def make_recommendation(
    secretariat: Caller, agency: str = "skatteverket", *, issued: bool = True, **fields: Any
) -> Recommendation:
    """An investment, a review on it and a recommendation from it, through the SDK."""
    investment = await secretariat.create_investment(
        InvestmentCreate(agency_id=agency, title="Ny beskattningsplattform")
    )
    review = await secretariat.create_review(
        ReviewCreate(investment_id=investment.value.id, title="Second opinion 2026")
    )
    body = {
        "review_id": review.value.id,
        "code": f"2026-SDK-{next(_codes):04d}",
        "title": "Inför en gemensam produktstyrning",
        "area": "governance",
        "priority": "high",
        "issued_on": dt.date(2026, 1, 15) if issued else None,
        **fields,
    }
    created = await secretariat.create_recommendation(RecommendationCreate(**body))
    value: Recommendation = created.value
    return value
