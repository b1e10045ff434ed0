"""Progress reports: the agency's account of how implementation goes. Append-only."""

from __future__ import annotations

from recotrack.domain.rules import Action, check_not_in_future, check_transition
from recotrack.domain.vocabulary import Role
from recotrack.store.appended import Appended
from recotrack.store.errors import Conflict
from recotrack.store.pool import Connection
from recotrack.store.rows import to_struct, unique_violation
from recotrack.store.writes import write
from recotrack_sdk.models import ProgressReport, ProgressReportCreate

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
                if existing["recommendation_id"] != str(locked.id):
                    raise Conflict(
                        "this external_ref was used for a report on another recommendation",
                        pointer="/external_ref",
                    )
                return to_struct(existing, ProgressReport), False
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
