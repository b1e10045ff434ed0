"""The dashboard's pages of learning between agencies: benchmarks and good examples.

As the API's: benchmarks through the same store function with the principal's scope (an agency
gets its own view only, and never another agency's figure, id or name); good examples are
read by everyone alike (the store cuts each to what anyone may see), and only the link to an
example's recommendation depends on who reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import asyncpg
from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Response

from recotrack.domain.access import Principal
from recotrack.domain.benchmarks import SUPPRESSED_WHY
from recotrack.domain.vocabulary import Area
from recotrack.store import benchmarks as benchmark_store
from recotrack.store import good_examples as example_store
from recotrack.store import recommendations
from recotrack.store.pool import Connection
from recotrack.web.filters import area_value, one_value
from recotrack.web.i18n import Words
from recotrack.web.overview import swedish_key
from recotrack.web.pages import own_name, visible_agencies
from recotrack.web.render import page, words_for
from recotrack_sdk.models import BenchmarkFigure, Benchmarks, GoodExample

EXAMPLES_PAGE_SIZE = 20

FIGURES: tuple[str, ...] = (
    "implemented_share",
    "median_days_to_response",
    "overdue_share",
    "open_count",
)
"""The figures of `AreaBenchmarks`, in the page's order; a share is shown as a percentage."""
_TITLES = {"median_days_to_response": "median_response"}
"""A figure's heading, where the overview already has the words for it."""


@dataclass(frozen=True, slots=True)
class FigureRow:
    area: str
    label: str
    own: str
    withheld: str | None
    """Why the other agencies' figures are not shown (in words), or None: they are."""
    agencies: str
    lower_quartile: str
    median: str
    upper_quartile: str


@dataclass(frozen=True, slots=True)
class FigureTable:
    figure: str
    title: str
    description: str
    rows: list[FigureRow]


def _shown(words: Words, figure: str, value: float | None) -> str:
    if figure.endswith("_share"):
        return words.percent(value)
    # medians and quartiles of days and counts fall between two whole numbers at most
    return words.number(value, 0 if value is None or float(value).is_integer() else 1)


def _row(words: Words, figure: str, area: str, found: BenchmarkFigure) -> FigureRow:
    others = found.others
    withheld = None
    if others.suppressed:
        # the one reason the store gives, in the reader's language; another as it is
        reason = others.reason or SUPPRESSED_WHY
        withheld = words("withheld_why") if reason == SUPPRESSED_WHY else reason
    return FigureRow(
        area=area,
        label=words.label("area", area),
        own=_shown(words, figure, found.own),
        withheld=withheld,
        agencies=words.number(others.agencies),
        lower_quartile=_shown(words, figure, others.lower_quartile),
        median=_shown(words, figure, others.median),
        upper_quartile=_shown(words, figure, others.upper_quartile),
    )


def benchmark_tables(bench: Benchmarks, words: Words) -> list[FigureTable]:
    """The store's answer as one table per figure, a row per area, its numbers in words."""
    return [
        FigureTable(
            figure=figure,
            title=words(_TITLES.get(figure, figure)),
            description=words(f"bm_{figure}"),
            rows=[_row(words, figure, a.area, getattr(a, figure)) for a in bench.areas],
        )
        for figure in FIGURES
    ]


async def _readable(conn: Connection, examples: list[GoodExample], scope: str | None) -> set[str]:
    """The recommendations of `examples` the reader may open: all for an unscoped reader, an
    agency's own otherwise (also of an example that does not name it)."""
    ids = {e.recommendation_id for e in examples}
    return ids if scope is None else await recommendations.visible_ids(conn, ids, scope=scope)


class LearningPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/benchmarks", name="dashboard:benchmarks")
    async def benchmarks(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        conn: NamedDependency[asyncpg.Connection],
    ) -> Response[Any]:
        words = words_for(request)
        visible = await visible_agencies(conn, principal.scope)
        # an agency's own, unless it asks for another (which the store does not find)
        chosen = one_value(request.query_params.dict(), "agency") or principal.scope
        bench = None
        if chosen is not None:
            bench = await benchmark_store.benchmarks(conn, chosen, scope=principal.scope)
        names = {a.id: a.name for a in visible}
        return page(
            request,
            "benchmarks.html.j2",
            principal=principal,
            agency_name=own_name(principal, visible),
            current="benchmarks",
            # the picker lists agencies only for a reader who may see them all
            agencies=sorted(visible, key=lambda a: swedish_key(a.name))
            if principal.scope is None
            else [],
            chosen=chosen,
            chosen_name=names.get(chosen, chosen) if chosen else None,
            bench=bench,
            tables=benchmark_tables(bench, words) if bench else [],
        )

    @get("/good-examples", name="dashboard:good-examples")
    async def good_examples(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        conn: NamedDependency[asyncpg.Connection],
    ) -> Response[Any]:
        area = area_value(request.query_params.dict())
        cursor = one_value(request.query_params.dict(), "cursor")
        items, next_cursor = await example_store.list_good_examples(
            conn, area=area, cursor=cursor, limit=EXAMPLES_PAGE_SIZE
        )
        visible = await visible_agencies(conn, principal.scope)
        area_query = {"area": area} if area else {}
        return page(
            request,
            "good_examples.html.j2",
            principal=principal,
            agency_name=own_name(principal, visible),
            current="good_examples",
            items=items,
            readable=await _readable(conn, items, principal.scope),
            areas=[a.value for a in Area],
            chosen_area=area or "",
            next_query=urlencode({**area_query, "cursor": next_cursor}) if next_cursor else None,
            first_query=urlencode(area_query) if cursor else None,
        )
