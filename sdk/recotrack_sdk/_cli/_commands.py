"""The commands: each reads through the SDK and writes a table, JSON or CSV."""

from __future__ import annotations

import dataclasses
import datetime as dt
import textwrap
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TextIO, TypeVar, get_args

from recotrack_sdk import APIError, Client, NotFoundError
from recotrack_sdk._cli._progress import Progress
from recotrack_sdk._cli._render import (
    Align,
    CsvWriter,
    display,
    fields,
    json_array,
    json_document,
    table,
    to_builtins,
)
from recotrack_sdk.models import (
    AgencyResponse,
    Area,
    Assessment,
    Closure,
    HistoryEntry,
    Page,
    Priority,
    ProgressReport,
    Recommendation,
    RecommendationSort,
    State,
    Stats,
)

T = TypeVar("T")
Format = Literal["table", "json", "csv"]

STATES: tuple[State, ...] = get_args(State)
AREAS: tuple[Area, ...] = get_args(Area)
PRIORITIES: tuple[Priority, ...] = get_args(Priority)
SORTS: tuple[RecommendationSort, ...] = get_args(RecommendationSort)
AREA_LABELS: dict[str, str] = {
    "ways_of_working": "arbetssätt",
    "governance": "styrning och ledning",
    "competence": "kompetens",
    "results": "resultat",
    "enabling_conditions": "förutsättningskapande",
}
PAGE_SIZE = 1000
"""The API's largest page: the fewest round trips through a long list."""

RECOMMENDATION_FIELDS: tuple[str, ...] = Recommendation.__struct_fields__

STATUS_RULE = (
    "Worst first: the most overdue; then the most issued and not yet answered (state "
    "`issued`); then the smallest share of issued recommendations that are closed; then by "
    "agency id."
)


class NoSuchRecommendation(Exception):
    """`show CODE` found no recommendation with that code (among those the token may see)."""


