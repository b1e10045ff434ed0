"""Recommendations: the secretariat's records, read with their derived state."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from recotrack.domain.errors import RuleViolation
from recotrack.domain.rules import (
    Action,
    check_dates_in_order,
    check_retractable,
    check_transition,
    edit_action,
)
from recotrack.domain.vocabulary import Role, State
from recotrack.store import events
from recotrack.store.errors import NotFound, check_version
from recotrack.store.pool import Connection
from recotrack.store.rows import (
    Keyset,
    assignments,
    maybe_id,
    must,
    parse_id,
    set_fields,
    to_struct,
    unique_violation,
)
from recotrack_sdk.models import (
    Recommendation,
    RecommendationCreate,
    RecommendationPatch,
    RecommendationQuery,
    RecommendationSort,
)

COLUMNS = (
    "id::text, code, review_id::text, investment_id::text, agency_id, title, body, area, priority,"
    " issued_on, response_due, implementation_due, diarienummer, state, overdue, decision,"
    " reported_status, assessed_status, version, created_at, updated_at"
)
_UNIQUE = {"recommendation_code_key": ("/code", "a recommendation with this code exists already")}
_DATES = ("issued_on", "response_due", "implementation_due")
_EVENT_ACTION = {Action.EDIT: "updated", Action.ISSUE: "issued", Action.RETRACT: "retracted"}


Sort = RecommendationSort
_LATEST, _EARLIEST = "'9999-12-31'::date", "'0001-01-01'::date"
# (key expression over `recommendation r` and the search hits, its type, descending).
# A missing date sorts last either way.
_SORTS: dict[str, tuple[str, str, bool]] = {
    "created": ("created_at", "timestamptz", False),
    "code": ("code", "text", False),
    "-code": ("code", "text", True),
    "relevance": ("search.rank", "float8", True),
    **{
        name: (f"coalesce(r.{name}, {_LATEST})", "date", False)
        for name in ("issued_on", "response_due", "implementation_due")
    },
    **{
        f"-{name}": (f"coalesce(r.{name}, {_EARLIEST})", "date", True)
        for name in ("issued_on", "response_due", "implementation_due")
    },
}

# The recommendations matching a search, each with its rank: those whose own text or response
# matches, and those with a matching progress note, each set found through its own index. The
# rank is always that of the recommendation's own text, so one found twice is one row.
_HITS = """(
    select h.recommendation_id as id, ts_rank(h.document, query)::float8 as rank
    from recommendation_search h, websearch_to_tsquery('swedish', $9) query
    where h.document @@ query
    union
    select s.recommendation_id, ts_rank(s.document, query)::float8
    from progress_report p
    join recommendation_search s on s.recommendation_id = p.recommendation_id
    cross join websearch_to_tsquery('swedish', $9) query
    where p.note_search @@ query
)"""

# The derived state and overdue flag cost a few index lookups per recommendation, so a page
# is found in two steps: candidates in page order by the recommendation's own columns (an index
# walk, stopped at the chunk's end), then the state of each candidate, until the page is full.
_FIRST_CHUNK, _LARGEST_CHUNK = 4, 25_600


async def list_recommendations(
    conn: Connection,
    *,
    scope: str | None,
    filters: RecommendationQuery,
    sort: Sort | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Recommendation], str | None]:
    """A page of recommendations. With `q`, a Swedish full-text search over code, title, body,
    the response's rationale and actions and the progress notes, by relevance unless sorted."""
    f = filters
    chosen = sort or ("relevance" if f.q else "created")
    assert f.q or chosen != "relevance", "the API refuses relevance without a search"
    key, key_type, descending = _SORTS[chosen]
    # Ranked hits of a search over everything need none of the recommendation's own columns.
    hits_only = chosen == "relevance" and scope is None and not _narrowed(f)
    fingerprint = hashlib.sha256(repr((scope, f)).encode()).hexdigest()[:16]
    keyset = Keyset(
        f"recommendations:{chosen}:{fingerprint}",
        cursor,
        limit,
        table="search" if hits_only else "r",
        key=key,
        key_type=key_type,
        descending=descending,
    )
    found = filter_query(scope, f, "r", hits_joined=True)
    if found is None:
        return [], None  # a malformed id matches nothing
    where, derived, args = found
    if hits_only:
        # none of the filters on the recommendation's own columns is set (each parameter must
        # still be named, with its type)
        source, where = f"{_HITS} search", _UNNARROWED
    elif f.q:
        source = f"recommendation r join {_HITS} search on search.id = r.id"
    else:
        source = "recommendation r"
    direction = "desc" if descending else "asc"
    # Without a state or overdue filter every candidate is on the page: one chunk suffices.
    chunk = keyset.fetch if f.state is None and f.overdue is None else _FIRST_CHUNK * keyset.fetch
    rows: list[asyncpg.Record] = []
    while True:
        chunk_args = list(args)
        scanned = await conn.fetch(
            f"""
            select c.id as candidate_id, c.sort_key, v.*
            from (
                select {keyset.id_column} as id, {keyset.key} as sort_key from {source}
                where {where} and {keyset.where(chunk_args)}
                order by {keyset.order_by} limit {chunk}
            ) c
            left join lateral (
                select {COLUMNS} from recommendation_view v where v.id = c.id and {derived}
            ) v on true
            order by c.sort_key {direction}, c.id {direction}
            """,
            *chunk_args,
        )
        rows.extend(row for row in scanned if row["id"] is not None)
        if len(rows) >= keyset.fetch or len(scanned) < chunk:
            return keyset.page(rows[: keyset.fetch], Recommendation)
        last = scanned[-1]
        keyset = keyset.after_row(last["sort_key"], last["candidate_id"])
        chunk = min(chunk * 4, _LARGEST_CHUNK)


