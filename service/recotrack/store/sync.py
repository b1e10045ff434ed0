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

from recotrack.domain.errors import DomainError
from recotrack.domain.rules import Action, check_not_in_future, check_transition
from recotrack.domain.vocabulary import Role, State
from recotrack.store.errors import Conflict, NotFound, StoreError
from recotrack.store.pool import Connection
from recotrack.store.rows import maybe_id, must
from recotrack.store.writes import Write, write
from recotrack_sdk.models import ProgressReport, SyncProgressItem


@dataclass(frozen=True, slots=True)
class Applied:
    report_id: str
    created: bool


@dataclass(frozen=True, slots=True)
class Refused:
    """Why an item was not applied (the API answers `error` as it would for one request), and
    the field of the item at fault."""

    error: DomainError | StoreError
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
    async with write(conn, "progress_report", actor=actor, agency_id=agency_id) as w:
        # each distinct id parsed once: a batch names a few hundred recommendations
        parsed = {text: maybe_id(text) for text in {item.recommendation_id for item in items}}
        ids = sorted({i for i in parsed.values() if i is not None})
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
        clock = must(await conn.fetchrow("select now() as now, current_date as today"))
        today: dt.date = clock["today"]
        # The refs through a subquery: as a plain parameter, the planner would estimate the
        # selectivity of each of 10,000 values (custom plans), which costs more than the lookup.
        known = {
            row["external_ref"]: (row["id"], row["recommendation_id"])
            for row in await conn.fetch(
                """
                select external_ref, id::text, recommendation_id from progress_report
                where agency_id = $1 and external_ref = any(array(select unnest($2::text[])))
                """,
                agency_id,
                [item.external_ref for item in items],
            )
        }

        outcomes: list[Outcome | int] = []  # an int: the position among the reports to insert
        fresh: list[tuple[uuid.UUID, SyncProgressItem, dt.date]] = []
        in_batch: dict[str, tuple[int, uuid.UUID]] = {}
        for item in items:
            rec_id = parsed[item.recommendation_id]
            if rec_id is None or rec_id not in visible:
                outcomes.append(Refused(NotFound("no such recommendation"), "/recommendation_id"))
                continue
            if item.external_ref in known:
                report_id, for_rec = known[item.external_ref]
                outcomes.append(
                    Applied(report_id, created=False)
                    if for_rec == rec_id
                    else Refused(
                        Conflict(
                            "this external_ref was used for a report on another recommendation"
                        ),
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
                        Conflict(
                            "this external_ref is used twice in the batch for different "
                            "recommendations"
                        ),
                        "/external_ref",
                    )
                )
                continue
            reported_on = item.reported_on or today
            try:
                check_transition(Action.REPORT_PROGRESS, states[rec_id], Role.AGENCY)
                check_not_in_future("reported_on", reported_on, today)
            except DomainError as exc:
                outcomes.append(Refused(exc, exc.pointer))
                continue
            in_batch[item.external_ref] = (len(fresh), rec_id)
            outcomes.append(len(fresh))
            fresh.append((rec_id, item, reported_on))

        created = await _insert(w, fresh, now=clock["now"])
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


async def _insert(
    w: Write, fresh: list[tuple[uuid.UUID, SyncProgressItem, dt.date]], *, now: dt.datetime
) -> list[ProgressReport]:
    if not fresh:
        return []
    # Built here rather than read back: the ids are new v4 UUIDs (as the column's default
    # makes), and `created_at` is the transaction's time, as the default stores it.
    reports = [
        ProgressReport(
            id=str(uuid.uuid4()),
            recommendation_id=str(rec_id),
            status=item.status,
            note=item.note,
            percent_complete=item.percent_complete,
            evidence=item.evidence,
            reported_on=reported_on,
            external_ref=item.external_ref,
            created_at=now,
        )
        for rec_id, item, reported_on in fresh
    ]
    await w.conn.execute(
        """
        insert into progress_report (id, recommendation_id, agency_id, status, note,
            percent_complete, evidence, reported_on, external_ref, created_at)
        select r.id, r.recommendation_id, $1, r.status, r.note, r.percent_complete,
            case when r.evidence = '[]' then '{}'
                else array(select jsonb_array_elements_text(r.evidence::jsonb)) end,
            r.reported_on, r.external_ref, $10
        from unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::integer[], $7::text[],
            $8::date[], $9::text[]) with ordinality
            as r (id, recommendation_id, status, note, percent_complete, evidence, reported_on,
                external_ref, n)
        order by r.n
        """,
        w.agency_id,
        [r.id for r in reports],
        [rec_id for rec_id, _, _ in fresh],
        [r.status for r in reports],
        [r.note for r in reports],
        [r.percent_complete for r in reports],
        # each report's list of links as JSON text: an array of arrays must be rectangular
        [msgspec.json.encode(r.evidence).decode() for r in reports],
        [r.reported_on for r in reports],
        [r.external_ref for r in reports],
        now,
    )
    await w.record_all("created", reports)
    return reports
