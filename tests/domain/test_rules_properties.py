"""Properties of a recommendation's life (domain/rules.py), over random sequences of actions by
random roles: the facts an allowed action changes, the state derived from them, and what the
rules refuse, stay consistent whatever the order.

The exhaustive tables (test_transitions.py, test_state.py, and test_state_sql.py against the
SQL view) check each cell; these check what whole histories add up to.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from recotrack.domain.deadlines import effective_due
from recotrack.domain.errors import DomainError, NotPermitted, RuleViolation, TransitionNotAllowed
from recotrack.domain.rules import (
    TRANSITIONS,
    Action,
    check_response,
    check_retractable,
    check_transition,
    derive_state,
    is_overdue,
    target_slips,
)
from recotrack.domain.vocabulary import Decision, ProgressStatus, Role, State
from tests.fuzz.profile import PROFILE, examples

PROPERTY = examples(PROFILE.property_examples * 10)
"""Pure functions: ten times the examples of the tests that need a database."""


@dataclasses.dataclass(frozen=True)
class Facts:
    """What is stored about a recommendation; its state is derived from these alone."""

    issued: bool = False
    responded: bool = False
    reported_status: ProgressStatus | None = None
    agency_has_reported: bool = False
    closed: bool = False

    @property
    def state(self) -> State:
        return derive_state(
            issued=self.issued,
            responded=self.responded,
            reported_status=self.reported_status,
            closed=self.closed,
        )


@dataclasses.dataclass(frozen=True)
class Step:
    action: Action
    role: Role
    status: ProgressStatus


def attempt(facts: Facts, step: Step) -> Facts:
    """The facts after `step`, as the store applies it; raises what the rules raise."""
    check_transition(step.action, facts.state, step.role)
    match step.action:
        case Action.ISSUE:
            return dataclasses.replace(facts, issued=True)
        case Action.RETRACT:
            check_retractable(agency_has_reported=facts.agency_has_reported)
            return dataclasses.replace(facts, issued=False)
        case Action.RESPOND:
            return dataclasses.replace(facts, responded=True)
        case Action.REPORT_PROGRESS:
            return dataclasses.replace(facts, reported_status=step.status, agency_has_reported=True)
        case Action.CLOSE:
            return dataclasses.replace(facts, closed=True)
        case Action.REOPEN:
            return dataclasses.replace(facts, closed=False)
        case Action.EDIT | Action.PUBLISH | Action.ASSESS | Action.AMEND_CLOSURE:
            return facts


steps = st.builds(
    Step, st.sampled_from(Action), st.sampled_from(Role), st.sampled_from(ProgressStatus)
)


@PROPERTY
@given(st.lists(steps, max_size=40))
def test_every_history_keeps_the_rules(history: list[Step]) -> None:
    facts = Facts()
    assert facts.state is State.DRAFT
    for step in history:
        before = facts
        rule = TRANSITIONS[step.action]
        try:
            facts = attempt(facts, step)
        except NotPermitted:
            assert step.role not in rule.roles  # who: whatever the state
            continue
        except TransitionNotAllowed:
            assert step.role in rule.roles
            assert before.state not in rule.states or step.action is Action.RETRACT
            continue
        # allowed: by the table, for this role in this state
        assert step.role in rule.roles
        assert before.state in rule.states
        after = facts.state
        if step.role is not Role.SECRETARIAT:
            # the agency never issues, retracts, closes or reopens anything
            assert (before.issued, before.closed) == (facts.issued, facts.closed)
            assert after is not State.CLOSED
        if step.action is Action.CLOSE:
            assert after is State.CLOSED
        if step.action is Action.REOPEN:
            # the closure goes; what the agency said and did stays, and decides the state
            assert after is dataclasses.replace(facts, closed=False).state
            assert after not in (State.DRAFT, State.CLOSED)
        if step.action in (Action.EDIT, Action.ASSESS, Action.AMEND_CLOSURE):
            assert after is before.state
        if before.agency_has_reported or before.responded:
            assert after is not State.DRAFT  # what the agency did cannot be un-issued
        if after is State.DRAFT:
            assert not facts.responded
            assert not facts.agency_has_reported


@PROPERTY
@given(st.lists(steps, max_size=40))
def test_no_state_is_a_dead_end(history: list[Step]) -> None:
    """Whatever happened, the secretariat can still do something: edit or issue a draft,
    close an open recommendation, reopen a closed one."""
    facts = Facts()
    for step in history:
        with contextlib.suppress(DomainError):
            facts = attempt(facts, step)
        open_to = [
            action
            for action, rule in TRANSITIONS.items()
            if Role.SECRETARIAT in rule.roles and facts.state in rule.states
        ]
        assert open_to, facts


def test_every_state_is_reachable_from_a_draft() -> None:
    """Breadth first over the facts, with every action by every role."""
    seen = {Facts()}
    frontier = [Facts()]
    while frontier:
        facts = frontier.pop()
        for action in Action:
            for role in Role:
                for status in ProgressStatus:
                    try:
                        after = attempt(facts, Step(action, role, status))
                    except DomainError:
                        continue
                    if after not in seen:
                        seen.add(after)
                        frontier.append(after)
    assert {facts.state for facts in seen} == set(State)


dates = st.none() | st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31))


@PROPERTY
@given(
    st.sampled_from(State),
    st.booleans(),
    dates,
    dates,
    st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)),
)
def test_overdue_means_a_date_has_passed_on_an_open_recommendation(
    state: State,
    responded: bool,
    response_due: dt.date | None,
    implementation_due: dt.date | None,
    today: dt.date,
) -> None:
    overdue = is_overdue(
        state=state,
        responded=responded,
        response_due=response_due,
        implementation_due=implementation_due,
        today=today,
    )
    # a due date on a day off falls due on the next working day (lag (1930:173))
    response_late = (
        not responded and response_due is not None and effective_due(response_due) < today
    )
    implementation_late = (
        state is not State.IMPLEMENTED and implementation_due is not None
    ) and effective_due(implementation_due) < today
    if state in (State.DRAFT, State.CLOSED):
        assert not overdue
    else:
        assert overdue == (response_late or implementation_late)
    # a later "today" never makes it less overdue
    later = is_overdue(
        state=state,
        responded=responded,
        response_due=response_due,
        implementation_due=implementation_due,
        today=today + dt.timedelta(days=1),
    )
    assert later or not overdue


@PROPERTY
@given(
    st.sampled_from(Decision),
    st.none() | st.text(max_size=5),
    dates,
    dates,
    st.none() | st.text(max_size=5),
)
def test_a_later_or_dropped_target_date_needs_a_reason(
    decision: Decision,
    rationale: str | None,
    previous: dt.date | None,
    new: dt.date | None,
    reason: str | None,
) -> None:
    needs_rationale = decision in (Decision.PARTIALLY_ACCEPTED, Decision.REJECTED)
    has_rationale = bool(rationale and rationale.strip())
    slips = target_slips(previous, new)
    assert slips == (previous is not None and (new is None or new > previous))
    has_reason = bool(reason and reason.strip())
    should_fail = (needs_rationale and not has_rationale) or (slips and not has_reason)
    raised: RuleViolation | None = None
    try:
        check_response(
            decision=decision,
            rationale=rationale,
            target_date=new,
            target_date_reason=reason,
            previous_target_date=previous,
        )
    except RuleViolation as exc:
        raised = exc
    assert (raised is not None) == should_fail
    if raised is not None:
        assert raised.pointer in ("/rationale", "/target_date_reason")
