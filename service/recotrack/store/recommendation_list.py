"""The recommendation list: filters, sorts, full-text search and keyset pages over it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from recotrack.store.pool import Connection
from recotrack.store.recommendations import COLUMNS, seen
from recotrack.store.rows import Keyset, maybe_id
from recotrack_sdk.models import Recommendation, RecommendationQuery, RecommendationSort

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


@dataclass(frozen=True, slots=True)
class Page:
    """A page of the list, with the cursors of the pages after it and before it."""

    items: list[Recommendation]
    next_cursor: str | None
    previous_cursor: str | None


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
    found = await page_of_recommendations(
        conn, scope=scope, filters=filters, sort=sort, cursor=cursor, limit=limit
    )
    return found.items, found.next_cursor


async def page_of_recommendations(
    conn: Connection,
    *,
    scope: str | None,
    filters: RecommendationQuery,
    sort: Sort | None,
    cursor: str | None,
    limit: int,
    public: bool = False,
) -> Page:
    """`list_recommendations`'s page, with the cursor of the page before it too (a cursor
    from `previous_cursor` reads the list backwards from its row). `public`: the public
    catalogue's (see `filter_query`), which has no order by relevance (its rank would weigh
    withheld text)."""
    f = filters
    chosen = sort or ("relevance" if f.q and not public else "created")
    assert f.q or chosen != "relevance", "the API refuses relevance without a search"
    assert not (public and chosen == "relevance"), "the catalogue refuses relevance"
    key, key_type, descending = _SORTS[chosen]
    # Ranked hits of a search over everything need none of the recommendation's own columns.
    hits_only = chosen == "relevance" and scope is None and not _narrowed(f)
    fingerprint = hashlib.sha256(repr((scope, f, public)).encode()).hexdigest()[:16]
    keyset = Keyset(
        f"recommendations:{chosen}:{fingerprint}",
        cursor,
        limit,
        table="search" if hits_only else "r",
        key=key,
        key_type=key_type,
        descending=descending,
    )
    found = filter_query(scope, f, "r", hits_joined=not public, public=public)
    if found is None:
        return Page([], None, None)  # a malformed id matches nothing
    where, derived, args = found
    if hits_only:
        # none of the filters on the recommendation's own columns is set (each parameter must
        # still be named, with its type)
        source, where = f"{_HITS} search", _UNNARROWED
    elif f.q and not public:
        source = f"recommendation r join {_HITS} search on search.id = r.id"
    else:
        source = "recommendation r"
    first = keyset
    direction = "desc" if keyset.descending else "asc"  # the order read in
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
            items, next_cursor = first.page(rows[: keyset.fetch], Recommendation)
            return Page(items, next_cursor, first.previous(rows[: keyset.fetch]))
        last = scanned[-1]
        keyset = keyset.after_row(last["sort_key"], last["candidate_id"])
        chunk = min(chunk * 4, _LARGEST_CHUNK)


async def count_recommendations(
    conn: Connection, *, scope: str | None, filters: RecommendationQuery, public: bool = False
) -> int:
    """How many recommendations match `filters` (those a page of the list is taken from)."""
    found = filter_query(scope, filters, "v", public=public)
    if found is None:
        return 0
    where, derived, args = found
    if filters.state is None and filters.overdue is None:
        # without the derived columns, the table alone will do (each parameter still named)
        source, derived = "recommendation v", "($7::text[], $8::boolean) is null"
    else:
        source = "recommendation_view v"
    counted: int = await conn.fetchval(
        f"select count(*) from {source} where {where} and {derived}", *args
    )
    return counted


_UNNARROWED = """(
    $1::text, $2::text[], $3::uuid, $4::uuid, $5::text[], $6::text[], $10::date, $11::date,
    $12::date, $13::text[], $14::boolean
) is null"""


def _narrowed(f: RecommendationQuery) -> bool:
    """Whether a filter on the recommendation's own columns is set."""
    own = (f.agency, f.code, f.review_id, f.investment_id, f.area, f.priority)
    dates = (f.issued_from, f.issued_to, f.due_before)
    return any(value is not None for value in (*own, *dates, f.repeats))


def filter_query(
    scope: str | None,
    f: RecommendationQuery,
    table: str,
    *,
    hits_joined: bool = False,
    public: bool = False,
) -> tuple[str, str, list[Any]] | None:
    """The filters as SQL: the conditions on the recommendation's own columns (of `table`, a
    `recommendation` or the `recommendation_view v`), those on its derived state and overdue
    flag (over the view `v`), and their arguments $1…$14; None when a malformed id makes the
    result empty. With `hits_joined`, the caller joins the search hits itself. `public`: only
    what the public catalogue shows, published and issued, and a search matches only the
    text shown there, secrecy applied (`public_search`, migration 0020)."""
    ids = [
        maybe_id(f.review_id) if f.review_id else None,
        maybe_id(f.investment_id) if f.investment_id else None,
    ]
    if (f.review_id and ids[0] is None) or (f.investment_id and ids[1] is None):
        return None
    agency, area, priority, state, code = (
        _listed(v) for v in (f.agency, f.area, f.priority, f.state, f.code)
    )
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
        code,
        f.repeats,
    ]
    t = table
    # One agency as an equality: the index on (agency_id, created_at, id) then yields rows in
    # page order, and the query stops at the page's end (before PostgreSQL 17, `= any` of one
    # value does not).
    agencies = (
        f"{t}.agency_id = $2[1]" if agency and len(agency) == 1 else f"{t}.agency_id = any($2)"
    )
    # what is repeated must be one the reader may read too: a link is shown only between those
    repeated = "e.published and e.issued_on is not null" if public else seen("$1", "e")
    matches = f"""{t}.id in (
        select h.recommendation_id from recommendation_search h
        where h.document @@ websearch_to_tsquery('swedish', $9)
        union
        select p.recommendation_id from progress_report p
        where p.note_search @@ websearch_to_tsquery('swedish', $9)
    )"""
    if public:  # only what is shown (secrecy applied) is searched
        matches = f"""{t}.id in (
            select s.recommendation_id from public_search s
            where s.document @@ websearch_to_tsquery('swedish', $9)
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
          and ($12::date is null or {t}.response_due < $12 or {t}.implementation_due < $12)
          and ($13::text[] is null or {t}.code = any($13))
          and ($14::boolean is null or $14 = exists (
              select from recommendation_link k join recommendation e on e.id = k.target_id
              where k.source_id = {t}.id and k.kind = 'repeats' and {repeated}))"""
    if public:
        where += f" and {t}.published and {t}.issued_on is not null"
    derived = (
        "($7::text[] is null or v.state = any($7)) and ($8::boolean is null or v.overdue = $8)"
    )
    return where, derived, args


def _listed(values: str | Sequence[str] | None) -> list[str] | None:
    """A filter's values as a list: it may have been given one."""
    return [values] if isinstance(values, str) else None if values is None else list(values)
