"""Small public types of the SDK that are not wire models of the API."""

from __future__ import annotations

from typing import Any, Generic, NamedTuple, Protocol, TypeAlias, TypeVar

from recotrack_sdk.models import Health, etag

__all__ = ["HasVersion", "Health", "IfMatch", "Versioned", "etag_of"]

T = TypeVar("T")


class Versioned(NamedTuple, Generic[T]):
    """A resource and the `ETag` of the version it is: pass it as `if_match=` to change it.

    A tuple, so both `current.value` and `agency, etag = client.get_agency(...)` work.
    """

    value: T
    etag: str


class HasVersion(Protocol):
    """Any resource with a `version` (every mutable one, e.g. an item of a list)."""

    @property
    def version(self) -> int: ...


IfMatch: TypeAlias = str | Versioned[Any] | HasVersion
"""What `if_match=` accepts: an ETag, a `Versioned` from a read, or a resource read in a list
(its ETag is its `version` in quotes, as the API defines it)."""


def etag_of(if_match: IfMatch) -> str:
    """The ETag to send as `If-Match`."""
    if isinstance(if_match, str):
        return if_match
    if isinstance(if_match, Versioned):
        return if_match.etag
    return etag(if_match.version)
