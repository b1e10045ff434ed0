"""Agencies (myndigheter)."""

from __future__ import annotations

from typing import Any

from recotrack.store.errors import NotFound
from recotrack.store.pool import Connection
from recotrack.store.rows import Keyset, set_fields, to_struct, unique_violation
from recotrack.store.writes import write
from recotrack_sdk.models import Agency, AgencyCreate, AgencyPatch

_COLUMNS = "id, name, org_number, contacts, version, created_at, updated_at"
_UNIQUE = {
    "agency_pkey": ("/id", "an agency with this id exists already"),
    "agency_org_number_key": ("/org_number", "an agency with this org_number exists already"),
}


async def list_agencies(
    conn: Connection, *, scope: str | None, cursor: str | None, limit: int
) -> tuple[list[Agency], str | None]:
    keyset = Keyset("agencies", cursor, limit, table="agency", id_type="text")
    args: list[Any] = [scope]
    rows = await conn.fetch(
        f"""
        select {_COLUMNS} from agency
        where ($1::text is null or id = $1) and {keyset.where(args)}
        order by {keyset.order_by} limit {keyset.fetch}
        """,
        *args,
    )
    return keyset.page(rows, Agency)


async def get_agency(conn: Connection, agency_id: str, *, scope: str | None) -> Agency:
    row = await conn.fetchrow(
        f"select {_COLUMNS} from agency where id = $1 and ($2::text is null or id = $2)",
        agency_id,
        scope,
    )
    if row is None:
        raise NotFound(f"no agency {agency_id!r}")
    return to_struct(row, Agency)


async def agency_exists(conn: Connection, agency_id: str) -> bool:
    return bool(await conn.fetchval("select true from agency where id = $1", agency_id))


async def create_agency(conn: Connection, data: AgencyCreate, *, actor: str) -> Agency:
    async with write(conn, "agency", actor=actor, agency_id=data.id) as w:
        with unique_violation(_UNIQUE):
            row = await conn.fetchrow(
                f"""
                insert into agency (id, name, org_number, contacts) values ($1, $2, $3, $4)
                returning {_COLUMNS}
                """,
                data.id,
                data.name,
                data.org_number,
                data.contacts,
            )
        return await w.record("created", to_struct(row, Agency))


async def update_agency(
    conn: Connection,
    agency_id: str,
    patch: AgencyPatch,
    *,
    expected_version: int,
    actor: str,
) -> Agency:
    async with write(conn, "agency", actor=actor, agency_id=agency_id) as w:
        await w.lock(
            "select version from agency where id = $1 for update",
            agency_id,
            name=agency_id,
            expected_version=expected_version,
        )
        with unique_violation(_UNIQUE):
            row = await w.update("agency", agency_id, set_fields(patch), returning=_COLUMNS)
        return await w.record("updated", to_struct(row, Agency))
