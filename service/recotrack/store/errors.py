"""What the store reports besides rows: the API maps each to one problem type."""

from __future__ import annotations

import asyncpg


class StoreError(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(StoreError):
    """No such row, or not one the caller may see (the two are not told apart)."""


class Conflict(StoreError):
    """A uniqueness rule would be broken (a code, an org number, an external ref)."""

    def __init__(self, detail: str, *, pointer: str | None = None) -> None:
        super().__init__(detail)
        self.pointer = pointer


class VersionMismatch(StoreError):
    """The caller's `If-Match` names a version that is not the current one (412).

    `current_version` goes back to the caller as the current ETag; None when it is not known:
    the resource does not exist yet, or the header names no version at all."""

    def __init__(self, current_version: int | None, *, detail: str | None = None) -> None:
        if detail is None:
            detail = (
                "the resource does not exist yet: send no If-Match to create it"
                if current_version is None
                else f"the resource has changed: its current version is {current_version}"
            )
        super().__init__(detail)
        self.current_version = current_version


class InvalidCursor(StoreError):
    """A cursor that this list did not hand out."""


class VersionRequired(StoreError):
    """A change to a resource that exists needs the caller's `If-Match` (428)."""


def check_version(current: int, expected: int | None, what: str) -> None:
    """Optimistic concurrency: the caller must have read the version it changes."""
    if expected is None:
        raise VersionRequired(
            f"the {what} exists already: send If-Match with the ETag of the version you read"
        )
    if current != expected:
        raise VersionMismatch(current)


# The database is down, restarting, refusing connections or lending none in time: the request
# did not happen (or its transaction was rolled back) and a retry later may succeed. The API
# answers 503 with Retry-After. A pool that lends no connection within its acquire timeout
# raises TimeoutError (an OSError), as does a connection attempt that gets no answer.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,  # 08xxx: refused, lost, closed in the middle of a query
    asyncpg.CannotConnectNowError,  # 57P03: starting up or shutting down
    asyncpg.AdminShutdownError,  # 57P01: stopped under our connection
    asyncpg.CrashShutdownError,  # 57P02
    asyncpg.TooManyConnectionsError,  # 53300
    # Refused or reset at the socket, or no socket file (a stopped server on a Unix socket);
    # nothing else in a request does I/O of its own. TimeoutError is one of these.
    OSError,
)
