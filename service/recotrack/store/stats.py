"""Figures across agencies for the secretariat (and an agency's own, for the agency)."""

from __future__ import annotations

from recotrack.store.pool import Connection
from recotrack.store.rows import must, to_struct
from recotrack_sdk.models import AgencyOverdue, StateCount, Stats

# An agency sees its own issued recommendations; the others see every one, drafts included.
_SCOPE = "($1::text is null or (v.agency_id = $1 and v.issued_on is not null))"


async def stats(conn: Connection, *, scope: str | None) -> Stats:
    counts = await conn.fetch(
        f"""
        select agency_id, area, state, count(*)::int as count from recommendation_view v
        where {_SCOPE}
        group by agency_id, area, state order by agency_id, area, state
        """,
        scope,
    )
    overdue = await conn.fetch(
        f"""
        select agency_id, count(*)::int as overdue from recommendation_view v
        where {_SCOPE} and overdue
        group by agency_id order by overdue desc, agency_id
        """,
        scope,
    )
    decisions = await conn.fetch(
        f"""
        select v.decision, count(*)::float8 / sum(count(*)) over () as share
        from recommendation_view v
        where {_SCOPE} and v.decision is not null group by v.decision order by v.decision
        """,
        scope,
    )
    figures = must(
        await conn.fetchrow(
            f"""
            select
                count(*) filter (where c.outcome = 'implemented')::float8
                    / nullif(count(*) filter (
                        where v.issued_on is not null
                          and coalesce(c.outcome, '') not in ('superseded', 'withdrawn')
                    ), 0) as implemented_share,
                percentile_cont(0.5) within group (
                    order by resp.created_at::date - v.issued_on
                ) filter (where resp.created_at is not null and v.issued_on is not null)
                    as median_days_to_response,
                percentile_cont(0.5) within group (
                    order by c.closed_at::date - v.issued_on
                ) filter (where c.outcome = 'implemented' and v.issued_on is not null)
                    as median_days_to_implementation
            from recommendation_view v
            left join response resp on resp.recommendation_id = v.id
            left join closure c on c.recommendation_id = v.id
            where {_SCOPE}
            """,
            scope,
        )
    )
    state_counts = [to_struct(row, StateCount) for row in counts]
    return Stats(
        total=sum(c.count for c in state_counts),
        counts=state_counts,
        overdue=sum(row["overdue"] for row in overdue),
        overdue_by_agency=[to_struct(row, AgencyOverdue) for row in overdue],
        decision_shares={row["decision"]: row["share"] for row in decisions},
        implemented_share=figures["implemented_share"],
        median_days_to_response=figures["median_days_to_response"],
        median_days_to_implementation=figures["median_days_to_implementation"],
    )
