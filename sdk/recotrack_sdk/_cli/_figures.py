"""`status` and `stats`: the figures of /v1/stats, per agency and in all."""

from __future__ import annotations

from typing import Any, get_args

from recotrack_sdk._cli._context import Context
from recotrack_sdk._cli._reading import PAGE_SIZE
from recotrack_sdk._cli._render import (
    Align,
    area_label,
    fields,
    json_document,
    number,
    table,
)
from recotrack_sdk.models import Area, State, Stats

STATES: tuple[State, ...] = get_args(State)
AREAS: tuple[Area, ...] = get_args(Area)

STATUS_RULE = (
    "Worst first: the most overdue; then the most issued and not yet answered (state "
    "`issued`); then the smallest share of issued recommendations that are closed; then by "
    "agency id."
)


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
        writer = ctx.csv(STATUS_FIELDS)
        for row in rows:
            writer.row(row[name] for name in STATUS_FIELDS)
    else:
        if not rows:
            ctx.write(["No agencies."])
            return
        numbers = [*STATES, "total", "overdue"]
        body = [[row["name"], *(number(row[n]) for n in numbers)] for row in rows]
        totals = [sum(row[n] for row in rows) for n in numbers]
        lines = table(
            ["agency", *numbers],
            [*body, ["total", *map(number, totals)]],
            align=_label_thennumbers(len(numbers)),
            fit=ctx.fit,
            squeeze=0,
        )
        rule = lines[1]
        ctx.write([*lines[:-1], rule, lines[-1]])
        ctx.write(["", *ctx.paragraphs(STATUS_RULE)])


def _label_thennumbers(n: int) -> list[Align]:
    right: Align = ">"
    return ["<", *([right] * n)]


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
        writer = ctx.csv(STATS_CSV_FIELDS)
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
                ("recommendations", number(stats.total)),
                ("overdue", number(stats.overdue)),
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
            area_label(area),
            *map(number, counts.values()),
            number(sum(counts.values())),
        ]
        for area, counts in by_area.items()
    ]
    ctx.write(table(["area", *numbers], rows, align=_label_thennumbers(len(numbers))))
    if stats.overdue_by_agency:
        ctx.write(["", "Overdue by agency", ""])
        ctx.write(
            table(
                ["agency", "overdue"],
                [[a.agency_id, number(a.overdue)] for a in stats.overdue_by_agency],
                align=["<", ">"],
            )
        )
