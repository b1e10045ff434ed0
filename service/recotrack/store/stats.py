"""Figures across agencies for the secretariat (and an agency's own, for the agency).

The figures are built from parts, one per agency: counts, sums and histograms of days, which
add up exactly (a median is read off the merged histogram). Each part is computed by one
query over that agency's facts (the state from the same SQL function as
`recommendation_view`) and kept until that agency's newest event or the date moves: after a
write, only the agency written to is computed again.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import msgspec

from recotrack.store.pool import Connection
from recotrack.store.rows import must
from recotrack_sdk.models import AgencyOverdue, StateCount, Stats

_PARTS = """
with latest as (
    select distinct on (recommendation_id) recommendation_id, status
    from progress_report
    where agency_id = any($1)
    order by recommendation_id, seq desc  -- the last written (migration 0009)
), facts as materialized (
    select r.agency_id, r.area, r.issued_on, resp.decision, resp.created_at as responded_at,
        c.outcome, c.closed_at, s.state,
        recommendation_late(  -- as recommendation_view (migration 0012)
            s.state, resp.recommendation_id is not null, r.response_due, r.implementation_due,
            (select last_working_day_before(current_date))
        ) as overdue
    from recommendation r
    left join response resp on resp.recommendation_id = r.id
    left join closure c on c.recommendation_id = r.id
    left join latest on latest.recommendation_id = r.id
    cross join lateral (
        select recommendation_state(
            c.recommendation_id is not null, r.issued_on is not null, latest.status,
            resp.recommendation_id is not null
        ) as state
    ) s
    where r.agency_id = any($1) and ($2 or r.issued_on is not null)
)
select
    (select coalesce(jsonb_agg(g), '[]')
     from (select agency_id, area, state, count(*) as count from facts
           group by agency_id, area, state) g) as counts,
    (select coalesce(jsonb_agg(g), '[]')
     from (select agency_id,
               count(*) filter (where overdue) as overdue,
               count(*) filter (where outcome = 'implemented') as implemented,
               count(*) filter (where issued_on is not null
                   and coalesce(outcome, '') not in ('superseded', 'withdrawn')) as implementable
           from facts group by agency_id) g) as sums,
    (select coalesce(jsonb_agg(g), '[]')
     from (select agency_id, decision, count(*) as count from facts
           where decision is not null group by agency_id, decision) g) as decisions,
    (select coalesce(jsonb_agg(g), '[]')
     from (select agency_id, responded_at::date - issued_on as days, count(*) as count
           from facts where responded_at is not null and issued_on is not null
           group by agency_id, days) g) as days_to_response,
    (select coalesce(jsonb_agg(g), '[]')
     from (select agency_id, closed_at::date - issued_on as days, count(*) as count
           from facts where outcome = 'implemented' and issued_on is not null
           group by agency_id, days) g) as days_to_implementation
"""


K = TypeVar("K")


class _Sums(msgspec.Struct):
    agency_id: str
    overdue: int
    implemented: int
    implementable: int


class _Count(msgspec.Struct):
    agency_id: str
    count: int
    decision: str = ""
    days: int = 0


@dataclass
class AgencyFigures:
    """One agency's part of the figures: everything in it adds up across agencies."""

    agency_id: str
    counts: list[StateCount] = field(default_factory=list)
    overdue: int = 0
    implemented: int = 0
    implementable: int = 0
    decisions: Counter[str] = field(default_factory=Counter)
    days_to_response: Counter[int] = field(default_factory=Counter)
    days_to_implementation: Counter[int] = field(default_factory=Counter)


async def agency_figures(
    conn: Connection, agency_ids: list[str], *, drafts: bool
) -> dict[str, AgencyFigures]:
    """The parts of these agencies (with their drafts or without), computed in one query."""
    row = must(await conn.fetchrow(_PARTS, agency_ids, drafts))
    parts = {agency_id: AgencyFigures(agency_id) for agency_id in agency_ids}
    for count in msgspec.convert(row["counts"], list[StateCount]):
        parts[count.agency_id].counts.append(count)
    for sums in msgspec.convert(row["sums"], list[_Sums]):
        part = parts[sums.agency_id]
        part.overdue, part.implemented = sums.overdue, sums.implemented
        part.implementable = sums.implementable
    for c in msgspec.convert(row["decisions"], list[_Count]):
        parts[c.agency_id].decisions[c.decision] = c.count
    for c in msgspec.convert(row["days_to_response"], list[_Count]):
        parts[c.agency_id].days_to_response[c.days] = c.count
    for c in msgspec.convert(row["days_to_implementation"], list[_Count]):
        parts[c.agency_id].days_to_implementation[c.days] = c.count
    return parts