_UNNARROWED = """(
    $1::text, $2::text[], $3::uuid, $4::uuid, $5::text[], $6::text[], $10::date, $11::date,
    $12::date
) is null"""


def _narrowed(f: RecommendationQuery) -> bool:
    """Whether a filter on the recommendation's own columns is set."""
    own = (f.agency, f.review_id, f.investment_id, f.area, f.priority)
    dates = (f.issued_from, f.issued_to, f.due_before)
    return any(value is not None for value in (*own, *dates))


def filter_query(
    scope: str | None, f: RecommendationQuery, table: str, *, hits_joined: bool = False
) -> tuple[str, str, list[Any]] | None:
    """The filters as SQL: the conditions on the recommendation's own columns (of `table`, a
    `recommendation` or the `recommendation_view v`), those on its derived state and overdue
    flag (over the view `v`), and their arguments $1…$12; None when a malformed id makes the
    result empty. With `hits_joined`, the caller joins the search hits itself."""
    ids = [
        maybe_id(f.review_id) if f.review_id else None,
        maybe_id(f.investment_id) if f.investment_id else None,
    ]
    if (f.review_id and ids[0] is None) or (f.investment_id and ids[1] is None):
        return None
    agency, area, priority, state = (_listed(v) for v in (f.agency, f.area, f.priority, f.state))
    args: list[Any] = [
        scope,
        agency,
        ids[0],
        ids[1],
        area,
        priority,
        state,
        f.overdue,
        f.q,
        f.issued_from,
        f.issued_to,
        f.due_before,
    ]
    t = table
    # One agency as an equality: the index on (agency_id, created_at, id) then yields rows in
    # page order, and the query stops at the page's end (before PostgreSQL 17, `= any` of one
    # value does not).
    agencies = (
        f"{t}.agency_id = $2[1]" if agency and len(agency) == 1 else f"{t}.agency_id = any($2)"
    )
    matches = f"""{t}.id in (
        select h.recommendation_id from recommendation_search h
        where h.document @@ websearch_to_tsquery('swedish', $9)
        union
        select p.recommendation_id from progress_report p
        where p.note_search @@ websearch_to_tsquery('swedish', $9)
    )"""
    where = f"""($1::text is null or ({t}.agency_id = $1 and {t}.issued_on is not null))
          and ($2::text[] is null or {agencies})
          and ($3::uuid is null or {t}.review_id = $3)
          and ($4::uuid is null
               or {t}.review_id in (select id from review where investment_id = $4))
          and ($5::text[] is null or {t}.area = any($5))
          and ($6::text[] is null or {t}.priority = any($6))
          and ($9::text is null or {matches if f.q and not hits_joined else "true"})
          and ($10::date is null or {t}.issued_on >= $10)
          and ($11::date is null or {t}.issued_on <= $11)
          and ($12::date is null or {t}.response_due < $12 or {t}.implementation_due < $12)"""
    derived = (
        "($7::text[] is null or v.state = any($7)) and ($8::boolean is null or v.overdue = $8)"
    )
    return where, derived, args


def _listed(values: str | Sequence[str] | None) -> list[str] | None:
    """A filter's values as a list: it may have been given one."""
    return [values] if isinstance(values, str) else None if values is None else list(values)


async def get_recommendation(
    conn: Connection, recommendation_id: str, *, scope: str | None
) -> Recommendation:
    row = await conn.fetchrow(
        f"""
        select {COLUMNS} from recommendation_view where {_VISIBLE}
        """,
        parse_id(recommendation_id, "recommendation"),
        scope,
    )
    if row is None:
        raise NotFound(f"no recommendation {recommendation_id!r}")
    return to_struct(row, Recommendation)


_VISIBLE = "id = $1 and ($2::text is null or (agency_id = $2 and issued_on is not null))"
"""A recommendation the caller may see: an agency sees its own, once issued (drafts are not)."""


async def visible_id(conn: Connection, recommendation_id: str, *, scope: str | None) -> uuid.UUID:
    """The id of a recommendation the caller may see; NotFound otherwise."""
    rec_id = parse_id(recommendation_id, "recommendation")
    if not await conn.fetchval(f"select true from recommendation where {_VISIBLE}", rec_id, scope):
        raise NotFound(f"no recommendation {recommendation_id!r}")
    return rec_id


