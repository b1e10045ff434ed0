"""CSV as Swedish Excel opens it by double-click (UTF-8 with a BOM, `;` between fields, CRLF
line ends, ISO dates, moments in UTC), or plain RFC 4180 (comma, no BOM)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from recotrack.exports.moments import utc_text

# The dialects are defined once, in the SDK, whose CLI writes the same CSV.
from recotrack_sdk._csv import BOM, CRLF, Dialect, separator

__all__ = ["BOM", "CRLF", "Dialect", "header", "rows", "separator"]


def header(columns: Sequence[str], dialect: Dialect) -> bytes:
    """The header row, after the BOM that tells Excel the file is UTF-8."""
    bom = BOM if dialect == "excel" else ""
    return (bom + separator(dialect).join(columns) + CRLF).encode()


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return utc_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else value


def rows(values: Iterable[Sequence[Any]], dialect: Dialect) -> bytes:
    """Rows of values as CSV lines: booleans as `true`/`false`, dates in ISO, moments as
    `moments.utc_text`, NULL empty."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator(dialect), lineterminator=CRLF)
    writer.writerows([_cell(v) for v in row] for row in values)
    return out.getvalue().encode()
