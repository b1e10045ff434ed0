"""What follows a recommendation: the agency's response and progress, the secretariat's
assessments and closure (`/v1/recommendations/{id}/…`)."""

from __future__ import annotations

import asyncpg
from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from recotrack.api.auth import performs, requires
from recotrack.api.contract import ETAG, ID, PATH_RECOMMENDATION, also, follows, success
from recotrack.api.deps import Cursor, Limit
from recotrack.api.preconditions import IfMatch, etag, if_match_version, required_version
from recotrack.api.problems import CHANGES, CREATES, READS, REMOVES
from recotrack.domain.access import Permission, Principal
from recotrack.domain.rules import Action
from recotrack.store import assessments, closures, history, progress, responses
from recotrack_sdk.models import (
    AgencyResponse,
    Assessment,
    AssessmentCreate,
    Closure,
    ClosureWrite,
    HistoryEntry,
    Page,
    ProgressReport,
    ProgressReportCreate,
    ResponseWrite,
)

RecommendationId = FromPath[str]

SAME = PATH_RECOMMENDATION
AFTER_RESPONSE = [
    follows("get_response", recommendation_id=SAME),
    follows("put_response", recommendation_id=SAME, if_match=ETAG),
]
AFTER_PROGRESS = [follows("get_progress", recommendation_id=SAME, report_id=ID)]
AFTER_ASSESSMENT = [follows("get_assessment", recommendation_id=SAME, assessment_id=ID)]
AFTER_CLOSURE = [
    follows("get_closure", recommendation_id=SAME),
    follows("reopen", recommendation_id=SAME, if_match=ETAG),
]


class FollowUpController(Controller):
    path = "/recommendations/{recommendation_id:str}"
    tags = ["follow-up"]  # noqa: RUF012

    @get(
        "/history",
        responses=READS,
        operation_id="get_history",
        summary="The recommendation's timeline",
        description="Everything that happened to it, from the event log, oldest first, with "
        "who did it: issue, edits, responses, progress reports, assessments, closure, reopening.",
        opt=requires(Permission.READ),
    )
    async def get_history(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> Page[HistoryEntry]:
        items, next_cursor = await history.history(
            conn, recommendation_id, scope=principal.scope, cursor=cursor, limit=limit
        )
        return Page(items=items, next_cursor=next_cursor)

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
        if_match: IfMatch = None,
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

    @get(
        "/progress",
        responses=READS,
        operation_id="list_progress",
        summary="The agency's progress reports",
        opt=requires(Permission.READ),
    )
    async def list_progress(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> Page[ProgressReport]:
        items, next_cursor = await progress.list_progress(
            conn, recommendation_id, scope=principal.scope, cursor=cursor, limit=limit
        )
        return Page(items=items, next_cursor=next_cursor)

    @post(
        "/progress",
        responses={
            **CREATES,
            **also(
                200,
                ProgressReport,
                "Sent again with the same `external_ref`: the first report, unchanged",
            ),
        },
        operation_id="create_progress",
        operation_class=success(
            links=[follows("get_progress", recommendation_id=PATH_RECOMMENDATION, report_id=ID)]
        ),
        summary="Report progress",
        description="Append-only. With an `external_ref` (the id in the agency's own tool), "
        "sending the same report again changes nothing and answers 200 with the first one.",
        opt=performs(Action.REPORT_PROGRESS),
    )
    async def create_progress(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
        data: JSONBody[ProgressReportCreate],
    ) -> Response[ProgressReport]:
        report, created = await progress.add_progress(
            conn,
            recommendation_id,
            data,
            scope=principal.scope,
            role=principal.role,
            actor=principal.actor,
        )
        location = f"/v1/recommendations/{recommendation_id}/progress/{report.id}"
        return Response(report, status_code=201 if created else 200, headers={"Location": location})

    @get(
        "/progress/{report_id:str}",
        responses=READS,
        operation_id="get_progress",
        summary="One progress report",
        opt=requires(Permission.READ),
    )
    async def get_progress(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
        report_id: FromPath[str],
    ) -> ProgressReport:
        return await progress.get_progress(
            conn, recommendation_id, report_id, scope=principal.scope
        )

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

    @get(
        "/closure",
        responses=READS,
        operation_id="get_closure",
        summary="The closure",
        opt=requires(Permission.READ),
    )
    async def get_closure(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
    ) -> Response[Closure]:
        closure = await closures.get_closure(conn, recommendation_id, scope=principal.scope)
        return Response(closure, headers={"ETag": etag(closure.version)})

    @put(
        "/closure",
        responses={**CHANGES, **also(201, Closure, "Closed: the closure created")},
        operation_id="put_closure",
        operation_class=success(
            links=[
                follows("get_closure", recommendation_id=PATH_RECOMMENDATION),
                follows("reopen", recommendation_id=PATH_RECOMMENDATION, if_match=ETAG),
            ]
        ),
        summary="Close, or amend the closure",
        description="Only the secretariat closes, after verifying; an agency reporting "
        "`implemented` closes nothing. Amending an existing closure needs `If-Match`.",
        opt=performs(Action.CLOSE, Action.AMEND_CLOSURE),
    )
    async def put_closure(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
        data: JSONBody[ClosureWrite],
        if_match: IfMatch = None,
    ) -> Response[Closure]:
        closure, created = await closures.put_closure(
            conn,
            recommendation_id,
            data,
            role=principal.role,
            expected_version=if_match_version(if_match),
            actor=principal.actor,
        )
        return Response(
            closure, status_code=201 if created else 200, headers={"ETag": etag(closure.version)}
        )

    @delete(
        "/closure",
        responses=REMOVES,
        operation_id="reopen",
        summary="Reopen (remove the closure)",
        description="The event log keeps the closure and the reopening. Needs `If-Match`.",
        opt=performs(Action.REOPEN),
    )
    async def reopen(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
        if_match: IfMatch = None,
    ) -> None:
        await closures.reopen(
            conn,
            recommendation_id,
            role=principal.role,
            expected_version=required_version(if_match),
            actor=principal.actor,
        )
