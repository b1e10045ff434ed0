"""The public catalogue's reads: published, issued recommendations, as a release holds them.

What a reader of the catalogue gets is what a disclosure would hand out (`disclosures.
records`, then secrecy applied by the caller through `exports.release.redact`): one recipe
for a public record, whether asked for by a letter or read on the web.
"""

from __future__ import annotations

from recotrack.store import recommendation_list
from recotrack.store.disclosures import Record, records
from recotrack.store.errors import NotFound
from recotrack.store.pool import Connection
from recotrack.store.recommendation_list import Sort
from recotrack.store.rows import maybe_id
from recotrack_sdk.models import RecommendationQuery


async def published_page(
    conn: Connection,
    *,
    filters: RecommendationQuery,
    sort: Sort | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Record], str | None, str | None]:
    """A page of the catalogue, with the cursors of the pages after and before it."""
    found = await recommendation_list.page_of_recommendations(
        conn, scope=None, filters=filters, sort=sort, cursor=cursor, limit=limit, public=True
    )
    ids = [maybe_id(rec.id) for rec in found.items]
    listed = await records(conn, [i for i in ids if i is not None])
    return listed, found.next_cursor, found.previous_cursor


async def count_published(conn: Connection, *, filters: RecommendationQuery) -> int:
    return await recommendation_list.count_recommendations(
        conn, scope=None, filters=filters, public=True
    )


async def published_record(conn: Connection, recommendation_id: str) -> Record:
    """One published, issued recommendation; anything else is not in the catalogue (404,
    the same for one that does not exist: the catalogue does not say which)."""
    key = maybe_id(recommendation_id)
    published = key is not None and await conn.fetchval(
        "select true from recommendation where id = $1 and published and issued_on is not null",
        key,
    )
    if not published or key is None:
        raise NotFound(f"no published recommendation {recommendation_id!r}")
    (record,) = await records(conn, [key])
    return record
