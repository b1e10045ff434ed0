"""`export`: the recommendations as a file (`GET /v1/exports/recommendations`), CSV for Swedish
Excel by default, NDJSON or XLSX, with the filters of `list`.

The file is written beside its final name and renamed into place when the download is
complete, so a failed or interrupted export leaves nothing half-written behind, and an
existing file is never overwritten without `--force`. Without `-o`, the name is the one the
service gives (`Content-Disposition`), reduced to a plain file name in the current directory.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import BinaryIO, TextIO, cast, get_args

import msgspec

from recotrack_sdk._cli._context import Context
from recotrack_sdk._cli._progress import Progress, byte_count
from recotrack_sdk._exports import Export, RecommendationFormat
from recotrack_sdk.models import RecommendationQuery

FORMATS: tuple[RecommendationFormat, ...] = get_args(RecommendationFormat)
STDOUT = "-"

_UNSAFE = re.compile(r"[^\w.\-]+")


class ExportRefused(Exception):
    """The export would overwrite a file, or write binary to a terminal: the message says so."""


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        dest="export_format",
        choices=FORMATS,
        default="csv",
        help="csv (the default: for Swedish Excel, see --dialect), ndjson (one JSON object a "
        "line) or xlsx (an Excel workbook)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write it ('-': stdout); without it, the name the service gives, in the "
        "current directory",
    )
    parser.add_argument(
        "--force", action="store_true", help="overwrite the file if it exists already"
    )


def safe_filename(name: str | None, fallback: str) -> str:
    """A name from the service as a plain file name: no directory, no path separator, no
    control character, not hidden; `fallback` when nothing usable is left."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = _UNSAFE.sub("_", base).lstrip(".-_")
    return base[:200] if base else fallback


def run_export(ctx: Context, args: argparse.Namespace, f: RecommendationQuery) -> None:
    fmt: RecommendationFormat = args.export_format
    if args.output == STDOUT:
        _to_stdout(ctx, f, fmt)
        return
    target = Path(args.output) if args.output else None
    if target is not None and target.exists() and not args.force:
        raise ExportRefused(f"{target} exists already (give --force to overwrite it)")
    folder = target.parent if target is not None else Path.cwd()
    fd, part = tempfile.mkstemp(prefix=".recotrack-export-", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as file:
            export = _download(ctx, f, fmt, file)
        if target is None:
            fallback = f"recotrack-recommendations.{fmt}"
            target = folder / safe_filename(export.filename, fallback)
        _put_in_place(Path(part), target, force=args.force)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(part)
    ctx.out.write(f"{target}\n")  # alone on stdout, for scripts: f=$(recotrack-cli export)
    ctx.err.write(f"wrote {target}: {byte_count(export.size)}\n")


def _put_in_place(part: Path, target: Path, *, force: bool) -> None:
    if force:
        os.replace(part, target)
        return
    try:
        os.link(part, target)  # fails if the name is taken (even by a file made meanwhile)
    except FileExistsError:
        raise ExportRefused(f"{target} exists already (give --force to overwrite it)") from None
    except OSError:  # a file system without hard links: a check, then a rename
        if target.exists():
            raise ExportRefused(f"{target} exists already (give --force to overwrite it)") from None
        os.replace(part, target)


def _to_stdout(ctx: Context, f: RecommendationQuery, fmt: RecommendationFormat) -> None:
    binary = getattr(ctx.out, "buffer", None)
    if fmt == "xlsx" and (binary is None or _isatty(ctx.out)):
        raise ExportRefused("xlsx is binary: give -o FILE, or send stdout to a file or a pipe")
    ctx.out.flush()
    sink: BinaryIO = binary if binary is not None else cast(BinaryIO, _TextSink(ctx.out))
    _download(ctx, f, fmt, sink)
    sink.flush()


def _download(
    ctx: Context, f: RecommendationQuery, fmt: RecommendationFormat, file: BinaryIO
) -> Export:
    with Progress(ctx.err, "export", enabled=ctx.progress, render=byte_count) as bar:
        counted = cast(BinaryIO, _Counted(file, bar))
        return ctx.client.export_recommendations(
            counted, format=fmt, dialect=ctx.dialect, **msgspec.structs.asdict(f)
        )


class _Counted:
    """A binary file whose writes advance a progress bar, by bytes."""

    def __init__(self, file: BinaryIO, bar: Progress) -> None:
        self._file = file
        self._bar = bar

    def write(self, chunk: bytes) -> int:
        self._file.write(chunk)
        self._bar.advance(len(chunk))
        return len(chunk)

    def flush(self) -> None:
        self._file.flush()


class _TextSink:
    """Bytes of UTF-8 text written to a text stream (one without a binary buffer under it)."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def write(self, chunk: bytes) -> int:
        self._out.write(self._decoder.decode(chunk))
        return len(chunk)

    def flush(self) -> None:
        self._out.write(self._decoder.decode(b"", final=True))
        self._out.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
