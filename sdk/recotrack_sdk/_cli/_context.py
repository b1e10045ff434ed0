"""The context a command runs in."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, TextIO

from recotrack_sdk import Client
from recotrack_sdk._cli._render import CsvWriter
from recotrack_sdk._csv import Dialect

Format = Literal["table", "json", "csv"]


@dataclass
class Context:
    """What a command needs: the SDK client and where and how to write."""

    client: Client
    format: Format
    out: TextIO
    err: TextIO
    progress: bool
    """Draw a progress bar on `err` while paging."""
    fit: int | None
    """Terminal columns to fit a table into; None: do not cut."""
    today: dt.date
    dialect: Dialect = "excel"
    """`--csv`: for Swedish Excel (the default) or RFC 4180."""

    def csv(self, header: Sequence[str]) -> CsvWriter:
        """A CSV writer on `out` in the chosen dialect; it writes the header row."""
        return CsvWriter(self.out, header, self.dialect)

    def write(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.out.write(line + "\n")

    def paragraphs(self, text: str, *, indent: str = "") -> list[str]:
        """Text wrapped to the terminal (or 88 columns), each line as it was a paragraph."""
        columns = min(self.fit or 88, 100) - len(indent)
        lines: list[str] = []
        for line in text.splitlines():
            wrapped = textwrap.wrap(
                line, max(columns, 20), break_long_words=False, break_on_hyphens=False
            )
            lines.extend(indent + part for part in wrapped or [""])
        return [line.rstrip() for line in lines]