@dataclass
class Context:
    """What a command needs: the SDK client and where and how to write."""

    client: Client
    format: Format
    out: TextIO
    err: TextIO
    progress: bool
    """Draw a progress bar on `err` while paging."""
    fit: int | None
    """Terminal columns to fit a table into; None: do not cut."""
    today: dt.date

    def write(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.out.write(line + "\n")

    def paragraphs(self, text: str, *, indent: str = "") -> list[str]:
        """Text wrapped to the terminal (or 88 columns), each line as it was a paragraph."""
        columns = min(self.fit or 88, 100) - len(indent)
        lines: list[str] = []
        for line in text.splitlines():
            wrapped = textwrap.wrap(
                line, max(columns, 20), break_long_words=False, break_on_hyphens=False
            )
            lines.extend(indent + part for part in wrapped or [""])
        return [line.rstrip() for line in lines]


@dataclass(frozen=True)
class Filters:
    """The filters of `GET /v1/recommendations`; None: not filtered on."""

    agency: list[str] | None = None
    review_id: str | None = None
    investment_id: str | None = None
    area: list[Area] | None = None
    priority: list[Priority] | None = None
    state: list[State] | None = None
    overdue: bool | None = None
    q: str | None = None
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None
    due_before: dt.date | None = None


# --- reading -------------------------------------------------------------------------------


def _page(
    client: Client, f: Filters, *, sort: RecommendationSort | None, cursor: str | None, limit: int
) -> Page[Recommendation]:
    return client.list_recommendations(
        agency=f.agency,
        review_id=f.review_id,
        investment_id=f.investment_id,
        area=f.area,
        priority=f.priority,
        state=f.state,
        overdue=f.overdue,
        q=f.q,
        issued_from=f.issued_from,
        issued_to=f.issued_to,
        due_before=f.due_before,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )


def recommendations(
    client: Client,
    f: Filters,
    *,
    sort: RecommendationSort | None = None,
    limit: int | None = None,
) -> Iterator[Recommendation]:
    """Every recommendation matching `f` (at most `limit`), page after page."""
    cursor: str | None = None
    left = limit
    while left is None or left > 0:
        size = PAGE_SIZE if left is None else min(left, PAGE_SIZE)
        page = _page(client, f, sort=sort, cursor=cursor, limit=size)
        items = page.items if left is None else page.items[:left]
        yield from items
        if left is not None:
            left -= len(items)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def expected_total(client: Client, f: Filters, limit: int | None) -> int | None:
    """How many recommendations a list will have, when /v1/stats can tell (for the bar)."""
    beyond_stats = (
        f.review_id,
        f.investment_id,
        f.priority,
        f.q,
        f.issued_from,
        f.issued_to,
        f.due_before,
    )
    if any(value is not None for value in beyond_stats):
        return None
    try:
        stats = client.get_stats()
    except APIError:
        return None
    total: int | None = None
    if f.overdue is None:
        total = sum(
            c.count
            for c in stats.counts
            if (f.agency is None or c.agency_id in f.agency)
            and (f.area is None or c.area in f.area)
            and (f.state is None or c.state in f.state)
        )
    elif f.overdue and f.area is None and f.state is None:
        total = sum(
            a.overdue
            for a in stats.overdue_by_agency
            if f.agency is None or a.agency_id in f.agency
        )
    if total is not None and limit is not None:
        total = min(total, limit)
    return total


def _collect(ctx: Context, label: str, items: Iterator[T], total: int | None) -> list[T]:
    with Progress(ctx.err, label, total=total, enabled=ctx.progress) as bar:
        return list(bar.track(items))


def _stream(
    ctx: Context,
    label: str,
    items: Iterable[T],
    total: int | None,
    write: Callable[[Iterable[T]], None],
) -> None:
    with Progress(ctx.err, label, total=total, enabled=ctx.progress) as bar:
        write(bar.track(items))


# --- list ----------------------------------------------------------------------------------

LIST_HEADERS = (
    "code",
    "agency",
    "area",
    "priority",
    "state",
    "overdue",
    "issued",
    "response due",
    "impl. due",
    "title",
)


def _list_row(rec: Recommendation) -> list[str]:
    return [
        rec.code,
        rec.agency_id,
        rec.area,
        rec.priority,
        rec.state,
        "OVERDUE" if rec.overdue else "",
        display(rec.issued_on),
        display(rec.response_due),
        display(rec.implementation_due),
        rec.title,
    ]


def run_list(
    ctx: Context, f: Filters, *, sort: RecommendationSort | None, limit: int | None
) -> None:
    total = expected_total(ctx.client, f, limit) if ctx.progress else None
    items = recommendations(ctx.client, f, sort=sort, limit=limit)
    if ctx.format == "json":
        _stream(ctx, "list", items, total, lambda xs: ctx.out.writelines(json_array(xs)))
    elif ctx.format == "csv":

        def write_csv(xs: Iterable[Recommendation]) -> None:
            writer = CsvWriter(ctx.out, RECOMMENDATION_FIELDS)
            for rec in xs:
                writer.row(getattr(rec, name) for name in RECOMMENDATION_FIELDS)

        _stream(ctx, "list", items, total, write_csv)
    else:
        rows = [_list_row(rec) for rec in _collect(ctx, "list", items, total)]
        if not rows:
            ctx.write(["No recommendations match."])
            return
        ctx.write(table(LIST_HEADERS, rows, fit=ctx.fit))
        ctx.write(["", _count(len(rows), "recommendation")])


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}".replace(",", " ")


# --- overdue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overdue:
    """An overdue recommendation, with what is late and since when."""

    recommendation: Recommendation
    late: list[str]
    """`response` (none by `response_due`), `implementation` (not reported implemented by
    `implementation_due`), or both."""
    overdue_since: dt.date | None
    """The earliest due date it missed."""
    days_overdue: int | None


def lateness(rec: Recommendation, today: dt.date) -> Overdue:
    """What is late, by the API's rule of `overdue` (see `GET /v1/stats`)."""
    missed: list[tuple[str, dt.date]] = []
    if rec.decision is None and rec.response_due is not None and rec.response_due < today:
        missed.append(("response", rec.response_due))
    if (
        rec.state != "implemented"
        and rec.implementation_due is not None
        and rec.implementation_due < today
    ):
        missed.append(("implementation", rec.implementation_due))
    since = min((due for _, due in missed), default=None)
    return Overdue(
        rec,
        [what for what, _ in missed],
        since,
        (today - since).days if since is not None else None,
    )


OVERDUE_EXTRA = ("late", "overdue_since", "days_overdue")


def _overdue_record(item: Overdue) -> dict[str, Any]:
    record: dict[str, Any] = to_builtins(item.recommendation)
    record["late"] = item.late
    record["overdue_since"] = to_builtins(item.overdue_since)
    record["days_overdue"] = item.days_overdue
    return record


