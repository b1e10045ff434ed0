"""Figures across agencies for the secretariat (and an agency's own, for the agency).

One query: the facts of every recommendation in scope are gathered once (the latest progress
by one sorted pass, not a lookup per recommendation), then each figure is aggregated from them.
The state comes from the same SQL function as `recommendation_view`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import msgspec

from recotrack.store.pool import Connection
from recotrack.store.rows import must
from recotrack_sdk.models import AgencyOverdue, StateCount, Stats

_STATS = """
with latest as (
    select distinct on (recommendation_id) recommendation_id, status
    from progress_report
    where $1::text is null or agency_id = $1
    order by recommendation_id, reported_on desc, seq desc
), facts as materialized (
    select r.agency_id, r.area, r.issued_on, resp.decision, resp.created_at as responded_at,
        c.outcome, c.closed_at, s.state,
        recommendation_overdue(
            s.state, resp.recommendation_id is not null, r.response_due, r.implementation_due,
            current_date
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
    -- an agency sees its own issued recommendations; the others every one, drafts included
    where $1::text is null or (r.agency_id = $1 and r.issued_on is not null)
)
select
    (select coalesce(jsonb_agg(g order by g.agency_id, g.area, g.state), '[]')
     from (select agency_id, area, state, count(*) as count from facts
           group by agency_id, area, state) g) as counts,
    (select coalesce(jsonb_agg(g order by g.overdue desc, g.agency_id), '[]')
     from (select agency_id, count(*) as overdue from facts where overdue
           group by agency_id) g) as overdue_by_agency,
    (select coalesce(jsonb_object_agg(g.decision, g.share), '{}')
     from (select decision, count(*)::float8 / sum(count(*)) over () as share from facts
           where decision is not null group by decision) g) as decision_shares,
    (select count(*) filter (where outcome = 'implemented')::float8
        / nullif(count(*) filter (where issued_on is not null
            and coalesce(outcome, '') not in ('superseded', 'withdrawn')), 0)
     from facts) as implemented_share,
    (select percentile_cont(0.5) within group (order by responded_at::date - issued_on)
     from facts where responded_at is not null and issued_on is not null)
        as median_days_to_response,
    (select percentile_cont(0.5) within group (order by closed_at::date - issued_on)
     from facts where outcome = 'implemented' and issued_on is not null)
        as median_days_to_implementation
"""


async def stats(conn: Connection, *, scope: str | None) -> Stats:
    row = must(await conn.fetchrow(_STATS, scope))
    counts = msgspec.convert(row["counts"], list[StateCount])
    overdue = msgspec.convert(row["overdue_by_agency"], list[AgencyOverdue])
    return Stats(
        total=sum(c.count for c in counts),
        counts=counts,
        overdue=sum(a.overdue for a in overdue),
        overdue_by_agency=overdue,
        decision_shares=row["decision_shares"],
        implemented_share=row["implemented_share"],
        median_days_to_response=row["median_days_to_response"],
        median_days_to_implementation=row["median_days_to_implementation"],
    )


class StatsCache:
    """The figures, recomputed only when something changed. Every write appends an event in
    its transaction, so the newest event's number, with today's date (for overdue), tells
    whether the figures last computed still stand: the cache is exact, never stale."""

    def __init__(self) -> None:
        self._figures: dict[str | None, tuple[tuple[int, dt.date], Stats]] = {}

    async def stats(self, conn: Connection, *, scope: str | None) -> Stats:
        row = must(
            await conn.fetchrow(
                "select coalesce(max(seq), 0) as head, current_date as today from event"
            )
        )
        key = (row["head"], row["today"])
        cached = self._figures.get(scope)
        if cached is not None and cached[0] == key:
            return cached[1]
        figures = await stats(conn, scope=scope)
        self._figures[scope] = (key, figures)
        return figures


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
