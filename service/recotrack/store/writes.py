"""One write: its transaction, the lock on what it changes, the version check and its event.

Every change goes the same way. In one transaction: lock the row it changes (or the
recommendation it follows up), so that changes to it happen one at a time; check that the
caller has read the version it changes; apply the rules; run the SQL; record the event, last
(`events`: the log's lock is then held only for the commit). `Write` is the part that is the
same every time, so that a store function is the SQL that differs and one `record`.

A change that changes nothing is not a new version: `update` leaves a row whose fields all
hold the values given as it is (its version, its `updated_at`), and the write then records
no event. The version is checked first all the same: a caller who read an older version
does not know what it would be agreeing with, and gets its 412 as for any change.

The event is named from what the SQL gave back (`_event_row`):
- its entity id: the written thing's `id`; a response or a closure, of which a recommendation
  has one, is named by its recommendation's;
- its version: the thing's `version`, where it has one (reports, assessments and tokens are
  never changed, so have none);
- its recommendation: the one it is, or the one it follows up;
- its agency: the thing's `agency_id`; an agency, and what follows up a recommendation, have
  none of their own and take the write's (the agency's id, the recommendation's agency).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any, TypeVar

import asyncpg
import msgspec

from recotrack.store import events
from recotrack.store.errors import NotFound, VersionMismatch, check_version
from recotrack.store.pool import Connection
from recotrack.store.recommendations import Locked, lock
from recotrack.store.rows import assignments, must

S = TypeVar("S", bound=msgspec.Struct)


@contextlib.asynccontextmanager
async def write(
    conn: Connection, entity: str, *, actor: str, agency_id: str | None = None
) -> AsyncIterator[Write]:
    """A write of `entity` by `actor`, in a transaction of its own (a savepoint in one open)."""
    async with conn.transaction():
        yield Write(conn, entity, actor=actor, agency_id=agency_id)


class Write:
    """A write in progress: what its event will say of who wrote what, for which agency."""

    __slots__ = ("actor", "agency_id", "conn", "entity", "unchanged")

    def __init__(self, conn: Connection, entity: str, *, actor: str, agency_id: str | None) -> None:
        self.conn = conn
        self.entity = entity
        self.actor = actor
        self.agency_id = agency_id
        self.unchanged = False
        """True once `update` found nothing to change: there is then no event to record."""

    async def lock(self, sql: str, *args: Any, name: str, expected_version: int) -> asyncpg.Record:
        """Lock the row this write changes (`sql` selects it, with its `version`, `for update`)
        and check that the caller has read its current version; NotFound when there is none."""
        row = await self.conn.fetchrow(sql, *args)
        if row is None:
            raise NotFound(f"no {self.entity} {name!r}")
        self.check_version(row["version"], expected_version)
        return row

    async def lock_recommendation(self, recommendation_id: str, *, scope: str | None) -> Locked:
        """Lock the recommendation this write changes or follows up (one the caller may see):
        its changes happen one at a time, and the rules see its state at that moment."""
        locked = await lock(self.conn, recommendation_id, scope=scope)
        self.agency_id = locked.agency_id
        return locked

    def check_version(self, current: int | None, expected: int | None) -> None:
        """The caller must have read the version it changes; what does not exist yet (version
        None) is created without one."""
        if current is not None:
            check_version(current, expected, self.entity)
        elif expected is not None:
            raise VersionMismatch(None)

    async def update(
        self, table: str, key: object, fields: dict[str, Any], *, returning: str
    ) -> asyncpg.Record:
        """Set `fields` (columns of ours, never names from input) on the row of `table` whose
        id is `key`, locked by this write, as its next version; `returning` of the row as it
        then is. When every field already holds its value (or none is given), the row is
        left alone and the write is `unchanged`."""
        args: list[Any] = [key]
        changes = assignments(fields, args)
        # `is distinct from`, not `<>`: setting a null to null changes nothing either
        differs = " or ".join(
            f"{column} is distinct from ${n}" for n, column in enumerate(fields, 2)
        )
        row = await self.conn.fetchrow(
            f"""
            update {table} set {changes + "," if changes else ""}
                version = version + 1, updated_at = write_time()
            where id = $1 and ({differs or "false"})
            returning {returning}
            """,
            *args,
        )
        if row is not None:
            return row
        self.unchanged = True
        return must(await self.conn.fetchrow(f"select {returning} from {table} where id = $1", key))

    async def record(self, action: str, data: S, *, agency_visible: bool = True) -> S:
        """Record the write's event, last in its transaction; `data` is what was written, as
        the SQL gave it back, and is returned."""
        await self.record_all(action, [data], agency_visible=agency_visible)
        return data

    async def record_all(
        self, action: str, written: Sequence[msgspec.Struct], *, agency_visible: bool = True
    ) -> None:
        """Record one event per thing written, in their order; all are of one agency. Nothing,
        when the write changed nothing."""
        if self.unchanged:
            return
        agencies = {getattr(data, "agency_id", self.agency_id) for data in written}
        if len(agencies) != 1:
            raise ValueError(f"a write is to one agency, not to {sorted(map(str, agencies))}")
        rows = [_event_row(self.entity, data) for data in written]
        if self.entity != "recommendation":
            # a recommendation's state follows from what follows it up: its version moves too
            await _touch(self.conn, sorted({rec_id for *_, rec_id in rows if rec_id is not None}))
        await events.record_many(
            self.conn,
            actor=self.actor,
            agency_id=agencies.pop(),
            entity=self.entity,
            action=action,
            rows=rows,
            agency_visible=agency_visible,
        )


def _event_row(
    entity: str, data: msgspec.Struct
) -> tuple[str, int | None, msgspec.Struct, str | None]:
    """The event's entity id, version, data and recommendation (see the module's docstring)."""
    own_id: str | None = getattr(data, "id", None)
    recommendation_id: str | None = (
        own_id if entity == "recommendation" else getattr(data, "recommendation_id", None)
    )
    entity_id = own_id or recommendation_id
    if entity_id is None:
        raise ValueError(f"{type(data).__name__} names no {entity}")
    return entity_id, getattr(data, "version", None), data, recommendation_id


async def _touch(conn: Connection, recommendation_ids: list[str]) -> None:
    if recommendation_ids:
        await conn.execute(
            "update recommendation set version = version + 1, updated_at = write_time()"
            " where id = any($1::uuid[])",
            recommendation_ids,
        )
