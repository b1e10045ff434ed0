"""Assessments: the secretariat's own rating of progress, shown beside the agency's. Append-only."""

from __future__ import annotations

from recotrack.domain.rules import Action, check_not_in_future, check_transition
from recotrack.domain.vocabulary import Role
from recotrack.store.appended import Appended
from recotrack.store.pool import Connection
from recotrack.store.rows import to_struct
from recotrack.store.writes import write
from recotrack_sdk.models import Assessment, AssessmentCreate

_COLUMNS = "id::text, recommendation_id::text, status, note, assessed_on, created_at"
_ASSESSMENTS = Appended("assessment", _COLUMNS, Assessment, "assessment", "assessments")
list_assessments = _ASSESSMENTS.page
get_assessment = _ASSESSMENTS.one


async def add_assessment(
    conn: Connection,
    recommendation_id: str,
    data: AssessmentCreate,
    *,
    role: Role,
    actor: str,
) -> Assessment:
    async with write(conn, "assessment", actor=actor) as w:
        locked = await w.lock_recommendation(recommendation_id, scope=None)
        check_transition(Action.ASSESS, locked.state, role)
        assessed_on = data.assessed_on or locked.today
        check_not_in_future("assessed_on", assessed_on, locked.today)
        row = await conn.fetchrow(
            f"""
            insert into assessment (recommendation_id, status, note, assessed_on)
            values ($1, $2, $3, $4)
            returning {_COLUMNS}
            """,
            locked.id,
            data.status,
            data.note,
            assessed_on,
        )
        return await w.record("created", to_struct(row, Assessment))
