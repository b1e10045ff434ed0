"""Exports over HTTP: the event log (`/v1/audit/events`) and the recommendations
(`/v1/exports/recommendations`), streamed from one database snapshot in constant memory.

CSV is by default what Swedish Excel opens by double-click: UTF-8 with a BOM, `;` between
fields, CRLF line ends, ISO dates; `dialect=rfc4180` gives plain comma CSV without a BOM.
`X-Chain-Head` names the newest event (its hash) in the snapshot the export was read from.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import tempfile
import zoneinfo
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Annotated, Any, Literal

import anyio
import asyncpg
import msgspec
import xlsxwriter
from litestar import Controller, get
from litestar.datastructures import State as AppState
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Stream

from recotrack.api.auth import requires
from recotrack.api.contract import binary, success, text
from recotrack.api.filters import RECOMMENDATION_FILTER
from recotrack.api.investments import AgencyFilter
from recotrack.api.problems import READS, problem
from recotrack.domain.access import Permission, Principal
from recotrack.domain.vocabulary import AREA_LABELS_SV, Area
from recotrack.store import exports as store
from recotrack.store.pool import Pool
from recotrack_sdk.models import RecommendationQuery

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
BOM = "\ufeff"
CRLF = "\r\n"
XLSX_CHUNK = 64 * 1024

# Litestar adds `; charset=utf-8` to every text/* type itself.
MEDIA_TYPES = {
    "ndjson": "application/x-ndjson",
    "csv": "text/csv; header=present",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
NDJSON_DOC = text("One JSON object a line (`format=ndjson`).")
CSV_DOC = text("A header row, then one row a line (`format=csv`; see `dialect`).")
EVENTS_CONTENT = {MEDIA_TYPES["ndjson"]: NDJSON_DOC, "text/csv": CSV_DOC}
RECOMMENDATIONS_CONTENT = {
    "text/csv": CSV_DOC,
    MEDIA_TYPES["ndjson"]: NDJSON_DOC,
    MEDIA_TYPES["xlsx"]: binary("An Excel workbook, one sheet (`format=xlsx`)."),
}

Dialect = Literal["excel", "rfc4180"]
DialectParameter = Annotated[
    Dialect,
    QueryParameter(
        description="CSV only: `excel` (default: UTF-8 with BOM, `;`, CRLF; what Swedish "
        "Excel opens by double-click) or `rfc4180` (comma, no BOM)."
    ),
]
Moment = Annotated[
    str | None,
    QueryParameter(
        max_length=40,
        description="An ISO date or date-time (without an offset: Swedish time). A date "
        "means its whole day.",
    ),
]
HEADERS_DOC = (
    "Headers: `Content-Disposition` (attachment, with a file name), `X-Chain-Head` (the hash "
    "of the newest event in the snapshot the export was read from; its `seq` while events "
    "carry no hash) and `X-Chain-Head-Seq`."
)


def _moment(name: str, value: str | None, *, end: bool) -> dt.datetime | None:
    """`since`/`until` as an instant; a date is its day's start (`until`: the next day's)."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            start = dt.datetime.combine(day, dt.time(), STOCKHOLM)
            return start + dt.timedelta(days=1) if end else start
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise problem(
            "invalid-parameter",
            400,
            "a request parameter is not valid",
            errors=[{"parameter": name, "detail": "not an ISO date or date-time"}],
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=STOCKHOLM)


def _attachment(kind: str, extension: str) -> str:
    today = dt.datetime.now(STOCKHOLM).date().isoformat()
    return f'attachment; filename="recotrack-{kind}-{today}.{extension}"'


def _csv_header(columns: Sequence[str], dialect: Dialect) -> str:
    separator = ";" if dialect == "excel" else ","
    return (BOM if dialect == "excel" else "") + separator.join(columns) + CRLF


async def _stream(body: AsyncGenerator[bytes, None], media_type: str, disposition: str) -> Stream:
    """Start `body` (it takes its snapshot and yields the chain head first), then stream the
    rest. Starting it here means an error before the first row is a problem response, and
    that the generator's own cleanup owns the connection from now on."""
    head_seq, head = (await anext(body)).decode().split(" ")
    return Stream(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": disposition,
            "X-Chain-Head": head,
            "X-Chain-Head-Seq": head_seq,
            "Cache-Control": "no-store",
        },
    )


