"""Secrecy marks of a recommendation (migration 0015): set as a whole, like a closure.

Only the secretariat marks (the route's guard: the secretariat's records). The marks are
read by every role that may read the recommendation; a draft's marks, like the draft, by no
agency. Setting the marks a recommendation has already is no change: no new version, no event.
"""

from __future__ import annotations

import msgspec

from recotrack.domain.secrecy import Mark, SecretField, check_marks
from recotrack.domain.vocabulary import State
from recotrack.store.errors import NotFound
from recotrack.store.pool import Connection
from recotrack.store.recommendations import visible_id
from recotrack.store.rows import must, to_struct
from recotrack.store.writes import write
from recotrack_sdk.models import SecrecyMarks, SecrecyWrite

_COLUMNS = "recommendation_id::text, fields, version, updated_at"


async def get_secrecy(
    conn: Connection, recommendation_id: str, *, scope: str | None
) -> SecrecyMarks:
    rec_id = await visible_id(conn, recommendation_id, scope=scope)
    row = await conn.fetchrow(
        f"select {_COLUMNS} from secrecy where recommendation_id = $1", rec_id
    )
    if row is None:
        raise NotFound("no field of the recommendation has been marked secret")
    return to_struct(row, SecrecyMarks)


async def put_secrecy(
    conn: Connection,
    recommendation_id: str,
    data: SecrecyWrite,
    *,
    expected_version: int | None,
    actor: str,
) -> tuple[SecrecyMarks, bool]:
    """Set the marks (changing existing ones needs `expected_version`); True when created."""
    check_marks([Mark(SecretField(m.field), m.ground, m.note) for m in data.fields])
    fields = msgspec.to_builtins(data.fields)
    async with write(conn, "secrecy", actor=actor) as w:
        locked = await w.lock_recommendation(recommendation_id, scope=None)
        previous = await conn.fetchval(
            "select version from secrecy where recommendation_id = $1", locked.id
        )
        w.check_version(previous, expected_version)
        row = await conn.fetchrow(
            f"""
            insert into secrecy (recommendation_id, fields) values ($1, $2)
            on conflict (recommendation_id) do update set
                fields = excluded.fields, version = secrecy.version + 1, updated_at = write_time()
            where secrecy.fields is distinct from excluded.fields
            returning {_COLUMNS}
            """,
            locked.id,
            fields,
        )
        if row is None:  # the marks it has already
            w.unchanged = True
            row = must(
                await conn.fetchrow(
                    f"select {_COLUMNS} from secrecy where recommendation_id = $1", locked.id
                )
            )
        marks = await w.record(
            "created" if previous is None else "updated",
            to_struct(row, SecrecyMarks),
            agency_visible=locked.state is not State.DRAFT,
        )
    return marks, previous is None
