"""Benchmarks: per agency and area, the figures an agency is compared on (domain/benchmarks.py
holds the rule of what of other agencies' figures may be shown).

One query over `recommendation_view` (its state and overdue, as everywhere), issued
recommendations only: each agency's figures by area, of every agency. Which of them an answer
shows is decided after, in Python, by the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from recotrack.domain.benchmarks import MIN_GROUP, SUPPRESSED_WHY, compare
from recotrack.domain.vocabulary import Area
from recotrack.store.agencies import agency_exists
from recotrack.store.errors import NotFound
from recotrack.store.pool import Connection
from recotrack_sdk.models import AreaBenchmarks, BenchmarkFigure, Benchmarks, OtherAgencies

_FIGURES = """
select v.agency_id, v.area,
    count(*) filter (where c.outcome = 'implemented') as implemented,
    count(*) filter (where c.outcome is distinct from 'superseded'
                       and c.outcome is distinct from 'withdrawn') as implementable,
    count(*) filter (where v.overdue) as overdue,
    count(*) filter (where v.state <> 'closed') as open,
    percentile_cont(0.5) within group (order by resp.created_at::date - v.issued_on)
        filter (where resp.recommendation_id is not null) as median_days_to_response
from recommendation_view v
left join response resp on resp.recommendation_id = v.id
left join closure c on c.recommendation_id = v.id
where v.issued_on is not null
group by v.agency_id, v.area
"""


@dataclass(frozen=True, slots=True)
class _Figures:
    implemented: int
    implementable: int
    overdue: int
    open: int
    median_days_to_response: float | None

    @property
    def implemented_share(self) -> float | None:
        return self.implemented / self.implementable if self.implementable else None

    @property
    def overdue_share(self) -> float | None:
        return self.overdue / self.open if self.open else None

    @property
    def open_count(self) -> float | None:
        return float(self.open)


async def benchmarks(conn: Connection, agency_id: str, *, scope: str | None) -> Benchmarks:
    """`agency_id`'s view; a caller with a `scope` (an agency token) finds only its own."""
    if scope not in (None, agency_id) or not await agency_exists(conn, agency_id):
        raise NotFound(f"no agency {agency_id!r}")
    by_area: dict[str, dict[str, _Figures]] = {}
    for row in await conn.fetch(_FIGURES):
        by_area.setdefault(row["area"], {})[row["agency_id"]] = _Figures(
            implemented=row["implemented"],
            implementable=row["implementable"],
            overdue=row["overdue"],
            open=row["open"],
            median_days_to_response=row["median_days_to_response"],
        )

    def figure(area: str, read: Callable[[_Figures], float | None]) -> BenchmarkFigure:
        agencies = by_area.get(area, {})
        mine = agencies.get(agency_id)
        values = [
            value
            for other, figures in agencies.items()
            if other != agency_id and (value := read(figures)) is not None
        ]
        group = compare(values)
        return BenchmarkFigure(
            own=None if mine is None else read(mine),
            others=OtherAgencies(
                agencies=group.agencies,
                median=group.median,
                lower_quartile=group.lower_quartile,
                upper_quartile=group.upper_quartile,
                suppressed=group.suppressed,
                reason=SUPPRESSED_WHY if group.suppressed else None,
            ),
        )

    return Benchmarks(
        agency_id=agency_id,
        areas=[
            AreaBenchmarks(
                area=area.value,
                implemented_share=figure(area, lambda f: f.implemented_share),
                median_days_to_response=figure(area, lambda f: f.median_days_to_response),
                overdue_share=figure(area, lambda f: f.overdue_share),
                open_count=figure(area, lambda f: f.open_count),
            )
            for area in Area
        ],
        min_group=MIN_GROUP,
    )
