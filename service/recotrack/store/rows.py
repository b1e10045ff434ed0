"""Shared helpers: rows to wire structs, keyset pages, partial updates, uniqueness errors."""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import asyncpg
import msgspec

from recotrack.store.errors import Conflict, InvalidCursor, NotFound

T = TypeVar("T")

_cursor_decoder = msgspec.json.Decoder(tuple[str, dt.datetime, str])


def must(row: asyncpg.Record | None) -> asyncpg.Record:
    """A row that must exist: a write's RETURNING, or a row read under a lock we hold."""
    if row is None:
        raise LookupError("expected a row")
    return row


def to_struct(row: asyncpg.Record | None, kind: type[T]) -> T:
    return msgspec.convert(dict(must(row)), kind)


def encode_cursor(list_name: str, created_at: dt.datetime, id_: str) -> str:
    raw = msgspec.json.encode((list_name, created_at, id_))
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(list_name: str, cursor: str | None) -> tuple[dt.datetime, str] | None:
    """The position after which the next page starts; None for the first page."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, created_at, id_ = _cursor_decoder.decode(raw)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise InvalidCursor("the cursor is not one this API handed out") from None
    if name != list_name:
        raise InvalidCursor(f"the cursor belongs to another list, not to {list_name}")
    return created_at, id_


class Keyset:
    """Keyset pagination over `(created_at, id)`: stable under concurrent inserts, never OFFSET."""

    def __init__(
        self, list_name: str, cursor: str | None, limit: int, *, id_type: str = "uuid"
    ) -> None:
        self.list_name = list_name
        self.id_type = id_type
        self.after = decode_cursor(list_name, cursor)
        self.limit = limit

    def where(self, args: list[Any], alias: str = "") -> str:
        """The SQL condition for rows after the cursor; appends its parameters to `args`."""
        if self.after is None:
            return "true"
        args.extend(self.after)
        prefix = f"{alias}." if alias else ""
        return (
            f"({prefix}created_at, {prefix}id) > "
            f"(${len(args) - 1}::timestamptz, ${len(args)}::{self.id_type})"
        )

    @property
    def fetch(self) -> int:
        """Fetch one row more than the page, to know whether there is a next page."""
        return self.limit + 1

    def page(self, rows: Sequence[asyncpg.Record], kind: type[T]) -> tuple[list[T], str | None]:
        items = [to_struct(row, kind) for row in rows[: self.limit]]
        if len(rows) <= self.limit:
            return items, None
        last = rows[self.limit - 1]
        return items, encode_cursor(self.list_name, last["created_at"], str(last["id"]))


def assignments(changes: dict[str, Any], args: list[Any]) -> str:
    """`col = $n, …` for the given columns (names from our own structs, never from input)."""
    parts = []
    for column, value in changes.items():
        args.append(value)
        parts.append(f"{column} = ${len(args)}")
    return ", ".join(parts)


def set_fields(patch: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body sets: UNSET ones are left alone."""
    return {
        name: value
        for name in patch.__struct_fields__
        if (value := getattr(patch, name)) is not msgspec.UNSET
    }


@contextlib.contextmanager
def unique_violation(messages: dict[str, tuple[str, str]]) -> Iterator[None]:
    """Turn a unique violation into a `Conflict` naming the field (constraint → pointer, text)."""
    try:
        yield
    except asyncpg.UniqueViolationError as exc:
        pointer, detail = messages.get(
            exc.constraint_name or "", ("", "the value is already taken")
        )
        raise Conflict(detail, pointer=pointer or None) from None


def maybe_id(value: str) -> uuid.UUID | None:
    """The id, or None when the text is not even a well-formed id."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def parse_id(value: str, what: str) -> uuid.UUID:
    """An id from a URL; one that is not even well-formed names nothing."""
    parsed = maybe_id(value)
    if parsed is None:
        raise NotFound(f"no {what} {value!r}")
    return parsed
