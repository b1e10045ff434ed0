"""The figures are built from per-agency parts, cached per agency: they must equal what one
query over everything computes, before and after writes to one agency or another."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import asyncpg
import pytest

from recotrack.demo import load_demo
from recotrack.store.stats import median
from tests.helpers import Api

# The figures as one query over all recommendations in scope: the definition, kept here as
# the oracle of the per-agency parts.
ONE_QUERY = """
with latest as (
    select distinct on (recommendation_id) recommendation_id, status
    from progress_report
    where $1::text is null or agency_id = $1
    order by recommendation_id, seq desc  -- the last written
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


async def _expected(db: asyncpg.Connection, scope: str | None) -> dict[str, Any]:
    row = await db.fetchrow(ONE_QUERY, scope)
    assert row is not None
    counts = row["counts"]
    overdue = row["overdue_by_agency"]
    return {
        "total": sum(c["count"] for c in counts),
        "counts": sorted(counts, key=lambda c: (c["agency_id"], c["area"], c["state"])),
        "overdue": sum(a["overdue"] for a in overdue),
        "overdue_by_agency": sorted(overdue, key=lambda a: (-a["overdue"], a["agency_id"])),
        "decision_shares": row["decision_shares"],
        "implemented_share": row["implemented_share"],
        "median_days_to_response": row["median_days_to_response"],
        "median_days_to_implementation": row["median_days_to_implementation"],
    }


async def _check(api: Api, db: asyncpg.Connection) -> None:
    for who, scope in [("secretariat", None), ("skatteverket", "skatteverket")]:
        r = await api.call(who, "GET", "/v1/stats")
        assert r.status_code == 200, r.text
        assert r.json() == await _expected(db, scope), who


async def test_figures_equal_one_query_over_everything_after_each_write(
    api: Api, db: asyncpg.Connection
) -> None:
    await load_demo(db, per_agency=8)
    await _check(api, db)
    ids = {
        agency: str(
            await db.fetchval(
                "select id from recommendation_view where agency_id = $1"
                " and state in ('issued', 'responded', 'in_progress')"
                " order by code limit 1",
                agency,
            )
        )
        for agency in ("skatteverket", "forsakringskassan")
    }
    # a write to one agency, then the other: each changes only its own part
    r = await api.call(
        "secretariat",
        "PUT",
        f"/v1/recommendations/{ids['forsakringskassan']}/closure",
        json={"outcome": "implemented"},
    )
    assert r.status_code == 201, r.text
    await _check(api, db)
    r = await api.call(
        "skatteverket",
        "POST",
        f"/v1/recommendations/{ids['skatteverket']}/progress",
        json={"status": "implemented"},
    )
    assert r.status_code == 201, r.text
    await _check(api, db)


@pytest.mark.parametrize("seed", range(8))
async def test_median_is_postgresql_percentile_cont(db: asyncpg.Connection, seed: int) -> None:
    rng = random.Random(seed)
    values = [rng.randint(-5, 400) for _ in range(rng.randint(1, 60))]
    expected = await db.fetchval(
        "select percentile_cont(0.5) within group (order by v) from unnest($1::int[]) v", values
    )
    assert median(Counter(values)) == expected
    assert median(Counter()) is None
