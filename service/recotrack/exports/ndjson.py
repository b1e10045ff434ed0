"""NDJSON: one JSON object a line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

_encoder = msgspec.json.Encoder()


def objects(columns: Sequence[str], values: Iterable[Sequence[Any]]) -> bytes:
    """Rows of values as lines of objects, keyed by `columns`."""
    buffer = bytearray()
    for row in values:
        _encoder.encode_into(dict(zip(columns, row, strict=True)), buffer, len(buffer))
        buffer += b"\n"
    return bytes(buffer)
