"""NDJSON: one JSON object a line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from recotrack.exports.moments import utc_text

_encoder = msgspec.json.Encoder()


def _value(value: Any) -> Any:
    # msgspec writes a moment with the offset it carries: the export's rule is UTC, `Z`
    return utc_text(value) if isinstance(value, dt.datetime) else value


def objects(columns: Sequence[str], values: Iterable[Sequence[Any]]) -> bytes:
    """Rows of values as lines of objects, keyed by `columns`; moments as `moments.utc_text`."""
    buffer = bytearray()
    for row in values:
        line = {column: _value(value) for column, value in zip(columns, row, strict=True)}
        _encoder.encode_into(line, buffer, len(buffer))
        buffer += b"\n"
    return bytes(buffer)
