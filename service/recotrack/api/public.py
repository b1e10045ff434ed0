"""`/public/v1`: the public catalogue, anyone's to read, without a token.

Only published, issued recommendations, each exactly as a disclosure would release it
(`exports.release.redact`): what secrecy covers is replaced by a notice naming its ground. The
filters are the list's own; a search matches only the text left once secrecy is applied, and
there is no order by relevance (a rank would weigh what is withheld). Served only with
`RECOTRACK_PUBLIC_CATALOGUE=true`, and rate limited per client address (api/limits.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import asyncpg
from litestar import Controller, Request, Router, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter

from recotrack.api.body import strict_request
from recotrack.api.contract import FIRST_ID, follows, success
from recotrack.api.deps import Cursor, Limit
from recotrack.api.filters import RECOMMENDATION_FILTER
from recotrack.api.problem_responses import PUBLIC_READS
from recotrack.api.problems import problem
from recotrack.exports.release import redact
from recotrack.store import catalogue
from recotrack.store import good_examples as examples
from recotrack.store.recommendation_list import Sort
from recotrack_sdk.models import (
    Area,
    GoodExample,
    Page,
    RecommendationQuery,
    ReleasedRecommendation,
)

TAG = "public"
BASE = "/public/v1"


async def provide_public_connection(request: Request[Any, Any, Any]) -> AsyncIterator[Any]:
    """A pooled connection for a reader who is no one in particular."""
    async with request.app.state.pool.acquire() as conn:
        yield conn


def refuse_relevance(sort: Sort | None) -> None:
    if sort == "relevance":
        raise problem(
            "invalid-parameter",
            400,
            "the public catalogue has no order by relevance: a rank would weigh text that is "
            "withheld; sort by a date or the code",
            errors=[{"parameter": "sort", "detail": "relevance is not offered here"}],
        )


class PublicCatalogue(Controller):
    path = "/"
    tags = [TAG]  # noqa: RUF012

    @get(
        "/recommendations",
        responses=PUBLIC_READS,
        operation_id="list_public_recommendations",
        operation_class=success(
            links=[follows("get_public_recommendation", recommendation_id=FIRST_ID)]
        ),
        summary="List the published recommendations",
        description="Published, issued recommendations with what follows them up, each as a "
        "release of public records holds it: every field secrecy covers replaced by a notice "
        "that names its legal ground, and listed in `withheld`. The list's filters; `q` "
        "matches only what is shown. No token needed; limited per client address.",
        dependencies=RECOMMENDATION_FILTER,
    )
    async def list_public_recommendations(
        self,
        conn: NamedDependency[asyncpg.Connection],
        filters: NamedDependency[RecommendationQuery],
        sort: Annotated[
            Sort | None,
            QueryParameter(
                description="`created` (default), a date (`issued_on`, `response_due`, "
                "`implementation_due`; `-` for latest first) or `code`."
            ),
        ] = None,
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> Page[ReleasedRecommendation]:
        refuse_relevance(sort)
        found, next_cursor, _ = await catalogue.published_page(
            conn, filters=filters, sort=sort, cursor=cursor, limit=limit
        )
        return Page(items=[redact(r) for r in found], next_cursor=next_cursor)

    @get(
        "/recommendations/{recommendation_id:str}",
        responses=PUBLIC_READS,
        operation_id="get_public_recommendation",
        summary="Get a published recommendation",
        description="404 for one that is not published (or not issued, or not there).",
    )
    async def get_public_recommendation(
        self, conn: NamedDependency[asyncpg.Connection], recommendation_id: FromPath[str]
    ) -> ReleasedRecommendation:
        return redact(await catalogue.published_record(conn, recommendation_id))

    @get(
        "/good-examples",
        responses=PUBLIC_READS,
        operation_id="list_public_good_examples",
        summary="List the good examples of published recommendations",
        description="As `list_good_examples` shows them (the agency only when it agreed to "
        "be named), for published recommendations only. Oldest first.",
    )
    async def list_public_good_examples(
        self,
        conn: NamedDependency[asyncpg.Connection],
        area: Annotated[Area | None, QueryParameter(description="Only this area's.")] = None,
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> Page[GoodExample]:
        items, next_cursor = await examples.list_good_examples(
            conn, area=area, cursor=cursor, limit=limit, published_only=True
        )
        return Page(items=items, next_cursor=next_cursor)


def public_api_router() -> Router:
    return Router(
        path=BASE,
        route_handlers=[PublicCatalogue],
        dependencies={"conn": Provide(provide_public_connection)},
        before_request=strict_request,
    )
