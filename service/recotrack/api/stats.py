"""`/v1/stats`: how recommendations stand, across agencies or for one."""

from __future__ import annotations

import asyncpg
from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency

from recotrack.api.auth import requires
from recotrack.api.problem_responses import READS
from recotrack.domain.access import Permission, Principal
from recotrack.store import stats as store
from recotrack_sdk.models import Stats

DEFINITIONS = """Figures over the recommendations the caller may see: an agency token its own
issued ones; the secretariat and auditors all of them, drafts included.

- `counts`: recommendations by agency × area × state (the derived state).
- `total`: the sum of `counts`.
- `overdue`, `overdue_by_agency`: recommendations that are issued, not closed, and past a due
  date: no response by `response_due`, or not reported implemented by `implementation_due`
  (worst agency first).
- `decision_shares`: among recommendations with a response, the share (0–1) of each decision.
- `implemented_share`: recommendations closed as `implemented`, as a share (0–1) of the issued
  ones not closed as `superseded` or `withdrawn`; null when there are none.
- `median_days_to_response`: median days from `issued_on` to the agency's first response.
- `median_days_to_implementation`: median days from `issued_on` to a closure as `implemented`
  (verified by the secretariat, not the agency's own report); null when there are none."""


class StatsController(Controller):
    path = "/stats"
    tags = ["secretariat"]  # noqa: RUF012

    @get(
        responses=READS,
        operation_id="get_stats",
        summary="Statistics across agencies",
        description=DEFINITIONS,
        opt=requires(Permission.READ),
    )
    async def get_stats(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        state: State,
    ) -> Stats:
        cache: store.StatsCache = state.stats_cache
        return await cache.stats(conn, scope=principal.scope)
