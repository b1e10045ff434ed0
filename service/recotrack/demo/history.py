"""The demo's story: three years of the expert group's work with ten agencies, as the writes
that made it, each at its own moment.

Pure: `plan` gives every write of the whole history in the order it happened (across all
agencies and recommendations), and nothing here touches the database; `recotrack.demo`
applies them in that order through the store, so the event log runs forward in time.

The story, relative to the day it is loaded (the same shape whenever that is):
- the agencies are followed from about three years and three months ago; each has three
  investments reviewed, the reviews delivered one after another over the three years;
- a review's recommendations are issued in the weeks after its delivery (a few are still
  drafts: the secretariat is preparing them), with a response due in 60 days;
- the agency responds after some weeks (a few never do); it accepts most, accepts some in
  part, considers some for a while, rejects a few;
- what is accepted is worked on: a progress report about every quarter, until it is reported
  implemented around its target date; about a third of the targets slip first, with a reason;
- the secretariat sometimes assesses the progress itself, verifies what is reported
  implemented and closes it; what is rejected, superseded or abandoned it closes too;
- whatever would happen after the moment of loading has not happened yet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from collections.abc import Iterator
from typing import get_args

from recotrack.demo.content import (
    ACTIONS,
    ACTOR,
    AGENCIES,
    ASSESSMENT_NOTES,
    BODY,
    CLOSURE_NOTES,
    IMPLEMENTED,
    INVESTMENTS,
    NOT_IMPLEMENTED,
    NOT_STARTED,
    NOTES,
    PEOPLE,
    RATIONALES,
    SLIP_REASONS,
    TITLES,
)
from recotrack.domain.swedish_time import STOCKHOLM
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

Data = (
    AgencyCreate
    | InvestmentCreate
    | ReviewCreate
    | RecommendationCreate
    | ResponseWrite
    | ProgressReportCreate
    | AssessmentCreate
    | ClosureWrite
)

FOLLOWED_FOR = dt.timedelta(days=1200)
"""How long ago the group began to follow the agencies (about three years and three months)."""
RESPONSE_DUE = 60
"""Days from issue to the response's due date."""
DRAFT_SHARE = 0.06
NEVER_RESPONDS = 0.05
SLIPS = 0.3


@dataclasses.dataclass(frozen=True, slots=True)
class Step:
    """One write of the history."""

    at: dt.datetime
    """When it was made (Swedish time)."""
    key: str
    """What it writes: `investment/SKV-1`, `review/SKV-1`, a recommendation's code."""
    parent: str | None
    """The key of what it is written under, whose id it needs: the investment of a review,
    the review of a recommendation, the recommendation of what follows it up."""
    data: Data
    agency: str | None = None
    """The agency that writes it (its response, its reports); None: the secretariat."""

    @property
    def actor(self) -> str:
        return ACTOR if self.agency is None else f"{ACTOR}:{self.agency}"


