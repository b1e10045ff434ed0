"""The schedule's arithmetic (recotrack.domain.reminders), with no database and no mail."""

from __future__ import annotations

import datetime as dt

import pytest

from recotrack.domain.reminders import Rules, Scheduled, digest_day, due_steps

DUE = dt.date(2026, 3, 20)  # a Friday, a working day
RULES = Rules()


def day(offset: int) -> dt.date:
    return DUE + dt.timedelta(days=offset)


def steps_on(offset: int, rules: Rules = RULES) -> list[tuple[str, int, str, str]]:
    """(step, its day as an offset from DUE, audience, what the mail says) due `offset` days
    after DUE."""
    return [
        (s.step, (s.on - DUE).days, s.audience, s.says) for s in due_steps(DUE, day(offset), rules)
    ]


def test_the_default_rules_are_the_issues() -> None:
    assert (RULES.days_before, RULES.overdue_every, RULES.escalate_after) == ((14, 3), 7, 30)
    assert RULES.horizon == 14


def test_nothing_before_the_first_reminder() -> None:
    assert steps_on(-15) == []
    assert steps_on(-100) == []


def test_fourteen_and_three_days_before_then_the_day() -> None:
    assert steps_on(-14) == [("before", -14, "contact", "before")]
    # the newest step stays the one due until the next one's day: sent once, by its identity
    assert steps_on(-4) == [("before", -14, "contact", "before")]
    assert steps_on(-3) == [("before", -3, "contact", "before")]
    assert steps_on(-1) == [("before", -3, "contact", "before")]
    assert steps_on(0) == [("due", 0, "contact", "due")]


def test_weekly_while_overdue_each_week_a_step_of_its_own() -> None:
    assert steps_on(6) == [("due", 0, "contact", "overdue")]  # late: it says so
    assert steps_on(7) == [("overdue", 7, "contact", "overdue")]
    assert steps_on(13) == [("overdue", 7, "contact", "overdue")]
    assert steps_on(14) == [("overdue", 14, "contact", "overdue")]
    assert steps_on(365)[0] == ("overdue", 364, "contact", "overdue")


def test_escalation_to_management_once_thirty_days_overdue() -> None:
    assert steps_on(29) == [("overdue", 28, "contact", "overdue")]
    assert steps_on(30) == [
        ("overdue", 28, "contact", "overdue"),
        ("escalation", 30, "management", "escalation"),
    ]
    # after an outage too: the escalation keeps its one identity, whenever it goes out
    assert ("escalation", 30, "management", "escalation") in steps_on(90)


def test_after_an_outage_only_the_newest_step() -> None:
    assert len(steps_on(20)) == 1  # not the two before, the day and the first overdue one


def test_other_rules() -> None:
    rules = Rules(days_before=(1, 5, 5), overdue_every=1, escalate_after=2)
    assert rules.days_before == (5, 1)
    assert steps_on(-5, rules) == [("before", -5, "contact", "before")]
    assert steps_on(-1, rules) == [("before", -1, "contact", "before")]
    assert steps_on(1, rules) == [("overdue", 1, "contact", "overdue")]
    assert steps_on(2, rules) == [
        ("overdue", 2, "contact", "overdue"),
        ("escalation", 2, "management", "escalation"),
    ]
    only_on_the_day = Rules(days_before=())
    assert only_on_the_day.horizon == 0
    assert steps_on(-1, only_on_the_day) == []
    assert steps_on(0, only_on_the_day) == [("due", 0, "contact", "due")]


def test_identity_is_step_and_day_not_what_it_says() -> None:
    on_the_day = due_steps(DUE, day(0), RULES)[0]
    late = due_steps(DUE, day(3), RULES)[0]
    assert on_the_day == late == Scheduled("due", DUE, "contact", "due")
    assert late.says == "overdue"


@pytest.mark.parametrize(
    ("today", "weekday", "expected"),
    [
        (dt.date(2026, 3, 23), 0, dt.date(2026, 3, 23)),  # a Monday: itself
        (dt.date(2026, 3, 24), 0, dt.date(2026, 3, 23)),  # Tuesday: Monday's, missed
        (dt.date(2026, 3, 22), 0, dt.date(2026, 3, 16)),  # Sunday: last Monday's
        (dt.date(2026, 3, 22), 6, dt.date(2026, 3, 22)),
        (dt.date(2026, 3, 23), 4, dt.date(2026, 3, 20)),
    ],
)
def test_digest_day(today: dt.date, weekday: int, expected: dt.date) -> None:
    assert digest_day(today, weekday) == expected
