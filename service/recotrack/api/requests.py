"""Request ids, the access log (one line per request, never a header or a body) and the
request metrics."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from recotrack.api.metrics import IN_FLIGHT, observe_request
from recotrack.domain.access import Principal

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
log = structlog.get_logger("recotrack.access")


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        method = scope["method"]
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        IN_FLIGHT.inc()
        try:
            await app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            IN_FLIGHT.dec()
            # Litestar's router wrote the matched route's template into the scope.
            observe_request(method, scope.get("path_template"), status, seconds)
            principal = scope.get("user")
            log.info(
                "request",
                method=method,
                path=scope["path"],
                status=status,
                duration_ms=round(seconds * 1000, 2),
                role=principal.role.value if isinstance(principal, Principal) else None,
                agency=principal.agency_id if isinstance(principal, Principal) else None,
            )

    return middleware
