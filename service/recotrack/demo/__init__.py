"""A realistic demo data set: real agencies, their investments, reviews and ~200 recommendations
in every state, as three years of history written through the store, so that the event log
tells their whole story and each write is an event at the moment it was made.

Deterministic (a fixed seed) and relative to the day it is loaded (`history`), so the demo
looks alive whenever it is loaded: closures in every quarter of three years, some
recommendations overdue, some still drafts.

The writes are made in the order they happened, across the whole history, each at its moment
(`store.demo.set_write_time`): along the demo's events the chain runs forward in time. Loaded
into a log that holds events already (a token made first, an agency of one's own, which the
demo then follows as it is), its events come after those in the chain though they are dated
before them: the chain's order is the order of writing, which a history written after the
fact cannot change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import msgspec

from recotrack.demo.content import (
    ACTOR,
    CLOSURE_NOTES,
    GOOD_EXAMPLES,
    SECRECY_GROUND,
    SECRET_RECOMMENDATIONS,
    SEED,
)
from recotrack.demo.history import Step, plan
from recotrack.domain.vocabulary import Role
from recotrack.store import (
    agencies,
    assessments,
    closures,
    demo,
    events,
    good_examples,
    investments,
    links,
    progress,
    recommendation_writes,
    responses,
    reviews,
    secrecy,
    stats,
)
from recotrack.store.pool import Connection
from recotrack_sdk.models import (
    AgencyCreate,
    AssessmentCreate,
    ClosureWrite,
    GoodExampleCreate,
    InvestmentCreate,
    LinkCreate,
    ProgressReportCreate,
    RecommendationCreate,
    ResponseWrite,
    ReviewCreate,
    SecrecyMarkWrite,
    SecrecyWrite,
)


@dataclasses.dataclass(frozen=True, slots=True)
class DemoSummary(stats.Totals):
    """What the database holds after loading."""

    loaded: bool
    """False when the demo data was there already (loading twice changes nothing)."""


async def load_demo(conn: Connection, *, per_agency: int = 20) -> DemoSummary:
    """Load the demo data set unless it is there; return what the database then holds.

    All of it or nothing: one transaction, so an interrupted load leaves no half data set."""
    async with conn.transaction():
        if await events.recorded_by(conn, ACTOR):
            return await _summary(conn, loaded=False)
        steps = plan(random.Random(SEED), await demo.now(conn), per_agency=per_agency)  # noqa: S311  # demo data, not secrets
        writer = _Writer(conn)
        try:
            for step in steps:  # in the order they happened, across the whole history
                await demo.set_write_time(conn, step.at)
                await writer.write(step)
        finally:
            await demo.set_write_time(conn, None)
        # today, after the whole history, each write at a moment of its own
        now = await demo.now(conn)
        await writer.learning(after=steps[-1].at if steps else now, before=now)
    return await _summary(conn, loaded=True)


class _Writer:
    """Applies steps through the store functions the API uses, remembering the ids that
    later steps name by key."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.ids: dict[str, str] = {}
        self.response_versions: dict[str, int] = {}
        self.implemented: list[str] = []
        """Recommendations closed as implemented, published, in the order they were."""
        self.planned: list[str] = []
        """Published recommendations whose response plans actions."""
        self.published: set[str] = set()
        self.written: dict[str, list[str]] = {}
        """Each agency's recommendations, in the order they were written."""

    async def write(self, step: Step) -> None:
        conn, data, actor, scope = self.conn, step.data, step.actor, step.agency
        parent = "" if step.parent is None else self.ids[step.parent]
        match data:
            case AgencyCreate():
                # an agency the database holds already is followed as it is
                if not await agencies.agency_exists(conn, data.id):
                    await agencies.create_agency(conn, data, actor=actor)
            case InvestmentCreate():
                investment = await investments.create_investment(conn, data, actor=actor)
                self.ids[step.key] = investment.id
            case ReviewCreate():
                review = await reviews.create_review(
                    conn, msgspec.structs.replace(data, investment_id=parent), actor=actor
                )
                self.ids[step.key] = review.id
            case RecommendationCreate():
                rec = await recommendation_writes.create_recommendation(
                    conn,
                    msgspec.structs.replace(data, review_id=parent),
                    role=Role.SECRETARIAT,
                    actor=actor,
                )
                self.ids[step.key] = rec.id
                self.written.setdefault(rec.agency_id, []).append(rec.id)
                if rec.published:
                    self.published.add(rec.id)
            case ResponseWrite():
                response, _ = await responses.put_response(
                    conn,
                    parent,
                    data,
                    scope=scope,
                    role=Role.AGENCY,
                    expected_version=self.response_versions.get(step.key),
                    actor=actor,
                )
                self.response_versions[step.key] = response.version
                if parent in self.published and data.planned_actions and parent not in self.planned:
                    self.planned.append(parent)
            case ProgressReportCreate():
                await progress.add_progress(
                    conn, parent, data, scope=scope, role=Role.AGENCY, actor=actor
                )
            case AssessmentCreate():
                await assessments.add_assessment(
                    conn, parent, data, role=Role.SECRETARIAT, actor=actor
                )
            case ClosureWrite():
                if data.outcome == "superseded":
                    data = await self._successor(parent, step)
                await closures.put_closure(
                    conn,
                    parent,
                    data,
                    role=Role.SECRETARIAT,
                    expected_version=None,
                    actor=actor,
                )
                if data.outcome == "implemented" and parent in self.published:
                    self.implemented.append(parent)

    async def _successor(self, superseded: str, step: Step) -> ClosureWrite:
        """Before a closure as superseded, its successor's link, at a moment of its own: the
        next recommendation its agency wrote (always a later one, so the links of the demo
        make no cycle). Without one, the recommendation is withdrawn instead."""
        agency = next(a for a, ids in self.written.items() if superseded in ids)
        mine = self.written[agency]
        later = mine[mine.index(superseded) + 1 :]
        if not later:
            return ClosureWrite(outcome="withdrawn", note=CLOSURE_NOTES["withdrawn"])
        link = LinkCreate(kind="supersedes", target_id=superseded)
        await links.create_link(self.conn, later[0], link, actor=step.actor)
        await demo.set_write_time(self.conn, step.at + dt.timedelta(microseconds=1))
        return ClosureWrite(outcome="superseded", note=CLOSURE_NOTES["superseded"])

    async def learning(self, *, after: dt.datetime, before: dt.datetime) -> None:
        """What the secretariat does for the public and for learning between agencies: a few
        good examples of what was implemented, and secrecy on a few plans of action; each
        written at a moment of its own between `after` and `before`."""
        examples = list(zip(self.implemented, GOOD_EXAMPLES, strict=False))
        marked = self.planned[:SECRET_RECOMMENDATIONS]
        count = len(examples) + len(marked)
        moments = iter(after + (before - after) * (n + 1) / (count + 1) for n in range(count))
        for rec_id, (title, summary, named) in examples:
            await demo.set_write_time(self.conn, next(moments))
            await good_examples.create_good_example(
                self.conn,
                GoodExampleCreate(
                    recommendation_id=rec_id, title=title, summary=summary, agency_named=named
                ),
                actor=ACTOR,
            )
        for rec_id in marked:
            await demo.set_write_time(self.conn, next(moments))
            mark = SecrecyMarkWrite(field="response.planned_actions", ground=SECRECY_GROUND)
            await secrecy.put_secrecy(
                self.conn, rec_id, SecrecyWrite(fields=[mark]), expected_version=None, actor=ACTOR
            )
        await demo.set_write_time(self.conn, None)


async def _summary(conn: Connection, *, loaded: bool) -> DemoSummary:
    return DemoSummary(**dataclasses.asdict(await stats.totals(conn)), loaded=loaded)
