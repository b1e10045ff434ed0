"""The agency's response to a recommendation, with every earlier target date kept."""

from __future__ import annotations

import uuid

from recotrack.domain.rules import Action, check_response, check_transition
from recotrack.domain.vocabulary import Decision, Role
from recotrack.store import events
from recotrack.store.errors import NotFound, VersionMismatch, check_version
from recotrack.store.pool import Connection
from recotrack.store.recommendations import lock, touch, visible_id
from recotrack.store.rows import to_struct
from recotrack_sdk.models import AgencyResponse, ResponseWrite, TargetDateChange


async def get_response(
    conn: Connection, recommendation_id: str, *, scope: str | None
) -> AgencyResponse:
    response = await _read(conn, await visible_id(conn, recommendation_id, scope=scope))
    if response is None:
        raise NotFound("the agency has not responded to this recommendation yet")
    return response


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
    async with conn.transaction():
        locked = await lock(conn, recommendation_id, scope=scope)
        check_transition(Action.RESPOND, locked.state, role)
        previous = await conn.fetchrow(
            "select version, target_date from response where recommendation_id = $1", locked.id
        )
        if previous is not None:
            check_version(previous["version"], expected_version, "response")
        elif expected_version is not None:
            raise VersionMismatch(None)
        previous_target = previous["target_date"] if previous is not None else None
        check_response(
            decision=Decision(data.decision),
            rationale=data.rationale,
            target_date=data.target_date,
            target_date_reason=data.target_date_reason,
            previous_target_date=previous_target,
        )
        await conn.execute(
            """
            insert into response (recommendation_id, decision, rationale, planned_actions,
                target_date, responded_by)
            values ($1, $2, $3, $4, $5, $6)
            on conflict (recommendation_id) do update set
                decision = excluded.decision, rationale = excluded.rationale,
                planned_actions = excluded.planned_actions, target_date = excluded.target_date,
                responded_by = excluded.responded_by,
                version = response.version + 1, updated_at = now()
            """,
            locked.id,
            data.decision,
            data.rationale,
            data.planned_actions,
            data.target_date,
            data.responded_by,
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
        await touch(conn, locked.id)
        response = await _read(conn, locked.id)
        assert response is not None
        await events.record(
            conn,
            actor=actor,
            agency_id=locked.agency_id,
            entity="response",
            entity_id=response.recommendation_id,
            recommendation_id=response.recommendation_id,
            action="created" if previous is None else "updated",
            version=response.version,
            data=response,
        )
    return response, previous is None


async def _read(conn: Connection, rec_id: uuid.UUID) -> AgencyResponse | None:
    row = await conn.fetchrow(
        """
        select recommendation_id::text, decision, rationale, planned_actions, target_date,
            responded_by, version, created_at, updated_at
        from response where recommendation_id = $1
        """,
        rec_id,
    )
    if row is None:
        return None
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
