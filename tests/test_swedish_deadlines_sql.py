"""The store's Swedish deadlines equal the domain's (recotrack.domain.deadlines).

`swedish_holiday` (migration 0012) holds what the `holidays` package says for its years, and
the SQL functions `is_working_day` / `effective_due` answer as the Python ones do, for every
day of 2024-2030; `recommendation_overdue` counts from the effective due date.
"""

from __future__ import annotations

import datetime as dt

import asyncpg

from recotrack.domain.deadlines import (
    FIRST_YEAR,
    LAST_YEAR,
    effective_due,
    holidays_of,
    is_working_day,
)


async def test_the_table_is_what_the_package_says(db: asyncpg.Connection) -> None:
    rows = await db.fetch("select day, name from swedish_holiday order by day")
    expected = {
        day: name
        for year in range(FIRST_YEAR, LAST_YEAR + 1)
        for day, name in holidays_of(year).items()
    }
    assert {row["day"]: row["name"] for row in rows} == expected


async def test_sql_and_python_agree_on_every_day_of_2024_to_2030(db: asyncpg.Connection) -> None:
    rows = await db.fetch(
        """
        select d::date as day, is_working_day(d::date) as working, effective_due(d::date) as due
        from generate_series(date '2024-01-01', date '2030-12-31', interval '1 day') d
        """
    )
    assert len(rows) == 2557
    for row in rows:
        assert (row["working"], row["due"]) == (
            is_working_day(row["day"]),
            effective_due(row["day"]),
        ), row["day"]
    assert await db.fetchval("select effective_due(null)") is None


async def test_overdue_counts_from_the_effective_due_date(db: asyncpg.Connection) -> None:
    midsommarafton = dt.date(2026, 6, 19)

    async def overdue(today: dt.date) -> bool:
        answer: bool = await db.fetchval(
            "select recommendation_overdue('issued', false, $1, null, $2)", midsommarafton, today
        )
        return answer

    assert not await overdue(dt.date(2026, 6, 22))
    assert await overdue(dt.date(2026, 6, 23))


async def test_overdue_is_effective_due_before_today_for_every_pair(db: asyncpg.Connection) -> None:
    """`recommendation_overdue` compares with the last working day before today, once per query;
    for every today of 2026-2027 and every due date up to 20 days before it, that is
    effective_due(due) < today."""
    differ = await db.fetchval(
        """
        select count(*)
        from generate_series(date '2026-01-01', date '2027-12-31', interval '1 day') t,
            generate_series(0, 20) back,
            lateral (select t::date as today, t::date - back as due) p
        where recommendation_overdue('issued', false, p.due, null, p.today)
            is distinct from (effective_due(p.due) < p.today)
        """
    )
    assert differ == 0
