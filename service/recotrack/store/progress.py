"""Progress reports: the agency's account of how implementation goes. Append-only.

A report's `external_ref` (the id in the agency's own tool) makes sending it again harmless:
the same report sent again changes nothing. The same ref with other content is not taken as
a change: a report is never changed (what an agency told the secretariat stays on record), and
dropping the new content silently would lose it. It is a conflict naming the fields that
differ; a correction is a new report with a new external_ref, which the history keeps beside
the first and which, written last, is the latest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from recotrack.domain.rules import Action, check_not_in_future, check_transition
from recotrack.domain.vocabulary import Role
from recotrack.store.appended import Appended
from recotrack.store.errors import Conflict
from recotrack.store.pool import Connection
from recotrack.store.rows import to_struct, unique_violation
from recotrack.store.writes import write
from recotrack_sdk.models import ProgressReport, ProgressReportCreate, SyncProgressItem

_COLUMNS = (
    "id::text, recommendation_id::text, status, note, percent_complete, evidence, reported_on,"
    " external_ref, created_at"
)
_UNIQUE = {
    "progress_report_agency_id_external_ref_key": (
        "/external_ref",
        "this external_ref was used for another report at the same moment",
    )
}


_CONTENT = ("recommendation_id", "status", "note", "percent_complete", "evidence", "reported_on")
"""What makes a report the one it is (besides its ids and its time)."""


class ReportDiffers(Conflict):
    """A report sent again under its `external_ref`, with other content than the one stored:
    `fields`, each differing field with its stored and its sent value."""

    def __init__(self, external_ref: str, fields: list[tuple[str, object, object]]) -> None:
        names = ", ".join(name for name, _, _ in fields)
        super().__init__(
            f"external_ref {external_ref!r} names a report stored before with another {names}:"
            " a report is never changed. To correct it, send a new report with a new"
            " external_ref (its note can say which report it corrects); both stay in the"
            " history, and the new one, written last, is the latest.",
            pointer="/external_ref",
        )
        self.fields = fields


def content(
    report: ProgressReport | ProgressReportCreate | SyncProgressItem,
    *,
    recommendation_id: str,
    reported_on: dt.date | None,
) -> dict[str, object]:
    """What a report says, to compare with another; `reported_on` None: not said (the day it
    is received is taken, so a report sent again on a later day without one is the same)."""
    said = {
        "recommendation_id": recommendation_id,
        "status": report.status,
        "note": report.note,
        "percent_complete": report.percent_complete,
        "evidence": list(report.evidence),
        "reported_on": reported_on,
    }
    return {
        name: said[name] for name in _CONTENT if said[name] is not None or name != "reported_on"
    }


def differences(
    stored: Mapping[str, object], sent: Mapping[str, object]
) -> list[tuple[str, object, object]]:
    """Each field `sent` says otherwise than `stored`, with both values, in a fixed order."""
    return [
        (name, stored[name], sent[name])
        for name in _CONTENT
        if name in sent and stored[name] != sent[name]
    ]


_PROGRESS_REPORT = Appended(
    "progress_report", _COLUMNS, ProgressReport, "progress report", "progress"
)
list_progress = _PROGRESS_REPORT.page
get_progress = _PROGRESS_REPORT.one


async def add_progress(
    conn: Connection,
    recommendation_id: str,
    data: ProgressReportCreate,
    *,
    scope: str | None,
    role: Role,
    actor: str,
) -> tuple[ProgressReport, bool]:
    """Append a report; True if it is new, False if its `external_ref` was applied before."""
    async with write(conn, "progress_report", actor=actor) as w:
        locked = await w.lock_recommendation(recommendation_id, scope=scope)
        if data.external_ref is not None:
            existing = await conn.fetchrow(
                f"""
                select {_COLUMNS} from progress_report
                where agency_id = $1 and external_ref = $2
                """,
                locked.agency_id,
                data.external_ref,
            )
            if existing is not None:
                report = to_struct(existing, ProgressReport)
                differ = differences(
                    content(
                        report,
                        recommendation_id=report.recommendation_id,
                        reported_on=report.reported_on,
                    ),
                    content(data, recommendation_id=str(locked.id), reported_on=data.reported_on),
                )
                if differ:
                    raise ReportDiffers(data.external_ref, differ)
                return report, False
        check_transition(Action.REPORT_PROGRESS, locked.state, role)
        reported_on = data.reported_on or locked.today
        check_not_in_future("reported_on", reported_on, locked.today)
        with unique_violation(_UNIQUE):
            row = await conn.fetchrow(
                f"""
                insert into progress_report (recommendation_id, agency_id, status, note,
                percent_complete, evidence, reported_on, external_ref)
                values ($1, $2, $3, $4, $5, $6, $7, $8)
                returning {_COLUMNS}
                """,
                locked.id,
                locked.agency_id,
                data.status,
                data.note,
                data.percent_complete,
                data.evidence,
                reported_on,
                data.external_ref,
            )
        return await w.record("created", to_struct(row, ProgressReport)), True
