"""Batch sync of progress reports from an agency's tool, keyed by the tool's own ids.

One transaction for the batch, a handful of statements whatever its size: the recommendations
are locked once, the reports inserted with one statement, the events with another. Each item
gets its own outcome; a rejected item does not stop the others. An item whose external_ref
names a report already stored (or earlier in the batch) is that report sent again when it
says the same, and a conflict when it says otherwise (`progress.ReportDiffers`): never a
change, never dropped without a word. The reports are written in input order, the order they
are listed and counted in (`appended`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import msgspec

from recotrack.domain.errors import DomainError
from recotrack.domain.rules import Action, check_not_in_future, check_transition
from recotrack.domain.vocabulary import Role, State
from recotrack.store.errors import NotFound, StoreError
from recotrack.store.pool import Connection
from recotrack.store.progress import ReportDiffers, content, differences
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


@dataclass(frozen=True, slots=True)
class Differs:
    """Sent again with other content: the stored report (`report_id`) stays as it is, and
    `error` says how they differ."""

    report_id: str
    error: ReportDiffers


Outcome = Applied | Differs | Refused


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
        clock = must(await conn.fetchrow("select write_time() as now, write_time()::date as today"))
        today: dt.date = clock["today"]
        # The refs through a subquery: as a plain parameter, the planner would estimate the
        # selectivity of each of 10,000 values (custom plans), which costs more than the lookup.
        known: dict[str, tuple[str, dict[str, object]]] = {
            row["external_ref"]: (
                row["id"],
                {
                    **dict(row),
                    "recommendation_id": str(row["recommendation_id"]),
                    "evidence": list(row["evidence"]),
                },
            )
            for row in await conn.fetch(
                """
                select external_ref, id::text, recommendation_id, status, note, percent_complete,
                    evidence, reported_on
                from progress_report
                where agency_id = $1 and external_ref = any(array(select unnest($2::text[])))
                """,
                agency_id,
                [item.external_ref for item in items],
            )
        }

        # an int: the position among the reports to insert; a tuple: a repeat of the one there
        outcomes: list[Outcome | int | tuple[int, ReportDiffers | None]] = []
        fresh: list[tuple[uuid.UUID, SyncProgressItem, dt.date]] = []
        in_batch: dict[str, int] = {}
        for item in items:
            rec_id = parsed[item.recommendation_id]
            if rec_id is None or rec_id not in visible:
                outcomes.append(Refused(NotFound("no such recommendation"), "/recommendation_id"))
                continue
            sent = content(item, recommendation_id=str(rec_id), reported_on=item.reported_on)
            if item.external_ref in known:
                report_id, stored = known[item.external_ref]
                differ = differences(stored, sent)
                outcomes.append(
                    Differs(report_id, ReportDiffers(item.external_ref, differ))
                    if differ
                    else Applied(report_id, created=False)
                )
                continue
            if item.external_ref in in_batch:
                position = in_batch[item.external_ref]
                first_rec, first, first_on = fresh[position]
                differ = differences(
                    content(first, recommendation_id=str(first_rec), reported_on=first_on), sent
                )
                outcomes.append(
                    (position, ReportDiffers(item.external_ref, differ) if differ else None)
                )
                continue
            reported_on = item.reported_on or today
            try:
                check_transition(Action.REPORT_PROGRESS, states[rec_id], Role.AGENCY)
                check_not_in_future("reported_on", reported_on, today)
            except DomainError as exc:
                outcomes.append(Refused(exc, exc.pointer))
                continue
            in_batch[item.external_ref] = len(fresh)
            outcomes.append(len(fresh))
            fresh.append((rec_id, item, reported_on))

        created = await _insert(w, fresh, now=clock["now"])
    return [_resolve(outcome, created) for outcome in outcomes]


def _resolve(
    outcome: Outcome | int | tuple[int, ReportDiffers | None], created: list[ProgressReport]
) -> Outcome:
    match outcome:
        case int(position):
            return Applied(created[position].id, created=True)
        case (int(position), None):
            return Applied(created[position].id, created=False)
        case (int(position), ReportDiffers() as differ):
            return Differs(created[position].id, differ)
        case Applied() | Differs() | Refused():
            return outcome
    raise AssertionError(outcome)


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
