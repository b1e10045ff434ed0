"""`/v1/investments`: an agency's digital investments under review."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from recotrack.api.auth import requires
from recotrack.api.contract import ETAG, FIRST_ID, ID, follows, success
from recotrack.api.deps import Cursor, Limit
from recotrack.api.preconditions import IfMatch, required_version
from recotrack.api.problem_responses import CHANGES, CREATES, READS
from recotrack.api.problems import problem
from recotrack.domain.access import Permission, Principal
from recotrack.store import investments as store
from recotrack.store.rows import set_fields
from recotrack_sdk.models import Investment, InvestmentCreate, InvestmentPatch, Page, etag

AgencyFilter = Annotated[
    list[str] | None, QueryParameter(description="Only these agencies (repeat the parameter).")
]


CHANGE = follows("update_investment", investment_id=ID, if_match=ETAG)


class InvestmentController(Controller):
    path = "/investments"
    tags = ["investments"]  # noqa: RUF012

    @get(
        responses=READS,
        operation_id="list_investments",
        operation_class=success(links=[follows("get_investment", investment_id=FIRST_ID)]),
        summary="List investments",
        opt=requires(Permission.READ),
    )
    async def list_investments(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        agency: AgencyFilter = None,
        external_ref: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> Page[Investment]:
        """Investments in the order they were added; an agency token sees its own only."""
        items, next_cursor = await store.list_investments(
            conn,
            scope=principal.scope,
            agency_ids=agency,
            external_ref=external_ref,
            cursor=cursor,
            limit=limit,
        )
        return Page(items=items, next_cursor=next_cursor)

    @post(
        responses=CREATES,
        operation_id="create_investment",
        operation_class=success(links=[follows("get_investment", investment_id=ID), CHANGE]),
        summary="Add an investment",
        opt=requires(Permission.ADMINISTER),
    )
    async def create_investment(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        data: JSONBody[InvestmentCreate],
    ) -> Response[Investment]:
        investment = await store.create_investment(conn, data, actor=principal.actor)
        return Response(
            investment,
            status_code=201,
            headers={
                "ETag": etag(investment.version),
                "Location": f"/v1/investments/{investment.id}",
            },
        )

    @get(
        "/{investment_id:str}",
        responses=READS,
        operation_id="get_investment",
        operation_class=success(links=[CHANGE]),
        summary="Get an investment",
        opt=requires(Permission.READ),
    )
    async def get_investment(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        investment_id: FromPath[str],
    ) -> Response[Investment]:
        investment = await store.get_investment(conn, investment_id, scope=principal.scope)
        return Response(investment, headers={"ETag": etag(investment.version)})

    @patch(
        "/{investment_id:str}",
        responses=CHANGES,
        operation_id="update_investment",
        summary="Change an investment",
        description="The secretariat may change every field; an agency only `external_ref`, "
        "the investment's id in its own portfolio tool.",
        opt=requires(Permission.LINK_INVESTMENT),
    )
    async def update_investment(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        investment_id: FromPath[str],
        data: JSONBody[InvestmentPatch],
        if_match: IfMatch = None,
    ) -> Response[Investment]:
        beyond_link = sorted(set(set_fields(data)) - {"external_ref"})
        if beyond_link and not principal.may(Permission.ADMINISTER):
            raise problem(
                "forbidden",
                403,
                f"the {principal.role} role may change only external_ref",
                errors=[
                    {"pointer": f"/{name}", "detail": "not yours to change"} for name in beyond_link
                ],
            )
        investment = await store.update_investment(
            conn,
            investment_id,
            data,
            scope=principal.scope,
            expected_version=required_version(if_match),
            actor=principal.actor,
        )
        return Response(investment, headers={"ETag": etag(investment.version)})
