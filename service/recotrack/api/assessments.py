"""`/v1/recommendations/{id}/assessments`: the secretariat's assessments."""

from __future__ import annotations

import asyncpg
from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from recotrack.api.auth import performs, requires
from recotrack.api.contract import ID, PATH_RECOMMENDATION, follows, success
from recotrack.api.deps import Cursor, Limit
from recotrack.api.followup import FollowUp, RecommendationId
from recotrack.api.problem_responses import CREATES, READS
from recotrack.domain.access import Permission, Principal
from recotrack.domain.rules import Action
from recotrack.store import assessments
from recotrack_sdk.models import Assessment, AssessmentCreate, Page


class AssessmentController(FollowUp):
    """The secretariat's own ratings of a recommendation's progress: append-only."""

    @get(
        "/assessments",
        responses=READS,
        operation_id="list_assessments",
        summary="The secretariat's assessments",
        opt=requires(Permission.READ),
    )
    async def list_assessments(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> Page[Assessment]:
        items, next_cursor = await assessments.list_assessments(
            conn, recommendation_id, scope=principal.scope, cursor=cursor, limit=limit
        )
        return Page(items=items, next_cursor=next_cursor)

    @post(
        "/assessments",
        responses=CREATES,
        operation_id="create_assessment",
        operation_class=success(
            links=[
                follows("get_assessment", recommendation_id=PATH_RECOMMENDATION, assessment_id=ID)
            ]
        ),
        summary="Assess progress",
        description="The secretariat's own rating, shown beside the agency's self-reported status.",
        opt=performs(Action.ASSESS),
    )
    async def create_assessment(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
        data: JSONBody[AssessmentCreate],
    ) -> Response[Assessment]:
        assessment = await assessments.add_assessment(
            conn, recommendation_id, data, role=principal.role, actor=principal.actor
        )
        location = f"/v1/recommendations/{recommendation_id}/assessments/{assessment.id}"
        return Response(assessment, status_code=201, headers={"Location": location})

    @get(
        "/assessments/{assessment_id:str}",
        responses=READS,
        operation_id="get_assessment",
        summary="One assessment",
        opt=requires(Permission.READ),
    )
    async def get_assessment(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
        assessment_id: FromPath[str],
    ) -> Assessment:
        return await assessments.get_assessment(
            conn, recommendation_id, assessment_id, scope=principal.scope
        )
