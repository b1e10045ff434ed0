"""The list's filters from a query string, as a form sends it (empty fields included).

The form's fields are those of the API's list, `RecommendationQuery`, decoded into it field by
field; a form sends every field, so an empty one means "no filter" instead of an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_args, get_type_hints
from urllib.parse import urlencode

import msgspec

from recotrack.store.recommendation_list import Sort
from recotrack.web.i18n import Words
from recotrack_sdk._query import QueryField, query_fields
from recotrack_sdk.models import Area, RecommendationQuery

SORTS: tuple[str, ...] = get_args(Sort)
FILTERS = query_fields(RecommendationQuery)
FILTER_KEYS = tuple(field.name for field in FILTERS)
"""The query parameters that choose recommendations (and so also the export's rows)."""
MAX_VALUES = 50
MAX_TEXT = 200
_TYPES = get_type_hints(RecommendationQuery, include_extras=True)


class BadFilter(ValueError):
    """A filter's value the list cannot take: which parameter, and why, as a text of `i18n`
    (`reason`, with its `values`) said in the reader's language by `said`. With `choices`,
    the values it may take, each said with its label."""

    def __init__(
        self, parameter: str, reason: str, *, choices: Sequence[str] = (), **values: object
    ) -> None:
        self.parameter = parameter
        self.reason = reason
        self.choices = tuple(choices)
        self.values = values
        super().__init__(f"{parameter}: {self.detail}")

    @property
    def detail(self) -> str:
        """Why, in English (for logs)."""
        return self.said(Words("en"))

    def said(self, words: Words) -> str:
        """Why, in the words of `words`' language."""
        choices = ", ".join(_choice(words, self.parameter, c) for c in self.choices)
        return words(self.reason, **self.values, choices=choices)


def _choice(words: Words, parameter: str, value: str) -> str:
    label = words(f"sort_{value}") if parameter == "sort" else words.label(parameter, value)
    return value if label == value else f"{value} ({label})"


@dataclass(frozen=True, slots=True)
class ListQuery:
    filters: RecommendationQuery
    sort: Sort | None
    cursor: str | None


def _values(query: Mapping[str, Sequence[str]], name: str) -> list[str]:
    values = [v.strip() for v in query.get(name, ()) if v.strip()]
    if len(values) > MAX_VALUES:
        raise BadFilter(name, "bad_filter_values", n=MAX_VALUES)
    if any(len(v) > MAX_TEXT for v in values):
        raise BadFilter(name, "bad_filter_length", n=MAX_TEXT)
    return values


def one_value(query: Mapping[str, Sequence[str]], name: str) -> str | None:
    """The one value a form gave `name` (None for an empty field), within the list's limits."""
    values = _values(query, name)
    if len(values) > 1:
        raise BadFilter(name, "bad_filter_one")
    return values[0] if values else None


def area_value(query: Mapping[str, Sequence[str]]) -> Area | None:
    """The one area a form chose (None: every area), as the API's `?area=` takes it."""
    given = one_value(query, "area")
    if given is None:
        return None
    try:
        area: Area = msgspec.convert(given, Area)
    except msgspec.ValidationError:
        raise BadFilter("area", "bad_filter_choice", value=given, choices=get_args(Area)) from None
    return area


def _filter(query: Mapping[str, Sequence[str]], field: QueryField) -> Any:
    """One filter, decoded as `RecommendationQuery` types it; None when the form left it empty."""
    given: str | list[str] | None = (
        list(dict.fromkeys(_values(query, field.name)))
        if field.repeatable
        else one_value(query, field.name)
    )
    if not given:
        return None
    try:
        return msgspec.convert(given, _TYPES[field.name], strict=False)
    except msgspec.ValidationError:
        raise _why(field, given) from None


def _why(field: QueryField, given: str | list[str]) -> BadFilter:
    """What is wrong with a filter's value, saying what it should be."""
    values = given if isinstance(given, list) else [given]
    if field.choices is not None:
        wrong = next(v for v in values if v not in field.choices)
        return BadFilter(field.name, "bad_filter_choice", value=wrong, choices=field.choices)
    if field.value is bool:
        return BadFilter(field.name, "bad_filter_bool")
    if field.value is dt.date:
        return BadFilter(field.name, "bad_filter_date")
    longest = field.meta.get("max_length")
    if longest is not None and any(len(v) > longest for v in values):
        return BadFilter(field.name, "bad_filter_length", n=longest)
    return BadFilter(field.name, "bad_filter")


def parse_list_query(query: Mapping[str, Sequence[str]]) -> ListQuery:
    """The filters, order and page asked for; BadFilter for a value that is not valid."""
    sort = one_value(query, "sort")
    if sort is not None and sort not in SORTS:
        raise BadFilter("sort", "bad_filter_choice", value=sort, choices=SORTS)
    filters = RecommendationQuery(**{field.name: _filter(query, field) for field in FILTERS})
    if sort == "relevance" and filters.q is None:
        sort = None  # the form offers it always; without a search it means the default
    return ListQuery(filters, sort, one_value(query, "cursor"))  # type: ignore[arg-type]  # checked


def query_string(query: Mapping[str, Sequence[str]], keys: Iterable[str], **extra: str) -> str:
    """`keys` of `query` (empty values left out) and `extra`, URL-encoded."""
    pairs = [(key, v) for key in keys for v in query.get(key, ()) if v.strip()]
    pairs.extend(extra.items())
    return urlencode(pairs)
