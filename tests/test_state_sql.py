"""`recommendation_view` computes `state` and `overdue` in SQL; they must equal the domain's.

Every combination of the facts (issued or not, responded or not, latest progress status any
of five or none, closed or not) × every combination of due dates (response due past, today,
future or unset; implementation due past, future or unset) is inserted, and the view's answer
is held against `derive_state` / `is_overdue` with the database's Swedish "today".
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass

import asyncpg

from recotrack.domain.rules import derive_state, is_overdue
from recotrack.domain.vocabulary import ProgressStatus, State

AGENCY = "skatteverket"


@dataclass(frozen=True)
class Case:
    id: uuid.UUID
    code: str
    issued: bool
    responded: bool
    reported: ProgressStatus | None
    closed: bool
    response_due: dt.date | None
    implementation_due: dt.date | None


async def make_review(db: asyncpg.Connection) -> uuid.UUID:
    await db.execute(
        "insert into agency (id, name, org_number) values ($1, 'Skatteverket', '202100-5448')",
        AGENCY,
    )
    investment: uuid.UUID = await db.fetchval(
        "insert into investment (agency_id, title, phase)"
        " values ($1, 'Ny beskattning', 'execution') returning id",
        AGENCY,
    )
    review: uuid.UUID = await db.fetchval(
        "insert into review (investment_id, agency_id, title) values ($1, $2, 'Andra åsikt')"
        " returning id",
        investment,
        AGENCY,
    )
    return review


async def insert(db: asyncpg.Connection, review: uuid.UUID, cases: list[Case], on: dt.date) -> None:
    await db.executemany(
        "insert into recommendation (id, code, review_id, agency_id, title, area, priority,"
        " issued_on, response_due, implementation_due)"
        " values ($1, $2, $3, $4, 'Rekommendation', 'governance', 'high', $5, $6, $7)",
        [
            (c.id, c.code, review, AGENCY, on if c.issued else None, c.response_due,
             c.implementation_due)
            for c in cases
        ],
    )  # fmt: skip
    await db.executemany(
        "insert into response (recommendation_id, decision, responded_by)"
        " values ($1, 'accepted', 'GD')",
        [(c.id,) for c in cases if c.responded],
    )
    await db.executemany(
        "insert into progress_report (recommendation_id, agency_id, status, reported_on)"
        " values ($1, $2, $3, $4)",
        [(c.id, AGENCY, str(c.reported), on) for c in cases if c.reported is not None],
    )
    await db.executemany(
        "insert into closure (recommendation_id, outcome) values ($1, 'implemented')",
        [(c.id,) for c in cases if c.closed],
    )


def expected(case: Case, today: dt.date) -> tuple[State, bool]:
    state = derive_state(
        issued=case.issued,
        responded=case.responded,
        reported_status=case.reported,
        closed=case.closed,
    )
    overdue = is_overdue(
        state=state,
        responded=case.responded,
        response_due=case.response_due,
        implementation_due=case.implementation_due,
        today=today,
    )
    return state, overdue


async def view(db: asyncpg.Connection) -> tuple[dt.date, dict[str, tuple[str, bool | None]]]:
    """Today and the view's rows, read in one transaction so both see the same current_date."""
    async with db.transaction(readonly=True):
        today: dt.date = await db.fetchval("select current_date")
        rows = await db.fetch("select code, state, overdue from recommendation_view")
    return today, {row["code"]: (row["state"], row["overdue"]) for row in rows}


async def test_view_agrees_with_the_domain_for_every_combination(db: asyncpg.Connection) -> None:
    assert await db.fetchval("show timezone") == "Europe/Stockholm"
    today: dt.date = await db.fetchval("select current_date")
    day = dt.timedelta(days=1)
    # a week back is overdue whatever day it is; yesterday may be a day off whose deadline
    # is today (on a Monday, after a holiday)
    response_dues = [today - 7 * day, today - day, today, today + day, None]
    implementation_dues = [today - 7 * day, today - day, today + day, None]
    review = await make_review(db)
    cases = [
        Case(uuid.uuid4(), f"T-{n:04d}", issued, responded, reported, closed, rdue, idue)
        for n, (issued, responded, reported, closed, rdue, idue) in enumerate(
            itertools.product(
                [False, True],
                [False, True],
                [None, *ProgressStatus],
                [False, True],
                response_dues,
                implementation_dues,
            )
        )
    ]
    await insert(db, review, cases, on=today - 30 * day)

    today, got = await view(db)
    want = {c.code: expected(c, today) for c in cases}
    assert len(got) == len(cases) == 2 * 2 * 6 * 2 * len(response_dues) * len(implementation_dues)
    # every (state, due dates) pair is covered, and both answers of overdue occur
    covered = {(want[c.code][0], c.response_due, c.implementation_due) for c in cases}
    assert covered == set(itertools.product(State, response_dues, implementation_dues))
    assert {overdue for _, overdue in want.values()} == {False, True}
    mismatches = [
        f"{c.code} issued={c.issued} responded={c.responded} reported={c.reported}"
        f" closed={c.closed} response_due={c.response_due}"
        f" implementation_due={c.implementation_due}: view {got[c.code]}, domain {want[c.code]}"
        for c in cases
        if got[c.code] != want[c.code]
    ]
    assert not mismatches, f"{len(mismatches)} of {len(cases)} disagree:\n" + "\n".join(mismatches)
    # the view's overdue is a real boolean, never NULL (a NULL drops out of `overdue = false`)
    assert all(type(overdue) is bool for _, overdue in got.values())


async def test_latest_progress_is_the_last_written(db: asyncpg.Connection) -> None:
    """The latest report is the last inserted (`seq`), whatever day it names or when it was
    created: the order of the list and the timeline (migration 0009)."""
    today: dt.date = await db.fetchval("select current_date")
    day = dt.timedelta(days=1)
    review = await make_review(db)
    by_date, by_creation = uuid.uuid4(), uuid.uuid4()
    await insert(
        db,
        review,
        [
            Case(by_date, "LATEST-BY-DATE", True, True, None, False, None, None),
            Case(by_creation, "LATEST-BY-CREATION", True, True, None, False, None, None),
        ],
        on=today - 30 * day,
    )
    created = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    report = (
        "insert into progress_report (recommendation_id, agency_id, status, reported_on,"
        " created_at) values ($1, $2, $3, $4, $5)"
    )
    # Written last, though it names an earlier day: it is the latest.
    await db.execute(report, by_date, AGENCY, "implemented", today - 2 * day, created)
    await db.execute(report, by_date, AGENCY, "in_progress", today - 5 * day, created + day)
    # Written last, though its created_at is earlier (times are the writer's): the latest.
    await db.execute(report, by_creation, AGENCY, "in_progress", today - 2 * day, created + day)
    await db.execute(report, by_creation, AGENCY, "implemented", today - 2 * day, created)

    rows = {
        row["code"]: (row["reported_status"], row["state"])
        for row in await db.fetch("select code, reported_status, state from recommendation_view")
    }
    assert rows == {
        "LATEST-BY-DATE": ("in_progress", State.IN_PROGRESS),
        "LATEST-BY-CREATION": ("implemented", State.IMPLEMENTED),
    }
    for code, (status, state) in rows.items():
        assert state == derive_state(
            issued=True, responded=True, reported_status=ProgressStatus(status), closed=False
        ), code
