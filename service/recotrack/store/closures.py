"""Closure: only the secretariat closes, after verifying; reopening removes the closure."""

from __future__ import annotations

from recotrack.domain.rules import Action, check_transition
from recotrack.domain.vocabulary import Role
from recotrack.store.errors import NotFound
from recotrack.store.pool import Connection
from recotrack.store.recommendations import visible_id
from recotrack.store.rows import must, to_struct
from recotrack.store.writes import write
from recotrack_sdk.models import Closure, ClosureWrite

_COLUMNS = "recommendation_id::text, outcome, note, closed_at, version"


async def get_closure(conn: Connection, recommendation_id: str, *, scope: str | None) -> Closure:
    rec_id = await visible_id(conn, recommendation_id, scope=scope)
    row = await conn.fetchrow(
        f"select {_COLUMNS} from closure where recommendation_id = $1", rec_id
    )
    if row is None:
        raise NotFound("the recommendation is not closed")
    return to_struct(row, Closure)


async def put_closure(
    conn: Connection,
    recommendation_id: str,
    data: ClosureWrite,
    *,
    role: Role,
    expected_version: int | None,
    actor: str,
) -> tuple[Closure, bool]:
    """Close the recommendation, or amend its closure (which needs `expected_version`)."""
    async with write(conn, "closure", actor=actor) as w:
        locked = await w.lock_recommendation(recommendation_id, scope=None)
        previous = await conn.fetchval(
            "select version from closure where recommendation_id = $1", locked.id
        )
        action = Action.CLOSE if previous is None else Action.AMEND_CLOSURE
        check_transition(action, locked.state, role)
        w.check_version(previous, expected_version)
        row = await conn.fetchrow(
            f"""
            insert into closure (recommendation_id, outcome, note) values ($1, $2, $3)
            on conflict (recommendation_id) do update set
                outcome = excluded.outcome, note = excluded.note, version = closure.version + 1
            returning {_COLUMNS}
            """,
            locked.id,
            data.outcome,
            data.note,
        )
        closure = await w.record(
            "closed" if previous is None else "amended", to_struct(row, Closure)
        )
    return closure, previous is None


async def reopen(
    conn: Connection,
    recommendation_id: str,
    *,
    role: Role,
    expected_version: int | None,
    actor: str,
) -> None:
    async with write(conn, "closure", actor=actor) as w:
        locked = await w.lock_recommendation(recommendation_id, scope=None)
        check_transition(Action.REOPEN, locked.state, role)
        row = must(
            await conn.fetchrow(
                f"select {_COLUMNS} from closure where recommendation_id = $1", locked.id
            )
        )
        w.check_version(row["version"], expected_version)
        await conn.execute("delete from closure where recommendation_id = $1", locked.id)
        await w.record("reopened", to_struct(row, Closure))
