"""The agency's response to a recommendation, with every earlier target date kept."""

from __future__ import annotations

import uuid

import asyncpg

from recotrack.domain.rules import Action, check_response, check_transition
from recotrack.domain.vocabulary import Decision, Role
from recotrack.store.errors import NotFound
from recotrack.store.pool import Connection
from recotrack.store.recommendations import visible_id
from recotrack.store.rows import must, to_struct
from recotrack.store.writes import write
from recotrack_sdk.models import AgencyResponse, ResponseWrite, TargetDateChange

_COLUMNS = (
    "recommendation_id::text, decision, rationale, planned_actions, target_date, responded_by,"
    " version, created_at, updated_at"
)


async def get_response(
    conn: Connection, recommendation_id: str, *, scope: str | None
) -> AgencyResponse:
    rec_id = await visible_id(conn, recommendation_id, scope=scope)
    row = await conn.fetchrow(
        f"select {_COLUMNS} from response where recommendation_id = $1", rec_id
    )
    if row is None:
        raise NotFound("the agency has not responded to this recommendation yet")
    return await _with_history(conn, rec_id, row)


async def put_response(
    conn: Connection,
    recommendation_id: str,
    data: ResponseWrite,
    *,
    scope: str | None,
    role: Role,
    expected_version: int | None,
    actor: str,
) -> tuple[AgencyResponse, bool]:
    """Create the response, or replace it (which needs `expected_version`); True if created."""
    async with write(conn, "response", actor=actor) as w:
        locked = await w.lock_recommendation(recommendation_id, scope=scope)
        check_transition(Action.RESPOND, locked.state, role)
        previous = await conn.fetchrow(
            "select version, target_date from response where recommendation_id = $1", locked.id
        )
        w.check_version(None if previous is None else previous["version"], expected_version)
        previous_target = None if previous is None else previous["target_date"]
        check_response(
            decision=Decision(data.decision),
            rationale=data.rationale,
            target_date=data.target_date,
            target_date_reason=data.target_date_reason,
            previous_target_date=previous_target,
        )
        row = must(
            await conn.fetchrow(
                f"""
                insert into response (recommendation_id, decision, rationale, planned_actions,
                    target_date, responded_by)
                values ($1, $2, $3, $4, $5, $6)
                on conflict (recommendation_id) do update set
                    decision = excluded.decision, rationale = excluded.rationale,
                    planned_actions = excluded.planned_actions,
                    target_date = excluded.target_date, responded_by = excluded.responded_by,
                    version = response.version + 1, updated_at = write_time()
                returning {_COLUMNS}
                """,
                locked.id,
                data.decision,
                data.rationale,
                data.planned_actions,
                data.target_date,
                data.responded_by,
            )
        )
        if data.target_date != previous_target:
            await conn.execute(
                """
                insert into target_date_change (recommendation_id, previous, target_date, reason)
                values ($1, $2, $3, $4)
                """,
                locked.id,
                previous_target,
                data.target_date,
                data.target_date_reason,
            )
        response = await _with_history(conn, locked.id, row)
        await w.record("created" if previous is None else "updated", response)
    return response, previous is None


async def _with_history(conn: Connection, rec_id: uuid.UUID, row: asyncpg.Record) -> AgencyResponse:
    """The response (`row`) with every target date it had before."""
    history = await conn.fetch(
        """
        select previous, target_date, reason, changed_at from target_date_change
        where recommendation_id = $1 order by id
        """,
        rec_id,
    )
    return AgencyResponse(
        **dict(row), target_date_history=[to_struct(h, TargetDateChange) for h in history]
    )
