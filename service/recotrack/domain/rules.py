"""The rules of a recommendation's life: its derived state, overdue, and who may do what when.

This is the one place these rules live. The store mirrors `derive_state` and `is_overdue` in
SQL (for filtering); a test holds the two to the same answers for every combination. Who may
do an action is the permission it needs: the roles that hold one are `access.ROLE_PERMISSIONS`,
and the API's route guard asks for the same permission (`api.auth.performs`).
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from recotrack.domain.access import Permission, may
from recotrack.domain.deadlines import effective_due
from recotrack.domain.errors import NotPermitted, RuleViolation, TransitionNotAllowed
from recotrack.domain.vocabulary import Decision, ProgressStatus, Role, State


class Action(StrEnum):
    """What can happen to a recommendation."""

    EDIT = "edit"
    PUBLISH = "publish"
    ISSUE = "issue"
    RETRACT = "retract"
    RESPOND = "respond"
    REPORT_PROGRESS = "report_progress"
    ASSESS = "assess"
    CLOSE = "close"
    AMEND_CLOSURE = "amend_closure"
    REOPEN = "reopen"


_OPEN = frozenset({State.ISSUED, State.RESPONDED, State.IN_PROGRESS, State.IMPLEMENTED})
_NOT_CLOSED = _OPEN | {State.DRAFT}


@dataclass(frozen=True, slots=True)
class Rule:
    """Who may perform an action (the roles holding `permission`), and in which states."""

    permission: Permission
    states: frozenset[State]
    why_not: str

    @property
    def roles(self) -> frozenset[Role]:
        """The roles that hold the permission."""
        return frozenset(role for role in Role if may(role, self.permission))


TRANSITIONS: dict[Action, Rule] = {
    Action.EDIT: Rule(
        Permission.ADMINISTER,
        _NOT_CLOSED,
        "a closed recommendation cannot be edited; reopen it first",
    ),
    # Whether the public catalogue shows it changes nothing of the record: any state.
    Action.PUBLISH: Rule(
        Permission.ADMINISTER,
        _NOT_CLOSED | {State.CLOSED},
        "a recommendation is published or not in any state",
    ),
    Action.ISSUE: Rule(
        Permission.ADMINISTER,
        frozenset({State.DRAFT}),
        "only a draft can be issued",
    ),
    Action.RETRACT: Rule(
        Permission.ADMINISTER,
        frozenset({State.ISSUED}),
        "an issuance can only be retracted before the agency has responded or reported",
    ),
    Action.RESPOND: Rule(
        Permission.RESPOND,
        _OPEN,
        "a response needs an issued recommendation that is not closed",
    ),
    Action.REPORT_PROGRESS: Rule(
        Permission.RESPOND,
        _OPEN,
        "progress can only be reported on an issued recommendation that is not closed",
    ),
    Action.ASSESS: Rule(
        Permission.ASSESS,
        _OPEN,
        "an assessment needs an issued recommendation that is not closed",
    ),
    Action.CLOSE: Rule(
        Permission.ADMINISTER,
        _OPEN,
        "only an issued recommendation that is not closed can be closed",
    ),
    Action.AMEND_CLOSURE: Rule(
        Permission.ADMINISTER,
        frozenset({State.CLOSED}),
        "only a closed recommendation has a closure to amend",
    ),
    Action.REOPEN: Rule(
        Permission.ADMINISTER,
        frozenset({State.CLOSED}),
        "only a closed recommendation can be reopened",
    ),
}


def check_transition(action: Action, state: State, role: Role) -> None:
    """Raise unless `role` may perform `action` on a recommendation in `state`."""
    rule = TRANSITIONS[action]
    if not may(role, rule.permission):
        raise NotPermitted(f"the {role} role may not {action.replace('_', ' ')}")
    if state not in rule.states:
        raise TransitionNotAllowed(f"{rule.why_not} (the recommendation is {state})")


_STATUS_STATE: dict[ProgressStatus, State] = {
    ProgressStatus.IN_PROGRESS: State.IN_PROGRESS,
    ProgressStatus.PARTIALLY_IMPLEMENTED: State.IN_PROGRESS,
    ProgressStatus.IMPLEMENTED: State.IMPLEMENTED,
}


def derive_state(
    *,
    issued: bool,
    responded: bool,
    reported_status: ProgressStatus | None,
    closed: bool,
) -> State:
    """The state follows from the facts; it is never stored.

    `reported_status` is the agency's latest progress status. An agency reporting
    `implemented` does not close anything: only a closure does.
    """
    if closed:
        return State.CLOSED
    if not issued:
        return State.DRAFT
    if reported_status is not None and reported_status in _STATUS_STATE:
        return _STATUS_STATE[reported_status]
    if responded:
        return State.RESPONDED
    return State.ISSUED


def is_overdue(
    *,
    state: State,
    responded: bool,
    response_due: dt.date | None,
    implementation_due: dt.date | None,
    today: dt.date,
) -> bool:
    """Overdue: issued, not closed, and the response or the implementation is past its due date.

    The response is late when none has come by `response_due`; the implementation is late
    when the agency has not reported it implemented by `implementation_due`. A due date on a
    day off counts as the next working day (`deadlines.effective_due`).
    """
    if state in (State.DRAFT, State.CLOSED):
        return False
    response_late = (
        not responded and response_due is not None and effective_due(response_due) < today
    )
    implementation_late = (
        state != State.IMPLEMENTED
        and implementation_due is not None
        and effective_due(implementation_due) < today
    )
    return response_late or implementation_late


def check_response(
    *,
    decision: Decision,
    rationale: str | None,
    target_date: dt.date | None,
    target_date_reason: str | None,
    previous_target_date: dt.date | None,
) -> None:
    """A partial acceptance or a rejection needs a rationale; a later target date needs a reason."""
    needs_rationale = decision in (Decision.PARTIALLY_ACCEPTED, Decision.REJECTED)
    if needs_rationale and not (rationale and rationale.strip()):
        raise RuleViolation(
            f"a rationale is required when the decision is {decision}", pointer="/rationale"
        )
    if target_slips(previous_target_date, target_date) and not (
        target_date_reason and target_date_reason.strip()
    ):
        raise RuleViolation(
            "moving the target date later (or removing it) requires a target_date_reason",
            pointer="/target_date_reason",
        )


def check_retractable(*, agency_has_reported: bool) -> None:
    """An issue can be taken back only while the agency has done nothing with it: a report
    of `not_started` leaves the state at issued, but is the agency's record all the same."""
    if agency_has_reported:
        raise TransitionNotAllowed(
            "the agency has reported progress on this recommendation: it cannot be retracted"
        )