def combine(parts: list[AgencyFigures]) -> Stats:
    """The figures of several agencies together (each defined in the API's description)."""
    counts = sorted(
        (c for part in parts for c in part.counts), key=lambda c: (c.agency_id, c.area, c.state)
    )
    overdue = sorted(
        (
            AgencyOverdue(agency_id=part.agency_id, overdue=part.overdue)
            for part in parts
            if part.overdue
        ),
        key=lambda a: (-a.overdue, a.agency_id),
    )
    decisions = _merged(part.decisions for part in parts)
    responded = sum(decisions.values())
    implementable = sum(part.implementable for part in parts)
    return Stats(
        total=sum(c.count for c in counts),
        counts=counts,
        overdue=sum(a.overdue for a in overdue),
        overdue_by_agency=overdue,
        decision_shares={name: n / responded for name, n in sorted(decisions.items())},
        implemented_share=(
            sum(part.implemented for part in parts) / implementable if implementable else None
        ),
        median_days_to_response=median(_merged(part.days_to_response for part in parts)),
        median_days_to_implementation=median(
            _merged(part.days_to_implementation for part in parts)
        ),
    )


def _merged(counters: Iterable[Counter[K]]) -> Counter[K]:
    merged: Counter[K] = Counter()
    for counter in counters:
        merged.update(counter)  # in place: `sum` would copy the growing total each time
    return merged


def median(histogram: Counter[int]) -> float | None:
    """The median of values given as value → how often, as PostgreSQL's
    `percentile_cont(0.5)` computes it (the mean of the two middle values of an even count)."""
    n = sum(histogram.values())
    if n == 0:
        return None
    wanted = [(n - 1) // 2, n // 2]  # zero-based positions of the middle value(s)
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
        if not wanted:
            break
    low, high = found
    return low + (high - low) / 2


class StatsCache:
    """The figures, each agency's part recomputed only when it changed. Every write appends
    an event in its transaction, naming the agency it concerns, so the agency's newest event
    with today's date (for overdue) tells whether its part still stands: exact, never stale."""

    def __init__(self) -> None:
        self._parts: dict[tuple[str, bool], tuple[tuple[int, dt.date], AgencyFigures]] = {}
        self._combined: dict[str | None, tuple[object, Stats]] = {}

    async def stats(self, conn: Connection, *, scope: str | None) -> Stats:
        # Read before the parts are computed: a write in between makes the key older than the
        # part, which is then computed once more, never kept stale.
        heads = await conn.fetch(
            """
            select a.id, coalesce((select max(seq) from event e where e.agency_id = a.id), 0)
                as head, current_date as today
            from agency a
            where $1::text is null or a.id = $1
            """,
            scope,
        )
        drafts = scope is None  # an agency sees its issued recommendations, not drafts
        keys = {row["id"]: (row["head"], row["today"]) for row in heads}
        stale = [
            agency_id
            for agency_id, key in keys.items()
            if (cached := self._parts.get((agency_id, drafts))) is None or cached[0] != key
        ]
        if stale:
            fresh = await agency_figures(conn, stale, drafts=drafts)
            for agency_id, part in fresh.items():
                self._parts[(agency_id, drafts)] = (keys[agency_id], part)
        every_key = tuple(keys.items())
        cached_whole = self._combined.get(scope)
        if cached_whole is not None and cached_whole[0] == every_key:
            return cached_whole[1]
        combined = combine([self._parts[(agency_id, drafts)][1] for agency_id in keys])
        self._combined[scope] = (every_key, combined)
        return combined


_QUARTERS = """
with issued as (
    select date_trunc('quarter', issued_on)::date as quarter, count(*) as n
    from recommendation
    where issued_on is not null and ($1::text is null or agency_id = $1)
    group by 1
), closed as (
    -- closed_at in Swedish time: the pool's sessions run in Europe/Stockholm
    select date_trunc('quarter', c.closed_at)::date as quarter, count(*) as n
    from closure c join recommendation r on r.id = c.recommendation_id
    where $1::text is null or (r.agency_id = $1 and r.issued_on is not null)
    group by 1
), span as (
    select min(quarter) as first, max(quarter) as last
    from (select quarter from issued union all select quarter from closed) q
)
select q::date as quarter, coalesce(i.n, 0) as issued, coalesce(c.n, 0) as closed
from span
cross join generate_series(span.first::timestamp, span.last::timestamp, interval '3 months') q
left join issued i on i.quarter = q::date
left join closed c on c.quarter = q::date
order by q
"""


@dataclass(frozen=True, slots=True)
class QuarterCount:
    quarter: dt.date
    """The quarter's first day."""
    issued: int
    """Recommendations issued in the quarter."""
    closed: int
    """Recommendations closed in the quarter (and not reopened since)."""


async def issued_and_closed_by_quarter(
    conn: Connection, *, scope: str | None
) -> list[QuarterCount]:
    """Issued and closed recommendations per calendar quarter, every quarter from the first to
    the last with either (an agency: its own issued recommendations)."""
    rows = await conn.fetch(_QUARTERS, scope)
    return [QuarterCount(row["quarter"], row["issued"], row["closed"]) for row in rows]


@dataclass(frozen=True, slots=True)
class Totals:
    """How many agencies, investments, reviews and recommendations the database holds."""

    agencies: int
    investments: int
    reviews: int
    recommendations: int


async def totals(conn: Connection) -> Totals:
    row = must(
        await conn.fetchrow(
            """
            select (select count(*) from agency) as agencies,
                   (select count(*) from investment) as investments,
                   (select count(*) from review) as reviews,
                   (select count(*) from recommendation) as recommendations
            """
        )
    )
    return Totals(**dict(row))
