"""`/v1/recommendations/{id}/progress`: the agency's progress reports."""

from __future__ import annotations

import asyncpg
from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from recotrack.api.auth import performs, requires
from recotrack.api.contract import ID, PATH_RECOMMENDATION, also, follows, success
from recotrack.api.deps import Cursor, Limit
from recotrack.api.followup import FollowUp, RecommendationId
from recotrack.api.problem_responses import CREATES, READS
from recotrack.domain.access import Permission, Principal
from recotrack.domain.rules import Action
from recotrack.store import progress
from recotrack_sdk.models import Page, ProgressReport, ProgressReportCreate

LATEST_REPORT_COUNTS = (
    "The recommendation's `state` and `reported_status` follow the agency's latest report: the "
    "last one written (in a batch, the last in input order), whatever `reported_on` it names; "
    "the list and the history run in that order. A report after an `implemented` one that "
    "says otherwise therefore moves the state back: `in_progress` or `partially_implemented` "
    "to `in_progress`, `not_started` or `not_implemented` to `responded` (or `issued`). This "
    "is deliberate: `implemented` is the agency's own account, not a verdict (the secretariat "
    "verifies, assesses and closes), and an agency that finds the work undone must be able to "
    "say so rather than leave a false `implemented` standing. Both reports stay in the list "
    "and the history, so the step back is visible; a closed recommendation takes no reports."
)
"""Said in the descriptions of both ways of reporting (here and `/v1/sync/progress`)."""


class ProgressController(FollowUp):
    """The agency's progress reports on a recommendation: append-only."""

    @get(
        "/progress",
        responses=READS,
        operation_id="list_progress",
        summary="The agency's progress reports",
        description="In the order they were written (a sync batch's in its input order), the "
        "order of the history too: the last is the latest, the one the state follows.",
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
                "Sent again with the same `external_ref` and content: the first report, unchanged",
            ),
        },
        operation_id="create_progress",
        operation_class=success(
            links=[follows("get_progress", recommendation_id=PATH_RECOMMENDATION, report_id=ID)]
        ),
        summary="Report progress",
        description="Append-only. With an `external_ref` (the id in the agency's own tool), "
        "sending the same report again changes nothing and answers 200 with the first one; "
        "the same `external_ref` with other content is refused (409 `conflict`, naming the "
        "fields that differ) and the first report stays as it was. A report is never changed: "
        "to correct one, send a new report with a new `external_ref`.\n\n" + LATEST_REPORT_COUNTS,
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
