"""The smaller rules: responses, target-date slips, date order, no future reports, edits."""

from __future__ import annotations

import datetime as dt

import pytest

from recotrack.domain.errors import NotPermitted, RuleViolation, TransitionNotAllowed
from recotrack.domain.rules import (
    Action,
    check_dates_in_order,
    check_not_in_future,
    check_response,
    check_transition,
    edit_action,
    target_slips,
)
from recotrack.domain.vocabulary import Decision, Role, State

JUNE = dt.date(2026, 6, 30)
MAY = dt.date(2026, 5, 31)
JULY = dt.date(2026, 7, 31)


def respond(
    decision: Decision,
    rationale: str | None = None,
    *,
    target_date: dt.date | None = None,
    reason: str | None = None,
    previous: dt.date | None = None,
) -> None:
    check_response(
        decision=decision,
        rationale=rationale,
        target_date=target_date,
        target_date_reason=reason,
        previous_target_date=previous,
    )


# --- rationale ------------------------------------------------------------------------------

NEEDS_RATIONALE = [Decision.PARTIALLY_ACCEPTED, Decision.REJECTED]
NO_RATIONALE_NEEDED = [Decision.ACCEPTED, Decision.UNDER_CONSIDERATION]


@pytest.mark.parametrize("decision", NEEDS_RATIONALE)
@pytest.mark.parametrize("rationale", [None, "", "   ", "\n\t "])
def test_a_partial_acceptance_or_rejection_needs_a_rationale(
    decision: Decision, rationale: str | None
) -> None:
    with pytest.raises(RuleViolation) as raised:
        respond(decision, rationale)
    assert raised.value.pointer == "/rationale"


@pytest.mark.parametrize("decision", NEEDS_RATIONALE)
def test_a_rationale_satisfies_it(decision: Decision) -> None:
    respond(decision, "Budgeten räcker inte i år.")


@pytest.mark.parametrize("decision", NO_RATIONALE_NEEDED)
@pytest.mark.parametrize("rationale", [None, "", "  ", "Vi gör så."])
def test_acceptance_and_consideration_need_no_rationale(
    decision: Decision, rationale: str | None
) -> None:
    respond(decision, rationale)


# --- target date ----------------------------------------------------------------------------


@pytest.mark.parametrize("new", [JULY, None], ids=["later", "removed"])
@pytest.mark.parametrize("reason", [None, "", "  "])
def test_a_later_or_removed_target_date_needs_a_reason(
    new: dt.date | None, reason: str | None
) -> None:
    with pytest.raises(RuleViolation) as raised:
        respond(Decision.ACCEPTED, target_date=new, reason=reason, previous=JUNE)
    assert raised.value.pointer == "/target_date_reason"


@pytest.mark.parametrize("new", [JULY, None], ids=["later", "removed"])
def test_a_reason_lets_the_target_date_slip(new: dt.date | None) -> None:
    respond(Decision.ACCEPTED, target_date=new, reason="Upphandlingen överprövades.", previous=JUNE)


@pytest.mark.parametrize(
    ("previous", "new"),
    [(JUNE, MAY), (JUNE, JUNE), (None, JULY), (None, None)],
    ids=["earlier", "same", "first", "never-set"],
)
def test_an_earlier_same_or_first_target_date_needs_no_reason(
    previous: dt.date | None, new: dt.date | None
) -> None:
    respond(Decision.ACCEPTED, target_date=new, previous=previous)


def test_the_rationale_is_checked_before_the_target_date() -> None:
    with pytest.raises(RuleViolation) as raised:
        respond(Decision.REJECTED, None, target_date=JULY, previous=JUNE)
    assert raised.value.pointer == "/rationale"


@pytest.mark.parametrize(
    ("previous", "new", "slips"),
    [
        (None, None, False),
        (None, JUNE, False),
        (JUNE, None, True),
        (JUNE, MAY, False),
        (JUNE, JUNE, False),
        (JUNE, JULY, True),
        (JUNE, JUNE + dt.timedelta(days=1), True),
    ],
    ids=["never-set", "first", "removed", "earlier", "same", "later", "one-day-later"],
)
def test_target_slips(previous: dt.date | None, new: dt.date | None, slips: bool) -> None:
    assert target_slips(previous, new) is slips


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earlier", "later"),
    [(MAY, JUNE), (JUNE, JUNE), (None, JUNE), (JUNE, None), (None, None)],
    ids=["in-order", "same-day", "no-earlier", "no-later", "neither"],
)
def test_dates_in_order_pass(earlier: dt.date | None, later: dt.date | None) -> None:
    check_dates_in_order(("started_on", earlier), ("delivered_on", later))


def test_dates_out_of_order_name_the_later_field() -> None:
    with pytest.raises(RuleViolation) as raised:
        check_dates_in_order(("response_due", JUNE), ("implementation_due", MAY))
    assert raised.value.pointer == "/implementation_due"
    assert "implementation_due" in raised.value.detail


@pytest.mark.parametrize("days_ago", [0, 1, 365])
def test_reports_of_today_or_the_past_pass(days_ago: int) -> None:
    check_not_in_future("reported_on", JUNE - dt.timedelta(days=days_ago), today=JUNE)


def test_a_report_from_tomorrow_is_refused() -> None:
    with pytest.raises(RuleViolation) as raised:
        check_not_in_future("reported_on", JUNE + dt.timedelta(days=1), today=JUNE)
    assert raised.value.pointer == "/reported_on"


# --- edits ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("was_issued", "will_be_issued", "action"),
    [
        (False, False, Action.EDIT),
        (False, True, Action.ISSUE),
        (True, False, Action.RETRACT),
        (True, True, Action.EDIT),
    ],
)
def test_edit_action(was_issued: bool, will_be_issued: bool, action: Action) -> None:
    assert edit_action(was_issued=was_issued, will_be_issued=will_be_issued) is action


def test_changing_only_published_is_publishing_which_a_closed_one_may_be_too() -> None:
    assert edit_action(was_issued=True, will_be_issued=True, only_published=True) is Action.PUBLISH
    check_transition(Action.PUBLISH, State.CLOSED, Role.SECRETARIAT)
    with pytest.raises(TransitionNotAllowed):
        check_transition(Action.EDIT, State.CLOSED, Role.SECRETARIAT)
    with pytest.raises(NotPermitted):
        check_transition(Action.PUBLISH, State.ISSUED, Role.AGENCY)
