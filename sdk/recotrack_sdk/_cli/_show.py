"""`show CODE`: one recommendation with everything done with it, and its timeline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from recotrack_sdk import Client, NotFoundError
from recotrack_sdk._cli._context import Context
from recotrack_sdk._cli._reading import PAGE_SIZE
from recotrack_sdk._cli._render import (
    TIME_ZONE,
    area_label,
    display,
    fields,
    json_document,
    local_time,
    table,
)
from recotrack_sdk.models import (
    AgencyResponse,
    Assessment,
    Closure,
    HistoryEntry,
    ProgressReport,
    Recommendation,
)

T = TypeVar("T")


class NoSuchRecommendation(Exception):
    """`show CODE` found no recommendation with that code (among those the token may see)."""


def find_by_code(client: Client, code: str) -> Recommendation:
    """The recommendation with this code (or, when none has it exactly, the only one whose code
    it is but for case): the service's own lookup."""
    try:
        return client.get_recommendation_by_code(code).value
    except NotFoundError:
        raise NoSuchRecommendation(code) from None


@dataclass(frozen=True)
class Dossier:
    """A recommendation with what the agency and the secretariat did with it."""

    recommendation: Recommendation
    response: AgencyResponse | None
    latest_progress: ProgressReport | None
    latest_assessment: Assessment | None
    closure: Closure | None
    history: list[HistoryEntry]


def _or_none(read: Callable[[], T]) -> T | None:
    try:
        return read()
    except NotFoundError:
        return None


def _latest(items: Sequence[T]) -> T | None:
    """The latest as the API counts it (the state, the export): the last written, which is
    the last of its list, whatever date it names."""
    return items[-1] if items else None


def dossier(client: Client, code: str) -> Dossier:
    rec = find_by_code(client, code)
    response = (
        _or_none(lambda: client.get_response(rec.id).value) if rec.decision is not None else None
    )
    progress = (
        list(client.iter_progress(rec.id, page_size=PAGE_SIZE))
        if rec.reported_status is not None
        else []
    )
    assessments = (
        list(client.iter_assessments(rec.id, page_size=PAGE_SIZE))
        if rec.assessed_status is not None
        else []
    )
    closure = _or_none(lambda: client.get_closure(rec.id).value) if rec.state == "closed" else None
    history = list(client.iter_history(rec.id, page_size=PAGE_SIZE))
    return Dossier(
        rec,
        response,
        _latest(progress),
        _latest(assessments),
        closure,
        history,
    )


def actor(entry: HistoryEntry) -> str:
    who = entry.actor_label or entry.actor
    return f"{who} ({entry.actor_role})" if entry.actor_role else who


def _text(value: object) -> str:
    return "" if value is None else str(value)


def summary(entry: HistoryEntry) -> str:
    """What the event did, in a few words, from the snapshot it recorded."""
    d = entry.data
    if entry.entity == "recommendation":
        if entry.action == "created":
            issued = d.get("issued_on")
            return f"issued {issued}" if issued else "draft"
        if entry.action == "issued":
            return f"issued {_text(d.get('issued_on'))}"
        return ""
    if entry.entity == "response":
        parts = [_text(d.get("decision"))]
        if d.get("target_date"):
            parts.append(f"target {d['target_date']}")
        changes = d.get("target_date_history") or []
        if entry.action == "updated" and changes and isinstance(changes[-1], dict):
            reason = changes[-1].get("reason")
            if reason:
                parts.append(f"moved: {reason}")
        return ", ".join(p for p in parts if p)
    if entry.entity in ("progress_report", "assessment"):
        status = _text(d.get("status"))
        if d.get("percent_complete") is not None:
            status += f" {d['percent_complete']} %"
        note = _text(d.get("note"))
        return f"{status}: {note}" if note else status
    if entry.entity == "closure" and entry.action != "reopened":
        outcome, note = _text(d.get("outcome")), _text(d.get("note"))
        return f"{outcome}: {note}" if note else outcome
    return ""


