"""Good examples (migration 0017): the secretariat's, read by every role and every agency.

No scope applies to reading them: that is their point. So what a reader gets is cut to what
an example may show anyone: the recommendation's code, area and title (a title marked secret
as its notice, as in a release), and the agency only when `agency_named`. Only an issued
recommendation can be an example (a draft is no one's business but the secretariat's yet).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from recotrack.domain.errors import RuleViolation
from recotrack.domain.secrecy import SecretField, notice
from recotrack.store.errors import NotFound
from recotrack.store.pool import Connection
from recotrack.store.rows import Keyset, maybe_id, parse_id, set_fields
from recotrack.store.writes import Write, write
from recotrack_sdk.models import Area, GoodExample, GoodExampleCreate, GoodExamplePatch

_SELECT = f"""
select g.id::text, g.recommendation_id::text, g.title, g.summary, g.agency_named, g.version,
    g.created_at, g.updated_at, r.code as recommendation_code, r.title as recommendation_title,
    r.area, r.agency_id as owner_id, a.name as owner_name,
    (select m->>'ground' from jsonb_array_elements(s.fields) m
     where m->>'field' = '{SecretField.TITLE.value}') as title_ground
from good_example g
join recommendation r on r.id = g.recommendation_id
join agency a on a.id = r.agency_id
left join secrecy s on s.recommendation_id = r.id
"""


def _example(row: Mapping[str, Any]) -> GoodExample:
    named: bool = row["agency_named"]
    ground = row["title_ground"]
    return GoodExample(
        id=row["id"],
        recommendation_id=row["recommendation_id"],
        recommendation_code=row["recommendation_code"],
        recommendation_title=notice(ground) if ground else row["recommendation_title"],
        area=row["area"],
        title=row["title"],
        summary=row["summary"],
        agency_named=named,
        agency_id=row["owner_id"] if named else None,
        agency_name=row["owner_name"] if named else None,
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def _read(conn: Connection, key: uuid.UUID, name: str) -> GoodExample:
    row = await conn.fetchrow(f"{_SELECT} where g.id = $1", key)
    if row is None:
        raise NotFound(f"no good example {name!r}")
    return _example(dict(row))


async def list_good_examples(
    conn: Connection,
    *,
    area: Area | None,
    cursor: str | None,
    limit: int,
    published_only: bool = False,
) -> tuple[list[GoodExample], str | None]:
    """`published_only`: the public catalogue's, those of published recommendations."""
    name = "good_examples:public" if published_only else "good_examples"
    keyset = Keyset(name, cursor, limit, table="g")
    args: list[Any] = [area, published_only]
    rows = await conn.fetch(
        f"""
        {_SELECT} where ($1::text is null or r.area = $1)
            and (not $2::boolean or (r.published and r.issued_on is not null))
            and {keyset.where(args)}
        order by {keyset.order_by} limit {keyset.fetch}
        """,
        *args,
    )
    items, next_cursor = keyset.page(rows, dict)
    return [_example(row) for row in items], next_cursor


async def get_good_example(conn: Connection, example_id: str) -> GoodExample:
    return await _read(conn, parse_id(example_id, "good example"), example_id)


async def create_good_example(
    conn: Connection, data: GoodExampleCreate, *, actor: str
) -> GoodExample:
    rec_id = maybe_id(data.recommendation_id)
    example_id = uuid.uuid4()
    async with write(conn, "good_example", actor=actor) as w:
        row = None
        if rec_id is not None:
            row = await conn.fetchrow(
                "select agency_id, code, issued_on from recommendation where id = $1 for share",
                rec_id,
            )
        if row is None:
            raise RuleViolation(
                f"no recommendation {data.recommendation_id!r}", pointer="/recommendation_id"
            )
        if row["issued_on"] is None:
            raise RuleViolation(
                f"{row['code']} is a draft: only an issued recommendation can be a good example",
                pointer="/recommendation_id",
            )
        w.agency_id = row["agency_id"]
        await conn.execute(
            """
            insert into good_example (id, recommendation_id, title, summary, agency_named)
            values ($1, $2, $3, $4, $5)
            """,
            example_id,
            rec_id,
            data.title,
            data.summary,
            data.agency_named,
        )
        return await w.record("created", await _read(conn, example_id, str(example_id)))


async def _lock(w: Write, key: uuid.UUID, name: str, expected_version: int) -> None:
    """Lock the example for its change; the event is its recommendation's agency's."""
    row = await w.lock(
        """
        select g.version, r.agency_id from good_example g
        join recommendation r on r.id = g.recommendation_id where g.id = $1 for update of g
        """,
        key,
        name=name,
        expected_version=expected_version,
    )
    w.agency_id = row["agency_id"]


async def update_good_example(
    conn: Connection, example_id: str, patch: GoodExamplePatch, *, expected_version: int, actor: str
) -> GoodExample:
    key = parse_id(example_id, "good example")
    async with write(conn, "good_example", actor=actor) as w:
        await _lock(w, key, example_id, expected_version)
        await w.update("good_example", key, set_fields(patch), returning="id")
        return await w.record("updated", await _read(conn, key, example_id))


async def delete_good_example(
    conn: Connection, example_id: str, *, expected_version: int, actor: str
) -> None:
    key = parse_id(example_id, "good example")
    async with write(conn, "good_example", actor=actor) as w:
        await _lock(w, key, example_id, expected_version)
        example = await _read(conn, key, example_id)
        await conn.execute("delete from good_example where id = $1", key)
        await w.record("deleted", example)
