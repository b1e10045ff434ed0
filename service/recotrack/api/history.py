"""`/v1/recommendations/{id}/history`: the recommendation's timeline."""

from __future__ import annotations

import asyncpg
from litestar import get
from litestar.di import NamedDependency

from recotrack.api.auth import requires
from recotrack.api.deps import Cursor, Limit
from recotrack.api.followup import FollowUp, RecommendationId
from recotrack.api.problem_responses import READS
from recotrack.domain.access import Permission, Principal
from recotrack.store import history
from recotrack_sdk.models import HistoryEntry, Page


class HistoryController(FollowUp):
    """Everything that happened to a recommendation, from the event log."""

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
