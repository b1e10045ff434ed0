"""The request timeout: a request that has not started its response in time gets 504.

Only the time to the first byte is bounded: a long export streams for as long as it takes
(each of its statements is bounded by the statement timeout), and a response that has begun
cannot be turned into a problem any more.
"""

from __future__ import annotations

import asyncio

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from recotrack.api.asgi import send_problem
from recotrack.api.problems import timed_out

log = structlog.get_logger("recotrack.api")


def request_timeout_middleware(app: ASGIApp, seconds: float) -> ASGIApp:
    if not seconds:
        return app

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        started = False
        deadline = asyncio.timeout(seconds)

        async def send_started(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                deadline.reschedule(None)
            await send(message)

        try:
            async with deadline:
                await app(scope, receive, send_started)
        except TimeoutError:
            if started or not deadline.expired():
                raise  # not ours
            log.warning("request timed out", seconds=seconds)
            await send_problem(
                send, timed_out(f"the request took longer than {seconds:g} s; it was stopped")
            )

    return middleware