def plan(rng: random.Random, now: dt.datetime, *, per_agency: int) -> list[Step]:
    """Every write of the history up to `now`, in the order they were made."""
    today = now.astimezone(STOCKHOLM).date()
    start = today - FOLLOWED_FOR
    steps: list[Step] = []
    slots = _delivery_days(rng, start, today)
    for index, (agency_id, name, org_number, short) in enumerate(AGENCIES):
        steps.append(
            Step(
                _Clock(rng).at(start + dt.timedelta(days=index // 3)),
                agency_id,
                None,
                AgencyCreate(id=agency_id, name=name, org_number=org_number),
            )
        )
        reviews = []
        titles = rng.sample(INVESTMENTS, 3)
        for n, title in enumerate(titles, start=1):
            delivered = slots[(n - 1) * len(AGENCIES) + index]
            started = _working_day(
                max(delivered - dt.timedelta(days=rng.randint(60, 120)), start + _WEEK)
            )
            key = f"{short}-{n}"
            steps.append(
                Step(
                    _Clock(rng).at(started),
                    f"investment/{key}",
                    None,
                    InvestmentCreate(
                        agency_id=agency_id,
                        title=title,
                        description=f"{name}s satsning: {title.lower()}.",
                        external_ref=f"PPM-{started.year}-{n:03d}",
                        budget_sek=rng.randrange(20, 900) * 1_000_000,
                        loan_financed=rng.random() < 0.6,
                        phase=rng.choice(["planning", "procurement", "execution"]),
                    ),
                )
            )
            steps.append(
                Step(
                    _Clock(rng).at(delivered),
                    f"review/{key}",
                    f"investment/{key}",
                    ReviewCreate(
                        investment_id="",  # the investment's id, once it is written
                        title=f"Second opinion: {title}",
                        report_ref=f"EDI-{started.year}-{short}-{n}",
                        diarienummer=f"EDI {started.year}/{rng.randint(100, 999)}",
                        started_on=started,
                        delivered_on=delivered,
                    ),
                )
            )
            reviews.append((f"review/{key}", title, delivered))
        recommendations = [
            _Recommendation.draw(rng, today, reviews=reviews) for _ in range(per_agency)
        ]
        # numbered per agency and year in the order they were written
        recommendations.sort(key=lambda r: r.created)
        numbers: dict[int, int] = {}
        for rec in recommendations:
            numbers[rec.created.year] = numbers.get(rec.created.year, 0) + 1
            code = f"{rec.created.year}-{short}-{numbers[rec.created.year]:03d}"
            steps += rec.life(rng, code, agency=(agency_id, name))
    happened = [step for step in steps if step.at < now]
    return sorted(happened, key=lambda step: step.at)  # stable: a tie keeps the written order


_WEEK = dt.timedelta(days=7)
_ENDINGS: list[ClosureOutcome] = ["implemented", "not_implemented", "superseded", "withdrawn"]


def _delivery_days(rng: random.Random, start: dt.date, today: dt.date) -> list[dt.date]:
    """The reviews' delivery days, one after another over the years followed: the n-th
    review of every agency in the n-th third, so that each year has its share."""
    count = 3 * len(AGENCIES)
    first, last = start + dt.timedelta(days=45), today - dt.timedelta(days=75)
    spacing = (last - first).days / (count - 1)
    days = [first + dt.timedelta(days=round(i * spacing)) for i in range(count)]
    for third in range(3):  # which agency's review comes first varies from third to third
        part = days[third * len(AGENCIES) : (third + 1) * len(AGENCIES)]
        rng.shuffle(part)
        days[third * len(AGENCIES) : (third + 1) * len(AGENCIES)] = part
    return [_working_day(min(d + dt.timedelta(days=rng.randint(-10, 10)), last)) for d in days]


def _working_day(day: dt.date) -> dt.date:
    """The day, or the Monday after it: the group and the agencies work on weekdays."""
    return day + dt.timedelta(days=7 - day.weekday()) if day.weekday() >= 5 else day


class _Clock:
    """The moments of one thing's writes: on working days, in office hours, each after the
    one before (so that its writes keep their order when the whole history is sorted)."""

    __slots__ = ("last", "rng")

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.last: dt.datetime | None = None

    def at(self, day: dt.date) -> dt.datetime:
        day = _working_day(day)
        seconds = self.rng.randint(8 * 3600, 16 * 3600 + 59 * 60)
        moment = dt.datetime.combine(day, dt.time(), STOCKHOLM) + dt.timedelta(
            seconds=seconds, microseconds=self.rng.randint(0, 999_999)
        )
        if self.last is not None and moment <= self.last:
            moment = self.last + dt.timedelta(minutes=self.rng.randint(5, 90))
        self.last = moment
        return moment


def _days(rng: random.Random, median: float, low: int, high: int) -> int:
    """A duration of days, most near `median`, some much longer (as waiting times are)."""
    return max(low, min(high, round(rng.lognormvariate(math.log(median), 0.55))))


@dataclasses.dataclass(slots=True)
class _Recommendation:
    """A recommendation as drawn: what it says and when it was written and issued."""

    review: tuple[str, str, dt.date]
    area: Area
    title: str
    priority: Priority
    created: dt.date
    issued: dt.date | None
    implementation_due: dt.date

    @classmethod
    def draw(
        cls, rng: random.Random, today: dt.date, *, reviews: list[tuple[str, str, dt.date]]
    ) -> _Recommendation:
        area: Area = rng.choice(get_args(Area))
        title = rng.choice(TITLES[area])
        priority: Priority = rng.choice(get_args(Priority))
        if rng.random() < DRAFT_SHARE:  # in preparation, from the latest review
            review = reviews[-1]
            created = _working_day(today - dt.timedelta(days=rng.randint(5, 40)))
            issued = None
            due_from = today + dt.timedelta(days=30)
        else:
            review = rng.choice(reviews)
            # after the review is written (a day later at the earliest), on a working day
            created = _working_day(review[2] + dt.timedelta(days=rng.randint(1, 30)))
            issued = due_from = created
        implementation_due = due_from + dt.timedelta(days=rng.choice([120, 180, 365, 540, 730]))
        return cls(review, area, title, priority, created, issued, implementation_due)

    def life(self, rng: random.Random, code: str, *, agency: tuple[str, str]) -> list[Step]:
        """Its writes, from its creation on: `_Life` tells what follows an issue."""
        agency_id, agency_name = agency
        review_key, investment_title, _ = self.review
        clock = _Clock(rng)
        issued = self.issued
        created = Step(
            clock.at(self.created),
            code,
            review_key,
            RecommendationCreate(
                review_id="",  # the review's id, once it is written
                code=code,
                title=self.title,
                body=BODY.format(
                    agency=agency_name,
                    investment=investment_title,
                    title_lower=self.title.lower(),
                ),
                area=self.area,
                priority=self.priority,
                issued_on=issued,
                response_due=(None if issued is None else issued + dt.timedelta(days=RESPONSE_DUE)),
                implementation_due=self.implementation_due,
                diarienummer=f"EDI {self.created.year}/{rng.randint(1000, 9999)}",
                # three in four issued ones are in the public catalogue (no draw of `rng`: the
                # rest of the data set stays as it was)
                published=issued is not None and int(code.rsplit("-", 1)[-1]) % 4 != 0,
            ),
        )
        if issued is None:
            return [created]
        life = _Life(rng, code, agency_id, issued, self.implementation_due)
        follow_ups = sorted(life.writes(), key=lambda w: w[0])  # stable: same day, same order
        closed = [i for i, (_, data, _) in enumerate(follow_ups) if isinstance(data, ClosureWrite)]
        if closed:  # nothing follows a closure up (a plan to do more is dropped with it)
            del follow_ups[closed[0] + 1 :]
        return [created] + [
            Step(clock.at(day), code, code, data, agency) for day, data, agency in follow_ups
        ]


@dataclasses.dataclass(slots=True)
class _Life:
    """What follows a recommendation's issue, day by day (it may run past today: `plan` keeps
    what has happened)."""

    rng: random.Random
    code: str
    agency_id: str
    issued: dt.date
    implementation_due: dt.date
    reports: int = 0
    rationale: str = ""
    """Why not all of it, the same each time the response is written again."""

    def writes(self) -> Iterator[tuple[dt.date, Data, str | None]]:
        """(day, what is written, the agency that writes it or None: the secretariat)"""
        rng = self.rng
        if rng.random() < NEVER_RESPONDS:
            return
        self.rationale = rng.choice(RATIONALES)
        day = self.issued + dt.timedelta(days=_days(rng, 30, 5, 150))
        decision: Decision = rng.choices(get_args(Decision), weights=[6, 3, 1, 1])[0]
        target = None
        if decision in ("accepted", "partially_accepted"):
            target = self.implementation_due + dt.timedelta(days=rng.randint(-60, 30))
        planned = rng.sample(ACTIONS, rng.randint(1, 3))
        person = rng.choice(PEOPLE)
        yield day, self._response(decision, planned, target, person), self.agency_id
        if decision == "rejected":
            if rng.random() < 0.7:
                outcome: ClosureOutcome = rng.choice(["not_implemented", "withdrawn"])
                yield day + dt.timedelta(days=rng.randint(60, 240)), _closure(outcome), None
            return
        if decision == "under_consideration":
            if rng.random() < 0.15:
                return  # still being considered
            day += dt.timedelta(days=rng.randint(45, 150))
            decision = "accepted" if rng.random() < 2 / 3 else "partially_accepted"
            target = max(
                self.implementation_due + dt.timedelta(days=rng.randint(-30, 60)),
                day + dt.timedelta(days=120),
            )
            yield day, self._response(decision, planned, target, person), self.agency_id
        assert target is not None
        yield from self._implementation(day, target, decision, planned, person)

    def _implementation(
        self,
        began: dt.date,
        target: dt.date,
        decision: Decision,
        planned: list[str],
        person: str,
    ) -> Iterator[tuple[dt.date, Data, str | None]]:
        rng = self.rng
        done = max(target, began + dt.timedelta(days=90))
        if rng.random() < SLIPS:  # the target moves later, with a reason that stays
            slipped_on = began + (done - began) * rng.uniform(0.5, 0.85)
            target += dt.timedelta(days=rng.choice([90, 120, 180]))
            done = max(done, target)
            yield (
                slipped_on,
                self._response(decision, planned, target, person, reason=True),
                self.agency_id,
            )
        done += dt.timedelta(days=rng.randint(-30, 20))
        ending = rng.choices(_ENDINGS, weights=[85, 7, 5, 3])[0]
        stop = done
        if ending in ("superseded", "withdrawn"):
            stop = began + dt.timedelta(days=rng.randint(90, max(91, (done - began).days)))
        day = began + dt.timedelta(days=rng.randint(20, 60))
        status: ProgressStatus = "not_started" if rng.random() < 0.4 else "in_progress"
        assessed = False
        last = day
        while day < stop:
            share = (day - began) / (done - began)
            percent = 0 if status == "not_started" else min(95, max(5, round(share * 20) * 5))
            yield day, self._report(status, percent), self.agency_id
            if status == "in_progress" and not assessed and rng.random() < 0.3:
                assessed = True
                on = day + dt.timedelta(days=rng.randint(7, 30))
                status_seen: ProgressStatus = rng.choice(["in_progress", "partially_implemented"])
                yield on, _assessment(status_seen), None
                last = max(last, on)
            last = max(last, day)
            status = "in_progress"
            day += dt.timedelta(days=rng.randint(75, 120))
        if ending in ("superseded", "withdrawn"):
            closed = max(stop, last + dt.timedelta(days=1))
            yield closed, _closure(ending), None
            return
        final: ProgressStatus = "implemented" if ending == "implemented" else "not_implemented"
        done = max(done, last + dt.timedelta(days=1))
        yield done, self._report(final, 100 if final == "implemented" else None), self.agency_id
        verified = done + dt.timedelta(days=rng.randint(21, 90))
        if final == "implemented" and rng.random() < 0.6:
            seen: ProgressStatus = "implemented" if rng.random() < 0.85 else "partially_implemented"
            yield verified, _assessment(seen), None
            if seen != "implemented":  # the secretariat waits for more before it closes
                verified += dt.timedelta(days=rng.randint(60, 120))
        closed = verified + dt.timedelta(days=rng.randint(7, 60))
        outcome: ClosureOutcome = "implemented" if final == "implemented" else "not_implemented"
        yield closed, _closure(outcome), None

    def _response(
        self,
        decision: Decision,
        planned: list[str],
        target: dt.date | None,
        person: str,
        *,
        reason: bool = False,
    ) -> ResponseWrite:
        return ResponseWrite(
            decision=decision,
            rationale=None if decision == "accepted" else self.rationale,
            planned_actions=planned,
            target_date=target,
            target_date_reason=self.rng.choice(SLIP_REASONS) if reason else None,
            responded_by=person,
        )

    def _report(self, status: ProgressStatus, percent: int | None) -> ProgressReportCreate:
        self.reports += 1
        words = {
            "not_started": NOT_STARTED,
            "implemented": IMPLEMENTED,
            "not_implemented": NOT_IMPLEMENTED,
        }.get(status, NOTES)
        return ProgressReportCreate(
            status=status,
            note=self.rng.choice(words),
            percent_complete=percent,
            evidence=[
                f"https://{self.agency_id}.se/rapporter/{self.code.lower()}-{self.reports}.pdf"
            ],
            reported_on=None,  # the store's today, which is the day of the write
            external_ref=f"{self.code}-{self.reports}",
        )


def _assessment(status: ProgressStatus) -> AssessmentCreate:
    return AssessmentCreate(status=status, note=ASSESSMENT_NOTES[status])


def _closure(outcome: ClosureOutcome) -> ClosureWrite:
    return ClosureWrite(outcome=outcome, note=CLOSURE_NOTES[outcome])
