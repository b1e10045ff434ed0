"""Errors as pages: one mapping from what went wrong to a status and a detail, for the
dashboard and the public catalogue alike (each draws its own page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from litestar import Request
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Response
from litestar.types import ExceptionHandlersMap

from recotrack.store.errors import InvalidCursor, NotFound, StoreError
from recotrack.web.filters import BadFilter
from recotrack.web.render import words_for

log = structlog.get_logger("recotrack.web")

ErrorPage = Callable[[Request[Any, Any, Any], int, str | None], Response[Any]]
"""Draws the page of an error: the request, its status, and a detail to show (or None)."""


def error_handlers(draw: ErrorPage, where: str) -> ExceptionHandlersMap:
    """The exception handlers of a router of pages, each error drawn by `draw`; `where`
    names the router in the log of an unexpected one."""

    def internal(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        log.exception(f"unhandled error in the {where}", exc_type=type(exc).__name__)
        return draw(request, 500, None)

    def store_error(request: Request[Any, Any, Any], exc: StoreError) -> Response[Any]:
        if isinstance(exc, NotFound):
            return draw(request, 404, None)
        if isinstance(exc, InvalidCursor):
            return draw(request, 400, exc.detail)
        return internal(request, exc)

    def bad_filter(request: Request[Any, Any, Any], exc: BadFilter) -> Response[Any]:
        return draw(request, 400, f"{exc.parameter}: {exc.said(words_for(request))}")

    def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
        status = exc.status_code
        if status >= 500:
            return internal(request, exc)
        return draw(request, status, exc.detail if status != 404 else None)

    return {
        BadFilter: bad_filter,
        StoreError: store_error,
        ValidationException: http_error,
        HTTPException: http_error,
        Exception: internal,
    }
