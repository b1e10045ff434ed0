"""The list's filters from a query string, as a form sends it (empty fields included).

The same filters as the API's list (`store.recommendation_list.RecommendationFilter`); a form
sends every field, so an empty one means "no filter" instead of an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import get_args
from urllib.parse import urlencode

from recotrack.domain.vocabulary import Area, Priority, State
from recotrack.store.recommendation_list import RecommendationFilter, Sort

SORTS: tuple[str, ...] = get_args(Sort)
FILTER_KEYS = (
    "q",
    "agency",
    "area",
    "state",
    "priority",
    "overdue",
    "issued_from",
    "issued_to",
    "due_before",
    "review_id",
    "investment_id",
)
"""The query parameters that choose recommendations (and so also the export's rows)."""
MAX_VALUES = 50
MAX_TEXT = 200


class BadFilter(ValueError):
    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(f"{parameter}: {detail}")
        self.parameter = parameter
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ListQuery:
    filters: RecommendationFilter
    sort: Sort | None
    cursor: str | None


def _values(query: Mapping[str, Sequence[str]], name: str) -> list[str]:
    values = [v.strip() for v in query.get(name, ()) if v.strip()]
    if len(values) > MAX_VALUES:
        raise BadFilter(name, f"at most {MAX_VALUES} values")
    if any(len(v) > MAX_TEXT for v in values):
        raise BadFilter(name, f"at most {MAX_TEXT} characters")
    return values


def _one(query: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = _values(query, name)
    if len(values) > 1:
        raise BadFilter(name, "give one value")
    return values[0] if values else None


def _choices(query: Mapping[str, Sequence[str]], name: str, allowed: Iterable[str]) -> list[str]:
    values = _values(query, name)
    known = set(allowed)
    for value in values:
        if value not in known:
            raise BadFilter(name, f"unknown value {value!r}")
    return list(dict.fromkeys(values))


def _date(query: Mapping[str, Sequence[str]], name: str) -> dt.date | None:
    value = _one(query, name)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadFilter(name, "not a date (YYYY-MM-DD)") from None


def parse_list_query(query: Mapping[str, Sequence[str]]) -> ListQuery:
    """The filters, order and page asked for; BadFilter for a value that is not valid."""
    overdue = _one(query, "overdue")
    if overdue not in (None, "true", "false"):
        raise BadFilter("overdue", "true or false")
    sort = _one(query, "sort")
    if sort is not None and sort not in SORTS:
        raise BadFilter("sort", f"unknown order {sort!r}")
    q = _one(query, "q")
    if sort == "relevance" and q is None:
        sort = None  # the form offers it always; without a search it means the default
    agencies = _values(query, "agency")
    areas = _choices(query, "area", (a.value for a in Area))
    states = _choices(query, "state", (s.value for s in State))
    priorities = _choices(query, "priority", (p.value for p in Priority))
    filters = RecommendationFilter(
        agency_ids=list(dict.fromkeys(agencies)) or None,
        review_id=_one(query, "review_id"),
        investment_id=_one(query, "investment_id"),
        areas=areas or None,
        priorities=priorities or None,
        states=states or None,
        overdue=None if overdue is None else overdue == "true",
        q=q,
        issued_from=_date(query, "issued_from"),
        issued_to=_date(query, "issued_to"),
        due_before=_date(query, "due_before"),
    )
    return ListQuery(filters, sort, _one(query, "cursor"))  # type: ignore[arg-type]  # checked


def query_string(query: Mapping[str, Sequence[str]], keys: Iterable[str], **extra: str) -> str:
    """`keys` of `query` (empty values left out) and `extra`, URL-encoded."""
    pairs = [(key, v) for key in keys for v in query.get(key, ()) if v.strip()]
    pairs.extend(extra.items())
    return urlencode(pairs)
