"""Query structs as query parameters, both ways: what each field of one is as a parameter (the
service's API and dashboard and the CLI read `RecommendationQuery` so), and values as the
query string the SDK sends."""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

import msgspec

from recotrack_sdk.models import RecommendationQuery

QueryValue = str | int | bool | dt.date | Sequence[str] | None

_META = (
    *("gt", "ge", "lt", "le", "multiple_of", "pattern", "min_length", "max_length", "tz"),
    *("title", "description", "examples", "extra_json_schema", "extra"),
)


@dataclass(frozen=True, slots=True)
class QueryField:
    """A field of a query struct, as a query parameter of the same name."""

    name: str
    value: Any
    """The type of one value: `str`, `bool`, `dt.date`, a `Literal` of choices, ..."""
    repeatable: bool
    """Whether it takes several values (the parameter repeated): any of them matches."""
    meta: Mapping[str, Any]
    """What its `msgspec.Meta` says, by name: its description, the limits of one value."""

    @property
    def description(self) -> str | None:
        description: str | None = self.meta.get("description")
        return description

    @property
    def choices(self) -> tuple[str, ...] | None:
        """The values it may take, when they are a `Literal`'s."""
        return get_args(self.value) if get_origin(self.value) is Literal else None


def query_fields(struct: type[msgspec.Struct]) -> tuple[QueryField, ...]:
    """The fields of `struct`, in their order, as query parameters."""
    hints = get_type_hints(struct, include_extras=True)
    return tuple(_field(name, hints[name]) for name in struct.__struct_fields__)


def _field(name: str, hint: Any) -> QueryField:
    meta: dict[str, Any] = {}

    def plain(tp: Any) -> Any:
        while get_origin(tp) is Annotated:
            for extra in tp.__metadata__:
                if isinstance(extra, msgspec.Meta):
                    meta.update(
                        (key, value) for key in _META if (value := getattr(extra, key)) is not None
                    )
            tp = tp.__origin__
        return tp

    hint = plain(hint)
    union = get_origin(hint) in (Union, types.UnionType)
    members = [plain(member) for member in (get_args(hint) if union else (hint,))]
    members = [member for member in members if member is not type(None)]
    many = [member for member in members if get_origin(member) in (list, Sequence)]
    one = [member for member in members if member not in many]
    if len(many) > 1 or len(one) > 1 or not members:
        raise TypeError(f"{name}: {hint} is not the type of a query parameter")
    value = plain(get_args(many[0])[0]) if many else one[0]
    if many and one and one[0] != value:
        raise TypeError(f"{name}: {hint} is one value or several of another type")
    return QueryField(name, value, bool(many), meta)


def query(**values: QueryValue) -> list[tuple[str, str]]:
    """Query parameters in a stable order; a sequence repeats its name; None is left out."""
    params: list[tuple[str, str]] = []
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            params.append((name, "true" if value else "false"))
        elif isinstance(value, str | int):
            params.append((name, str(value)))
        elif isinstance(value, dt.date):
            params.append((name, value.isoformat()))
        else:
            params.extend((name, item) for item in value)
    return params


FILTERS = RecommendationQuery.__struct_fields__


def filter_params(filters: RecommendationQuery) -> list[tuple[str, str]]:
    """The filters as query parameters: `RecommendationQuery`'s own fields only, as `filters`
    may be a method's arguments that add others to them."""
    return query(**{name: getattr(filters, name) for name in FILTERS})
