"""`/v1/reviews`: second-opinion assignments on investments."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from recotrack.api.auth import requires
from recotrack.api.contract import ETAG, FIRST_ID, ID, follows, success
from recotrack.api.deps import Cursor, Limit
from recotrack.api.investments import AgencyFilter
from recotrack.api.preconditions import IfMatch, required_version
from recotrack.api.problem_responses import CHANGES, CREATES, READS
from recotrack.domain.access import Permission, Principal
from recotrack.store import reviews as store
from recotrack_sdk.models import Page, Review, ReviewCreate, ReviewPatch, etag

CHANGE = follows("update_review", review_id=ID, if_match=ETAG)


class ReviewController(Controller):
    path = "/reviews"
    tags = ["reviews"]  # noqa: RUF012

    @get(
        responses=READS,
        operation_id="list_reviews",
        operation_class=success(links=[follows("get_review", review_id=FIRST_ID)]),
        summary="List reviews",
        opt=requires(Permission.READ),
    )
    async def list_reviews(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        agency: AgencyFilter = None,
        investment_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> Page[Review]:
        items, next_cursor = await store.list_reviews(
            conn,
            scope=principal.scope,
            agency_ids=agency,
            investment_id=investment_id,
            cursor=cursor,
            limit=limit,
        )
        return Page(items=items, next_cursor=next_cursor)

    @post(
        responses=CREATES,
        operation_id="create_review",
        operation_class=success(links=[follows("get_review", review_id=ID), CHANGE]),
        summary="Add a review",
        opt=requires(Permission.ADMINISTER),
    )
    async def create_review(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        data: JSONBody[ReviewCreate],
    ) -> Response[Review]:
        review = await store.create_review(conn, data, actor=principal.actor)
        return Response(
            review,
            status_code=201,
            headers={"ETag": etag(review.version), "Location": f"/v1/reviews/{review.id}"},
        )

    @get(
        "/{review_id:str}",
        responses=READS,
        operation_id="get_review",
        operation_class=success(links=[CHANGE]),
        summary="Get a review",
        opt=requires(Permission.READ),
    )
    async def get_review(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        review_id: FromPath[str],
    ) -> Response[Review]:
        review = await store.get_review(conn, review_id, scope=principal.scope)
        return Response(review, headers={"ETag": etag(review.version)})

    @patch(
        "/{review_id:str}",
        responses=CHANGES,
        operation_id="update_review",
        summary="Change a review",
        opt=requires(Permission.ADMINISTER),
    )
    async def update_review(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        review_id: FromPath[str],
        data: JSONBody[ReviewPatch],
        if_match: IfMatch = None,
    ) -> Response[Review]:
        review = await store.update_review(
            conn,
            review_id,
            data,
            expected_version=required_version(if_match),
            actor=principal.actor,
        )
        return Response(review, headers={"ETag": etag(review.version)})