def _head(snap: store.Snapshot) -> bytes:
    return f"{snap.head_seq or 0} {snap.head}".encode()


# --- events ----------------------------------------------------------------------------------


async def _events(
    pool: Pool,
    *,
    fmt: store.EventFormat,
    dialect: Dialect,
    scope: str | None,
    agencies: Sequence[str] | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> AsyncGenerator[bytes, None]:
    separator = ";" if dialect == "excel" else ","
    async with store.snapshot(pool) as snap:
        yield _head(snap)
        if fmt == "csv":
            yield _csv_header(store.event_columns(snap.has_hash), dialect).encode()
        end = "\n" if fmt == "ndjson" else CRLF
        async for lines in store.event_lines(
            snap,
            fmt=fmt,
            scope=scope,
            agencies=agencies,
            since=since,
            until=until,
            separator=separator,
        ):
            lines.append("")
            yield end.join(lines).encode()


# --- recommendations -------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return "" if value is None else value


def _with_label(row: asyncpg.Record) -> list[Any]:
    values = list(row.values())
    values[store.RECOMMENDATION_COLUMNS.index("area_sv")] = AREA_LABELS_SV.get(
        Area(row["area"]), row["area"]
    )
    return values


def _csv_chunk(rows: list[asyncpg.Record], dialect: Dialect) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if dialect == "excel" else ",", lineterminator=CRLF)
    writer.writerows([_cell(v) for v in _with_label(row)] for row in rows)
    return out.getvalue().encode()


_encoder = msgspec.json.Encoder()


def _ndjson_chunk(rows: list[asyncpg.Record]) -> bytes:
    buffer = bytearray()
    for row in rows:
        _encoder.encode_into(
            dict(zip(store.RECOMMENDATION_COLUMNS, _with_label(row), strict=True)),
            buffer,
            len(buffer),
        )
        buffer += b"\n"
    return bytes(buffer)


class _Sheet:
    """An XLSX file written row by row in xlsxwriter's constant-memory mode."""

    def __init__(self, path: str) -> None:
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
        self.sheet = self.book.add_worksheet("Rekommendationer")
        bold = self.book.add_format({"bold": True})
        self.stamp = self.book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.sheet.write_row(0, 0, store.RECOMMENDATION_COLUMNS, bold)
        self.sheet.freeze_panes(1, 0)
        self.next_row = 1

    def write(self, rows: list[asyncpg.Record]) -> None:
        for row in rows:
            for column, value in enumerate(_with_label(row)):
                if value is None:
                    continue
                if isinstance(value, dt.datetime):
                    local = value.astimezone(STOCKHOLM).replace(tzinfo=None)
                    self.sheet.write_datetime(self.next_row, column, local, self.stamp)
                elif isinstance(value, bool):
                    self.sheet.write_boolean(self.next_row, column, value)
                else:
                    self.sheet.write(self.next_row, column, value)
            self.next_row += 1

    def close(self) -> None:
        self.book.close()


async def _recommendations(
    pool: Pool,
    *,
    fmt: Literal["csv", "ndjson", "xlsx"],
    dialect: Dialect,
    scope: str | None,
    filters: RecommendationQuery,
) -> AsyncGenerator[bytes, None]:
    if fmt == "xlsx":
        async for chunk in _recommendations_xlsx(pool, scope=scope, filters=filters):
            yield chunk
        return
    encode: Callable[[list[asyncpg.Record]], bytes] = (
        _ndjson_chunk if fmt == "ndjson" else lambda rows: _csv_chunk(rows, dialect)
    )
    async with store.snapshot(pool) as snap:
        yield _head(snap)
        if fmt == "csv":
            yield _csv_header(store.RECOMMENDATION_COLUMNS, dialect).encode()
        async for rows in store.recommendation_rows(snap, scope=scope, filters=filters):
            yield encode(rows)


