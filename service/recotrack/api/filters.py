"""The recommendation list's filters as query parameters: one definition, shared by the list
and its export through dependency injection."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar.di import Provide
from litestar.params import QueryParameter

from recotrack.api.investments import AgencyFilter
from recotrack.store.recommendation_list import RecommendationFilter
from recotrack_sdk.models import Area, Priority, State


def recommendation_filter(
    agency: AgencyFilter = None,
    review_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
    investment_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
    area: Annotated[list[Area] | None, QueryParameter(description="Repeatable.")] = None,
    priority: Annotated[list[Priority] | None, QueryParameter(description="Repeatable.")] = None,
    states: Annotated[
        list[State] | None, QueryParameter(name="state", description="Repeatable.")
    ] = None,
    overdue: Annotated[bool | None, QueryParameter()] = None,
    q: Annotated[
        str | None,
        QueryParameter(
            min_length=1,
            max_length=200,
            description="Swedish full-text search (stemmed) over the code, title, body, the "
            "response's rationale and planned actions, and the progress notes.",
        ),
    ] = None,
    issued_from: Annotated[
        dt.date | None, QueryParameter(description="Issued on or after.")
    ] = None,
    issued_to: Annotated[dt.date | None, QueryParameter(description="Issued on or before.")] = None,
    due_before: Annotated[
        dt.date | None, QueryParameter(description="Response or implementation due before.")
    ] = None,
) -> RecommendationFilter:
    return RecommendationFilter(
        agency_ids=agency,
        review_id=review_id,
        investment_id=investment_id,
        areas=list(area) if area else None,
        priorities=list(priority) if priority else None,
        states=list(states) if states else None,
        overdue=overdue,
        q=q,
        issued_from=issued_from,
        issued_to=issued_to,
        due_before=due_before,
    )


RECOMMENDATION_FILTER = {"filters": Provide(recommendation_filter, sync_to_thread=False)}
"""Route dependencies: `filters`, a `RecommendationFilter` from the query parameters."""
