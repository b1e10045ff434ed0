"""A release of public records: the recommendations asked for, with what secrecy covers left out.

`redact` is the one place where secrecy is applied: every marked field's value is replaced by
`secrecy.notice` naming its ground (a list, such as planned actions, by one notice), and the
fields left out are listed with their grounds, as a release must state them. Everything else
is as stored. The documents (JSON, CSV for Swedish Excel, PDF typeset by Typst in-process)
are made from the redacted records only, so no secret value can reach any of them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections.abc import Iterator, Mapping
from importlib import resources

import msgspec
import typst

from recotrack.domain.secrecy import Mark, SecretField, notice, withheld
from recotrack.domain.swedish_time import STOCKHOLM
from recotrack.exports import csv
from recotrack.exports.moments import utc_text
from recotrack.store.disclosures import Record
from recotrack_sdk.models import (
    Disclosure,
    DocumentFormat,
    ReleasedAssessment,
    ReleasedClosure,
    ReleasedProgress,
    ReleasedRecommendation,
    ReleasedResponse,
    Withheld,
)

FORMATS: tuple[DocumentFormat, ...] = ("pdf", "csv", "json")
MEDIA_TYPES: dict[DocumentFormat, str] = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def redact(record: Record) -> ReleasedRecommendation:
    marks = withheld([Mark(SecretField(m.field), m.ground) for m in record.marks])

    def text(field: SecretField, value: str) -> str:
        return notice(marks[field]) if field in marks else value

    def texts(field: SecretField, values: list[str]) -> list[str]:
        return [notice(marks[field])] if field in marks and values else values

    rec, response, closure = record.recommendation, record.response, record.closure
    return ReleasedRecommendation(
        id=rec.id,
        code=rec.code,
        agency_id=rec.agency_id,
        agency_name=record.agency_name,
        title=text(SecretField.TITLE, rec.title),
        body=text(SecretField.BODY, rec.body),
        area=rec.area,
        priority=rec.priority,
        issued_on=rec.issued_on,
        response_due=rec.response_due,
        implementation_due=rec.implementation_due,
        diarienummer=rec.diarienummer,
        state=rec.state,
        response=None
        if response is None
        else ReleasedResponse(
            decision=response.decision,
            rationale=None
            if response.rationale is None
            else text(SecretField.RESPONSE_RATIONALE, response.rationale),
            planned_actions=texts(SecretField.RESPONSE_PLANNED_ACTIONS, response.planned_actions),
            target_date=response.target_date,
            responded_by=response.responded_by,
        ),
        progress=[
            ReleasedProgress(
                reported_on=p.reported_on,
                status=p.status,
                percent_complete=p.percent_complete,
                note=text(SecretField.PROGRESS_NOTE, p.note),
                evidence=texts(SecretField.PROGRESS_EVIDENCE, p.evidence),
            )
            for p in record.progress
        ],
        assessments=[
            ReleasedAssessment(
                assessed_on=a.assessed_on,
                status=a.status,
                note=text(SecretField.ASSESSMENT_NOTE, a.note),
            )
            for a in record.assessments
        ],
        closure=None
        if closure is None
        else ReleasedClosure(
            outcome=closure.outcome,
            note=text(SecretField.CLOSURE_NOTE, closure.note),
            closed_at=closure.closed_at,
        ),
        withheld=[Withheld(field=field.value, ground=ground) for field, ground in marks.items()],
    )


class _Release(msgspec.Struct, kw_only=True):
    """The JSON document: the release's particulars, then the records."""

    request_ref: str
    disclosure_id: str
    released_at: dt.datetime
    recommendations: list[ReleasedRecommendation]


def as_json(disclosure: Disclosure, released: list[ReleasedRecommendation]) -> bytes:
    release = _Release(
        request_ref=disclosure.request_ref,
        disclosure_id=disclosure.id,
        released_at=disclosure.created_at,
        recommendations=released,
    )
    return msgspec.json.format(msgspec.json.encode(release), indent=2) + b"\n"


CSV_COLUMNS = ("code", "agency", "part", "date", "field", "value")


def as_csv(released: list[ReleasedRecommendation]) -> bytes:
    """One row per value (long form), every part of every record in the order of the PDF."""
    rows = [(r.code, r.agency_name, *value) for r in released for value in _values(r)]
    return csv.header(CSV_COLUMNS, "excel") + csv.rows(rows, "excel")


def _values(r: ReleasedRecommendation) -> Iterator[tuple[str, object, str, object]]:
    """`part`, `date`, `field`, `value`: `part` is `recommendation`, `response`, `progress`,
    `assessment`, `closure` or `withheld` (a field left out, its ground as the value)."""
    for field in ("title", "body", "area", "priority", "diarienummer", "state"):
        yield "recommendation", r.issued_on, field, getattr(r, field)
    yield "recommendation", r.issued_on, "response_due", r.response_due
    yield "recommendation", r.issued_on, "implementation_due", r.implementation_due
    if r.response is not None:
        for field in ("decision", "rationale", "target_date", "responded_by"):
            yield "response", None, field, getattr(r.response, field)
        for action in r.response.planned_actions:
            yield "response", None, "planned_action", action
    for p in r.progress:
        yield "progress", p.reported_on, "status", p.status
        yield "progress", p.reported_on, "percent_complete", p.percent_complete
        yield "progress", p.reported_on, "note", p.note
        for link in p.evidence:
            yield "progress", p.reported_on, "evidence", link
    for a in r.assessments:
        yield "assessment", a.assessed_on, "status", a.status
        yield "assessment", a.assessed_on, "note", a.note
    if r.closure is not None:
        yield "closure", r.closure.closed_at, "outcome", r.closure.outcome
        yield "closure", r.closure.closed_at, "note", r.closure.note
    for w in r.withheld:
        yield "withheld", None, w.field, w.ground


@functools.cache
def _template() -> bytes:
    return (resources.files("recotrack.exports") / "templates" / "release.typ").read_bytes()


def as_pdf(disclosure: Disclosure, released: list[ReleasedRecommendation]) -> bytes:
    """Typeset in-process, with the fonts in the Typst wheel only (the same bytes on any
    machine), dated by the disclosure, so the same release gives the same file."""
    data = {
        "request_ref": disclosure.request_ref,
        "released_at": utc_text(disclosure.created_at),
        "released_on": disclosure.created_at.astimezone(STOCKHOLM).date().isoformat(),
        "recommendations": msgspec.to_builtins(released),
    }
    pdf: bytes = typst.compile(
        _template(),
        format="pdf",
        sys_inputs={"data": msgspec.json.encode(data).decode()},
        timestamp=disclosure.created_at.replace(microsecond=0),
        ignore_system_fonts=True,
    )
    return pdf


async def documents(
    disclosure: Disclosure, records: list[Record]
) -> Mapping[DocumentFormat, bytes]:
    """Every format of the release (`store.disclosures.Render`); the typesetting off the loop."""
    released = [redact(r) for r in records]
    pdf = await asyncio.to_thread(as_pdf, disclosure, released)
    return {"pdf": pdf, "csv": as_csv(released), "json": as_json(disclosure, released)}