async def _recommendations_xlsx(
    pool: Pool, *, scope: str | None, filters: RecommendationQuery
) -> AsyncGenerator[bytes, None]:
    """The workbook is written to a temporary file (a ZIP is complete only when closed), in
    a worker thread a chunk at a time, then streamed from the file."""
    handle, path = tempfile.mkstemp(prefix="recotrack-export-", suffix=".xlsx")
    os.close(handle)
    try:
        async with store.snapshot(pool) as snap:
            yield _head(snap)
            sheet = await anyio.to_thread.run_sync(_Sheet, path)
            async for rows in store.recommendation_rows(snap, scope=scope, filters=filters):
                await anyio.to_thread.run_sync(sheet.write, rows)
            await anyio.to_thread.run_sync(sheet.close)
        async with await anyio.open_file(path, "rb") as file:
            while chunk := await file.read(XLSX_CHUNK):
                yield chunk
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


async def recommendations_export(
    pool: Pool,
    *,
    fmt: Literal["csv", "ndjson", "xlsx"],
    dialect: Dialect,
    scope: str | None,
    filters: RecommendationQuery,
) -> Stream:
    """The recommendations export as a streamed attachment (the API's, and the dashboard's
    download for a signed-in person)."""
    body = _recommendations(pool, fmt=fmt, dialect=dialect, scope=scope, filters=filters)
    return await _stream(body, MEDIA_TYPES[fmt], _attachment("recommendations", fmt))


# --- the routes ------------------------------------------------------------------------------


class ExportController(Controller):
    path = "/"
    tags = ["audit"]  # noqa: RUF012

    @get(
        "/audit/events",
        responses=READS,
        operation_class=success(content=EVENTS_CONTENT),
        operation_id="export_events",
        summary="Export the event log",
        description="Every event the caller may see (an agency: its own agency's, never a "
        "draft's), in `seq` order, one per line (NDJSON) or row (CSV), with all columns, "
        "`data` as JSON and the chain `hash` in hex. Streamed from one snapshot. The whole log "
        "as NDJSON (no filters) verifies offline (`recotrack_sdk.audit.verify_ndjson`) to the "
        "`X-Chain-Head` it came with. " + HEADERS_DOC,
        opt=requires(Permission.READ),
    )
    async def export_events(
        self,
        principal: NamedDependency[Principal],
        state: AppState,
        agency: AgencyFilter = None,
        since: Moment = None,
        until: Moment = None,
        format: Annotated[
            Literal["ndjson", "csv"], QueryParameter(description="`ndjson` (default) or `csv`.")
        ] = "ndjson",
        dialect: DialectParameter = "excel",
    ) -> Stream:
        """`since` (inclusive) and `until` (exclusive; a date: to that day's end) bound
        `occurred_at`."""
        start = _moment("since", since, end=False)
        end = _moment("until", until, end=True)
        body = _events(
            state.pool,
            fmt=format,
            dialect=dialect,
            scope=principal.scope,
            agencies=agency,
            since=start,
            until=end,
        )
        return await _stream(body, MEDIA_TYPES[format], _attachment("events", format))

    @get(
        "/exports/recommendations",
        responses=READS,
        operation_class=success(content=RECOMMENDATIONS_CONTENT),
        operation_id="export_recommendations",
        summary="Export recommendations",
        description="One row per recommendation (the filters of `list_recommendations`; an "
        "agency: its own, issued ones), in creation order, with its response, latest progress "
        "report, latest assessment and closure, and the area's Swedish label. CSV, NDJSON or "
        "XLSX. " + HEADERS_DOC,
        opt=requires(Permission.READ),
        dependencies=RECOMMENDATION_FILTER,
    )
    async def export_recommendations(
        self,
        principal: NamedDependency[Principal],
        state: AppState,
        filters: NamedDependency[RecommendationQuery],
        format: Annotated[
            Literal["csv", "ndjson", "xlsx"],
            QueryParameter(description="`csv` (default), `ndjson` or `xlsx`."),
        ] = "csv",
        dialect: DialectParameter = "excel",
    ) -> Stream:
        return await recommendations_export(
            state.pool, fmt=format, dialect=dialect, scope=principal.scope, filters=filters
        )
