"""Links between recommendations and the lineage they make (migration 0022, domain/lineage.py).

A link is its source's: made, read and removed under `/v1/recommendations/{source}/links`,
and its events are the source's (its history shows them, under its agency). An agency is
shown a link only between two recommendations it may read (its own, issued), so the event of
one that is not is no agency's to see either.

Whether a new link closes a cycle depends on links that other writes may be making at the
same moment, and whether removing one leaves a closure as `superseded` without a successor
depends on the closure: so every write of links, and every closure as `superseded`, takes
one lock first (`serialize`), before any row lock. Links are few and made by hand.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import msgspec

from recotrack.domain.errors import RuleViolation, TransitionNotAllowed
from recotrack.domain.lineage import (
    ORDERS,
    Edge,
    End,
    LinkKind,
    check_link,
    direction,
    distances,
    sole_successor,
)
from recotrack.domain.vocabulary import ClosureOutcome
from recotrack.store.errors import Conflict, NotFound
from recotrack.store.pool import Connection
from recotrack.store.recommendations import Locked, seen, visible_id
from recotrack.store.rows import maybe_id, must, parse_id, to_struct
from recotrack.store.writes import Write, write
from recotrack_sdk.models import Lineage, LineageEntry, LineageLink, Link, LinkCreate

_LOCK = 0x6C696E6B73  # any fixed number, used only for this ("links")

_COLUMNS = """l.id::text, l.kind, l.source_id::text, s.code as source_code,
    l.target_id::text, t.code as target_code, l.created_by, l.created_at, l.version"""
_JOINED = """recommendation_link l
    join recommendation s on s.id = l.source_id
    join recommendation t on t.id = l.target_id"""


class _LinkEvent(Link, kw_only=True):
    """A link as its event records it: `recommendation_id` names its source, whose history
    (and agency) the event is."""

    recommendation_id: str


async def serialize(conn: Connection) -> None:
    """Take (in the caller's transaction) the lock of every write of links: see the module."""
    await conn.execute("select pg_advisory_xact_lock($1)", _LOCK)


async def _read(conn: Connection, key: uuid.UUID) -> Link:
    return to_struct(
        await conn.fetchrow(f"select {_COLUMNS} from {_JOINED} where l.id = $1", key), Link
    )


async def _record(w: Write, action: str, link: Link, *, agency_visible: bool) -> Link:
    event = msgspec.convert(
        {**msgspec.structs.asdict(link), "recommendation_id": link.source_id}, _LinkEvent
    )
    await w.record(action, event, agency_visible=agency_visible)
    return link


async def _shown_to_agency(conn: Connection, source_id: uuid.UUID, target_id: uuid.UUID) -> bool:
    """Whether the link's agency (its source's) may read both ends: then it sees the link."""
    shown: bool = await conn.fetchval(
        """
        select s.agency_id = t.agency_id and s.issued_on is not null and t.issued_on is not null
        from recommendation s, recommendation t where s.id = $1 and t.id = $2
        """,
        source_id,
        target_id,
    )
    return shown


async def link_from(
    w: Write, source: Locked, kind: LinkKind, target_id: str, *, pointer: str
) -> Link:
    """Link `source` (locked by this write, under `serialize`) to `target_id` by `kind`, the
    rules checked; `pointer`: the field of the request that named the other end."""
    conn = w.conn
    source_row = must(
        await conn.fetchrow(
            "select code, issued_on is not null as issued from recommendation where id = $1",
            source.id,
        )
    )
    target_key = maybe_id(target_id)
    target_row = None
    if target_key is not None:
        target_row = await conn.fetchrow(
            "select id, code, issued_on is not null as issued from recommendation"
            " where id = $1 for share",
            target_key,
        )
    if target_row is None or target_key is None:
        raise RuleViolation(f"no recommendation {target_id!r}", pointer=pointer)
    source_end = End(str(source.id), source_row["code"], source_row["issued"])
    target_end = End(str(target_key), target_row["code"], target_row["issued"])
    onward: list[Edge] = []
    codes: dict[str, str] = {}
    if kind in ORDERS and source_end.id != target_end.id:
        onward, codes = await _onward(conn, target_key, kind)
    try:
        check_link(kind, source_end, target_end, onward=onward, codes=codes)
    except RuleViolation as refused:
        raise RuleViolation(refused.detail, pointer=pointer) from None
    if await conn.fetchval(
        "select true from recommendation_link where source_id = $1 and target_id = $2"
        " and kind = $3",
        source.id,
        target_key,
        kind.value,
    ):
        raise Conflict(
            f"{source_end.code} {kind} {target_end.code} already: a link is made once",
            pointer=pointer,
        )
    key = uuid.uuid4()
    await conn.execute(
        """
        insert into recommendation_link (id, source_id, target_id, kind, created_by)
        values ($1, $2, $3, $4, $5)
        """,
        key,
        source.id,
        target_key,
        kind.value,
        w.actor,
    )
    link = await _read(conn, key)
    shown = await _shown_to_agency(conn, source.id, target_key)
    return await _record(w, "created", link, agency_visible=shown)


async def _onward(
    conn: Connection, start: uuid.UUID, kind: LinkKind
) -> tuple[list[Edge], dict[str, str]]:
    """The links of `kind` reachable from `start` following their direction, and the codes
    of the recommendations they name."""
    rows = await conn.fetch(
        f"""
        with recursive reach (id) as (
            select $1::uuid
            union
            select l.target_id from reach
            join recommendation_link l on l.source_id = reach.id and l.kind = $2
        )
        select {_COLUMNS} from {_JOINED}
        where l.kind = $2 and l.source_id in (select id from reach)
        """,
        start,
        kind.value,
    )
    codes: dict[str, str] = {}
    edges = []
    for row in rows:
        codes[row["source_id"]] = row["source_code"]
        codes[row["target_id"]] = row["target_code"]
        edges.append(Edge(row["source_id"], row["target_id"]))
    return edges, codes


async def create_link(
    conn: Connection, recommendation_id: str, data: LinkCreate, *, actor: str
) -> Link:
    async with write(conn, "link", actor=actor) as w:
        await serialize(conn)
        source = await w.lock_recommendation(recommendation_id, scope=None)
        return await link_from(w, source, LinkKind(data.kind), data.target_id, pointer="/target_id")


async def get_link(
    conn: Connection, recommendation_id: str, link_id: str, *, scope: str | None
) -> Link:
    """A link of the recommendation (its source); to an agency, only one between two
    recommendations it may read."""
    rec_id = await visible_id(conn, recommendation_id, scope=scope)
    key = parse_id(link_id, "link")
    row = await conn.fetchrow(
        f"""
        select {_COLUMNS} from {_JOINED}
        where l.id = $1 and l.source_id = $2 and {seen("$3", "t")}
        """,
        key,
        rec_id,
        scope,
    )
    if row is None:
        raise NotFound(f"no link {link_id!r}")
    return to_struct(row, Link)


async def delete_link(
    conn: Connection, recommendation_id: str, link_id: str, *, expected_version: int, actor: str
) -> None:
    key = parse_id(link_id, "link")
    async with write(conn, "link", actor=actor) as w:
        await serialize(conn)
        source = await w.lock_recommendation(recommendation_id, scope=None)
        # no row lock (the service may not update links, and `for update` needs that): the
        # links' lock, held, keeps every other write of links away
        await w.lock(
            "select version from recommendation_link where id = $1 and source_id = $2",
            key,
            source.id,
            name=link_id,
            expected_version=expected_version,
        )
        link = await _read(conn, key)
        target = uuid.UUID(link.target_id)
        kind = LinkKind(link.kind)
        if kind is LinkKind.SUPERSEDES:
            closure = await conn.fetchrow(
                """
                select c.outcome, (select count(*) from recommendation_link
                    where target_id = $1 and kind = 'supersedes') as successors
                from closure c where c.recommendation_id = $1
                """,
                target,
            )
            if closure is not None and sole_successor(
                kind,
                closed_superseded=closure["outcome"] == ClosureOutcome.SUPERSEDED,
                successors=closure["successors"],
            ):
                raise TransitionNotAllowed(
                    f"{link.target_code} is closed as superseded by {link.source_code}, and "
                    "this link is what says so: reopen it, or amend its closure, first"
                )
        shown = await _shown_to_agency(conn, source.id, target)
        await conn.execute("delete from recommendation_link where id = $1", key)
        await _record(w, "deleted", link, agency_visible=shown)


async def successors(conn: Connection, recommendation_id: uuid.UUID) -> dict[str, str]:
    """The recommendations linked to this one by `supersedes`: id → code."""
    rows = await conn.fetch(
        """
        select s.id::text, s.code from recommendation_link l
        join recommendation s on s.id = l.source_id
        where l.target_id = $1 and l.kind = 'supersedes'
        """,
        recommendation_id,
    )
    return {row["id"]: row["code"] for row in rows}


async def lineage(conn: Connection, recommendation_id: str, *, scope: str | None) -> Lineage:
    """Every recommendation reachable from this one through links in either direction, and
    the links between them; an agency walks only through what it may read."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        start = await visible_id(conn, recommendation_id, scope=scope)
        rows = await conn.fetch(
            f"""
            with recursive reached (id) as (
                select $1::uuid
                union
                select n.id from reached r cross join lateral (
                    select l.target_id as id from recommendation_link l
                    join recommendation o on o.id = l.target_id
                    where l.source_id = r.id and {seen("$2", "o")}
                    union all
                    select l.source_id from recommendation_link l
                    join recommendation o on o.id = l.source_id
                    where l.target_id = r.id and {seen("$2", "o")}
                ) n
            )
            select {_COLUMNS} from {_JOINED}
            where l.source_id in (select id from reached)
                and l.target_id in (select id from reached)
            """,
            start,
            scope,
        )
        links = [to_struct(row, Link) for row in rows]
        far = distances(str(start), [Edge(link.source_id, link.target_id) for link in links])
        entries = await conn.fetch(
            """
            select id::text, code, title, agency_id, state from recommendation_view
            where id = any($1::uuid[]) and id <> $2
            """,
            list(far),
            start,
        )
    found = [_entry(dict(row), far) for row in entries]
    found.sort(key=lambda e: (e.distance, e.code))
    shown = [_with_direction(link, far) for link in links]
    shown.sort(key=lambda k: (min(far[k.source_id], far[k.target_id]), k.created_at, k.id))
    return Lineage(recommendation_id=str(start), recommendations=found, links=shown)


def _entry(row: Mapping[str, Any], far: Mapping[str, int]) -> LineageEntry:
    return msgspec.convert({**row, "distance": far[row["id"]]}, LineageEntry)


def _with_direction(link: Link, far: Mapping[str, int]) -> LineageLink:
    way = direction(Edge(link.source_id, link.target_id), far)
    return msgspec.convert({**msgspec.structs.asdict(link), "direction": way}, LineageLink)
