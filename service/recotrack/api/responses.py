"""`/v1/recommendations/{id}/response`: the agency's response."""

from __future__ import annotations

import asyncpg
from litestar import Response, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from recotrack.api.auth import performs, requires
from recotrack.api.contract import ETAG, PATH_RECOMMENDATION, also, follows, success
from recotrack.api.followup import FollowUp, RecommendationId
from recotrack.api.preconditions import IfMatchWhenExists, if_match_version
from recotrack.api.problem_responses import CHANGES, READS
from recotrack.domain.access import Permission, Principal
from recotrack.domain.rules import Action
from recotrack.store import responses
from recotrack_sdk.models import AgencyResponse, ResponseWrite, etag


class ResponseController(FollowUp):
    """The agency's response to a recommendation: one, changed with `If-Match`."""

    @get(
        "/response",
        responses=READS,
        operation_id="get_response",
        summary="The agency's response",
        opt=requires(Permission.READ),
    )
    async def get_response(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
    ) -> Response[AgencyResponse]:
        response = await responses.get_response(conn, recommendation_id, scope=principal.scope)
        return Response(response, headers={"ETag": etag(response.version)})

    @put(
        "/response",
        responses={**CHANGES, **also(201, AgencyResponse, "The first response: created")},
        operation_id="put_response",
        operation_class=success(
            links=[
                follows("get_response", recommendation_id=PATH_RECOMMENDATION),
                follows("put_response", recommendation_id=PATH_RECOMMENDATION, if_match=ETAG),
            ]
        ),
        summary="Respond, or change the response",
        description="The first response needs no `If-Match`; changing it does. A partial "
        "acceptance or rejection needs a `rationale`; moving `target_date` later needs a "
        "`target_date_reason`, and every earlier date stays in `target_date_history`.",
        opt=performs(Action.RESPOND),
    )
    async def put_response(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
        data: JSONBody[ResponseWrite],
        if_match: IfMatchWhenExists = None,
    ) -> Response[AgencyResponse]:
        response, created = await responses.put_response(
            conn,
            recommendation_id,
            data,
            scope=principal.scope,
            role=principal.role,
            expected_version=if_match_version(if_match),
            actor=principal.actor,
        )
        return Response(
            response, status_code=201 if created else 200, headers={"ETag": etag(response.version)}
        )
