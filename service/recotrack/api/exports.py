"""Exports over HTTP: the event log (`/v1/audit/events`) and the recommendations
(`/v1/exports/recommendations`): their parameters and documentation. The exports themselves
are made in `recotrack.exports`, which the dashboard's downloads share.

CSV is by default what Swedish Excel opens by double-click: UTF-8 with a BOM, `;` between
fields, CRLF line ends, ISO dates; `dialect=rfc4180` gives plain comma CSV without a BOM.
`X-Chain-Head` names the newest event (its hash) in the snapshot the export was read from.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from litestar import Controller, get
from litestar.datastructures import State as AppState
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Stream

from recotrack.api.auth import requires
from recotrack.api.contract import binary, success, text
from recotrack.api.expected import DATE, MOMENT
from recotrack.api.filters import RECOMMENDATION_FILTER
from recotrack.api.investments import AgencyFilter
from recotrack.api.problem_responses import READS
from recotrack.api.problems import invalid_parameters
from recotrack.domain.access import Permission, Principal
from recotrack.domain.swedish_time import STOCKHOLM
from recotrack.exports.csv import Dialect
from recotrack.exports.events import events_export
from recotrack.exports.recommendations import RecommendationFormat, recommendations_export
from recotrack.exports.stream import MEDIA_TYPES, Export
from recotrack_sdk.models import RecommendationQuery

NDJSON_DOC = text("One JSON object a line (`format=ndjson`).")
CSV_DOC = text("A header row, then one row a line (`format=csv`; see `dialect`).")
EVENTS_CONTENT = {MEDIA_TYPES["ndjson"]: NDJSON_DOC, "text/csv": CSV_DOC}
RECOMMENDATIONS_CONTENT = {
    "text/csv": CSV_DOC,
    MEDIA_TYPES["ndjson"]: NDJSON_DOC,
    MEDIA_TYPES["xlsx"]: binary("An Excel workbook, one sheet (`format=xlsx`)."),
}

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
        # What `_moment` reads, as a pattern (documented, not enforced: a day that the month
        # has not, such as 2026-02-30, is refused all the same).
        schema_extra={
            "pattern": r"^(?!0000)[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
            r"(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?)?$"
        },
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
        raise invalid_parameters(
            {name: f"not a date or moment: give {DATE}, or {MOMENT}"}
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=STOCKHOLM)


def _stream(export: Export) -> Stream:
    return Stream(export.body, media_type=export.media_type, headers=export.headers)


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
        export = await events_export(
            state.pool,
            fmt=format,
            dialect=dialect,
            scope=principal.scope,
            agencies=agency,
            since=start,
            until=end,
        )
        return _stream(export)

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
            RecommendationFormat,
            QueryParameter(description="`csv` (default), `ndjson` or `xlsx`."),
        ] = "csv",
        dialect: DialectParameter = "excel",
    ) -> Stream:
        export = await recommendations_export(
            state.pool, fmt=format, dialect=dialect, scope=principal.scope, filters=filters
        )
        return _stream(export)
