"""Investments: an agency's digital investments under review."""

from __future__ import annotations

from typing import Any

from recotrack.domain.errors import RuleViolation
from recotrack.store.agencies import agency_exists
from recotrack.store.errors import NotFound
from recotrack.store.pool import Connection
from recotrack.store.rows import (
    Keyset,
    parse_id,
    set_fields,
    to_struct,
    unique_violation,
)
from recotrack.store.writes import write
from recotrack_sdk.models import Investment, InvestmentCreate, InvestmentPatch

_COLUMNS = (
    "id::text, agency_id, title, description, external_ref, budget_sek, loan_financed, phase,"
    " version, created_at, updated_at"
)
_UNIQUE = {
    "investment_agency_id_external_ref_key": (
        "/external_ref",
        "the agency already has an investment with this external_ref",
    )
}


async def list_investments(
    conn: Connection,
    *,
    scope: str | None,
    agency_ids: list[str] | None,
    external_ref: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Investment], str | None]:
    keyset = Keyset("investments", cursor, limit, table="investment")
    args: list[Any] = [scope, agency_ids, external_ref]
    rows = await conn.fetch(
        f"""
        select {_COLUMNS} from investment
        where ($1::text is null or agency_id = $1)
          and ($2::text[] is null or agency_id = any($2))
          and ($3::text is null or external_ref = $3)
          and {keyset.where(args)}
        order by {keyset.order_by} limit {keyset.fetch}
        """,
        *args,
    )
    return keyset.page(rows, Investment)


async def get_investment(conn: Connection, investment_id: str, *, scope: str | None) -> Investment:
    row = await conn.fetchrow(
        f"select {_COLUMNS} from investment where id = $1 and ($2::text is null or agency_id = $2)",
        parse_id(investment_id, "investment"),
        scope,
    )
    if row is None:
        raise NotFound(f"no investment {investment_id!r}")
    return to_struct(row, Investment)


async def create_investment(conn: Connection, data: InvestmentCreate, *, actor: str) -> Investment:
    async with write(conn, "investment", actor=actor) as w:
        if not await agency_exists(conn, data.agency_id):
            raise RuleViolation(f"no agency {data.agency_id!r}", pointer="/agency_id")
        with unique_violation(_UNIQUE):
            row = await conn.fetchrow(
                f"""
                insert into investment
                    (agency_id, title, description, external_ref, budget_sek, loan_financed, phase)
                values ($1, $2, $3, $4, $5, $6, $7)
                returning {_COLUMNS}
                """,
                data.agency_id,
                data.title,
                data.description,
                data.external_ref,
                data.budget_sek,
                data.loan_financed,
                data.phase,
            )
        return await w.record("created", to_struct(row, Investment))


async def update_investment(
    conn: Connection,
    investment_id: str,
    patch: InvestmentPatch,
    *,
    scope: str | None,
    expected_version: int,
    actor: str,
) -> Investment:
    investment_uuid = parse_id(investment_id, "investment")
    async with write(conn, "investment", actor=actor) as w:
        await w.lock(
            """
            select version from investment
            where id = $1 and ($2::text is null or agency_id = $2) for update
            """,
            investment_uuid,
            scope,
            name=investment_id,
            expected_version=expected_version,
        )
        with unique_violation(_UNIQUE):
            row = await w.update(
                "investment", investment_uuid, set_fields(patch), returning=_COLUMNS
            )
        return await w.record("updated", to_struct(row, Investment))
