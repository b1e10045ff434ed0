"""Every error as an RFC 9457 problem document, with a stable `type` per kind of problem.

`KINDS` is the one table from our exceptions (the request body's, the domain's, the store's,
the database's) to the kind of problem each is: its slug (the last part of `type`) and its
status, whose phrase is its title. Litestar's own HTTP errors carry only a status, which
`_BY_STATUS` names. Field errors carry JSON pointers into the request body, or name the
parameter at fault.

`encode_problem` is the one place a problem document becomes bytes, from the SDK's `Problem`:
the service sends what the SDK reads.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Sequence
from http import HTTPStatus
from typing import Any, NamedTuple

import asyncpg
import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.typing import FieldDefinition

from recotrack.api.expected import expected, explain, type_of
from recotrack.api.options import allow
from recotrack.api.parameters import declared, wire_name
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
from recotrack_sdk import PROBLEM_BASE, FieldError, Problem
from recotrack_sdk.models import etag

MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_SECONDS = 1
"""What a 503 or 504 asks a client to wait: a database restart or a burst passes in seconds."""

log = structlog.get_logger("recotrack.api")


class ProblemError(HTTPException):
    """An error answered with its `problem`: raised by handlers and guards, or sent as it is by
    middleware (`asgi.send_problem`)."""

    def __init__(self, problem: Problem, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail=problem.detail, status_code=problem.status, headers=headers)
        self.problem = problem


def problem(
    slug: str,
    status: int,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    current_etag: str | None = None,
) -> ProblemError:
    """A problem of the kind `slug`; each of `errors` has a `pointer` or a `parameter`, and
    its `detail`."""
    document = Problem(
        type=PROBLEM_BASE + slug,
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        errors=[FieldError(**error) for error in errors or ()],
        current_etag=current_etag,
    )
    return ProblemError(document, headers)


def invalid_parameters(
    errors: dict[str, str], *, detail: str = "a request parameter is not valid"
) -> ProblemError:
    """A 400 for request parameters that are not valid: each parameter's name, and why."""
    return problem(
        "invalid-parameter",
        400,
        detail,
        errors=[{"parameter": name, "detail": why} for name, why in errors.items()],
    )


def unknown_parameters(names: Sequence[str], known: Collection[str]) -> ProblemError:
    """A 400 for query parameters the operation does not take: each named, with the known name
    nearest to it when one is near (a typo, most likely), or else the names it does take."""
    ordered = sorted(known)
    takes = ", ".join(f"`{name}`" for name in ordered) or "none"
    advice = {}
    for name in names:
        nearest = difflib.get_close_matches(name, ordered, n=1)
        advice[name] = (
            f"did you mean `{nearest[0]}`?" if nearest else f"this operation takes {takes}"
        )
    if len(names) == 1:
        detail = f"unknown query parameter `{names[0]}`; {advice[names[0]]}"
    else:
        detail = "unknown query parameters " + ", ".join(f"`{name}`" for name in names)
    return invalid_parameters(
        {name: f"unknown query parameter; {why}" for name, why in advice.items()}, detail=detail
    )


_encoder = msgspec.json.Encoder()


def encode_problem(document: Problem) -> bytes:
    return _encoder.encode(document)


