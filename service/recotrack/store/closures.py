"""Closure: only the secretariat closes, after verifying; reopening removes the closure.

A closure as `superseded` needs its successor: a `supersedes` link to the recommendation
(domain/lineage.py), there already or made in the same write from the one `superseded_by`
names. It takes the links' lock first (store/links.py, `serialize`), so that no link it
counts on is removed meanwhile.
"""

from __future__ import annotations

from recotrack.domain.errors import RuleViolation
from recotrack.domain.lineage import LinkKind, check_superseded_closure
from recotrack.domain.rules import Action, check_transition
from recotrack.domain.vocabulary import ClosureOutcome, Role
from recotrack.store import links
from recotrack.store.errors import NotFound
from recotrack.store.pool import Connection
from recotrack.store.recommendations import visible_id
from recotrack.store.rows import maybe_id, must, to_struct
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
    outcome = ClosureOutcome(data.outcome)
    async with write(conn, "closure", actor=actor) as w:
        if outcome is ClosureOutcome.SUPERSEDED:
            await links.serialize(conn)  # before any row lock, as every write of links
        locked = await w.lock_recommendation(recommendation_id, scope=None)
        previous = await conn.fetchval(
            "select version from closure where recommendation_id = $1", locked.id
        )
        action = Action.CLOSE if previous is None else Action.AMEND_CLOSURE
        check_transition(action, locked.state, role)
        w.check_version(previous, expected_version)
        found = {}
        if outcome is ClosureOutcome.SUPERSEDED:
            found = await links.successors(conn, locked.id)
        named = data.superseded_by
        check_superseded_closure(
            outcome, successor_named=named is not None, successors=list(found.values())
        )
        if named is not None and str(maybe_id(named)) not in found:
            await _link_successor(conn, named, str(locked.id), actor=actor)
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


async def _link_successor(conn: Connection, successor: str, closed: str, *, actor: str) -> None:
    """The link `successor` supersedes `closed`, in the closure's transaction (its event
    before the closure's)."""
    async with write(conn, "link", actor=actor) as w:
        try:
            source = await w.lock_recommendation(successor, scope=None)
        except NotFound:
            raise RuleViolation(
                f"no recommendation {successor!r}", pointer="/superseded_by"
            ) from None
        await links.link_from(w, source, LinkKind.SUPERSEDES, closed, pointer="/superseded_by")


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
