"""Shared helpers: rows to wire structs, keyset pages, partial updates, uniqueness errors."""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import asyncpg
import msgspec

from recotrack.store.errors import Conflict, InvalidCursor, NotFound

T = TypeVar("T")

_cursor_decoder = msgspec.json.Decoder(tuple[str, str, str])


def must(row: asyncpg.Record | None) -> asyncpg.Record:
    """A row that must exist: a write's RETURNING, or a row read under a lock we hold."""
    if row is None:
        raise LookupError("expected a row")
    return row


def to_struct(row: asyncpg.Record | None, kind: type[T]) -> T:
    return msgspec.convert(dict(must(row)), kind)


def _as_text(value: object) -> str:
    """A sort key as text that PostgreSQL casts back to exactly the same value."""
    if isinstance(value, dt.date):  # dates and datetimes, in ISO 8601
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _bigint(text: str) -> int:
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise ValueError(text)
    return value


_PARSERS: dict[str, Callable[[str], object]] = {
    "bigint": _bigint,
    "timestamptz": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "float8": float,
    "uuid": uuid.UUID,
    "text": str,
}


def _fits(value: str, sql_type: str) -> bool:
    """True when PostgreSQL can cast `value` to `sql_type`: a cursor is outside input."""
    try:
        _PARSERS[sql_type](value)
    except ValueError:
        return False
    return "\x00" not in value


_BEFORE = "before:"
"""What a cursor's list name starts with when it asks for the page before its row."""


class Keyset:
    """Keyset pagination, never OFFSET: rows after the last one seen in `(key, id)` order, so a
    page is stable under concurrent inserts. The cursor names its list (and, through
    `list_name`, its sort and filters), so it cannot be used on another.

    A cursor from `previous` asks for the page before a row instead: the rows are then read
    in the opposite order (the same index, walked backwards) and `page` puts them back."""

    def __init__(
        self,
        list_name: str,
        cursor: str | None,
        limit: int,
        *,
        table: str,
        id_type: str = "uuid",
        key: str = "created_at",
        key_type: str = "timestamptz",
        descending: bool = False,
    ) -> None:
        self.list_name = list_name
        self.id_type = id_type
        # Qualified: a bare `id` in ORDER BY would mean the output column (`id::text`), which
        # sorts differently from the key in WHERE and cannot use the index.
        self.id_column = f"{table}.id"
        self.key = f"{table}.{key}" if key.isidentifier() else key
        self.row_key = key if key.isidentifier() else "sort_key"
        self.key_type = key_type
        self.backward = False
        """Whether the cursor asks for the page before its row (set by `_decode`)."""
        self.after = self._decode(cursor)
        self.descending = descending != self.backward
        """The order rows are read in: the list's own, reversed for a page before a row."""
        self.limit = limit

    def _decode(self, cursor: str | None) -> tuple[str, str] | None:
        if cursor is None:
            return None
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            name, key, id_ = _cursor_decoder.decode(raw)
        except (binascii.Error, ValueError, msgspec.DecodeError):
            raise InvalidCursor("the cursor is not one this API handed out") from None
        if name == _BEFORE + self.list_name:
            self.backward = True
        elif name != self.list_name:
            raise InvalidCursor("the cursor belongs to another list, sort or filter")
        if not (_fits(key, self.key_type) and _fits(id_, self.id_type)):
            raise InvalidCursor("the cursor is not one this API handed out")
        return key, id_

    def where(self, args: list[Any]) -> str:
        """The SQL condition for rows after the cursor; appends its parameters to `args`."""
        if self.after is None:
            return "true"
        args.extend(self.after)
        op = "<" if self.descending else ">"
        return (
            f"({self.key}, {self.id_column}) {op} "
            f"(${len(args) - 1}::text::{self.key_type}, ${len(args)}::text::{self.id_type})"
        )

    def after_row(self, key: object, id_: object) -> Keyset:
        """The same list, continued after the row with this key and id."""
        continued = copy.copy(self)
        continued.after = (_as_text(key), str(id_))
        return continued

    @property
    def order_by(self) -> str:
        direction = "desc" if self.descending else "asc"
        return f"{self.key} {direction}, {self.id_column} {direction}"

    @property
    def fetch(self) -> int:
        """Fetch one row more than the page, to know whether there is a next page."""
        return self.limit + 1

    def page(self, rows: Sequence[asyncpg.Record], kind: type[T]) -> tuple[list[T], str | None]:
        """The items, in the list's order, and the cursor of the next page (None on the last).
        `rows` as read (`fetch` of them, in `order_by`). A key that is an expression, not a
        column, must be selected as `sort_key`."""
        shown = self._shown(rows)
        items = [to_struct(row, kind) for row in shown]
        more_after = bool(shown) if self.backward else len(rows) > self.limit
        return items, self._cursor(self.list_name, shown[-1]) if more_after else None

    def previous(self, rows: Sequence[asyncpg.Record]) -> str | None:
        """The cursor of the page before this one (None on the first), for the same `rows`."""
        shown = self._shown(rows)
        more_before = len(rows) > self.limit if self.backward else self.after is not None
        return self._cursor(_BEFORE + self.list_name, shown[0]) if more_before and shown else None

    def _shown(self, rows: Sequence[asyncpg.Record]) -> list[asyncpg.Record]:
        shown = list(rows[: self.limit])
        return shown[::-1] if self.backward else shown

    def _cursor(self, name: str, row: asyncpg.Record) -> str:
        raw = msgspec.json.encode((name, _as_text(row[self.row_key]), str(row["id"])))
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


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