def target_slips(previous: dt.date | None, new: dt.date | None) -> bool:
    """True when a target date moves later or is dropped: the silent slip trackers fail at."""
    if previous is None:
        return False
    return new is None or new > previous


def check_dates_in_order(
    earlier: tuple[str, dt.date | None], later: tuple[str, dt.date | None]
) -> None:
    """Raise when both dates are set and `later` comes before `earlier`."""
    (earlier_name, earlier_date), (later_name, later_date) = earlier, later
    if earlier_date is not None and later_date is not None and later_date < earlier_date:
        raise RuleViolation(
            f"{later_name} must not be before {earlier_name}", pointer=f"/{later_name}"
        )


def check_not_in_future(name: str, value: dt.date, today: dt.date) -> None:
    """Reports are of what has happened: their date cannot be in the future."""
    if value > today:
        raise RuleViolation(f"{name} must not be in the future", pointer=f"/{name}")


def edit_action(*, was_issued: bool, will_be_issued: bool, only_published: bool = False) -> Action:
    """What an edit of a recommendation amounts to: setting `issued_on` issues it; changing
    nothing but `published` (`only_published`) publishes or withdraws it from the catalogue,
    which a closed one may be too."""
    if only_published:
        return Action.PUBLISH
    if not was_issued and will_be_issued:
        return Action.ISSUE
    if was_issued and not will_be_issued:
        return Action.RETRACT
    return Action.EDIT
