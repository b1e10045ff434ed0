"""`/v1/changes`: every change the caller may see, in commit order, from a stored cursor."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Annotated

import asyncpg
from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from recotrack.api.auth import requires
from recotrack.api.deps import Cursor, Limit
from recotrack.api.problem_responses import READS
from recotrack.domain.access import Permission, Principal
from recotrack.store.changes import decode_position, encode_position, read_changes
from recotrack.store.notify import ChangeNotifier
from recotrack_sdk.models import ChangePage


class ChangeController(Controller):
    path = "/changes"
    tags = ["sync"]  # noqa: RUF012

    @get(
        responses=READS,
        operation_id="list_changes",
        summary="The changes feed",
        description="Every change the caller may see, in commit order (an agency sees its own "
        "agency's, never a draft's). Store `next_cursor` and pass it back as `cursor`: a reader "
        "that does so never misses nor repeats a change, even when concurrent transactions "
        "commit out of order. With `wait`, an empty page waits up to that many seconds for "
        "the next change.",
        opt=requires(Permission.READ),
    )
    async def list_changes(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        state: State,
        cursor: Cursor = None,
        limit: Limit = 100,
        wait: Annotated[
            int,
            QueryParameter(
                ge=0,
                le=30,
                description="Seconds to wait for a change.",
                # Litestar leaves a limit of 0 out of the contract (it is falsy): say it again
                schema_extra={"minimum": 0},
            ),
        ] = 0,
    ) -> ChangePage:
        after = decode_position(cursor)
        notifier: ChangeNotifier = state.notifier
        next_commit = notifier.next_commit()
        items = await read_changes(conn, scope=principal.scope, after=after, limit=limit)
        deadline = time.monotonic() + wait
        # A commit wakes every waiter, but it may be one the caller may not see (another
        # agency's), or a late notice of one already read: then wait on, until the deadline.
        while not items and (remaining := deadline - time.monotonic()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(next_commit.wait(), remaining)
            next_commit = notifier.next_commit()
            items = await read_changes(conn, scope=principal.scope, after=after, limit=limit)
        position = items[-1].seq if items else after
        return ChangePage(items=items, next_cursor=encode_position(position))
