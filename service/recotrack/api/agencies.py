"""`/v1/agencies`: the agencies the group advises."""

from __future__ import annotations

import asyncpg
from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from recotrack.api.auth import requires
from recotrack.api.contract import ETAG, FIRST_ID, ID, follows, success
from recotrack.api.deps import Cursor, Limit
from recotrack.api.preconditions import IfMatch, required_version
from recotrack.api.problem_responses import CHANGES, CREATES, READS
from recotrack.domain.access import Permission, Principal
from recotrack.domain.errors import RuleViolation
from recotrack.domain.orgnr import is_valid_org_number
from recotrack.store import agencies as store
from recotrack_sdk.models import Agency, AgencyCreate, AgencyPatch, ContactWrite, Page, etag


def _check_org_number(org_number: str | None) -> None:
    if org_number is not None and not is_valid_org_number(org_number):
        raise RuleViolation(
            f"{org_number} is not a valid organisationsnummer (its check digit is wrong)",
            pointer="/org_number",
        )


def _check_contacts(contacts: list[ContactWrite]) -> None:
    # one address once: a person gets each reminder once, whatever role the list gives them
    seen: set[str] = set()
    for n, contact in enumerate(contacts):
        address = contact.email.lower()
        if address in seen:
            raise RuleViolation(
                f"{contact.email} is in the contacts more than once",
                pointer=f"/contacts/{n}/email",
            )
        seen.add(address)


CHANGE = follows("update_agency", agency_id=ID, if_match=ETAG)


class AgencyController(Controller):
    path = "/agencies"
    tags = ["agencies"]  # noqa: RUF012

    @get(
        responses=READS,
        operation_id="list_agencies",
        operation_class=success(links=[follows("get_agency", agency_id=FIRST_ID)]),
        summary="List agencies",
        opt=requires(Permission.READ),
    )
    async def list_agencies(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> Page[Agency]:
        """Agencies in the order they were added. An agency token sees only its own agency."""
        items, next_cursor = await store.list_agencies(
            conn, scope=principal.scope, cursor=cursor, limit=limit
        )
        return Page(items=items, next_cursor=next_cursor)

    @post(
        responses=CREATES,
        operation_id="create_agency",
        operation_class=success(links=[follows("get_agency", agency_id=ID), CHANGE]),
        summary="Add an agency",
        opt=requires(Permission.ADMINISTER),
    )
    async def create_agency(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        data: JSONBody[AgencyCreate],
    ) -> Response[Agency]:
        _check_org_number(data.org_number)
        _check_contacts(data.contacts)
        agency = await store.create_agency(conn, data, actor=principal.actor)
        return Response(
            agency,
            status_code=201,
            headers={"ETag": etag(agency.version), "Location": f"/v1/agencies/{agency.id}"},
        )

    @get(
        "/{agency_id:str}",
        responses=READS,
        operation_id="get_agency",
        operation_class=success(links=[CHANGE]),
        summary="Get an agency",
        opt=requires(Permission.READ),
    )
    async def get_agency(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        agency_id: FromPath[str],
    ) -> Response[Agency]:
        agency = await store.get_agency(conn, agency_id, scope=principal.scope)
        return Response(agency, headers={"ETag": etag(agency.version)})

    @patch(
        "/{agency_id:str}",
        responses=CHANGES,
        operation_id="update_agency",
        summary="Change an agency",
        opt=requires(Permission.ADMINISTER),
    )
    async def update_agency(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        agency_id: FromPath[str],
        data: JSONBody[AgencyPatch],
        if_match: IfMatch = None,
    ) -> Response[Agency]:
        version = required_version(if_match)
        if isinstance(data.org_number, str):
            _check_org_number(data.org_number)
        if isinstance(data.contacts, list):
            _check_contacts(data.contacts)
        agency = await store.update_agency(
            conn, agency_id, data, expected_version=version, actor=principal.actor
        )
        return Response(agency, headers={"ETag": etag(agency.version)})
