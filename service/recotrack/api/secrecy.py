"""`/v1/recommendations/{id}/secrecy`: the fields secrecy law covers; and the common grounds."""

from __future__ import annotations

import asyncpg
from litestar import Controller, Response, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from recotrack.api.auth import requires
from recotrack.api.contract import PATH_RECOMMENDATION, also, follows, success
from recotrack.api.followup import FollowUp, RecommendationId
from recotrack.api.preconditions import IfMatchWhenExists, if_match_version
from recotrack.api.problem_responses import CHANGES, READS
from recotrack.domain.access import Permission, Principal
from recotrack.domain.secrecy import COMMON_GROUNDS
from recotrack.store import secrecy
from recotrack_sdk.models import SecrecyGround, SecrecyMarks, SecrecyWrite, etag

_GROUNDS = [SecrecyGround(reference=g.reference, sv=g.sv, en=g.en) for g in COMMON_GROUNDS]


class SecrecyController(FollowUp):
    """Which fields of a recommendation secrecy law covers: marked by the secretariat, read
    by every role that may read the recommendation."""

    @get(
        "/secrecy",
        responses=READS,
        operation_id="get_secrecy",
        summary="The secrecy marks",
        description="404 while no field has been marked.",
        opt=requires(Permission.READ),
    )
    async def get_secrecy(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
    ) -> Response[SecrecyMarks]:
        marks = await secrecy.get_secrecy(conn, recommendation_id, scope=principal.scope)
        return Response(marks, headers={"ETag": etag(marks.version)})

    @put(
        "/secrecy",
        responses={**CHANGES, **also(201, SecrecyMarks, "Marked: the first marks")},
        operation_id="put_secrecy",
        operation_class=success(
            links=[follows("get_secrecy", recommendation_id=PATH_RECOMMENDATION)]
        ),
        summary="Mark fields secret, each with its legal ground",
        description="The marks as they are to be (`[]` clears them): each a `field` "
        "(`title`, `body`, `response.rationale`, `response.planned_actions`, `progress.note`, "
        "`progress.evidence`, `assessment.note`, `closure.note`), its `ground` in "
        "offentlighets- och sekretesslagen (such as `18 kap. 8 § OSL`: the common ones are "
        "`list_secrecy_grounds`, any other is accepted) and a `note`. A release of public "
        "records replaces each marked field by a notice naming its ground; the marks hide "
        "nothing from those who may read the recommendation. Changing marks that exist needs "
        "`If-Match`. Every change is an event of the audit chain.",
        opt=requires(Permission.ADMINISTER),
    )
    async def put_secrecy(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
        data: JSONBody[SecrecyWrite],
        if_match: IfMatchWhenExists = None,
    ) -> Response[SecrecyMarks]:
        marks, created = await secrecy.put_secrecy(
            conn,
            recommendation_id,
            data,
            expected_version=if_match_version(if_match),
            actor=principal.actor,
        )
        return Response(
            marks, status_code=201 if created else 200, headers={"ETag": etag(marks.version)}
        )


class SecrecyGroundController(Controller):
    path = "/secrecy-grounds"
    tags = ["follow-up"]  # noqa: RUF012

    @get(
        "/",
        responses=READS,
        operation_id="list_secrecy_grounds",
        summary="The legal grounds commonly given for secrecy",
        description="Provisions of offentlighets- och sekretesslagen (2009:400) that commonly "
        "cover what a second opinion holds, each with what it protects in Swedish and English. "
        "A mark may give any other ground too.",
        opt=requires(Permission.READ),
    )
    async def list_secrecy_grounds(self) -> list[SecrecyGround]:
        return _GROUNDS
