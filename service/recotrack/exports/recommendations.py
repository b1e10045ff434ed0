"""The recommendations' export: CSV, NDJSON or XLSX, one row per recommendation the caller
may see, with its response, latest progress report, latest assessment and closure, and the
area's Swedish label; the same for the API and the dashboard's downloads."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, Literal

import asyncpg

from recotrack.domain.vocabulary import AREA_LABELS_SV, Area
from recotrack.exports import csv, ndjson, xlsx
from recotrack.exports.stream import Export, chain_head, start
from recotrack.store import exports as store
from recotrack.store.pool import Pool
from recotrack_sdk.models import RecommendationQuery

RecommendationFormat = Literal["csv", "ndjson", "xlsx"]
COLUMNS = store.RECOMMENDATION_COLUMNS
_AREA_SV = COLUMNS.index("area_sv")
SHEET = "Rekommendationer"


async def recommendations_export(
    pool: Pool,
    *,
    fmt: RecommendationFormat,
    dialect: csv.Dialect,
    scope: str | None,
    filters: RecommendationQuery,
) -> Export:
    """The recommendations matching `filters` as a started export, in creation order."""
    body = (
        _workbook(pool, scope=scope, filters=filters)
        if fmt == "xlsx"
        else _text(pool, fmt=fmt, dialect=dialect, scope=scope, filters=filters)
    )
    return await start(body, kind="recommendations", fmt=fmt)


def _labelled(row: asyncpg.Record) -> list[Any]:
    values = list(row.values())
    values[_AREA_SV] = AREA_LABELS_SV.get(Area(row["area"]), row["area"])
    return values


async def _rows(
    snap: store.Snapshot, scope: str | None, filters: RecommendationQuery
) -> AsyncIterator[list[list[Any]]]:
    async for rows in store.recommendation_rows(snap, scope=scope, filters=filters):
        yield [_labelled(row) for row in rows]


async def _text(
    pool: Pool,
    *,
    fmt: Literal["csv", "ndjson"],
    dialect: csv.Dialect,
    scope: str | None,
    filters: RecommendationQuery,
) -> AsyncGenerator[bytes, None]:
    async with store.snapshot(pool) as snap:
        yield chain_head(snap)
        if fmt == "csv":
            yield csv.header(COLUMNS, dialect)
        async for rows in _rows(snap, scope, filters):
            yield csv.rows(rows, dialect) if fmt == "csv" else ndjson.objects(COLUMNS, rows)


async def _workbook(
    pool: Pool, *, scope: str | None, filters: RecommendationQuery
) -> AsyncGenerator[bytes, None]:
    with xlsx.temporary_file() as path:
        async with store.snapshot(pool) as snap:
            yield chain_head(snap)
            await xlsx.write(path, name=SHEET, columns=COLUMNS, chunks=_rows(snap, scope, filters))
        async for chunk in xlsx.read(path):
            yield chunk
