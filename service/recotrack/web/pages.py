"""The dashboard's pages: overview, list, one recommendation, and the list's downloads.

Read-only, and scoped exactly like the API: every read goes through the same store functions
with the signed-in principal's scope, so an agency sees its own agency and nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg
from litestar import Controller, Request, get
from litestar.datastructures import State as AppState
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Response, Stream

from recotrack.domain.access import Principal
from recotrack.domain.swedish_time import STOCKHOLM
from recotrack.domain.vocabulary import Area, Priority, State
from recotrack.exports.recommendations import recommendations_export
from recotrack.store import (
    agencies,
    assessments,
    closures,
    investments,
    progress,
    recommendation_list,
    responses,
    reviews,
)
from recotrack.store import recommendations as store
from recotrack.store.errors import NotFound
from recotrack.store.pool import Connection
from recotrack.store.stats import StatsCache, issued_and_closed_by_quarter
from recotrack.web.filters import FILTER_KEYS, SORTS, parse_list_query, query_string
from recotrack.web.overview import build_overview, swedish_key
from recotrack.web.render import page, words_for
from recotrack_sdk.models import (
    Agency,
    AgencyResponse,
    Assessment,
    Closure,
    ProgressReport,
)

PAGE_SIZE = 50
_MANY = 1000


async def visible_agencies(conn: Connection, scope: str | None) -> list[Agency]:
    """Every agency `scope` may see (all of them for None), as the API lists them."""
    found: list[Agency] = []
    cursor = None
    while True:
        batch, cursor = await agencies.list_agencies(conn, scope=scope, cursor=cursor, limit=_MANY)
        found.extend(batch)
        if cursor is None:
            return found


def own_name(principal: Principal, visible: list[Agency]) -> str | None:
    """An agency's own name, for the header."""
    return next((a.name for a in visible if a.id == principal.scope), None)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    kind: str
    """`issued`, `response`, `target_set` (a target date where there was none), `target` (one
    moved), `progress`, `assessment`, `closure`."""
    day: dt.date
    at: dt.datetime | None
    """The moment it was recorded, where there is one."""
    status: str | None = None
    note: str = ""
    percent: int | None = None
    evidence: tuple[str, ...] = ()
    extra: dict[str, Any] | None = None


class DashboardPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/", name="dashboard:overview")
    async def overview(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        conn: NamedDependency[asyncpg.Connection],
        state: AppState,
    ) -> Response[Any]:
        words = words_for(request)
        cache: StatsCache = state.stats_cache
        stats = await cache.stats(conn, scope=principal.scope)
        quarters = await issued_and_closed_by_quarter(conn, scope=principal.scope)
        visible = await visible_agencies(conn, principal.scope)
        view = build_overview(
            stats, quarters, visible, words, drafts_visible=principal.scope is None
        )
        return page(
            request,
            "overview.html.j2",
            principal=principal,
            agency_name=own_name(principal, visible),
            current="overview",
            stats=stats,
            view=view,
        )

    @get("/recommendations", name="dashboard:list")
    async def recommendations(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        conn: NamedDependency[asyncpg.Connection],
    ) -> Response[Any]:
        query = request.query_params.dict()
        asked = parse_list_query(query)
        found = await recommendation_list.page_of_recommendations(
            conn,
            scope=principal.scope,
            filters=asked.filters,
            sort=asked.sort,
            cursor=asked.cursor,
            limit=PAGE_SIZE,
        )
        matching = await recommendation_list.count_recommendations(
            conn, scope=principal.scope, filters=asked.filters
        )
        visible = await visible_agencies(conn, principal.scope)
        keys = (*FILTER_KEYS, "sort")
        chosen = asked.filters
        return page(
            request,
            "list.html.j2",
            principal=principal,
            agency_name=own_name(principal, visible),
            current="list",
            items=found.items,
            matching=matching,
            agencies=sorted(visible, key=lambda a: swedish_key(a.name)),
            agency_names={a.id: a.name for a in visible},
            chosen=chosen,
            chosen_sort=asked.sort or "",
            areas=[a.value for a in Area],
            states=[s.value for s in State if principal.scope is None or s is not State.DRAFT],
            priorities=[p.value for p in Priority],
            sorts=SORTS,
            filtered=any(query.get(k) and any(v.strip() for v in query[k]) for k in FILTER_KEYS),
            next_query=_page_query(query, keys, found.next_cursor),
            previous_query=_page_query(query, keys, found.previous_cursor),
            first_query=query_string(query, keys) if asked.cursor else None,
            export_query=query_string(query, FILTER_KEYS),
            page_size=PAGE_SIZE,
        )

    @get("/recommendations/{recommendation_id:str}", name="dashboard:recommendation")
    async def recommendation(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        conn: NamedDependency[asyncpg.Connection],
        recommendation_id: FromPath[str],
    ) -> Response[Any]:
        scope = principal.scope
        rec = await store.get_recommendation(conn, recommendation_id, scope=scope)
        agency = await agencies.get_agency(conn, rec.agency_id, scope=scope)
        investment = await investments.get_investment(conn, rec.investment_id, scope=scope)
        review = await reviews.get_review(conn, rec.review_id, scope=scope)
        try:
            response = await responses.get_response(conn, rec.id, scope=scope)
        except NotFound:
            response = None
        try:
            closure = await closures.get_closure(conn, rec.id, scope=scope)
        except NotFound:
            closure = None
        reports, _ = await progress.list_progress(
            conn, rec.id, scope=scope, cursor=None, limit=_MANY
        )
        rated, _ = await assessments.list_assessments(
            conn, rec.id, scope=scope, cursor=None, limit=_MANY
        )
        timeline = timeline_of(rec.issued_on, response, reports, rated, closure)
        return page(
            request,
            "recommendation.html.j2",
            principal=principal,
            agency_name=agency.name if principal.scope else None,
            current="list",
            rec=rec,
            agency=agency,
            investment=investment,
            review=review,
            response=response,
            closure=closure,
            timeline=timeline,
        )

    @get("/{rest:path}", name="dashboard:unknown")
    async def unknown(self, principal: NamedDependency[Principal], rest: FromPath[str]) -> None:
        """Any other path: the dashboard's own "not found" page, for a signed-in person."""
        raise NotFound(f"no page {rest!r}")

    @get(["/exports/recommendations.csv", "/exports/recommendations.xlsx"], name="dashboard:export")
    async def export(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        state: AppState,
    ) -> Stream:
        """The API's export of the list's current selection, for the signed-in person: the
        same rows, columns and scope as `GET /v1/exports/recommendations` (CSV for Excel),
        from the same `recotrack.exports`."""
        fmt: Literal["csv", "xlsx"] = "xlsx" if request.url.path.endswith(".xlsx") else "csv"
        asked = parse_list_query(request.query_params.dict())
        export = await recommendations_export(
            state.pool, fmt=fmt, dialect="excel", scope=principal.scope, filters=asked.filters
        )
        return Stream(export.body, media_type=export.media_type, headers=export.headers)


