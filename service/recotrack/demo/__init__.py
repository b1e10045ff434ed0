"""A realistic demo data set: real agencies, their investments, reviews and ~200 recommendations
in every state, written through the store so that the event log tells their whole story.

Deterministic (a fixed seed) and relative to today, so the demo looks alive whenever it is
loaded: some recommendations are overdue, some closed, some still drafts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from typing import get_args

from recotrack.demo.content import (
    ACTIONS,
    ACTOR,
    AGENCIES,
    BODY,
    FATES,
    INVESTMENTS,
    NOTES,
    PEOPLE,
    RATIONALES,
    SEED,
    TITLES,
)
from recotrack.domain.vocabulary import Role
from recotrack.store import (
    agencies,
    assessments,
    closures,
    events,
    investments,
    pool,
    progress,
    recommendation_writes,
    responses,
    reviews,
    stats,
)
from recotrack.store.pool import Connection
from recotrack_sdk.models import (
    AgencyCreate,
    Area,
    AssessmentCreate,
    ClosureOutcome,
    ClosureWrite,
    Decision,
    InvestmentCreate,
    Priority,
    ProgressReportCreate,
    ProgressStatus,
    RecommendationCreate,
    ResponseWrite,
    ReviewCreate,
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
        await _load(conn, per_agency)
    return await _summary(conn, loaded=True)


async def _load(conn: Connection, per_agency: int) -> None:
    rng = random.Random(SEED)  # noqa: S311  # demo data, not secrets
    today = await pool.today(conn)
    for agency_id, name, org_number, short in AGENCIES:
        if not await agencies.agency_exists(conn, agency_id):
            await agencies.create_agency(
                conn, AgencyCreate(id=agency_id, name=name, org_number=org_number), actor=ACTOR
            )
        review_ids = []
        for n, title in enumerate(rng.sample(INVESTMENTS, 3), start=1):
            started = today - dt.timedelta(days=rng.randint(400, 1000))
            investment = await investments.create_investment(
                conn,
                InvestmentCreate(
                    agency_id=agency_id,
                    title=title,
                    description=f"{name}s satsning: {title.lower()}.",
                    external_ref=f"PPM-{started.year}-{n:03d}",
                    budget_sek=rng.randrange(20, 900) * 1_000_000,
                    loan_financed=rng.random() < 0.6,
                    phase=rng.choice(["planning", "procurement", "execution"]),
                ),
                actor=ACTOR,
            )
            review = await reviews.create_review(
                conn,
                ReviewCreate(
                    investment_id=investment.id,
                    title=f"Second opinion: {title}",
                    report_ref=f"EDI-{started.year}-{short}-{n}",
                    diarienummer=f"EDI {started.year}/{rng.randint(100, 999)}",
                    started_on=started,
                    delivered_on=started + dt.timedelta(days=rng.randint(60, 120)),
                ),
                actor=ACTOR,
            )
            review_ids.append((review.id, title, review.delivered_on))
        for n in range(1, per_agency + 1):
            review_id, investment_title, delivered = rng.choice(review_ids)
            assert delivered is not None
            await _recommendation(
                conn,
                rng,
                today,
                agency=(agency_id, name, short),
                number=n,
                review=(review_id, investment_title, delivered),
            )


async def _recommendation(
    conn: Connection,
    rng: random.Random,
    today: dt.date,
    *,
    agency: tuple[str, str, str],
    number: int,
    review: tuple[str, str, dt.date],
) -> None:
    agency_id, agency_name, short = agency
    review_id, investment_title, delivered = review
    fate = rng.choices([f for f, _ in FATES], weights=[w for _, w in FATES])[0]
    area = rng.choice(get_args(Area))
    title = rng.choice(TITLES[area])
    issued = min(delivered + dt.timedelta(days=rng.randint(0, 30)), today - dt.timedelta(days=30))
    overdue = rng.random() < 0.3
    response_due = issued + dt.timedelta(days=60 if overdue or fate != "issued" else 400)
    implementation_due = issued + dt.timedelta(days=rng.choice([180, 365, 540, 900]))
    rec = await recommendation_writes.create_recommendation(
        conn,
        RecommendationCreate(
            review_id=review_id,
            code=f"{issued.year}-{short}-{number:03d}",
            title=title,
            body=BODY.format(
                agency=agency_name, investment=investment_title, title_lower=title.lower()
            ),
            area=area,
            priority=rng.choice(get_args(Priority)),
            issued_on=None if fate == "draft" else issued,
            response_due=response_due,
            implementation_due=implementation_due,
            diarienummer=f"EDI {issued.year}/{rng.randint(1000, 9999)}",
        ),
        role=Role.SECRETARIAT,
        actor=ACTOR,
    )
    if fate in ("draft", "issued"):
        return
    agency_actor = f"system:demo:{agency_id}"
    decision = rng.choices(get_args(Decision), weights=[6, 3, 1, 1])[0]
    target = implementation_due + dt.timedelta(days=rng.randint(-60, 30))
    response, _ = await responses.put_response(
        conn,
        rec.id,
        ResponseWrite(
            decision=decision,
            rationale=rng.choice(RATIONALES) if decision != "accepted" else None,
            planned_actions=rng.sample(ACTIONS, rng.randint(1, 3)),
            target_date=target,
            responded_by=rng.choice(PEOPLE),
        ),
        scope=agency_id,
        role=Role.AGENCY,
        expected_version=None,
        actor=agency_actor,
    )
    if rng.random() < 0.25:  # the target slips, with a reason that stays in the history
        await responses.put_response(
            conn,
            rec.id,
            ResponseWrite(
                decision=decision,
                rationale=response.rationale,
                planned_actions=response.planned_actions,
                target_date=target + dt.timedelta(days=rng.choice([90, 180])),
                target_date_reason="Upphandlingen har överprövats och försenats.",
                responded_by=response.responded_by,
            ),
            scope=agency_id,
            role=Role.AGENCY,
            expected_version=response.version,
            actor=agency_actor,
        )
    if fate == "responded":
        return
    statuses: list[ProgressStatus] = ["not_started", "in_progress"]
    if fate in ("implemented", "closed"):
        statuses.append("implemented")
    span = max((today - issued).days - 1, len(statuses))
    for step, status in enumerate(statuses, start=1):
        await progress.add_progress(
            conn,
            rec.id,
            ProgressReportCreate(
                status=status,
                note=rng.choice(NOTES),
                percent_complete={"not_started": 0, "in_progress": rng.randint(20, 80)}.get(
                    status, 100
                ),
                evidence=[f"https://{agency_id}.se/rapporter/{rec.code.lower()}-{step}.pdf"],
                reported_on=issued + dt.timedelta(days=span * step // len(statuses)),
                external_ref=f"{short}-{rec.code}-{step}",
            ),
            scope=agency_id,
            role=Role.AGENCY,
            actor=agency_actor,
        )
    if rng.random() < 0.5:  # the secretariat's own view, sometimes more sober than the agency's
        await assessments.add_assessment(
            conn,
            rec.id,
            AssessmentCreate(
                status=rng.choice([statuses[-1], "partially_implemented"]),
                note="Kansliets bedömning efter uppföljningsmöte med myndigheten.",
            ),
            role=Role.SECRETARIAT,
            actor=ACTOR,
        )
    if fate == "closed":
        outcome = rng.choices(get_args(ClosureOutcome), weights=[7, 1, 1, 1])[0]
        await closures.put_closure(
            conn,
            rec.id,
            ClosureWrite(outcome=outcome, note="Verifierat av kansliet vid uppföljning."),
            role=Role.SECRETARIAT,
            expected_version=None,
            actor=ACTOR,
        )


async def _summary(conn: Connection, *, loaded: bool) -> DemoSummary:
    return DemoSummary(**dataclasses.asdict(await stats.totals(conn)), loaded=loaded)
