"""What `Client` and `AsyncClient` share, with no I/O: requests as values, how to read their
responses, and when (and after how long) to try again.

An operation is built once per logical call as a `Call`: the request (with its
`Idempotency-Key`, chosen here, once), how to parse a success, whether a retry is safe, and how
to tell, after an ambiguous failure, whether an earlier attempt already did the job. The sync
and async clients only send it, sleep and repeat, so the two cannot drift apart.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Generic, Literal, TypeVar

import msgspec

from recotrack_sdk._errors import (
    APIError,
    ConnectionError,
    IdempotencyInProgressError,
    RecotrackError,
    parse_retry_after,
)
from recotrack_sdk._types import Versioned
from recotrack_sdk._version import __version__
from recotrack_sdk.models import etag

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 3
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
"""A `Retry-After` longer than this is cut to it."""
USER_AGENT = f"recotrack-sdk/{__version__}"

RetryMode = Literal["always", "unsent", "never"]
"""When a failed attempt may be repeated:

- `always`: a read, a POST with an Idempotency-Key, a conditional or idempotent change;
- `unsent`: only when the request surely did not reach the service (it could not connect,
  or was told 429): a POST that cannot carry a key (creating a token);
- `never`: probes, which report what they see.
"""
RETRY_STATUSES = frozenset({429, 502, 503, 504})
_MAYBE_APPLIED_STATUSES = frozenset({502, 504})
"""A gateway's answer: the service may have done the work before the gateway gave up."""


@dataclass(frozen=True, slots=True)
class Response:
    """An HTTP response, read to its end; header names in lower case."""

    status: int
    headers: Mapping[str, str]
    content: bytes


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    extra_timeout: float = 0.0
    """Seconds added to the client's timeout (a long-poll waits that long on purpose)."""


class NoMatch:
    """What `Reconcile.conclude` answers when the current state is not our write's doing."""


NO_MATCH = NoMatch()


@dataclass(frozen=True, slots=True)
class Reconcile(Generic[R, T]):
    """After an attempt that may have been applied, a retry of a conditional change is refused
    (412, 428, 409 or 404: the first one did the change). Read the resource again (`read`;
    None if it is gone) and let `conclude` decide whether it is the result of our change."""

    statuses: frozenset[int]
    read: Call[R]
    conclude: Callable[[R | None], T | NoMatch]


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One logical call: sent once, or again after a retryable failure, always as it is."""

    request: Request
    parse: Callable[[Response], T]
    retry: RetryMode = "always"
    success: frozenset[int] = frozenset()
    """Error statuses that are an answer, not a failure (`/readyz` answers 503)."""
    reconcile: Reconcile[Any, T] | None = None
    download: Download | None = None
    """Stream a successful body into this instead of reading it into `Response.content`."""


class Download:
    """Where a streamed body goes, and how much of it went there: once anything is written,
    a broken connection can no longer be retried."""

    def __init__(self, fp: BinaryIO) -> None:
        self._fp = fp
        self.written = 0

    def write(self, chunk: bytes) -> None:
        self._fp.write(chunk)
        self.written += len(chunk)


# --- reading responses ---------------------------------------------------------------------

_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}


def decoder(type_: Any) -> msgspec.json.Decoder[Any]:
    """One decoder per type, made once and reused."""
    found = _decoders.get(type_)
    if found is None:
        found = _decoders[type_] = msgspec.json.Decoder(type_)
    return found


def parse_json(type_: type[T]) -> Callable[[Response], T]:
    dec = decoder(type_)

    def parse(response: Response) -> T:
        value: T = dec.decode(response.content)
        return value

    return parse


def parse_versioned(type_: type[T]) -> Callable[[Response], Versioned[T]]:
    """The resource and its ETag (as sent; else made from `version` as the API defines it)."""
    dec = decoder(type_)

    def parse(response: Response) -> Versioned[T]:
        value: T = dec.decode(response.content)
        version: Any = getattr(value, "version", "")
        tag = response.headers.get("etag") or etag(version)
        return Versioned(value, tag)

    return parse


def parse_nothing(response: Response) -> None:
    del response


def parse_bytes(response: Response) -> bytes:
    return response.content


# --- retries -------------------------------------------------------------------------------


def retry_delay(
    call: Call[Any], error: RecotrackError, retries_done: int, max_retries: int
) -> float | None:
    """Seconds to wait before trying `call` again after `error`, or None to give up.

    Exponential backoff with full jitter (a random wait up to 0.5 s, 1 s, 2 s, … 8 s), or the
    server's `Retry-After` when it sends one (at most `MAX_RETRY_AFTER`).
    """
    if retries_done >= max_retries or call.retry == "never":
        return None
    if isinstance(error, ConnectionError):
        if call.retry == "unsent" and error.request_sent:
            return None
    elif isinstance(error, APIError):
        retryable = error.status in RETRY_STATUSES or isinstance(error, IdempotencyInProgressError)
        if not retryable or (call.retry == "unsent" and error.status != 429):
            return None
        retry_after = parse_retry_after(error.headers.get("retry-after"))
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER)
    else:
        return None
    ceiling = min(MAX_RETRY_DELAY, INITIAL_RETRY_DELAY * 2**retries_done)
    return random.uniform(0, ceiling)  # noqa: S311  (jitter, not a secret)


def maybe_applied(error: RecotrackError) -> bool:
    """Whether the service may have done the work although we got no success back."""
    if isinstance(error, ConnectionError):
        return error.request_sent
    return isinstance(error, APIError) and error.status in _MAYBE_APPLIED_STATUSES


# --- configuration -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Options:
    base_url: str
    token: str | None = field(repr=False)
    timeout: float
    max_retries: int
    headers: Mapping[str, str] = field(repr=False)  # holds the token

    @classmethod
    def make(
        cls,
        base_url: str | None,
        token: str | None,
        *,
        timeout: float,
        max_retries: int,
        user_agent: str | None,
    ) -> Options:
        url = base_url or os.environ.get("RECOTRACK_URL")
        if not url:
            raise ValueError("no base_url given, and RECOTRACK_URL is not set")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        secret = token if token is not None else os.environ.get("RECOTRACK_TOKEN")
        agent = USER_AGENT if not user_agent else f"{user_agent} {USER_AGENT}"
        headers = {"User-Agent": agent, "Accept": "application/json"}
        if secret:
            headers["Authorization"] = f"Bearer {secret}"
        return cls(url.rstrip("/"), secret, timeout, max_retries, headers)
