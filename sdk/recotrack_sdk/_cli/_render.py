"""Output: aligned tables for people, JSON and CSV for scripts.

Tables are measured in terminal columns, not code points: a Swedish letter written as a base
letter and a combining mark (`a` + U+030A, as macOS file names and some copy-pastes have it)
is one column, an East Asian wide character two, so the columns line up.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, TextIO
from zoneinfo import ZoneInfo

import msgspec

from recotrack_sdk._csv import BOM, CRLF, Dialect, decimal, separator

Align = Literal["<", ">"]

TIME_ZONE = "Europe/Stockholm"
STOCKHOLM = ZoneInfo(TIME_ZONE)
"""People are shown Swedish time (the API speaks UTC): tables and fields say which."""

_CONTROL = dict.fromkeys(map(chr, [*range(32), 127]), " ")
_TRANSLATE = str.maketrans(_CONTROL)
ELLIPSIS = "…"


def clean(text: str) -> str:
    """One line of text for a table cell: NFC, control characters (newlines) as spaces."""
    return unicodedata.normalize("NFC", text).translate(_TRANSLATE)


def char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def width(text: str) -> int:
    """How many terminal columns `text` takes."""
    return sum(char_width(c) for c in text)


def truncate(text: str, columns: int) -> str:
    """`text` cut to at most `columns` terminal columns, with an ellipsis when cut."""
    if width(text) <= columns:
        return text
    if columns <= 0:
        return ""
    kept: list[str] = []
    used = 0
    for char in text:
        w = char_width(char)
        if used + w > columns - 1:
            break
        kept.append(char)
        used += w
    return "".join(kept) + ELLIPSIS


def pad(text: str, columns: int, align: Align = "<") -> str:
    gap = " " * max(0, columns - width(text))
    return text + gap if align == "<" else gap + text


def local_time(value: dt.datetime) -> str:
    """An instant in Swedish time to the minute, without saying so (the column head does)."""
    local = value.astimezone(STOCKHOLM) if value.tzinfo is not None else value
    return local.strftime("%Y-%m-%d %H:%M")


def display(value: object) -> str:
    """A value as a table shows it: dates as dates, times in Swedish time to the minute, with
    the zone's abbreviation (`2026-03-01 13:00 CET`, `2026-07-01 14:00 CEST`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return local_time(value)
        return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M %Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.1f}"
    return clean(str(value))


def number(n: int) -> str:
    """A whole number as Swedish writes it: thousands apart by a space."""
    return f"{n:,}".replace(",", " ")


def count(n: int, noun: str) -> str:
    """`n` of `noun`, e.g. `1 recommendation`, `2 000 recommendations`."""
    return f"{number(n)} {noun}{'' if n == 1 else 's'}"


AREA_LABELS: dict[str, str] = {
    "ways_of_working": "arbetssätt",
    "governance": "styrning och ledning",
    "competence": "kompetens",
    "results": "resultat",
    "enabling_conditions": "förutsättningskapande",
}


def area_label(area: str) -> str:
    """An area in Swedish words, with its name: `kompetens (competence)`."""
    return f"{AREA_LABELS.get(area, area)} ({area})"


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    align: Sequence[Align] | None = None,
    fit: int | None = None,
    squeeze: int | None = None,
) -> list[str]:
    """Lines of an aligned table: a header, a rule, the rows (cells already strings).

    With `fit` (terminal columns), the column `squeeze` (default: the last) is cut so that each
    line fits, but never narrower than its header or 10 columns.
    """
    body = [[clean(cell) for cell in row] for row in rows]
    heads = [clean(h) for h in headers]
    aligns: Sequence[Align] = align or ["<"] * len(heads)
    widths = [width(h) for h in heads]
    for row in body:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], width(cell))
    if fit is not None and heads:
        index = len(heads) - 1 if squeeze is None else squeeze
        others = sum(widths) - widths[index] + 2 * (len(heads) - 1)
        widths[index] = min(widths[index], max(fit - others, width(heads[index]), 10))
        body = [
            [truncate(cell, widths[index]) if i == index else cell for i, cell in enumerate(row)]
            for row in body
        ]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(pad(c, widths[i], aligns[i]) for i, c in enumerate(cells)).rstrip()

    rule = "  ".join("─" * w for w in widths)
    return [line(heads), rule, *(line(row) for row in body)]


def fields(pairs: Iterable[tuple[str, object]]) -> list[str]:
    """Lines of `label  value` pairs, labels aligned; a value with newlines is indented."""
    shown = [
        (clean(label), display(value) if not isinstance(value, str) else value)
        for label, value in pairs
    ]
    shown = [(label, value) for label, value in shown if value != ""]
    column = max((width(label) for label, _ in shown), default=0) + 2
    lines: list[str] = []
    for label, value in shown:
        parts = [clean(part) for part in value.splitlines()] or [""]
        lines.append(pad(label, column) + parts[0])
        lines.extend(" " * column + part for part in parts[1:])
    return lines


# --- for scripts ---------------------------------------------------------------------------


def to_builtins(value: object) -> Any:
    """Plain JSON types (dates as ISO 8601 text), keys in the models' declared order."""
    return msgspec.to_builtins(value)


def json_document(value: object) -> str:
    """One JSON document, indented, UTF-8 as is (no \\u escapes), ending with a newline."""
    return json.dumps(to_builtins(value), ensure_ascii=False, indent=2) + "\n"


def json_array(items: Iterable[object]) -> Iterator[str]:
    """A JSON array, one element a line, produced as the elements come (constant memory)."""
    first = True
    for item in items:
        yield ("[\n  " if first else ",\n  ") + json.dumps(to_builtins(item), ensure_ascii=False)
        first = False
    yield "[]\n" if first else "\n]\n"


def csv_cell(value: object, dialect: Dialect = "rfc4180") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime):
        return str(to_builtins(value))  # as the API writes it (UTC as `Z`)
    if isinstance(value, float):
        return decimal(value, dialect)
    if isinstance(value, list | tuple):
        return "; ".join(csv_cell(v, dialect) for v in value)
    if isinstance(value, dict):
        return json.dumps(to_builtins(value), ensure_ascii=False, sort_keys=True)
    return str(value)


class CsvWriter:
    """CSV in the API's dialects: `excel` (the default: what Swedish Excel opens by
    double-click, UTF-8 with a BOM, `;` between fields, decimal commas) or `rfc4180` (comma,
    no BOM); a header row, CRLF line ends, fields quoted when they need it."""

    def __init__(self, out: TextIO, header: Sequence[str], dialect: Dialect = "excel") -> None:
        if dialect == "excel":
            out.write(BOM)
        self._dialect: Dialect = dialect
        self._writer = csv.writer(
            out, delimiter=separator(dialect), lineterminator=CRLF, quoting=csv.QUOTE_MINIMAL
        )
        self._writer.writerow(header)

    def row(self, values: Iterable[object]) -> None:
        self._writer.writerow([csv_cell(v, self._dialect) for v in values])
