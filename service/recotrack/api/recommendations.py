"""`/v1/recommendations`: the recommendations, with their derived state and filters."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from recotrack.api.auth import performs, requires
from recotrack.api.contract import ETAG, FIRST_ID, ID, follows, success
from recotrack.api.deps import Cursor, Limit
from recotrack.api.filters import RECOMMENDATION_FILTER
from recotrack.api.preconditions import IfMatch, required_version
from recotrack.api.problem_responses import CHANGES, CREATES, READS
from recotrack.api.problems import problem
from recotrack.domain.access import Permission, Principal
from recotrack.domain.rules import Action
from recotrack.store import recommendation_list, recommendation_writes
from recotrack.store import recommendations as store
from recotrack.store.recommendation_list import Sort
from recotrack_sdk.models import (
    Page,
    Recommendation,
    RecommendationCreate,
    RecommendationPatch,
    RecommendationQuery,
    etag,
)

# What can be done with a recommendation once its id is known: the follow-up of it.
FOLLOW_UP = (
    "get_history",
    "get_response",
    "put_response",
    "list_progress",
    "create_progress",
    "list_assessments",
    "create_assessment",
    "get_closure",
    "put_closure",
)
ONWARD = [
    follows("update_recommendation", recommendation_id=ID, if_match=ETAG),
    *(follows(op, recommendation_id=ID) for op in FOLLOW_UP),
]


class RecommendationController(Controller):
    path = "/recommendations"
    tags = ["recommendations"]  # noqa: RUF012

    @get(
        responses=READS,
        operation_id="list_recommendations",
        operation_class=success(
            links=[
                follows(op, recommendation_id=FIRST_ID) for op in ("get_recommendation", *FOLLOW_UP)
            ]
        ),
        summary="List and filter recommendations",
        opt=requires(Permission.READ),
        dependencies=RECOMMENDATION_FILTER,
    )
    async def list_recommendations(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        filters: NamedDependency[RecommendationQuery],
        sort: Annotated[
            Sort | None,
            QueryParameter(
                description="Order of the list: `created` (default), `relevance` (the default "
                "with `q`, best first), a date (`issued_on`, `response_due`, "
                "`implementation_due`; `-` for latest first; a missing date sorts last) or "
                "`code`. Paging stays exact with every order."
            ),
        ] = None,
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> Page[Recommendation]:
        """Recommendations in the order they were created. An agency sees its own issued ones;
        drafts are the secretariat's until issued."""
        if sort == "relevance" and not filters.q:
            raise problem(
                "invalid-parameter",
                400,
                "sort=relevance needs a search: give q",
                errors=[{"parameter": "sort", "detail": "relevance needs q"}],
            )
        items, next_cursor = await recommendation_list.list_recommendations(
            conn, scope=principal.scope, filters=filters, sort=sort, cursor=cursor, limit=limit
        )
        return Page(items=items, next_cursor=next_cursor)

    @post(
        responses=CREATES,
        operation_id="create_recommendation",
        operation_class=success(
            links=[follows("get_recommendation", recommendation_id=ID), *ONWARD]
        ),
        summary="Add a recommendation",
        description="A recommendation is a draft, invisible to its agency, until `issued_on` "
        "is set.",
        opt=requires(Permission.ADMINISTER),
    )
    async def create_recommendation(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        data: JSONBody[RecommendationCreate],
    ) -> Response[Recommendation]:
        recommendation = await recommendation_writes.create_recommendation(
            conn, data, role=principal.role, actor=principal.actor
        )
        return Response(
            recommendation,
            status_code=201,
            headers={
                "ETag": etag(recommendation.version),
                "Location": f"/v1/recommendations/{recommendation.id}",
            },
        )

    @get(
        "/{recommendation_id:str}",
        responses=READS,
        operation_id="get_recommendation",
        operation_class=success(links=ONWARD),
        summary="Get a recommendation",
        opt=requires(Permission.READ),
    )
    async def get_recommendation(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: FromPath[str],
    ) -> Response[Recommendation]:
        recommendation = await store.get_recommendation(
            conn, recommendation_id, scope=principal.scope
        )
        return Response(recommendation, headers={"ETag": etag(recommendation.version)})

    @get(
        "/by-code/{code:str}",
        responses=READS,
        operation_id="get_recommendation_by_code",
        operation_class=success(links=ONWARD),
        summary="Get a recommendation by its code",
        description="The recommendation with this code (`2026-SKV-003`), answered as "
        "`get_recommendation` answers (its `ETag` too); when none has the code exactly, the one "
        "whose code it is but for case. 404 for a code that the caller may not see.",
        opt=requires(Permission.READ),
    )
    async def get_recommendation_by_code(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        code: FromPath[str],
    ) -> Response[Recommendation]:
        recommendation = await store.get_recommendation_by_code(conn, code, scope=principal.scope)
        return Response(recommendation, headers={"ETag": etag(recommendation.version)})

    @patch(
        "/{recommendation_id:str}",
        responses=CHANGES,
        operation_id="update_recommendation",
        summary="Change a recommendation",
        description="Setting `issued_on` on a draft issues it; clearing it retracts an issue "
        "the agency has not yet acted on.",
        opt=performs(Action.EDIT, Action.PUBLISH, Action.ISSUE, Action.RETRACT),
    )
    async def update_recommendation(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: FromPath[str],
        data: JSONBody[RecommendationPatch],
        if_match: IfMatch = None,
    ) -> Response[Recommendation]:
        recommendation = await recommendation_writes.update_recommendation(
            conn,
            recommendation_id,
            data,
            role=principal.role,
            expected_version=required_version(if_match),
            actor=principal.actor,
        )
        return Response(recommendation, headers={"ETag": etag(recommendation.version)})
