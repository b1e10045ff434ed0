"""The demo data: real agencies, every state, some overdue, Swedish text; a history of three
years written through the store, each write an event at its own moment, the chain running
forward in time and intact; loading twice: no-op."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import AsyncIterator

import asyncpg
import pytest

from recotrack.demo import load_demo
from recotrack.demo.content import AGENCIES, SEED
from recotrack.demo.history import plan
from recotrack.domain.errors import RuleViolation
from recotrack.domain.orgnr import is_valid_org_number
from recotrack.domain.rules import derive_state
from recotrack.domain.swedish_time import STOCKHOLM
from recotrack.domain.vocabulary import ProgressStatus, Role, State
from recotrack.store import audit, demo, progress, stats
from recotrack.store.pool import connect
from recotrack.store.rows import must
from recotrack_sdk.models import (
    ClosureWrite,
    ProgressReportCreate,
    RecommendationCreate,
    ResponseWrite,
)
from tests.conftest import copy_of_template


@pytest.fixture(scope="module")
async def loaded(server_url: str, template_db: str) -> AsyncIterator[asyncpg.Connection]:
    """A database with the demo loaded (once for this module: loading takes seconds)."""
    async with copy_of_template(server_url, template_db) as url:
        conn = await connect(url)
        try:
            assert (await load_demo(conn)).loaded
            yield conn
        finally:
            await conn.close()


async def test_demo_covers_every_state_and_area(loaded: asyncpg.Connection) -> None:
    db = loaded
    summary = await stats.totals(db)
    assert summary.agencies >= 8
    assert 180 <= summary.recommendations <= 220
    assert all(is_valid_org_number(org) for _, _, org, _ in AGENCIES)

    states = {r["state"] for r in await db.fetch("select distinct state from recommendation_view")}
    assert states == {"draft", "issued", "responded", "in_progress", "implemented", "closed"}
    areas = await db.fetchval("select count(distinct area) from recommendation")
    assert areas == 5
    assert await db.fetchval("select count(*) from recommendation_view where overdue") > 0
    outcomes = await db.fetchval("select count(distinct outcome) from closure")
    assert outcomes >= 3
    assert await db.fetchval("select count(*) from target_date_change where reason is not null") > 0
    assert await db.fetchval("select count(*) from investment where external_ref is null") == 0
    decisions = await db.fetchval("select count(distinct decision) from response")
    assert decisions == 4
    swedish = await db.fetchval(
        "select count(*) from recommendation where title ~ '[åäöÅÄÖ]' or body ~ '[åäöÅÄÖ]'"
    )
    assert swedish > 100
    # every change went through the store, so the event log tells the whole story
    assert await db.fetchval("select count(*) from event where entity = 'recommendation'") >= 200


async def test_the_demo_is_three_years_of_work(loaded: asyncpg.Connection) -> None:
    """What the overview shows: closures in every quarter of three years, a response in some
    weeks, an implementation in a year or so; not everything on the day it was loaded."""
    db = loaded
    now: dt.datetime = await db.fetchval("select now()")

    quarters = await stats.issued_and_closed_by_quarter(db, scope=None)
    closed_in = [q.quarter for q in quarters if q.closed]
    issued_in = [q.quarter for q in quarters if q.issued]
    assert len(closed_in) >= 10, f"closures fall in {len(closed_in)} quarters: {closed_in}"
    assert len(issued_in) >= 12, f"issues fall in {len(issued_in)} quarters: {issued_in}"
    assert (closed_in[-1] - closed_in[0]).days >= 2 * 365, closed_in

    figures = await stats.StatsCache().stats(db, scope=None)
    to_response = figures.median_days_to_response
    to_implementation = figures.median_days_to_implementation
    assert to_response is not None
    assert 14 <= to_response <= 60, f"{to_response} days to respond"
    assert to_implementation is not None
    assert 180 <= to_implementation <= 730, f"{to_implementation} days to implement"
    assert figures.implemented_share is not None
    assert 0.2 <= figures.implemented_share <= 0.7
    assert 0 < figures.overdue < figures.total / 4

    # each row carries the time of the write that made it, which is its event's time
    span = await db.fetchrow(
        "select min(occurred_at) as first, max(occurred_at) as last from event"
    )
    assert span is not None
    assert (
        now - dt.timedelta(days=3 * 365 + 120) <= span["first"] <= now - dt.timedelta(days=3 * 365)
    )
    assert now - dt.timedelta(days=30) <= span["last"] <= now
    mismatched = await db.fetch(
        """
        select e.entity, e.action, e.occurred_at, t.at from event e
        join (
            select 'response' as entity, 'created' as action,
                recommendation_id::text as id, created_at as at from response
            union all select 'closure', 'closed', recommendation_id::text, closed_at from closure
            union all select 'progress_report', 'created', id::text, created_at
                from progress_report
            union all select 'assessment', 'created', id::text, created_at from assessment
            union all select 'recommendation', 'created', id::text, created_at
                from recommendation
            union all select 'review', 'created', id::text, created_at from review
        ) t on (t.entity, t.action, t.id) = (e.entity, e.action, e.entity_id)
        where e.occurred_at <> t.at
        """
    )
    assert mismatched == []
    # the rules' "today" was the day of each write: a report is dated the day it came in, an
    # assessment the day it was made, a recommendation issued on the day it was written
    assert not await db.fetchval(
        "select count(*) from progress_report where reported_on <> created_at::date"
    )
    assert not await db.fetchval(
        "select count(*) from assessment where assessed_on <> created_at::date"
    )
    assert not await db.fetchval(
        "select count(*) from recommendation where issued_on <> created_at::date"
    )
    slipped = await db.fetchval(
        """
        select count(*) from target_date_change c join response r using (recommendation_id)
        where c.reason is not null and c.changed_at > r.created_at and r.updated_at = c.changed_at
        """
    )
    assert slipped > 0, "a target date slips later than the response that set it"


async def test_the_chain_runs_forward_in_time_and_holds(loaded: asyncpg.Connection) -> None:
    db = loaded
    backwards = await db.fetch(
        """
        select seq, occurred_at, previous from (
            select seq, occurred_at, lag(occurred_at) over (order by seq) as previous from event
        ) e where occurred_at < previous
        """
    )
    assert backwards == [], f"{len(backwards)} events are older than the one before them"
    events, moments = must(
        await db.fetchrow("select count(*), count(distinct occurred_at) from event")
    )
    assert moments == events, "each write is an event at its own moment"
    verified = await audit.verify_chain(db)
    assert verified.ok, verified.first_problem
    assert verified.count == events


async def test_loading_again_changes_nothing(loaded: asyncpg.Connection) -> None:
    db = loaded
    query = """
        select (select count(*) from event) as events,
            (select hash from event order by seq desc limit 1) as head,
            (select count(*) from recommendation) as recommendations,
            (select count(*) from progress_report) as reports,
            (select count(*) from closure) as closures
    """
    before = must(await db.fetchrow(query))
    again = await load_demo(db)
    assert not again.loaded
    assert again.recommendations == before["recommendations"]
    assert await db.fetchrow(query) == before


def test_whenever_it_is_loaded_the_story_has_every_state() -> None:
    """The history is relative to the moment it is loaded: on any day (here, a day of each
    week of a year) it reaches every state and closes in at least ten quarters."""
    start = dt.datetime(2026, 1, 5, 9, 30, tzinfo=STOCKHOLM)
    for week in range(52):
        now = start + dt.timedelta(days=7 * week + week % 7, hours=week % 10)
        steps = plan(random.Random(SEED), now, per_agency=20)
        assert all(a.at <= b.at for a, b in itertools.pairwise(steps))
        assert steps[-1].at < now
        issued: dict[str, bool] = {}
        responded: set[str] = set()
        reported: dict[str, ProgressStatus] = {}
        closed: set[str] = set()
        closed_in: set[tuple[int, int]] = set()
        for step in steps:
            match step.data:
                case RecommendationCreate(issued_on=issued_on):
                    issued[step.key] = issued_on is not None
                case ResponseWrite():
                    responded.add(step.key)
                case ProgressReportCreate(status=status):
                    reported[step.key] = ProgressStatus(status)
                case ClosureWrite():
                    closed.add(step.key)
                    closed_in.add((step.at.year, (step.at.month - 1) // 3))
        states = {
            derive_state(
                issued=issued[code],
                responded=code in responded,
                reported_status=reported.get(code),
                closed=code in closed,
            )
            for code in issued
        }
        assert states == set(State), (now, states)
        assert len(closed_in) >= 10, (now, sorted(closed_in))


async def test_a_write_at_a_past_moment_is_one_there(loaded: asyncpg.Connection) -> None:
    """The demo's clock: a write after `set_write_time` is made at that moment (its event,
    its row, the rules' today); a future moment is refused; the clock ends with its
    transaction. (Tried in a transaction that is rolled back: the demo stays as loaded.)"""
    db = loaded
    rec = await db.fetchrow(
        "select id::text, agency_id from recommendation_view where state = 'in_progress' limit 1"
    )
    assert rec is not None
    then = dt.datetime(2025, 3, 4, 10, 15, 30, 123456, tzinfo=STOCKHOLM)
    transaction = db.transaction()
    await transaction.start()
    try:
        await demo.set_write_time(db, then)

        async def report(reported_on: dt.date | None) -> None:
            await progress.add_progress(
                db,
                rec["id"],
                ProgressReportCreate(status="in_progress", reported_on=reported_on),
                scope=rec["agency_id"],
                role=Role.AGENCY,
                actor="test",
            )

        with pytest.raises(RuleViolation, match="reported_on must not be in the future"):
            await report(then.date() + dt.timedelta(days=1))  # the day after "today"
        await report(None)
        written = await db.fetchrow(
            """
            select p.reported_on, p.created_at, e.occurred_at, r.updated_at
            from progress_report p
            join event e on e.entity = 'progress_report' and e.entity_id = p.id::text
            join recommendation r on r.id = p.recommendation_id
            where p.recommendation_id = $1::uuid order by p.seq desc limit 1
            """,
            rec["id"],
        )
        assert written is not None
        assert dict(written) == {
            "reported_on": then.date(),
            "created_at": then,
            "occurred_at": then,
            "updated_at": then,
        }
        with pytest.raises(ValueError, match="must not be in the future"):
            await demo.set_write_time(db, dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
        await demo.set_write_time(db, None)
        assert await db.fetchval("select write_time() = now()")
    finally:
        await transaction.rollback()
    async with db.transaction():
        await demo.set_write_time(db, then)
    assert await db.fetchval("select write_time() = now()"), "the clock ends with its transaction"
