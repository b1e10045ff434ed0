"""`derive_state` for every combination of the facts, and `is_overdue` case by case."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from recotrack.domain.rules import derive_state, is_overdue
from recotrack.domain.vocabulary import ProgressStatus, State

NS, IP, IM, PI, NI = (
    ProgressStatus.NOT_STARTED,
    ProgressStatus.IN_PROGRESS,
    ProgressStatus.IMPLEMENTED,
    ProgressStatus.PARTIALLY_IMPLEMENTED,
    ProgressStatus.NOT_IMPLEMENTED,
)
STATUSES: list[ProgressStatus | None] = [None, *ProgressStatus]

# Issued and not closed: the state follows the agency's latest progress, else its response.
OPEN: dict[tuple[bool, ProgressStatus | None], State] = {
    # responded, latest reported status
    (False, None): State.ISSUED,
    (False, NS): State.ISSUED,
    (False, IP): State.IN_PROGRESS,
    (False, IM): State.IMPLEMENTED,
    (False, PI): State.IN_PROGRESS,
    (False, NI): State.ISSUED,
    (True, None): State.RESPONDED,
    (True, NS): State.RESPONDED,
    (True, IP): State.IN_PROGRESS,
    (True, IM): State.IMPLEMENTED,
    (True, PI): State.IN_PROGRESS,
    (True, NI): State.RESPONDED,
}


def expected_state(
    issued: bool, responded: bool, reported: ProgressStatus | None, closed: bool
) -> State:
    if closed:
        return State.CLOSED  # closure wins, whatever else is true
    if not issued:
        return State.DRAFT
    return OPEN[(responded, reported)]


FACTS = list(itertools.product([False, True], [False, True], STATUSES, [False, True]))


@pytest.mark.parametrize(
    ("issued", "responded", "reported", "closed"),
    FACTS,
    ids=[
        f"{'issued' if i else 'unissued'}-{'responded' if r else 'silent'}-{s}-"
        f"{'closed' if c else 'open'}"
        for i, r, s, c in FACTS
    ],
)
def test_derive_state(
    issued: bool, responded: bool, reported: ProgressStatus | None, closed: bool
) -> None:
    state = derive_state(
        issued=issued, responded=responded, reported_status=reported, closed=closed
    )
    assert state == expected_state(issued, responded, reported, closed)


def test_only_a_closure_closes() -> None:
    for issued, responded, reported, closed in FACTS:
        state = derive_state(
            issued=issued, responded=responded, reported_status=reported, closed=closed
        )
        assert (state is State.CLOSED) == closed


def test_an_agency_reporting_implemented_gets_implemented_not_closed() -> None:
    state = derive_state(issued=True, responded=True, reported_status=IM, closed=False)
    assert state is State.IMPLEMENTED


# --- overdue --------------------------------------------------------------------------------

TODAY = dt.date(2026, 3, 18)  # a Wednesday: the day before is a working day
PAST = TODAY - dt.timedelta(days=1)
FUTURE = TODAY + dt.timedelta(days=1)

OVERDUE_CASES: list[tuple[str, State, bool, dt.date | None, dt.date | None, bool]] = [
    # id, state, responded, response_due, implementation_due, overdue
    ("no-due-dates", State.ISSUED, False, None, None, False),
    ("no-due-dates-in-progress", State.IN_PROGRESS, True, None, None, False),
    ("response-due-past-none-given", State.ISSUED, False, PAST, None, True),
    ("response-due-past-given", State.RESPONDED, True, PAST, None, False),
    ("response-due-today-none-given", State.ISSUED, False, TODAY, None, False),
    ("response-due-future-none-given", State.ISSUED, False, FUTURE, None, False),
    ("response-due-past-progress-without-response", State.IN_PROGRESS, False, PAST, None, True),
    ("implementation-due-past-issued", State.ISSUED, False, None, PAST, True),
    ("implementation-due-past-responded", State.RESPONDED, True, None, PAST, True),
    ("implementation-due-past-in-progress", State.IN_PROGRESS, True, PAST, PAST, True),
    ("implementation-due-past-implemented", State.IMPLEMENTED, True, PAST, PAST, False),
    ("implementation-due-today", State.IN_PROGRESS, True, None, TODAY, False),
    ("implementation-due-future", State.RESPONDED, True, PAST, FUTURE, False),
    ("both-due-today", State.ISSUED, False, TODAY, TODAY, False),
    ("both-past", State.ISSUED, False, PAST, PAST, True),
    ("draft-both-past", State.DRAFT, False, PAST, PAST, False),
    ("closed-both-past", State.CLOSED, False, PAST, PAST, False),
    ("closed-responded-implementation-past", State.CLOSED, True, None, PAST, False),
]


@pytest.mark.parametrize(
    ("state", "responded", "response_due", "implementation_due", "overdue"),
    [case[1:] for case in OVERDUE_CASES],
    ids=[case[0] for case in OVERDUE_CASES],
)
def test_is_overdue(
    state: State,
    responded: bool,
    response_due: dt.date | None,
    implementation_due: dt.date | None,
    overdue: bool,
) -> None:
    got = is_overdue(
        state=state,
        responded=responded,
        response_due=response_due,
        implementation_due=implementation_due,
        today=TODAY,
    )
    assert got is overdue


DUES = [None, PAST, TODAY, FUTURE]


@pytest.mark.parametrize("state", [State.DRAFT, State.CLOSED])
def test_drafts_and_closed_are_never_overdue(state: State) -> None:
    for responded, response_due, implementation_due in itertools.product([False, True], DUES, DUES):
        assert not is_overdue(
            state=state,
            responded=responded,
            response_due=response_due,
            implementation_due=implementation_due,
            today=TODAY,
        )


@pytest.mark.parametrize("state", [s for s in State if s not in (State.DRAFT, State.CLOSED)])
def test_nothing_due_before_tomorrow_is_never_overdue(state: State) -> None:
    for responded, response_due, implementation_due in itertools.product(
        [False, True], [None, TODAY, FUTURE], [None, TODAY, FUTURE]
    ):
        assert not is_overdue(
            state=state,
            responded=responded,
            response_due=response_due,
            implementation_due=implementation_due,
            today=TODAY,
        )


@pytest.mark.parametrize(
    ("due", "today", "overdue"),
    [
        # due on midsommarafton (a Friday): Monday is the day, late from Tuesday
        (dt.date(2026, 6, 19), dt.date(2026, 6, 22), False),
        (dt.date(2026, 6, 19), dt.date(2026, 6, 23), True),
        # due on a Saturday
        (dt.date(2026, 3, 14), dt.date(2026, 3, 16), False),
        (dt.date(2026, 3, 14), dt.date(2026, 3, 17), True),
    ],
)
def test_a_due_date_on_a_day_off_is_late_after_the_next_working_day(
    due: dt.date, today: dt.date, overdue: bool
) -> None:
    for response_due, implementation_due in ((due, None), (None, due)):
        got = is_overdue(
            state=State.ISSUED,
            responded=False,
            response_due=response_due,
            implementation_due=implementation_due,
            today=today,
        )
        assert got is overdue