class BodyError(Exception):
    """A request body refused before its handler runs."""

    def __init__(self, detail: str, *, pointer: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.pointer = pointer


class MalformedBody(BodyError):
    """The body is not JSON."""


class InvalidBody(BodyError):
    """The body is JSON but not of the operation's schema; `pointer` names the field."""


class Kind(NamedTuple):
    """A kind of problem: the last part of its `type`, and its status."""

    slug: str
    status: int


UNAVAILABLE = Kind("service-unavailable", 503)
TIMED_OUT = Kind("timeout", 504)

KINDS: dict[type[Exception], Kind] = {
    MalformedBody: Kind("malformed-json", 400),
    InvalidBody: Kind("validation", 422),
    RuleViolation: Kind("rule-violation", 422),
    TransitionNotAllowed: Kind("transition-not-allowed", 409),
    NotPermitted: Kind("forbidden", 403),
    NotFound: Kind("not-found", 404),
    InvalidCursor: Kind("invalid-cursor", 400),
    Conflict: Kind("conflict", 409),
    VersionMismatch: Kind("precondition-failed", 412),
    VersionRequired: Kind("precondition-required", 428),
    asyncpg.QueryCanceledError: TIMED_OUT,
    **dict.fromkeys(DATABASE_UNAVAILABLE, UNAVAILABLE),
}


def kind_of(exc: Exception) -> Kind | None:
    """The kind of problem `exc` is: that of its class in `KINDS`, or of its nearest base."""
    return next((KINDS[cls] for cls in type(exc).__mro__ if cls in KINDS), None)


def _field_errors(pointer: str | None, detail: str) -> list[dict[str, str]]:
    return [{"pointer": pointer if pointer is not None else "", "detail": detail}]


def _problem_for(exc: Exception, kind: Kind) -> ProblemError:
    """The problem that answers `exc`, of the `kind` it is."""
    match exc:
        case InvalidBody():
            errors = _field_errors(exc.pointer, exc.detail)
            return problem(*kind, "the request body is not valid", errors=errors)
        case RuleViolation():
            return problem(*kind, exc.detail, errors=_field_errors(exc.pointer, exc.detail))
        case Conflict() if exc.pointer:
            return problem(*kind, exc.detail, errors=_field_errors(exc.pointer, exc.detail))
        case VersionMismatch(current_version=int(version)):
            tag = etag(version)
            return problem(*kind, exc.detail, headers={"ETag": tag}, current_etag=tag)
        case BodyError() | DomainError() | StoreError():
            return problem(*kind, exc.detail)
        case asyncpg.QueryCanceledError():
            log.warning("statement cancelled", exc_type=type(exc).__name__)
            return timed_out("the database did not answer in time (statement timeout)")
        case _:  # one of DATABASE_UNAVAILABLE
            log.warning("database unavailable", exc_type=type(exc).__name__)
            return unavailable()


def unavailable() -> ProblemError:
    return problem(
        *UNAVAILABLE,
        "the database is unavailable or busy; retry after the time in Retry-After",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def timed_out(detail: str) -> ProblemError:
    return problem(*TIMED_OUT, detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def _respond(exc: ProblemError) -> Response[bytes]:
    return Response(
        encode_problem(exc.problem),
        status_code=exc.problem.status,
        media_type=MEDIA_TYPE,
        headers=exc.headers,
    )


def _answer(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    kind = kind_of(exc)
    if kind is None:  # the bare base of a family: a bug
        return _internal(request, exc)
    return _respond(_problem_for(exc, kind))


_BY_STATUS = {
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


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    """Ours as they are; Litestar's by their status (detail withheld for a server error)."""
    if isinstance(exc, ProblemError):
        return _respond(exc)
    status = exc.status_code
    slug = _BY_STATUS.get(status, "internal" if status >= 500 else "bad-request")
    detail = exc.detail if status < 500 else "the server could not complete the request"
    if status == 413:
        detail = _too_large(request)
    headers = exc.headers
    if headers and "allow" in headers:  # a 405: its methods as OPTIONS gives them
        headers = {**headers, "allow": allow(headers["allow"].split(", "))}
    return _respond(problem(slug, status, detail, headers=headers))


def _too_large(request: Request[Any, Any, Any]) -> str:
    """A 413's detail: the limit the body went over, that of the operation asked for."""
    limit = request.route_handler.resolve_request_max_body_size()
    if not limit:
        return "the body is larger than the service takes"
    return f"the body is larger than this operation takes: at most {size(limit)}"


def size(n: int) -> str:
    """A number of bytes as people read it: `1 MiB (1048576 bytes)`."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor and n % factor == 0:
            return f"{n // factor} {unit} ({n} bytes)"
    return f"{n} bytes"


_MISSING = re.compile(r"Missing required (query|header|cookie|path) parameter '([^']+)'")


def _invalid_parameter(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """Litestar's own validation of query, path and header parameters, reported under the
    names the client sent (not the handler's Python names)."""
    parameters = declared(request.route_handler)
    errors = []
    if missing := _MISSING.match(str(exc.detail)):  # Litestar names it only in its detail
        kind, key = missing.groups()
        name = wire_name(key, parameters.get(key))
        errors.append({"parameter": name, "detail": f"the {kind} parameter {name} is required"})
    for item in exc.extra if isinstance(exc.extra, list) else []:
        message = str(item.get("message", "invalid value"))
        key = item.get("key")
        if not key:
            errors.append({"detail": explain(message, None)})
            continue
        field = parameters.get(str(key))
        detail = explain(message, _expected_of(field), in_query=True)
        errors.append({"parameter": wire_name(str(key), field), "detail": detail})
    return _respond(
        problem("invalid-parameter", 400, "a request parameter is not valid", errors=errors)
    )


def _expected_of(field: FieldDefinition | None) -> str | None:
    """What a parameter's value must be, in words: as its type says, or else (a pattern of its
    own) as its description does."""
    if field is None:
        return None
    words = expected(type_of(field.annotation), items=True)
    kwarg = field.kwarg_definition
    description = getattr(kwarg, "description", None)
    if words is None and getattr(kwarg, "pattern", None) and description:
        words = description.rstrip(".")
        words = words[0].lower() + words[1:] if words[1:2].islower() else words
    return words


def _interface_error(request: Request[Any, Any, Any], exc: asyncpg.InterfaceError) -> Response[Any]:
    """asyncpg's own errors: a connection closed under us (or detached from the pool when the
    database dropped it) means the database went away; the rest are bugs, internal errors."""
    message = str(exc)
    if "closed" in message or "released back to the pool" in message:
        log.warning("database connection lost", exc_type=type(exc).__name__, error=message)
        return _respond(unavailable())
    return _internal(request, exc)


def _connection_state_error(
    request: Request[Any, Any, Any], exc: asyncpg.exceptions.InternalClientError
) -> Response[Any]:
    """asyncpg found a connection in a state it cannot go on from: seen when the database
    drops connections in the middle of operations (a restart). Nothing was committed on it
    and the pool replaces it, so a retry is safe; logged as an error all the same."""
    log.error("database connection in a broken state", exc_type=type(exc).__name__, error=str(exc))
    return _respond(unavailable())


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error", exc_type=type(exc).__name__)
    return _respond(problem("internal", 500, "the server could not complete the request"))


_FAMILIES = (BodyError, DomainError, StoreError, asyncpg.QueryCanceledError, *DATABASE_UNAVAILABLE)
"""What `_answer` handles: the exceptions of `KINDS` by their bases, so that a router's own
handler of a base (the dashboard's of `StoreError`) still comes first for its routes."""

EXCEPTION_HANDLERS = {
    **dict.fromkeys(_FAMILIES, _answer),
    HTTPException: _http_error,
    ValidationException: _invalid_parameter,
    asyncpg.InterfaceError: _interface_error,
    asyncpg.exceptions.InternalClientError: _connection_state_error,
    Exception: _internal,
}
"""The app's exception handlers: every error, as a problem document."""
