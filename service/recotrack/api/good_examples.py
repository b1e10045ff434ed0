"""`/v1/good-examples`: what worked, lifted out by the secretariat, read by every agency."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from recotrack.api.auth import requires
from recotrack.api.contract import ETAG, FIRST_ID, ID, follows, success
from recotrack.api.deps import Cursor, Limit
from recotrack.api.preconditions import IfMatch, required_version
from recotrack.api.problem_responses import CHANGES, CREATES, READS, REMOVES
from recotrack.domain.access import Permission, Principal
from recotrack.store import good_examples as store
from recotrack_sdk.models import Area, GoodExample, GoodExampleCreate, GoodExamplePatch, Page, etag

ExampleId = FromPath[str]


class GoodExampleController(Controller):
    path = "/good-examples"
    tags = ["learning"]  # noqa: RUF012

    @get(
        responses=READS,
        operation_id="list_good_examples",
        operation_class=success(links=[follows("get_good_example", example_id=FIRST_ID)]),
        summary="List good examples",
        description="Every role and every agency reads every good example: the one "
        "deliberate exception to per-agency isolation. So an example shows what it says, the "
        "area and the recommendation's code and title (secrecy applied), and the agency only "
        "when it agreed to be named. Oldest first.",
        opt=requires(Permission.READ),
    )
    async def list_good_examples(
        self,
        conn: NamedDependency[asyncpg.Connection],
        area: Annotated[Area | None, QueryParameter(description="Only this area's.")] = None,
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> Page[GoodExample]:
        items, next_cursor = await store.list_good_examples(
            conn, area=area, cursor=cursor, limit=limit
        )
        return Page(items=items, next_cursor=next_cursor)

    @post(
        responses=CREATES,
        operation_id="create_good_example",
        operation_class=success(
            links=[
                follows("get_good_example", example_id=ID),
                follows("update_good_example", example_id=ID, if_match=ETAG),
            ]
        ),
        summary="Lift out a good example",
        description="From an issued recommendation; `summary` in Markdown; `agency_named` "
        "only when the agency agreed to be named.",
        opt=requires(Permission.ADMINISTER),
    )
    async def create_good_example(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        data: JSONBody[GoodExampleCreate],
    ) -> Response[GoodExample]:
        example = await store.create_good_example(conn, data, actor=principal.actor)
        return Response(
            example,
            status_code=201,
            headers={
                "ETag": etag(example.version),
                "Location": f"/v1/good-examples/{example.id}",
            },
        )

    @get(
        "/{example_id:str}",
        responses=READS,
        operation_id="get_good_example",
        summary="One good example",
        opt=requires(Permission.READ),
    )
    async def get_good_example(
        self, conn: NamedDependency[asyncpg.Connection], example_id: ExampleId
    ) -> Response[GoodExample]:
        example = await store.get_good_example(conn, example_id)
        return Response(example, headers={"ETag": etag(example.version)})

    @patch(
        "/{example_id:str}",
        responses=CHANGES,
        operation_id="update_good_example",
        operation_class=success(
            links=[follows("update_good_example", example_id=ID, if_match=ETAG)]
        ),
        summary="Change a good example",
        opt=requires(Permission.ADMINISTER),
    )
    async def update_good_example(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        example_id: ExampleId,
        data: JSONBody[GoodExamplePatch],
        if_match: IfMatch = None,
    ) -> Response[GoodExample]:
        example = await store.update_good_example(
            conn,
            example_id,
            data,
            expected_version=required_version(if_match),
            actor=principal.actor,
        )
        return Response(example, headers={"ETag": etag(example.version)})

    @delete(
        "/{example_id:str}",
        responses=REMOVES,
        operation_id="delete_good_example",
        summary="Remove a good example",
        description="The event log keeps it. Needs `If-Match`.",
        opt=requires(Permission.ADMINISTER),
    )
    async def delete_good_example(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        example_id: ExampleId,
        if_match: IfMatch = None,
    ) -> None:
        await store.delete_good_example(
            conn, example_id, expected_version=required_version(if_match), actor=principal.actor
        )