def run_overdue(ctx: Context, f: Filters, *, limit: int | None) -> None:
    f = dataclasses.replace(f, overdue=True)
    total = expected_total(ctx.client, f, None) if ctx.progress else None
    found = _collect(ctx, "overdue", recommendations(ctx.client, f), total)
    items = sorted(
        (lateness(rec, ctx.today) for rec in found),
        key=lambda o: (o.overdue_since or dt.date.max, o.recommendation.code),
    )
    if limit is not None:
        items = items[:limit]
    if ctx.format == "json":
        ctx.out.writelines(json_array(_overdue_record(item) for item in items))
    elif ctx.format == "csv":
        writer = CsvWriter(ctx.out, (*RECOMMENDATION_FIELDS, *OVERDUE_EXTRA))
        for item in items:
            rec = item.recommendation
            writer.row(
                [
                    *(getattr(rec, name) for name in RECOMMENDATION_FIELDS),
                    item.late,
                    item.overdue_since,
                    item.days_overdue,
                ]
            )
    else:
        if not items:
            ctx.write(["Nothing is overdue."])
            return
        headers = ("code", "agency", "state", "late", "due", "days", "priority", "title")
        align: list[Align] = ["<", "<", "<", "<", "<", ">", "<", "<"]
        rows = [
            [
                o.recommendation.code,
                o.recommendation.agency_id,
                o.recommendation.state,
                " + ".join(o.late),
                display(o.overdue_since),
                display(o.days_overdue),
                o.recommendation.priority,
                o.recommendation.title,
            ]
            for o in items
        ]
        ctx.write(table(headers, rows, align=align, fit=ctx.fit))
        ctx.write(["", _count(len(rows), "overdue recommendation") + ", most overdue first"])


# --- status --------------------------------------------------------------------------------

STATUS_FIELDS = ("agency_id", "name", *STATES, "total", "overdue")


def status_rows(stats: Stats, names: dict[str, str]) -> list[dict[str, Any]]:
    """One row per agency: counts per state, total and overdue, worst first (`STATUS_RULE`)."""
    counts: dict[str, dict[str, int]] = {agency: dict.fromkeys(STATES, 0) for agency in names}
    for c in stats.counts:
        counts.setdefault(c.agency_id, dict.fromkeys(STATES, 0))[c.state] += c.count
    overdue = {a.agency_id: a.overdue for a in stats.overdue_by_agency}
    rows: list[dict[str, Any]] = []
    for agency, by_state in counts.items():
        row: dict[str, Any] = {"agency_id": agency, "name": names.get(agency, agency)}
        row.update(by_state)
        row["total"] = sum(by_state.values())
        row["overdue"] = overdue.get(agency, 0)
        rows.append(row)

    def badness(row: dict[str, Any]) -> tuple[int, int, float, str]:
        issued = row["total"] - row["draft"]
        closed_share = row["closed"] / issued if issued else 1.0
        return (-row["overdue"], -row["issued"], closed_share, row["agency_id"])

    return sorted(rows, key=badness)


def run_status(ctx: Context) -> None:
    stats = ctx.client.get_stats()
    names = {agency.id: agency.name for agency in ctx.client.iter_agencies(page_size=PAGE_SIZE)}
    rows = status_rows(stats, names)
    if ctx.format == "json":
        ctx.out.write(json_document(rows))
    elif ctx.format == "csv":
        writer = CsvWriter(ctx.out, STATUS_FIELDS)
        for row in rows:
            writer.row(row[name] for name in STATUS_FIELDS)
    else:
        if not rows:
            ctx.write(["No agencies."])
            return
        numbers = [*STATES, "total", "overdue"]
        body = [[row["name"], *(_number(row[n]) for n in numbers)] for row in rows]
        totals = [sum(row[n] for row in rows) for n in numbers]
        lines = table(
            ["agency", *numbers],
            [*body, ["total", *map(_number, totals)]],
            align=_label_then_numbers(len(numbers)),
            fit=ctx.fit,
            squeeze=0,
        )
        rule = lines[1]
        ctx.write([*lines[:-1], rule, lines[-1]])
        ctx.write(["", *ctx.paragraphs(STATUS_RULE)])


def _label_then_numbers(n: int) -> list[Align]:
    right: Align = ">"
    return ["<", *([right] * n)]


def _number(n: int) -> str:
    return f"{n:,}".replace(",", " ")