@dataclass(frozen=True, slots=True)
class Locked:
    """A recommendation locked for a change, with what the rules need to know of it."""

    id: uuid.UUID
    agency_id: str
    state: State
    version: int
    today: dt.date


async def lock(conn: Connection, recommendation_id: str, *, scope: str | None) -> Locked:
    """Lock a recommendation the caller may see (inside a transaction): its changes happen
    one at a time, and the rules are checked against its state at that moment."""
    rec_id = parse_id(recommendation_id, "recommendation")
    row = await conn.fetchrow(
        f"select id, agency_id, version from recommendation where {_VISIBLE} for update",
        rec_id,
        scope,
    )
    if row is None:
        raise NotFound(f"no recommendation {recommendation_id!r}")
    # A statement of its own: after waiting for the lock it sees what the last holder committed.
    derived = must(
        await conn.fetchrow(
            "select state, current_date as today from recommendation_view where id = $1", rec_id
        )
    )
    return Locked(
        rec_id, row["agency_id"], State(derived["state"]), row["version"], derived["today"]
    )


async def touch(conn: Connection, rec_id: uuid.UUID) -> None:
    """A change to a response, progress, assessment or closure changes the recommendation too:
    its state is derived from them, so its version (and ETag) moves."""
    await conn.execute(
        "update recommendation set version = version + 1, updated_at = now() where id = $1", rec_id
    )


async def create_recommendation(
    conn: Connection, data: RecommendationCreate, *, role: Role, actor: str
) -> Recommendation:
    check_dates_in_order(("issued_on", data.issued_on), ("response_due", data.response_due))
    check_dates_in_order(
        ("issued_on", data.issued_on), ("implementation_due", data.implementation_due)
    )
    async with conn.transaction():
        review_id = maybe_id(data.review_id)
        agency_id = (
            None
            if review_id is None
            else await conn.fetchval("select agency_id from review where id = $1", review_id)
        )
        if agency_id is None:
            raise RuleViolation(f"no review {data.review_id!r}", pointer="/review_id")
        if data.issued_on is not None:
            check_transition(Action.ISSUE, State.DRAFT, role)
        with unique_violation(_UNIQUE):
            rec_id = await conn.fetchval(
                """
                insert into recommendation (code, review_id, agency_id, title, body, area, priority,
                    issued_on, response_due, implementation_due, diarienummer)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                returning id
                """,
                data.code,
                review_id,
                agency_id,
                data.title,
                data.body,
                data.area,
                data.priority,
                data.issued_on,
                data.response_due,
                data.implementation_due,
                data.diarienummer,
            )
        recommendation = await _read(conn, rec_id)
        await _record(conn, recommendation, "created", actor)
    return recommendation


async def update_recommendation(
    conn: Connection,
    recommendation_id: str,
    patch: RecommendationPatch,
    *,
    role: Role,
    expected_version: int,
    actor: str,
) -> Recommendation:
    async with conn.transaction():
        locked = await lock(conn, recommendation_id, scope=None)
        check_version(locked.version, expected_version, "recommendation")
        current = must(
            await conn.fetchrow(
                """
                select issued_on, response_due, implementation_due,
                    exists (select from progress_report where recommendation_id = $1) as reported
                from recommendation where id = $1
                """,
                locked.id,
            )
        )
        fields = set_fields(patch)
        merged = {name: fields.get(name, current[name]) for name in _DATES}
        action = edit_action(
            was_issued=current["issued_on"] is not None,
            will_be_issued=merged["issued_on"] is not None,
        )
        check_transition(action, locked.state, role)
        if action is Action.RETRACT:
            check_retractable(agency_has_reported=current["reported"])
        for due in ("response_due", "implementation_due"):
            check_dates_in_order(("issued_on", merged["issued_on"]), (due, merged[due]))
        args: list[Any] = [locked.id]
        changes = assignments(fields, args)
        with unique_violation(_UNIQUE):
            await conn.execute(
                f"""
                update recommendation set {changes + "," if changes else ""}
                    version = version + 1, updated_at = now()
                where id = $1
                """,
                *args,
            )
        recommendation = await _read(conn, locked.id)
        await _record(conn, recommendation, _EVENT_ACTION[action], actor)
    return recommendation


async def _read(conn: Connection, rec_id: uuid.UUID) -> Recommendation:
    row = await conn.fetchrow(f"select {COLUMNS} from recommendation_view where id = $1", rec_id)
    return to_struct(row, Recommendation)


async def _record(
    conn: Connection, recommendation: Recommendation, action: str, actor: str
) -> None:
    await events.record(
        conn,
        actor=actor,
        agency_id=recommendation.agency_id,
        entity="recommendation",
        entity_id=recommendation.id,
        recommendation_id=recommendation.id,
        # a draft is invisible to its agency, and so is its history; a retraction is not
        agency_visible=recommendation.issued_on is not None or action == "retracted",
        action=action,
        version=recommendation.version,
        data=recommendation,
    )
