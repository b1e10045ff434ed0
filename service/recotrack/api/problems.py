"""Every error as RFC 9457 problem details, with a stable `type` per kind of problem.

One table from our exceptions (domain, store, Litestar's HTTP ones) to problem types. Field
errors carry JSON pointers into the request body (`errors: [{"pointer", "detail"}]`).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import asyncpg
import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)
from litestar.types import Send

from recotrack.domain.errors import DomainError, NotPermitted, RuleViolation, TransitionNotAllowed
from recotrack.store.errors import (
    DATABASE_UNAVAILABLE,
    Conflict,
    InvalidCursor,
    NotFound,
    StoreError,
    VersionMismatch,
    VersionRequired,
)

PROBLEM_BASE = "https://recotrack.se/problems/"

log = structlog.get_logger("recotrack.api")

RETRY_AFTER_SECONDS = 1
"""What a 503 or 504 asks a client to wait: a database restart or a burst passes in seconds."""


def problem(
    slug: str,
    status: int,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> ProblemDetailsException:
    members: dict[str, Any] = dict(extra)
    if errors is not None:
        members["errors"] = errors
    return ProblemDetailsException(
        type_=PROBLEM_BASE + slug,
        title=HTTPStatus(status).phrase,
        status_code=status,
        detail=detail,
        headers=headers,
        extra=members or None,
    )


class BodyError(Exception):
    """A request body that is not valid JSON, or not of the operation's schema."""

    def __init__(self, detail: str, *, pointer: str | None, malformed: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.pointer = pointer
        self.malformed = malformed


class PreconditionError(Exception):
    def __init__(self, detail: str, *, required: bool, etag: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.required = required
        self.etag = etag


def _field_errors(pointer: str | None, detail: str) -> list[dict[str, str]]:
    return [{"pointer": pointer if pointer is not None else "", "detail": detail}]


def _from_body_error(exc: BodyError) -> ProblemDetailsException:
    if exc.malformed:
        return problem("malformed-json", 400, exc.detail)
    return problem(
        "validation",
        422,
        "the request body is not valid",
        errors=_field_errors(exc.pointer, exc.detail),
    )


def _from_domain(exc: DomainError) -> ProblemDetailsException:
    if isinstance(exc, TransitionNotAllowed):
        return problem("transition-not-allowed", 409, exc.detail)
    if isinstance(exc, NotPermitted):
        return problem("forbidden", 403, exc.detail)
    assert isinstance(exc, RuleViolation)
    return problem("rule-violation", 422, exc.detail, errors=_field_errors(exc.pointer, exc.detail))


def _from_store(exc: StoreError) -> ProblemDetailsException:
    if isinstance(exc, NotFound):
        return problem("not-found", 404, exc.detail)
    if isinstance(exc, InvalidCursor):
        return problem("invalid-cursor", 400, exc.detail)
    if isinstance(exc, VersionRequired):
        return problem("precondition-required", 428, exc.detail)
    if isinstance(exc, VersionMismatch):
        if exc.current_version is None:
            return problem("precondition-failed", 412, exc.detail)
        etag = f'"{exc.current_version}"'
        return problem(
            "precondition-failed", 412, exc.detail, headers={"ETag": etag}, current_etag=etag
        )
    assert isinstance(exc, Conflict)
    errors = _field_errors(exc.pointer, exc.detail) if exc.pointer else None
    return problem("conflict", 409, exc.detail, errors=errors)


def _from_precondition(exc: PreconditionError) -> ProblemDetailsException:
    if exc.required:
        return problem("precondition-required", 428, exc.detail)
    headers = {"ETag": exc.etag} if exc.etag else None
    return problem("precondition-failed", 412, exc.detail, headers=headers, current_etag=exc.etag)


async def send_problem(send: Send, exc: ProblemDetailsException) -> None:
    """Answer with `exc` from plain ASGI middleware, outside Litestar's exception handling."""
    document = {"type": exc.type_, "title": exc.title, "status": exc.status_code}
    document["detail"] = exc.detail
    body = msgspec.json.encode(document)
    extra = exc.headers or {}
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()),
    ]
    await send({"type": "http.response.start", "status": exc.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def unavailable() -> ProblemDetailsException:
    return problem(
        "service-unavailable",
        503,
        "the database is unavailable or busy; retry after the time in Retry-After",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def timed_out(detail: str) -> ProblemDetailsException:
    return problem("timeout", 504, detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def _from_database_unavailable(exc: Exception) -> ProblemDetailsException:
    log.warning("database unavailable", exc_type=type(exc).__name__)
    return unavailable()


def _from_query_canceled(exc: asyncpg.QueryCanceledError) -> ProblemDetailsException:
    log.warning("statement cancelled", exc_type=type(exc).__name__)
    return timed_out("the database did not answer in time (statement timeout)")


def _interface_error(request: Request[Any, Any, Any], exc: asyncpg.InterfaceError) -> Response[Any]:
    """asyncpg's own errors: a connection closed under us (or detached from the pool when the
    database dropped it) means the database went away; the rest are bugs, internal errors."""
    message = str(exc)
    if "closed" in message or "released back to the pool" in message:
        log.warning("database connection lost", exc_type=type(exc).__name__, error=message)
        return unavailable().to_response(request)
    return _internal(request, exc)


def _connection_state_error(
    request: Request[Any, Any, Any], exc: asyncpg.exceptions.InternalClientError
) -> Response[Any]:
    """asyncpg found a connection in a state it cannot go on from: seen when the database
    drops connections in the middle of operations (a restart). Nothing was committed on it
    and the pool replaces it, so a retry is safe; logged as an error all the same."""
    log.error("database connection in a broken state", exc_type=type(exc).__name__, error=str(exc))
    return unavailable().to_response(request)


def _invalid_parameter(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """Litestar's own validation of query, path and header parameters, reported under the
    names the client sent (not the handler's Python names)."""
    handler = request.route_handler
    # the handler's own parameters and those of its dependencies (the list's filters)
    parameters = {
        **handler.parsed_fn_signature.parameters,
        **{
            name: field
            for provide in handler.resolve_dependencies().values()
            for name, field in provide.parsed_fn_signature.parameters.items()
        },
    }
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        message = str(item.get("message", "invalid value"))
        key = item.get("key")
        if not key:
            errors.append({"detail": message})
            continue
        field = parameters.get(str(key))
        kwarg = field.kwarg_definition if field is not None else None
        name = getattr(kwarg, "name", None) or getattr(kwarg, "query", None) or str(key)
        errors.append({"parameter": name, "detail": message})
    invalid = problem("invalid-parameter", 400, "a request parameter is not valid", errors=errors)
    return invalid.to_response(request)


_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "rate-limited",
    431: "headers-too-large",
    503: "service-unavailable",
    504: "timeout",
}


def _from_http(exc: HTTPException) -> ProblemDetailsException:
    if isinstance(exc, ProblemDetailsException):
        return exc
    status = exc.status_code
    slug = _SLUGS.get(status, "internal" if status >= 500 else "bad-request")
    detail = exc.detail if status < 500 else "the server could not complete the request"
    return problem(slug, status, detail, headers=exc.headers)


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error", exc_type=type(exc).__name__)
    return problem("internal", 500, "the server could not complete the request").to_response(
        request
    )


def problem_details_plugin() -> ProblemDetailsPlugin:
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            exception_to_problem_detail_map={
                HTTPException: _from_http,
                BodyError: _from_body_error,
                PreconditionError: _from_precondition,
                DomainError: _from_domain,
                StoreError: _from_store,
                asyncpg.QueryCanceledError: _from_query_canceled,
                **dict.fromkeys(DATABASE_UNAVAILABLE, _from_database_unavailable),
            }
        )
    )


EXCEPTION_HANDLERS = {
    Exception: _internal,
    ValidationException: _invalid_parameter,
    asyncpg.InterfaceError: _interface_error,
    asyncpg.exceptions.InternalClientError: _connection_state_error,
}


class FieldError(msgspec.Struct, omit_defaults=True):
    detail: str
    pointer: str | None = None
    """A JSON pointer into the request body."""
    parameter: str | None = None
    """The query, path or header parameter at fault."""


class ProblemDocument(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem: `type` is stable and names the kind of problem."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None
    current_etag: str | None = None


_DESCRIPTIONS = {
    400: "Malformed JSON, a bad query parameter or cursor",
    401: "No token, or an unknown or revoked one",
    403: "The caller's role may not do this",
    404: "No such resource, or not one the caller may see",
    409: "A uniqueness rule, or the recommendation's state, does not allow it",
    412: "If-Match names a version that is no longer current",
    413: "The body is too large",
    415: "The body is not application/json",
    422: "The body breaks the schema or a rule (field errors as JSON pointers)",
    428: "If-Match is required to change an existing resource",
    429: "Too many requests from this token: wait as long as Retry-After says",
    431: "The request's headers are too large",
    503: "The database is unavailable or busy: retry after Retry-After",
    504: "The request took too long (request or statement timeout): retry after Retry-After",
}


EVERYWHERE = (429, 431, 503, 504)
"""What any request may meet, whatever it asks: the limits, and the database away or slow."""


def documented(*statuses: int) -> dict[int, ResponseSpec]:
    """The problem responses an operation can give (and those of `EVERYWHERE`), for the
    OpenAPI document."""
    return {
        status: ResponseSpec(
            ProblemDocument,
            description=_DESCRIPTIONS[status],
            media_type="application/problem+json",
            generate_examples=False,
        )
        for status in (*statuses, *EVERYWHERE)
    }


READS = documented(400, 401, 404)
CREATES = documented(400, 401, 403, 404, 409, 413, 415, 422)
CHANGES = documented(400, 401, 403, 404, 409, 412, 413, 415, 422, 428)
REMOVES = documented(400, 401, 403, 404, 409, 412, 428)
