"""The context a command runs in."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, TextIO

from recotrack_sdk import Client

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
