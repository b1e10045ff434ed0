"""The recommendation list's filters as query parameters, shared by the list and its export
through dependency injection: a `RecommendationQuery`, its parameters made from its fields."""

from __future__ import annotations

import inspect
import types
from typing import Annotated, Any

from litestar.constants import RESERVED_KWARGS
from litestar.di import Provide
from litestar.params import QueryParameter

from recotrack_sdk._query import QueryField, query_fields
from recotrack_sdk.models import RecommendationQuery


def _annotation(field: QueryField) -> Any:
    """What Litestar reads of a parameter: its type (a list when it repeats), its name, its
    description and limits."""
    values = types.GenericAlias(list, field.value) if field.repeatable else field.value
    return Annotated[values | None, QueryParameter(name=field.name, **field.meta)]


# Litestar reads a dependency's parameters from its signature and type hints. A name it
# reserves for what it injects itself (`state`) is the parameter's alone, not the argument's.
_FIELDS = {
    f"{field.name}_" if field.name in RESERVED_KWARGS else field.name: field
    for field in query_fields(RecommendationQuery)
}


def recommendation_query(**filters: Any) -> RecommendationQuery:
    """The filters of the list and its export, from their query parameters."""
    return RecommendationQuery(**{_FIELDS[key].name: value for key, value in filters.items()})


_HINTS = {key: _annotation(field) for key, field in _FIELDS.items()}
recommendation_query.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=hint)
        for key, hint in _HINTS.items()
    ],
    return_annotation=RecommendationQuery,
)
recommendation_query.__annotations__ = {**_HINTS, "return": RecommendationQuery}

RECOMMENDATION_FILTER = {"filters": Provide(recommendation_query, sync_to_thread=False)}
"""Route dependencies: `filters`, a `RecommendationQuery` from the query parameters."""
