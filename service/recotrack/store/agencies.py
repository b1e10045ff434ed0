"""Agencies (myndigheter)."""

from __future__ import annotations

from typing import Any

from recotrack.store import events
from recotrack.store.errors import NotFound, check_version
from recotrack.store.pool import Connection
from recotrack.store.rows import Keyset, assignments, set_fields, to_struct, unique_violation
from recotrack_sdk.models import Agency, AgencyCreate, AgencyPatch

_COLUMNS = "id, name, org_number, version, created_at, updated_at"
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


async def create_agency(conn: Connection, data: AgencyCreate, *, actor: str) -> Agency:
    async with conn.transaction():
        with unique_violation(_UNIQUE):
            row = await conn.fetchrow(
                f"""
                insert into agency (id, name, org_number) values ($1, $2, $3)
                returning {_COLUMNS}
                """,
                data.id,
                data.name,
                data.org_number,
            )
        agency = to_struct(row, Agency)
        await events.record(
            conn,
            actor=actor,
            agency_id=agency.id,
            entity="agency",
            entity_id=agency.id,
            action="created",
            version=agency.version,
            data=agency,
        )
    return agency


async def update_agency(
    conn: Connection,
    agency_id: str,
    patch: AgencyPatch,
    *,
    expected_version: int,
    actor: str,
) -> Agency:
    async with conn.transaction():
        current = await conn.fetchrow(
            "select version from agency where id = $1 for update", agency_id
        )
        if current is None:
            raise NotFound(f"no agency {agency_id!r}")
        check_version(current["version"], expected_version, "agency")
        args: list[Any] = [agency_id]
        changes = assignments(set_fields(patch), args)
        with unique_violation(_UNIQUE):
            row = await conn.fetchrow(
                f"""
                update agency set {changes + "," if changes else ""}
                    version = version + 1, updated_at = now()
                where id = $1 returning {_COLUMNS}
                """,
                *args,
            )
        agency = to_struct(row, Agency)
        await events.record(
            conn,
            actor=actor,
            agency_id=agency.id,
            entity="agency",
            entity_id=agency.id,
            action="updated",
            version=agency.version,
            data=agency,
        )
    return agency
