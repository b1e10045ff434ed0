"""The SDK's exceptions: one tree, mapped from the problem `type` the service sends.

```
RecotrackError
├── APIError                         the service answered with a problem (RFC 9457)
│   ├── BadRequestError              400
│   ├── AuthenticationError          401
│   ├── PermissionDeniedError        403
│   ├── NotFoundError                404 (also: another agency's data)
│   ├── ConflictError                409
│   │   ├── TransitionNotAllowedError      the recommendation's state does not allow it
│   │   └── IdempotencyInProgressError     the same Idempotency-Key is still running
│   ├── PreconditionFailedError      412, with `current_etag`
│   ├── PreconditionRequiredError    428
│   ├── ValidationError              422, with field `errors`
│   │   ├── RuleViolationError             a business rule, not the schema
│   │   └── IdempotencyKeyMismatchError    the key was used for another request
│   ├── RateLimitedError             429, with `retry_after`
│   └── ServerError                  5xx
├── ConnectionError                  no response (also a builtin ConnectionError)
│   └── TimeoutError                 no response in time (also a builtin TimeoutError)
└── WebhookVerificationError         a delivery's signature is wrong, missing or stale
```

Every `APIError` keeps the HTTP `status`, the problem `type`, its `detail`, the field
`errors`, the `request_id` (the `X-Request-ID` header: quote it when asking for help), the
parsed `problem` and the raw response `headers` and `body`.
"""

from __future__ import annotations

import builtins
import datetime as dt
import email.utils
import math
from collections.abc import Mapping

import msgspec

__all__ = [
    "PROBLEM_BASE",
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ConnectionError",
    "FieldError",
    "IdempotencyInProgressError",
    "IdempotencyKeyMismatchError",
    "NotFoundError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "PreconditionRequiredError",
    "Problem",
    "RateLimitedError",
    "RecotrackError",
    "RuleViolationError",
    "ServerError",
    "TimeoutError",
    "TransitionNotAllowedError",
    "ValidationError",
    "WebhookVerificationError",
]

PROBLEM_BASE = "https://recotrack.se/problems/"


class FieldError(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One thing wrong with the request: a JSON `pointer` into the body, or a `parameter`."""

    pointer: str | None = None
    parameter: str | None = None
    detail: str


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem document, as the service sent it (unknown members are ignored).

    The service writes its problems with this struct too: members left at their defaults are
    not sent, the others in the order of the fields (the order the service always had)."""

    status: int = 0
    type: str = "about:blank"
    title: str = ""
    detail: str = ""
    instance: str | None = None
    errors: list[FieldError] = msgspec.field(default_factory=list)
    current_etag: str | None = None

    @property
    def slug(self) -> str:
        """The last part of `type`, e.g. `not-found`; empty for a type not of this API."""
        return self.type.removeprefix(PROBLEM_BASE) if self.type.startswith(PROBLEM_BASE) else ""


class RecotrackError(Exception):
    """Base of every exception the SDK raises."""


class APIError(RecotrackError):
    """The service answered, with an error status and (usually) a problem document."""

    def __init__(
        self,
        problem: Problem,
        *,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
    ) -> None:
        self.problem = problem
        self.status = status
        self.type = problem.type
        self.detail = problem.detail
        self.errors = problem.errors
        self.headers = dict(headers)
        """Response headers, names in lower case."""
        self.body = body
        self.request_id = self.headers.get("x-request-id")
        message = f"{status} {problem.slug or problem.title or 'error'}: {problem.detail}"
        if problem.errors:
            message += " (" + "; ".join(_describe(e) for e in problem.errors) + ")"
        if self.request_id:
            message += f" [request {self.request_id}]"
        super().__init__(message)


def _describe(error: FieldError) -> str:
    where = error.pointer if error.pointer is not None else error.parameter
    return f"{where}: {error.detail}" if where else error.detail


class BadRequestError(APIError):
    """400: malformed JSON, a bad query parameter or cursor."""


class AuthenticationError(APIError):
    """401: no token, or an unknown or revoked one."""


class PermissionDeniedError(APIError):
    """403: the token's role may not do this."""


class NotFoundError(APIError):
    """404: no such resource, or not one this token may see."""


class ConflictError(APIError):
    """409: a uniqueness rule or the recommendation's state does not allow it."""


class TransitionNotAllowedError(ConflictError):
    """409: the recommendation's state does not allow this action."""


class IdempotencyInProgressError(ConflictError):
    """409: a request with the same Idempotency-Key is still running (retried by the SDK)."""


class PreconditionFailedError(APIError):
    """412: `If-Match` names a version that is no longer current. Read it again."""

    @property
    def current_etag(self) -> str | None:
        """The ETag of the current version, when the resource still exists."""
        return self.problem.current_etag or self.headers.get("etag")


class PreconditionRequiredError(APIError):
    """428: changing an existing resource needs `If-Match`."""


class ValidationError(APIError):
    """422: the body breaks the schema or a rule; see `errors` (JSON pointers)."""


class RuleViolationError(ValidationError):
    """422: a business rule (e.g. a rationale is required for a rejection)."""


class IdempotencyKeyMismatchError(ValidationError):
    """422: this Idempotency-Key was already used for a different request."""


class RateLimitedError(APIError):
    """429: too many requests; `retry_after` says how long to wait (seconds), when known."""

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers.get("retry-after"))


class ServerError(APIError):
    """5xx: the service (or a proxy before it) failed."""


class ConnectionError(RecotrackError, builtins.ConnectionError):
    """No response: the service could not be reached, or the connection broke.

    `request_sent` is False when the request surely never reached the service (it could not
    connect); True when it may have been processed.
    """

    def __init__(self, message: str, *, request_sent: bool) -> None:
        super().__init__(message)
        self.request_sent = request_sent


class TimeoutError(ConnectionError, builtins.TimeoutError):
    """No response within the timeout."""


_BY_SLUG: dict[str, type[APIError]] = {
    "transition-not-allowed": TransitionNotAllowedError,
    "idempotency-in-progress": IdempotencyInProgressError,
    "idempotency-key-mismatch": IdempotencyKeyMismatchError,
    "rule-violation": RuleViolationError,
}
_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    422: ValidationError,
    428: PreconditionRequiredError,
    429: RateLimitedError,
}
_problem = msgspec.json.Decoder(Problem)


def error_for(status: int, headers: Mapping[str, str], body: bytes) -> APIError:
    """The exception for an error response (`headers` with lower-case names)."""
    try:
        problem = _problem.decode(body)
    except msgspec.DecodeError:
        text = body[:500].decode("utf-8", "replace").strip()
        problem = Problem(status=status, detail=text or f"HTTP {status}")
    cls = _BY_SLUG.get(problem.slug) or _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else APIError
    return cls(problem, status=status, headers=headers, body=body)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


class WebhookVerificationError(RecotrackError):
    """A webhook delivery did not verify (`recotrack_sdk.webhooks.verify`): a signature by none
    of the secrets, headers missing, a timestamp more than five minutes off (a replay, or a
    clock to fix), or a body that is not a delivery. Answer it with a 4xx and drop it."""
