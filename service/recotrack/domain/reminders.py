"""When a reminder of a due date is due: the schedule, and which step of it a pass sends.

For one due date (the effective one: a working day, `deadlines.effective_due`) the agency's
contacts are reminded some days before (`Rules.days_before`), on the day, and every
`overdue_every` days after it while it stays open; the agency's management is told once, when
it is `escalate_after` days overdue. Each step has a day of its own in the schedule, and the
step with its day is its identity: weekly overdue reminders are distinct steps.

A pass sends, of the contacts' steps, only the newest one whose day has come (after an outage
the agency gets one reminder saying where things are, not the whole missed series), and the
escalation once its day has come. What was sent is the store's to remember: a step already
sent is not sent again, so a pass that runs twice on a day sends nothing new.

Pure: the caller says what today is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Due = Literal["response", "implementation"]
"""What is due: the agency's response, or the recommendation carried out (by the response's
target date when it gives one, else by `implementation_due`)."""
Step = Literal["before", "due", "overdue", "escalation"]
"""Where the day is: before the due date, on it, after it, or so long after that the agency's
management is told (`escalation`)."""
Audience = Literal["contact", "management"]
"""Whom a step goes to: an agency contact's `role`."""

DEFAULT_DAYS_BEFORE = (14, 3)
DEFAULT_OVERDUE_EVERY = 7
DEFAULT_ESCALATE_AFTER = 30


@dataclass(frozen=True, slots=True)
class Rules:
    """The schedule (settings `RECOTRACK_REMINDER_*`, which hold every number at 1 or more)."""

    days_before: tuple[int, ...] = DEFAULT_DAYS_BEFORE
    """Days before the due date that the contacts are reminded (none: only on the day)."""
    overdue_every: int = DEFAULT_OVERDUE_EVERY
    """Days between two reminders while a due date is past."""
    escalate_after: int = DEFAULT_ESCALATE_AFTER
    """Days past the due date that the management is told."""

    def __post_init__(self) -> None:
        # highest first: the newest "before" step is the one with the fewest days left
        object.__setattr__(self, "days_before", tuple(sorted(set(self.days_before), reverse=True)))

    @property
    def horizon(self) -> int:
        """How many days ahead a due date can be for a step to be due today."""
        return max(self.days_before, default=0)


@dataclass(frozen=True, slots=True)
class Scheduled:
    """One step of a due date's schedule, due today or earlier."""

    step: Step
    on: dt.date
    """The day the schedule has it: with `step`, its identity."""
    audience: Audience
    says: Step = field(compare=False)
    """What the mail says of the day: a "due" step sent after its day says it is overdue."""


def due_steps(due: dt.date, today: dt.date, rules: Rules) -> list[Scheduled]:
    """What a pass on `today` sends for the effective due date `due`: the contacts' newest
    step whose day has come, and the escalation when its day has come (at most two)."""
    late = (today - due).days
    steps: list[Scheduled] = []
    contact = _newest_for_contacts(due, late, rules)
    if contact is not None:
        steps.append(contact)
    if late >= rules.escalate_after:
        on = due + dt.timedelta(days=rules.escalate_after)
        steps.append(Scheduled("escalation", on, "management", "escalation"))
    return steps


def _newest_for_contacts(due: dt.date, late: int, rules: Rules) -> Scheduled | None:
    if late >= rules.overdue_every:
        periods = late // rules.overdue_every
        on = due + dt.timedelta(days=periods * rules.overdue_every)
        return Scheduled("overdue", on, "contact", "overdue")
    if late >= 0:
        return Scheduled("due", due, "contact", "due" if late == 0 else "overdue")
    for days in reversed(rules.days_before):  # fewest days left first: the newest
        if -late <= days:
            return Scheduled("before", due - dt.timedelta(days=days), "contact", "before")
    return None


def digest_day(today: dt.date, weekday: int) -> dt.date:
    """The day of this week's digest (`weekday`: 0 Monday … 6 Sunday): the latest such day up
    to `today`. It names the digest, so a pass that missed the day sends it on the next one."""
    return today - dt.timedelta(days=(today.weekday() - weekday) % 7)