# --- stats ---------------------------------------------------------------------------------

STATS_CSV_FIELDS = ("metric", "agency_id", "area", "state", "decision", "value")


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f} %"


def _days(days: float | None) -> str:
    return "" if days is None else f"{days:g} days"


def run_stats(ctx: Context) -> None:
    stats = ctx.client.get_stats()
    if ctx.format == "json":
        ctx.out.write(json_document(stats))
        return
    if ctx.format == "csv":
        writer = CsvWriter(ctx.out, STATS_CSV_FIELDS)
        writer.row(["total", None, None, None, None, stats.total])
        for c in stats.counts:
            writer.row(["count", c.agency_id, c.area, c.state, None, c.count])
        writer.row(["overdue", None, None, None, None, stats.overdue])
        for a in stats.overdue_by_agency:
            writer.row(["overdue", a.agency_id, None, None, None, a.overdue])
        for decision, share in stats.decision_shares.items():
            writer.row(["decision_share", None, None, None, decision, share])
        for metric in (
            "implemented_share",
            "median_days_to_response",
            "median_days_to_implementation",
        ):
            writer.row([metric, None, None, None, None, getattr(stats, metric)])
        return
    ctx.write(
        fields(
            [
                ("recommendations", _number(stats.total)),
                ("overdue", _number(stats.overdue)),
                ("implemented (closed as such)", _percent(stats.implemented_share) or "–"),
                ("median time to response", _days(stats.median_days_to_response) or "–"),
                (
                    "median time to implementation",
                    _days(stats.median_days_to_implementation) or "–",
                ),
            ]
        )
    )
    if stats.decision_shares:
        ctx.write(["", "Decisions, of the recommendations with a response", ""])
        ctx.write(
            table(
                ["decision", "share"],
                [[d, _percent(s)] for d, s in sorted(stats.decision_shares.items())],
                align=["<", ">"],
            )
        )
    by_area: dict[str, dict[str, int]] = {area: dict.fromkeys(STATES, 0) for area in AREAS}
    for c in stats.counts:
        by_area.setdefault(c.area, dict.fromkeys(STATES, 0))[c.state] += c.count
    ctx.write(["", "By area and state", ""])
    numbers = [*STATES, "total"]
    rows = [
        [
            f"{AREA_LABELS.get(area, area)} ({area})",
            *map(_number, counts.values()),
            _number(sum(counts.values())),
        ]
        for area, counts in by_area.items()
    ]
    ctx.write(table(["area", *numbers], rows, align=_label_then_numbers(len(numbers))))
    if stats.overdue_by_agency:
        ctx.write(["", "Overdue by agency", ""])
        ctx.write(
            table(
                ["agency", "overdue"],
                [[a.agency_id, _number(a.overdue)] for a in stats.overdue_by_agency],
                align=["<", ">"],
            )
        )


# --- show ----------------------------------------------------------------------------------


def find_by_code(client: Client, code: str) -> Recommendation:
    """The recommendation with this code: searched for with `q`, matched exactly (or, when
    there is no exact match, the only one whose code matches ignoring case)."""
    folded: list[Recommendation] = []
    for rec in recommendations(client, Filters(q=code)):
        if rec.code == code:
            return rec
        if rec.code.casefold() == code.casefold():
            folded.append(rec)
    if len(folded) == 1:
        return folded[0]
    raise NoSuchRecommendation(code)


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


def _latest_progress(reports: Sequence[ProgressReport]) -> ProgressReport | None:
    """The latest as the API counts it: by `reported_on`, then the order of reporting."""
    ordered = sorted(enumerate(reports), key=lambda p: (p[1].reported_on, p[0]))
    return ordered[-1][1] if ordered else None


def _latest_assessment(assessments: Sequence[Assessment]) -> Assessment | None:
    ordered = sorted(enumerate(assessments), key=lambda p: (p[1].assessed_on, p[0]))
    return ordered[-1][1] if ordered else None


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
        _latest_progress(progress),
        _latest_assessment(assessments),
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
        writer = CsvWriter(ctx.out, HISTORY_CSV_FIELDS)
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
                ("area", f"{AREA_LABELS.get(rec.area, rec.area)} ({rec.area})"),
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
        [display(e.occurred_at), f"{e.entity} {e.action}", actor(e), summary(e)] for e in d.history
    ]
    ctx.write(table(["when", "what", "who", "details"], rows, fit=ctx.fit))
