"""The overview's figures: the API's statistics arranged per agency and per area, and the
charts' geometry. Pure: the page's handler reads the data, this arranges it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from recotrack.domain.vocabulary import Area, State
from recotrack.store.stats import QuarterCount
from recotrack.web.charts import GroupedBars, StackedBars, grouped_bars, stacked_bars
from recotrack.web.i18n import Words
from recotrack_sdk.models import Agency, Stats

# Å, Ä, Ö come last in Swedish, in that order (code points put Ä before Å).
_SWEDISH_ORDER = str.maketrans({"å": "\U000f0001", "ä": "\U000f0002", "ö": "\U000f0003"})


def swedish_key(text: str) -> str:
    return text.casefold().translate(_SWEDISH_ORDER)


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    """The agency's id or the area."""
    label: str
    counts: dict[str, int]
    """Per state, every state of `Overview.states`."""
    total: int
    overdue: int | None
    """Overdue recommendations (per agency; None where not counted, per area)."""


@dataclass(frozen=True, slots=True)
class Quarter:
    label: str
    issued: int
    closed: int


@dataclass(frozen=True, slots=True)
class Overview:
    states: list[str]
    agencies: list[Row]
    areas: list[Row]
    totals: Row
    quarters: list[Quarter]
    by_agency: StackedBars
    by_area: StackedBars
    over_time: GroupedBars


def build_overview(
    stats: Stats,
    quarters: Sequence[QuarterCount],
    agencies: Sequence[Agency],
    words: Words,
    *,
    drafts_visible: bool,
) -> Overview:
    states = [s.value for s in State if drafts_visible or s is not State.DRAFT]
    by_agency: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(states, 0))
    by_area: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(states, 0))
    for count in stats.counts:
        by_agency[count.agency_id][count.state] += count.count
        by_area[count.area][count.state] += count.count
    overdue = {o.agency_id: o.overdue for o in stats.overdue_by_agency}
    names = {a.id: a.name for a in agencies}
    ids = sorted(set(names) | set(by_agency), key=lambda i: swedish_key(names.get(i) or i))

    agency_rows = [
        Row(i, names.get(i, i), by_agency[i], sum(by_agency[i].values()), overdue.get(i, 0))
        for i in ids
    ]
    area_rows = [
        Row(a.value, words.label("area", a.value), by_area[a], sum(by_area[a].values()), None)
        for a in Area
    ]
    totals = {s: sum(row.counts[s] for row in agency_rows) for s in states}
    total_row = Row("", words("total"), totals, stats.total, stats.overdue)

    def segments(row: Row) -> list[tuple[str, str, int]]:
        return [(s, words.label("state", s), row.counts[s]) for s in states]

    issued, closed = words("issued_count"), words("closed_count")
    groups = []
    for index, q in enumerate(quarters):
        number = (q.quarter.month - 1) // 3 + 1
        year = str(q.quarter.year) if number == 1 or index == 0 else ""
        groups.append(
            (
                words.quarter(q.quarter),
                f"{words('quarter_short')}{number}",
                year,
                [("issued_q", issued, q.issued), ("closed_q", closed, q.closed)],
            )
        )
    return Overview(
        states=states,
        agencies=agency_rows,
        areas=area_rows,
        totals=total_row,
        quarters=[Quarter(words.quarter(q.quarter), q.issued, q.closed) for q in quarters],
        by_agency=stacked_bars([(r.label, segments(r)) for r in agency_rows]),
        by_area=stacked_bars([(r.label, segments(r)) for r in area_rows]),
        over_time=grouped_bars(groups),
    )
