"""`/v1/benchmarks`: an agency's figures beside all other agencies' together (domain/benchmarks.py
holds the rule that keeps any one other agency's figure out of reach)."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from recotrack.api.auth import requires
from recotrack.api.problem_responses import READS
from recotrack.domain.access import Permission, Principal
from recotrack.domain.benchmarks import MIN_GROUP
from recotrack.store import benchmarks as store
from recotrack_sdk.models import Benchmarks


class BenchmarkController(Controller):
    path = "/benchmarks"
    tags = ["learning"]  # noqa: RUF012

    @get(
        responses=READS,
        operation_id="get_benchmarks",
        summary="An agency's figures beside all other agencies'",
        description="By area, over issued recommendations: the agency's own share "
        "implemented, median days to response, share overdue and open count, beside all "
        "other agencies together: how many, the median and the quartiles of their figures. "
        "Never a sum, a mean, an extreme, an id or a name of another agency; a figure of "
        f"fewer than {MIN_GROUP} other agencies is withheld (`suppressed`, with the reason). "
        "An agency token may ask for its own only (another is not found); the secretariat "
        "and auditors for any.",
        opt=requires(Permission.READ),
    )
    async def get_benchmarks(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        agency: Annotated[
            str,
            QueryParameter(
                min_length=1,
                max_length=64,
                description="Whose view: the agency's id (an agency token: its own).",
            ),
        ],
    ) -> Benchmarks:
        return await store.benchmarks(conn, agency, scope=principal.scope)
