"""`/v1/recommendations/{id}/links` and `…/lineage`: how later opinions build on earlier ones."""

from __future__ import annotations

import asyncpg
from litestar import Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from recotrack.api.auth import requires
from recotrack.api.contract import ETAG, ID, PATH_RECOMMENDATION, follows, success
from recotrack.api.followup import FollowUp, RecommendationId
from recotrack.api.preconditions import IfMatch, required_version
from recotrack.api.problem_responses import CREATES, READS, REMOVES
from recotrack.domain.access import Permission, Principal
from recotrack.store import links
from recotrack_sdk.models import Lineage, Link, LinkCreate, etag

LinkId = FromPath[str]

_KINDS = (
    "`supersedes` (this one replaces the target), `refines` (takes it further), `splits` (the "
    "target is a part of this one) or `repeats` (this one raises the target's problem again, "
    "in a later review)"
)


class LinkController(FollowUp):
    """Links from a recommendation to others, made by the secretariat; its lineage."""

    @post(
        "/links",
        responses=CREATES,
        operation_id="create_link",
        operation_class=success(
            links=[
                follows("get_link", recommendation_id=PATH_RECOMMENDATION, link_id=ID),
                follows(
                    "delete_link", recommendation_id=PATH_RECOMMENDATION, link_id=ID, if_match=ETAG
                ),
                follows("get_lineage", recommendation_id=PATH_RECOMMENDATION),
            ]
        ),
        summary="Link the recommendation to another",
        description=f"This recommendation {_KINDS}. Refused (422, saying why): a link to "
        "itself; one that would make a cycle of `supersedes`, or of `splits` (the detail "
        "names the path, such as `2024-SKV-001 → 2025-SKV-003 → 2024-SKV-001`); a link from "
        "an issued recommendation to a draft (its agency is never shown a draft). The same "
        "link twice is a 409. Every link is an event of the audit chain, in this "
        "recommendation's history.",
        opt=requires(Permission.ADMINISTER),
    )
    async def create_link(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
        data: JSONBody[LinkCreate],
    ) -> Response[Link]:
        link = await links.create_link(conn, recommendation_id, data, actor=principal.actor)
        return Response(
            link,
            status_code=201,
            headers={
                "ETag": etag(link.version),
                "Location": f"/v1/recommendations/{link.source_id}/links/{link.id}",
            },
        )

    @get(
        "/links/{link_id:str}",
        responses=READS,
        operation_id="get_link",
        summary="One link from the recommendation",
        description="An agency finds only a link between two recommendations it may read.",
        opt=requires(Permission.READ),
    )
    async def get_link(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
        link_id: LinkId,
    ) -> Response[Link]:
        link = await links.get_link(conn, recommendation_id, link_id, scope=principal.scope)
        return Response(link, headers={"ETag": etag(link.version)})

    @delete(
        "/links/{link_id:str}",
        responses=REMOVES,
        operation_id="delete_link",
        summary="Remove a link",
        description="Needs `If-Match` (a link is never changed: its version is 1). The event "
        "log keeps it. The only `supersedes` link to a recommendation closed as `superseded` "
        "stays (409) until that closure is reopened or amended.",
        opt=requires(Permission.ADMINISTER),
    )
    async def delete_link(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
        link_id: LinkId,
        if_match: IfMatch = None,
    ) -> None:
        await links.delete_link(
            conn,
            recommendation_id,
            link_id,
            expected_version=required_version(if_match),
            actor=principal.actor,
        )

    @get(
        "/lineage",
        responses=READS,
        operation_id="get_lineage",
        summary="The recommendation's lineage",
        description="Every recommendation reachable from this one through links, in either "
        "direction (nearest first, with how many links away), and every link between them: "
        "its kind, its `direction` as the walk out from this one crosses it, who made it and "
        "when. An agency is shown only the recommendations it may read and the links "
        "between those (and walks only through them).",
        opt=requires(Permission.READ),
    )
    async def get_lineage(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        recommendation_id: RecommendationId,
    ) -> Lineage:
        return await links.lineage(conn, recommendation_id, scope=principal.scope)
