"""Assessments: the secretariat's own rating of progress, shown beside the agency's. Append-only."""

from __future__ import annotations

from typing import Any

from recotrack.domain.rules import Action, check_not_in_future, check_transition
from recotrack.domain.vocabulary import Role
from recotrack.store.errors import NotFound
from recotrack.store.pool import Connection
from recotrack.store.recommendations import visible_id
from recotrack.store.rows import Keyset, parse_id, to_struct
from recotrack.store.writes import write
from recotrack_sdk.models import Assessment, AssessmentCreate

_COLUMNS = "id::text, recommendation_id::text, status, note, assessed_on, created_at"


async def list_assessments(
    conn: Connection,
    recommendation_id: str,
    *,
    scope: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Assessment], str | None]:
    rec_id = await visible_id(conn, recommendation_id, scope=scope)
    keyset = Keyset("assessments", cursor, limit, table="assessment")
    args: list[Any] = [rec_id]
    rows = await conn.fetch(
        f"""
        select {_COLUMNS} from assessment
        where recommendation_id = $1 and {keyset.where(args)}
        order by {keyset.order_by} limit {keyset.fetch}
        """,
        *args,
    )
    return keyset.page(rows, Assessment)


async def get_assessment(
    conn: Connection, recommendation_id: str, assessment_id: str, *, scope: str | None
) -> Assessment:
    rec_id = await visible_id(conn, recommendation_id, scope=scope)
    row = await conn.fetchrow(
        f"select {_COLUMNS} from assessment where id = $1 and recommendation_id = $2",
        parse_id(assessment_id, "assessment"),
        rec_id,
    )
    if row is None:
        raise NotFound(f"no assessment {assessment_id!r}")
    return to_struct(row, Assessment)


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
