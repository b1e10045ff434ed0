"""The filter options of `list` and `overdue`, made from the fields of `RecommendationQuery`:
one option a field, with the field's description as its help, parsed as the field's type wants
it; the options given build the query."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Collection, Sequence
from typing import Any

from recotrack_sdk._query import QueryField, query_fields
from recotrack_sdk.models import RecommendationQuery

FILTERS = query_fields(RecommendationQuery)

# The options the CLI has always spelled otherwise than `--` and the field's name, shorter to
# type, and what their value is called.
_SPELLINGS: dict[str, tuple[tuple[str, ...], str]] = {
    "agency": (("--agency",), "ID"),
    "review_id": (("--review",), "ID"),
    "investment_id": (("--investment",), "ID"),
    "q": (("-q", "--search"), "TEXT"),
}


def add_filters(parser: argparse.ArgumentParser, *, without: Collection[str] = ()) -> None:
    """An option for each filter but those `without`."""
    group = parser.add_argument_group(
        "filters (all must hold; a repeated or comma-separated option: any of its values)"
    )
    for field in FILTERS:
        if field.name in without:
            continue
        option = "--" + field.name.replace("_", "-")
        names, metavar = _SPELLINGS.get(field.name, ((option,), _metavar(field)))
        if field.value is bool:
            words = field.name.replace("_", " ")
            flag = group.add_mutually_exclusive_group()
            flag.add_argument(
                *names,
                dest=field.name,
                action="store_true",
                default=None,
                help=field.description or f"only {words} ones",
            )
            flag.add_argument(
                "--not-" + option[2:],
                dest=field.name,
                action="store_false",
                help=f"only ones that are not {words}",
            )
            continue
        group.add_argument(
            *names,
            dest=field.name,
            type=_parser(field),
            action="extend" if field.repeatable else "store",
            metavar=metavar,
            help=" ".join(filter(None, [field.description, _values(field)])) or None,
        )


def query_of(args: argparse.Namespace) -> RecommendationQuery:
    """The query the filter options given ask for (None: a filter not given)."""
    return RecommendationQuery(**{field.name: getattr(args, field.name, None) for field in FILTERS})


def _metavar(field: QueryField) -> str:
    if field.choices is not None:
        return field.name.upper()
    return "DATE" if field.value is dt.date else "TEXT"


def _values(field: QueryField) -> str | None:
    return f"Values: {', '.join(field.choices)}." if field.choices is not None else None


def _parser(field: QueryField) -> Callable[[str], Any]:
    """How an option's text becomes the field's value (a list of values when it repeats)."""
    if field.repeatable and field.choices is not None:
        return _one_of(field.choices)
    if field.repeatable and field.value is str:
        return _names
    if field.value is dt.date and not field.repeatable:
        return _date
    if field.value is str and not field.repeatable:
        return str
    raise TypeError(f"no command-line option for the filter {field.name}: {field.value}")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _one_of(choices: Sequence[str]) -> Callable[[str], list[str]]:
    """Comma-separated values, each one of `choices` (the option may also be repeated)."""

    def parse(text: str) -> list[str]:
        values = [v.strip() for v in text.split(",") if v.strip()]
        wrong = [v for v in values if v not in choices]
        if wrong or not values:
            raise argparse.ArgumentTypeError(
                f"invalid choice {', '.join(map(repr, wrong)) or repr(text)} "
                f"(choose from {', '.join(choices)})"
            )
        return values

    return parse


def _names(text: str) -> list[str]:
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values:
        raise argparse.ArgumentTypeError(f"empty: {text!r}")
    return values