HISTORY_CSV_FIELDS = (
    "code",
    "seq",
    "occurred_at",
    "entity",
    "action",
    "version",
    "actor",
    "actor_role",
    "actor_label",
    "summary",
    "data",
)


def run_show(ctx: Context, code: str) -> None:
    d = dossier(ctx.client, code)
    rec = d.recommendation
    if ctx.format == "json":
        ctx.out.write(
            json_document(
                {
                    "recommendation": d.recommendation,
                    "response": d.response,
                    "latest_progress": d.latest_progress,
                    "latest_assessment": d.latest_assessment,
                    "closure": d.closure,
                    "history": d.history,
                }
            )
        )
        return
    if ctx.format == "csv":
        writer = ctx.csv(HISTORY_CSV_FIELDS)
        for e in d.history:
            writer.row(
                [
                    rec.code,
                    e.seq,
                    e.occurred_at,
                    e.entity,
                    e.action,
                    e.version,
                    e.actor,
                    e.actor_role,
                    e.actor_label,
                    summary(e),
                    e.data,
                ]
            )
        return
    _show_table(ctx, d)


def _show_table(ctx: Context, d: Dossier) -> None:
    rec = d.recommendation
    ctx.write([f"{rec.code}  {rec.title}", ""])
    ctx.write(
        fields(
            [
                ("agency", rec.agency_id),
                ("area", area_label(rec.area)),
                ("priority", rec.priority),
                ("state", rec.state + ("  OVERDUE" if rec.overdue else "")),
                ("issued on", rec.issued_on),
                ("response due", rec.response_due),
                ("implementation due", rec.implementation_due),
                ("diarienummer", rec.diarienummer),
                ("version", rec.version),
                ("id", rec.id),
            ]
        )
    )
    if rec.body:
        ctx.write(["", *ctx.paragraphs(rec.body, indent="    ")])
    if d.response is not None:
        r = d.response
        earlier = [
            f"{display(c.previous) or '–'} → {display(c.target_date) or '–'} "
            f"({display(c.changed_at)}{': ' + c.reason if c.reason else ''})"
            for c in r.target_date_history
            if c.previous is not None  # the first target date is not a move
        ]
        ctx.write(["", "Response", ""])
        ctx.write(
            fields(
                [
                    ("decision", r.decision),
                    ("responded by", r.responded_by),
                    ("target date", r.target_date),
                    ("target moved", "\n".join(earlier)),
                    ("rationale", r.rationale or ""),
                    ("planned actions", "\n".join(f"- {a}" for a in r.planned_actions)),
                    ("updated", r.updated_at),
                ]
            )
        )
    else:
        ctx.write(["", "Response: none yet"])
    if d.latest_progress is not None:
        p = d.latest_progress
        done = f" ({p.percent_complete} %)" if p.percent_complete is not None else ""
        ctx.write(["", "Latest progress", ""])
        ctx.write(
            fields(
                [
                    ("status", p.status + done),
                    ("reported on", p.reported_on),
                    ("note", p.note),
                    ("evidence", "\n".join(p.evidence)),
                ]
            )
        )
    if d.latest_assessment is not None:
        a = d.latest_assessment
        ctx.write(["", "Secretariat's assessment", ""])
        ctx.write(fields([("status", a.status), ("assessed on", a.assessed_on), ("note", a.note)]))
    if d.closure is not None:
        c = d.closure
        ctx.write(["", "Closure", ""])
        ctx.write(fields([("outcome", c.outcome), ("closed at", c.closed_at), ("note", c.note)]))
    ctx.write(["", "Timeline", ""])
    rows = [
        [local_time(e.occurred_at), f"{e.entity} {e.action}", actor(e), summary(e)]
        for e in d.history
    ]
    ctx.write(table([f"when ({TIME_ZONE})", "what", "who", "details"], rows, fit=ctx.fit))
