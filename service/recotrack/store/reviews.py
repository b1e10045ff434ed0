"""Reviews: one second-opinion assignment on an investment."""

from __future__ import annotations

from typing import Any

from recotrack.domain.errors import RuleViolation
from recotrack.domain.rules import check_dates_in_order
from recotrack.store.errors import NotFound
from recotrack.store.pool import Connection
from recotrack.store.rows import (
    Keyset,
    maybe_id,
    parse_id,
    set_fields,
    to_struct,
)
from recotrack.store.writes import write
from recotrack_sdk.models import Review, ReviewCreate, ReviewPatch

_COLUMNS = (
    "id::text, investment_id::text, agency_id, title, report_ref, diarienummer, started_on,"
    " delivered_on, version, created_at, updated_at"
)


async def list_reviews(
    conn: Connection,
    *,
    scope: str | None,
    agency_ids: list[str] | None,
    investment_id: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Review], str | None]:
    keyset = Keyset("reviews", cursor, limit, table="review")
    investment = maybe_id(investment_id) if investment_id is not None else None
    if investment_id is not None and investment is None:
        return [], None  # a malformed id matches nothing
    args: list[Any] = [scope, agency_ids, investment]
    rows = await conn.fetch(
        f"""
        select {_COLUMNS} from review
        where ($1::text is null or agency_id = $1)
          and ($2::text[] is null or agency_id = any($2))
          and ($3::uuid is null or investment_id = $3)
          and {keyset.where(args)}
        order by {keyset.order_by} limit {keyset.fetch}
        """,
        *args,
    )
    return keyset.page(rows, Review)


async def get_review(conn: Connection, review_id: str, *, scope: str | None) -> Review:
    row = await conn.fetchrow(
        f"select {_COLUMNS} from review where id = $1 and ($2::text is null or agency_id = $2)",
        parse_id(review_id, "review"),
        scope,
    )
    if row is None:
        raise NotFound(f"no review {review_id!r}")
    return to_struct(row, Review)


async def create_review(conn: Connection, data: ReviewCreate, *, actor: str) -> Review:
    check_dates_in_order(("started_on", data.started_on), ("delivered_on", data.delivered_on))
    async with write(conn, "review", actor=actor) as w:
        investment = maybe_id(data.investment_id)
        agency_id = (
            None
            if investment is None
            else await conn.fetchval("select agency_id from investment where id = $1", investment)
        )
        if agency_id is None:
            raise RuleViolation(f"no investment {data.investment_id!r}", pointer="/investment_id")
        row = await conn.fetchrow(
            f"""
            insert into review (investment_id, agency_id, title, report_ref, diarienummer,
                started_on, delivered_on)
            values ($1, $2, $3, $4, $5, $6, $7)
            returning {_COLUMNS}
            """,
            investment,
            agency_id,
            data.title,
            data.report_ref,
            data.diarienummer,
            data.started_on,
            data.delivered_on,
        )
        return await w.record("created", to_struct(row, Review))


async def update_review(
    conn: Connection,
    review_id: str,
    patch: ReviewPatch,
    *,
    expected_version: int,
    actor: str,
) -> Review:
    review_uuid = parse_id(review_id, "review")
    async with write(conn, "review", actor=actor) as w:
        current = await w.lock(
            "select version, started_on, delivered_on from review where id = $1 for update",
            review_uuid,
            name=review_id,
            expected_version=expected_version,
        )
        fields = set_fields(patch)
        check_dates_in_order(
            ("started_on", fields.get("started_on", current["started_on"])),
            ("delivered_on", fields.get("delivered_on", current["delivered_on"])),
        )
        row = await w.update("review", review_uuid, fields, returning=_COLUMNS)
        return await w.record("updated", to_struct(row, Review))
