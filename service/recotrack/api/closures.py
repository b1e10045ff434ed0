"""`/v1/recommendations/{id}/closure`: closing, amending the closure, reopening."""

from __future__ import annotations

import asyncpg
from litestar import Response, delete, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from recotrack.api.auth import performs, requires
from recotrack.api.contract import ETAG, PATH_RECOMMENDATION, also, follows, success
from recotrack.api.followup import FollowUp, RecommendationId
from recotrack.api.preconditions import (
    IfMatch,
    IfMatchWhenExists,
    if_match_version,
    required_version,
)
from recotrack.api.problem_responses import CHANGES, READS, REMOVES
from recotrack.domain.access import Permission, Principal
from recotrack.domain.rules import Action
from recotrack.store import closures
from recotrack_sdk.models import Closure, ClosureWrite, etag


class ClosureController(FollowUp):
    """A recommendation's closure: only the secretariat closes, amends and reopens."""

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
        "`implemented` closes nothing. Amending an existing closure needs `If-Match`. Closing "
        "as `superseded` needs the successor: a `supersedes` link from it (`create_link`), or "
        "`superseded_by` naming it, which makes that link in the same write (422 otherwise).",
        opt=performs(Action.CLOSE, Action.AMEND_CLOSURE),
    )
    async def put_closure(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
        data: JSONBody[ClosureWrite],
        if_match: IfMatchWhenExists = None,
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