def _page_query(
    query: dict[str, list[str]], keys: tuple[str, ...], cursor: str | None
) -> str | None:
    return query_string(query, keys, cursor=cursor) if cursor else None


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(STOCKHOLM).date()


def timeline_of(
    issued_on: dt.date | None,
    response: AgencyResponse | None,
    reports: list[ProgressReport],
    rated: list[Assessment],
    closure: Closure | None,
) -> list[TimelineEntry]:
    """What happened, in the order it was written (as the API's lists and history run, and
    "latest" means): issue, response (and each moved target date), progress reports and
    assessments, closure. A report's own date (`reported_on`) is shown, but a report sent
    late and dated earlier still comes after what was written before it."""
    entries: list[TimelineEntry] = []
    if issued_on is not None:
        entries.append(TimelineEntry("issued", issued_on, None))
    if response is not None:
        entries.append(
            TimelineEntry(
                "response",
                _day(response.created_at),
                response.created_at,
                status=response.decision,
                extra={"by": response.responded_by},
            )
        )
        for change in response.target_date_history:
            if change.previous is None and change.target_date is None:
                continue  # none before, none after: nothing happened to it
            entries.append(
                TimelineEntry(
                    # a target date where there was none (the first, as a rule) is not a move
                    "target" if change.previous is not None else "target_set",
                    _day(change.changed_at),
                    change.changed_at,
                    note=change.reason or "",
                    extra={"previous": change.previous, "target": change.target_date},
                )
            )
    for report in reports:
        entries.append(
            TimelineEntry(
                "progress",
                report.reported_on,
                report.created_at,
                status=report.status,
                note=report.note,
                percent=report.percent_complete,
                evidence=tuple(report.evidence),
            )
        )
    for assessment in rated:
        entries.append(
            TimelineEntry(
                "assessment",
                assessment.assessed_on,
                assessment.created_at,
                status=assessment.status,
                note=assessment.note,
            )
        )
    if closure is not None:
        entries.append(
            TimelineEntry(
                "closure",
                _day(closure.closed_at),
                closure.closed_at,
                status=closure.outcome,
                note=closure.note,
            )
        )
    # By the moment recorded; the issue, a date without one, at its day's start. The sort is
    # stable, so the reports of one batch (one moment) stay in the order they were written.
    return sorted(entries, key=lambda e: e.at or dt.datetime.combine(e.day, dt.time(), STOCKHOLM))
