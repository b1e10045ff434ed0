"""The secretariat's changes to a recommendation: adding it, editing, issuing, retracting."""

from __future__ import annotations

from recotrack.domain.errors import RuleViolation
from recotrack.domain.rules import (
    Action,
    check_dates_in_order,
    check_retractable,
    check_transition,
    edit_action,
)
from recotrack.domain.vocabulary import Role, State
from recotrack.store.pool import Connection
from recotrack.store.recommendations import get_recommendation
from recotrack.store.rows import maybe_id, must, set_fields, unique_violation
from recotrack.store.writes import write
from recotrack_sdk.models import Recommendation, RecommendationCreate, RecommendationPatch

_UNIQUE = {"recommendation_code_key": ("/code", "a recommendation with this code exists already")}
_DATES = ("issued_on", "response_due", "implementation_due")
_EVENT_ACTION = {
    Action.EDIT: "updated",
    Action.PUBLISH: "updated",
    Action.ISSUE: "issued",
    Action.RETRACT: "retracted",
}


async def create_recommendation(
    conn: Connection, data: RecommendationCreate, *, role: Role, actor: str
) -> Recommendation:
    check_dates_in_order(("issued_on", data.issued_on), ("response_due", data.response_due))
    check_dates_in_order(
        ("issued_on", data.issued_on), ("implementation_due", data.implementation_due)
    )
    async with write(conn, "recommendation", actor=actor) as w:
        review_id = maybe_id(data.review_id)
        agency_id = (
            None
            if review_id is None
            else await conn.fetchval("select agency_id from review where id = $1", review_id)
        )
        if agency_id is None:
            raise RuleViolation(f"no review {data.review_id!r}", pointer="/review_id")
        if data.issued_on is not None:
            check_transition(Action.ISSUE, State.DRAFT, role)
        with unique_violation(_UNIQUE):
            rec_id = await conn.fetchval(
                """
                insert into recommendation (code, review_id, agency_id, title, body, area, priority,
                    issued_on, response_due, implementation_due, diarienummer, published)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                returning id
                """,
                data.code,
                review_id,
                agency_id,
                data.title,
                data.body,
                data.area,
                data.priority,
                data.issued_on,
                data.response_due,
                data.implementation_due,
                data.diarienummer,
                data.published,
            )
        recommendation = await get_recommendation(conn, str(rec_id), scope=None)
        return await w.record(
            "created", recommendation, agency_visible=_agency_sees(recommendation, "created")
        )


async def update_recommendation(
    conn: Connection,
    recommendation_id: str,
    patch: RecommendationPatch,
    *,
    role: Role,
    expected_version: int,
    actor: str,
) -> Recommendation:
    async with write(conn, "recommendation", actor=actor) as w:
        locked = await w.lock_recommendation(recommendation_id, scope=None)
        w.check_version(locked.version, expected_version)
        current = must(
            await conn.fetchrow(
                """
                select issued_on, response_due, implementation_due,
                    exists (select from progress_report where recommendation_id = $1) as reported
                from recommendation where id = $1
                """,
                locked.id,
            )
        )
        fields = set_fields(patch)
        merged = {name: fields.get(name, current[name]) for name in _DATES}
        action = edit_action(
            was_issued=current["issued_on"] is not None,
            will_be_issued=merged["issued_on"] is not None,
            only_published=set(fields) == {"published"},
        )
        check_transition(action, locked.state, role)
        if action is Action.RETRACT:
            check_retractable(agency_has_reported=current["reported"])
        for due in ("response_due", "implementation_due"):
            check_dates_in_order(("issued_on", merged["issued_on"]), (due, merged[due]))
        with unique_violation(_UNIQUE):
            await w.update("recommendation", locked.id, fields, returning="id")
        recommendation = await get_recommendation(conn, str(locked.id), scope=None)
        event = _EVENT_ACTION[action]
        return await w.record(
            event, recommendation, agency_visible=_agency_sees(recommendation, event)
        )


def _agency_sees(recommendation: Recommendation, event: str) -> bool:
    """A draft is invisible to its agency, and so is its history; a retraction is not."""
    return recommendation.issued_on is not None or event == "retracted"
