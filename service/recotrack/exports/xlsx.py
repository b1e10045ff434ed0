"""XLSX: one sheet, written row by row in xlsxwriter's constant-memory mode.

A workbook is a ZIP, complete only when closed, so it is written to a temporary file (in a
worker thread, a chunk of rows at a time) and then streamed from that file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Iterator, Sequence
from typing import Any

import anyio
import xlsxwriter

from recotrack.exports.moments import EXCEL_FORMAT, utc

CHUNK = 64 * 1024
"""Bytes read from the finished file at a time."""


class Sheet:
    """A workbook of one sheet: a bold, frozen header row, then rows as they are written."""

    def __init__(self, path: str, name: str, columns: Sequence[str]) -> None:
        self.book = xlsxwriter.Workbook(
            path,
            {
                "constant_memory": True,
                "default_date_format": "yyyy-mm-dd",
                "remove_timezone": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self.sheet = self.book.add_worksheet(name)
        bold = self.book.add_format({"bold": True})
        self.stamp = self.book.add_format({"num_format": EXCEL_FORMAT})
        self.sheet.write_row(0, 0, columns, bold)
        self.sheet.freeze_panes(1, 0)
        self.next_row = 1

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        """Rows of values: NULL as an empty cell, moments in UTC (shown with a `Z`)."""
        for row in rows:
            for column, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.datetime):
                    moment = utc(value).replace(tzinfo=None)
                    self.sheet.write_datetime(self.next_row, column, moment, self.stamp)
                elif isinstance(value, bool):
                    self.sheet.write_boolean(self.next_row, column, value)
                else:
                    self.sheet.write(self.next_row, column, value)
            self.next_row += 1

    def close(self) -> None:
        self.book.close()


@contextlib.contextmanager
def temporary_file() -> Iterator[str]:
    """The path of a new temporary file, removed at the end."""
    handle, path = tempfile.mkstemp(prefix="recotrack-export-", suffix=".xlsx")
    os.close(handle)
    try:
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


async def write(
    path: str, *, name: str, columns: Sequence[str], chunks: AsyncIterable[list[list[Any]]]
) -> None:
    """Write the workbook to `path`, each chunk of rows in a worker thread."""
    sheet = await anyio.to_thread.run_sync(Sheet, path, name, columns)
    async for rows in chunks:
        await anyio.to_thread.run_sync(sheet.write, rows)
    await anyio.to_thread.run_sync(sheet.close)


async def read(path: str) -> AsyncIterator[bytes]:
    """The finished file, a chunk at a time."""
    async with await anyio.open_file(path, "rb") as file:
        while chunk := await file.read(CHUNK):
            yield chunk
