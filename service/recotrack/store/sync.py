"""Batch sync of progress reports from an agency's tool, keyed by the tool's own ids.

One transaction for the batch, a handful of statements whatever its size: the recommendations
are locked once, the reports inserted with one statement, the events with another. Each item
gets its own outcome; a rejected item does not stop the others.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import msgspec

from recotrack.domain.errors import DomainError, TransitionNotAllowed
from recotrack.domain.rules import Action, check_not_in_future, check_transition
from recotrack.domain.vocabulary import Role, State
from recotrack.store import events
from recotrack.store.pool import Connection
from recotrack.store.rows import maybe_id, to_struct
from recotrack_sdk.models import ProgressReport, SyncProgressItem

_COLUMNS = (
    "id::text, recommendation_id::text, status, note, percent_complete, evidence, reported_on,"
    " external_ref, created_at"
)


@dataclass(frozen=True, slots=True)
class Applied:
    report_id: str
    created: bool


@dataclass(frozen=True, slots=True)
class Refused:
    slug: str
    status: int
    detail: str
    pointer: str | None = None


Outcome = Applied | Refused


async def sync_progress(
    conn: Connection,
    items: list[SyncProgressItem],
    *,
    agency_id: str,
    actor: str,
) -> list[Outcome]:
    """Apply the items that are new; report, in input order, what became of each."""
    async with conn.transaction():
        ids = sorted({i for item in items if (i := maybe_id(item.recommendation_id))})
        # the agency's own issued recommendations, locked in one order to rule out deadlocks
        visible = {
            row["id"]
            for row in await conn.fetch(
                """
                select id from recommendation
                where id = any($1) and agency_id = $2 and issued_on is not null
                order by id for update
                """,
                ids,
                agency_id,
            )
        }
        states: dict[uuid.UUID, State] = {
            row["id"]: State(row["state"])
            for row in await conn.fetch(
                "select id, state from recommendation_view where id = any($1)", list(visible)
            )
        }
        today: dt.date = await conn.fetchval("select current_date")
        known = {
            row["external_ref"]: (row["id"], row["recommendation_id"])
            for row in await conn.fetch(
                """
                select external_ref, id::text, recommendation_id from progress_report
                where agency_id = $1 and external_ref = any($2)
                """,
                agency_id,
                [item.external_ref for item in items],
            )
        }

        outcomes: list[Outcome | int] = []  # an int: the position among the reports to insert
        fresh: list[tuple[uuid.UUID, SyncProgressItem, dt.date]] = []
        in_batch: dict[str, tuple[int, uuid.UUID]] = {}
        for item in items:
            rec_id = maybe_id(item.recommendation_id)
            if rec_id is None or rec_id not in visible:
                outcomes.append(
                    Refused("not-found", 404, "no such recommendation", "/recommendation_id")
                )
                continue
            if item.external_ref in known:
                report_id, for_rec = known[item.external_ref]
                outcomes.append(
                    Applied(report_id, created=False)
                    if for_rec == rec_id
                    else Refused(
                        "conflict",
                        409,
                        "this external_ref was used for a report on another recommendation",
                        "/external_ref",
                    )
                )
                continue
            if item.external_ref in in_batch:
                position, for_rec = in_batch[item.external_ref]
                outcomes.append(
                    -1 - position
                    if for_rec == rec_id
                    else Refused(
                        "conflict",
                        409,
                        "this external_ref is used twice in the batch for different "
                        "recommendations",
                        "/external_ref",
                    )
                )
                continue
            reported_on = item.reported_on or today
            try:
                check_transition(Action.REPORT_PROGRESS, states[rec_id], Role.AGENCY)
                check_not_in_future("reported_on", reported_on, today)
            except DomainError as exc:
                outcomes.append(_refusal(exc))
                continue
            in_batch[item.external_ref] = (len(fresh), rec_id)
            outcomes.append(len(fresh))
            fresh.append((rec_id, item, reported_on))

        created = await _insert(conn, fresh, agency_id=agency_id, actor=actor)
    return [_resolve(outcome, created) for outcome in outcomes]


def _resolve(outcome: Outcome | int, created: list[ProgressReport]) -> Outcome:
    if isinstance(outcome, int):
        # a non-negative position: created here; negative: a repeat of one created here
        return (
            Applied(created[outcome].id, created=True)
            if outcome >= 0
            else Applied(created[-1 - outcome].id, created=False)
        )
    return outcome


def _refusal(exc: DomainError) -> Refused:
    if isinstance(exc, TransitionNotAllowed):
        return Refused("transition-not-allowed", 409, exc.detail)
    return Refused("rule-violation", 422, exc.detail, exc.pointer)


async def _insert(
    conn: Connection,
    fresh: list[tuple[uuid.UUID, SyncProgressItem, dt.date]],
    *,
    agency_id: str,
    actor: str,
) -> list[ProgressReport]:
    if not fresh:
        return []
    rows = await conn.fetch(
        f"""
        insert into progress_report (recommendation_id, agency_id, status, note,
            percent_complete, evidence, reported_on, external_ref)
        select r.recommendation_id, $1, r.status, r.note, r.percent_complete,
            array(select jsonb_array_elements_text(r.evidence::jsonb)), r.reported_on,
            r.external_ref
        from unnest($2::uuid[], $3::text[], $4::text[], $5::integer[], $6::text[], $7::date[],
            $8::text[]) with ordinality
            as r (recommendation_id, status, note, percent_complete, evidence, reported_on,
                external_ref, n)
        order by r.n
        returning {_COLUMNS}
        """,
        agency_id,
        [rec_id for rec_id, _, _ in fresh],
        [item.status for _, item, _ in fresh],
        [item.note for _, item, _ in fresh],
        [item.percent_complete for _, item, _ in fresh],
        # each report's list of links as JSON text: an array of arrays must be rectangular
        [msgspec.json.encode(item.evidence).decode() for _, item, _ in fresh],
        [reported_on for _, _, reported_on in fresh],
        [item.external_ref for _, item, _ in fresh],
    )
    by_ref = {row["external_ref"]: to_struct(row, ProgressReport) for row in rows}
    reports = [by_ref[item.external_ref] for _, item, _ in fresh]
    await conn.execute(
        "update recommendation set version = version + 1, updated_at = now() where id = any($1)",
        sorted({rec_id for rec_id, _, _ in fresh}),
    )
    await events.record_many(
        conn,
        actor=actor,
        agency_id=agency_id,
        entity="progress_report",
        action="created",
        rows=[(r.id, None, r, r.recommendation_id) for r in reports],
    )
    return reports
