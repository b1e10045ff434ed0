"""Every Action × State × Role through `check_transition`, against a table written from DESIGN.md.

The expectation is written out here on its own, not read back from `TRANSITIONS`:

- who: only the secretariat edits, issues, retracts, assesses, closes, amends a closure and
  reopens; only the agency responds and reports progress; the auditor writes nothing.
- when: a draft is invisible to its agency, so nothing but editing and issuing happens to it;
  a closed recommendation takes nothing but an amended closure or a reopening.
- A role that may never do an action is told so (`NotPermitted`) whatever the state; a role
  that may, but not in this state, gets `TransitionNotAllowed`.
"""

from __future__ import annotations

import itertools

import pytest

from recotrack.domain.errors import DomainError, NotPermitted, TransitionNotAllowed
from recotrack.domain.rules import Action, check_transition
from recotrack.domain.vocabulary import Role, State

SECRETARIAT, AGENCY = Role.SECRETARIAT, Role.AGENCY

WHO: dict[Action, Role] = {
    Action.EDIT: SECRETARIAT,
    Action.PUBLISH: SECRETARIAT,
    Action.ISSUE: SECRETARIAT,
    Action.RETRACT: SECRETARIAT,
    Action.RESPOND: AGENCY,
    Action.REPORT_PROGRESS: AGENCY,
    Action.ASSESS: SECRETARIAT,
    Action.CLOSE: SECRETARIAT,
    Action.AMEND_CLOSURE: SECRETARIAT,
    Action.REOPEN: SECRETARIAT,
}

COLUMNS = (
    State.DRAFT,
    State.ISSUED,
    State.RESPONDED,
    State.IN_PROGRESS,
    State.IMPLEMENTED,
    State.CLOSED,
)
# In which states the action is allowed (for the role in WHO): Y yes, . no.
WHEN: dict[Action, str] = {
    #                      draft issued responded in_progress implemented closed
    Action.EDIT:            " Y     Y       Y          Y           Y        . ",
    # whether the catalogue shows it changes nothing of the record
    Action.PUBLISH:         " Y     Y       Y          Y           Y        Y ",
    Action.ISSUE:           " Y     .       .          .           .        . ",
    # only before the agency has said or done anything
    Action.RETRACT:         " .     Y       .          .           .        . ",
    Action.RESPOND:         " .     Y       Y          Y           Y        . ",
    Action.REPORT_PROGRESS: " .     Y       Y          Y           Y        . ",
    Action.ASSESS:          " .     Y       Y          Y           Y        . ",
    Action.CLOSE:           " .     Y       Y          Y           Y        . ",
    Action.AMEND_CLOSURE:   " .     .       .          .           .        Y ",
    Action.REOPEN:          " .     .       .          .           .        Y ",
}  # fmt: skip


def allowed_states(action: Action) -> set[State]:
    marks = WHEN[action].split()
    assert len(marks) == len(COLUMNS)
    assert set(marks) <= {"Y", "."}
    return {state for state, mark in zip(COLUMNS, marks, strict=True) if mark == "Y"}


def expected(action: Action, state: State, role: Role) -> type[DomainError] | None:
    if role is not WHO[action]:
        return NotPermitted
    if state not in allowed_states(action):
        return TransitionNotAllowed
    return None


def test_the_table_covers_every_action_and_state() -> None:
    assert set(WHO) == set(Action) == set(WHEN)
    assert set(COLUMNS) == set(State)


CASES = list(itertools.product(Action, State, Role))


@pytest.mark.parametrize(
    ("action", "state", "role"), CASES, ids=[f"{a}-{s}-{r}" for a, s, r in CASES]
)
def test_check_transition(action: Action, state: State, role: Role) -> None:
    outcome = expected(action, state, role)
    if outcome is None:
        check_transition(action, state, role)
        return
    with pytest.raises(DomainError) as raised:
        check_transition(action, state, role)
    assert type(raised.value) is outcome
    assert raised.value.detail


@pytest.mark.parametrize("state", list(State))
def test_the_auditor_does_nothing(state: State) -> None:
    for action in Action:
        with pytest.raises(NotPermitted):
            check_transition(action, state, Role.AUDITOR)


def test_no_response_or_progress_after_closure_until_reopened() -> None:
    for action in (Action.RESPOND, Action.REPORT_PROGRESS):
        with pytest.raises(TransitionNotAllowed):
            check_transition(action, State.CLOSED, Role.AGENCY)
    check_transition(Action.REOPEN, State.CLOSED, Role.SECRETARIAT)
    # once reopened the recommendation is open again (e.g. implemented) and takes them again
    for action in (Action.RESPOND, Action.REPORT_PROGRESS):
        check_transition(action, State.IMPLEMENTED, Role.AGENCY)


def test_the_agency_cannot_close_even_what_it_reports_implemented() -> None:
    with pytest.raises(NotPermitted):
        check_transition(Action.CLOSE, State.IMPLEMENTED, Role.AGENCY)
