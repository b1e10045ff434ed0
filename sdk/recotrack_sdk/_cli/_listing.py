"""`list` and `overdue`: the recommendations that match the filters, and the overdue ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec

from recotrack_sdk._cli._context import Context
from recotrack_sdk._cli._reading import collect, expected_total, recommendations, stream
from recotrack_sdk._cli._render import (
    Align,
    count,
    display,
    json_array,
    table,
    to_builtins,
)
from recotrack_sdk.models import Recommendation, RecommendationQuery, RecommendationSort

RECOMMENDATION_FIELDS: tuple[str, ...] = Recommendation.__struct_fields__


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
    ctx: Context, f: RecommendationQuery, *, sort: RecommendationSort | None, limit: int | None
) -> None:
    total = expected_total(ctx.client, f, limit) if ctx.progress else None
    items = recommendations(ctx.client, f, sort=sort, limit=limit)
    if ctx.format == "json":
        stream(ctx, "list", items, total, lambda xs: ctx.out.writelines(json_array(xs)))
    elif ctx.format == "csv":

        def write_csv(xs: Iterable[Recommendation]) -> None:
            writer = ctx.csv(RECOMMENDATION_FIELDS)
            for rec in xs:
                writer.row(getattr(rec, name) for name in RECOMMENDATION_FIELDS)

        stream(ctx, "list", items, total, write_csv)
    else:
        rows = [_list_row(rec) for rec in collect(ctx, "list", items, total)]
        if not rows:
            ctx.write(["No recommendations match."])
            return
        ctx.write(table(LIST_HEADERS, rows, fit=ctx.fit))
        ctx.write(["", count(len(rows), "recommendation")])


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


def run_overdue(ctx: Context, f: RecommendationQuery, *, limit: int | None) -> None:
    f = msgspec.structs.replace(f, overdue=True)
    total = expected_total(ctx.client, f, None) if ctx.progress else None
    found = collect(ctx, "overdue", recommendations(ctx.client, f), total)
    items = sorted(
        (lateness(rec, ctx.today) for rec in found),
        key=lambda o: (o.overdue_since or dt.date.max, o.recommendation.code),
    )
    if limit is not None:
        items = items[:limit]
    if ctx.format == "json":
        ctx.out.writelines(json_array(_overdue_record(item) for item in items))
    elif ctx.format == "csv":
        writer = ctx.csv((*RECOMMENDATION_FIELDS, *OVERDUE_EXTRA))
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
        ctx.write(["", count(len(rows), "overdue recommendation") + ", most overdue first"])
