"""The keyword arguments of the methods that filter recommendations: the fields of
`RecommendationQuery` and what each method adds to them, so that a filter added to the query is
an argument of every such method, typed and documented, without a word changed here."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, get_type_hints, overload

from recotrack_sdk._exports import Dialect, RecommendationFormat
from recotrack_sdk.models import RecommendationQuery, RecommendationSort

P = ParamSpec("P")
A = TypeVar("A")
S = TypeVar("S")
X = TypeVar("X")
R = TypeVar("R")


class _Sorted(RecommendationQuery, kw_only=True):
    sort: RecommendationSort | None = None


class ListRecommendations(_Sorted, kw_only=True):
    """The arguments of `list_recommendations`: the filters, the order and the page."""

    limit: int | None = None
    cursor: str | None = None


class IterRecommendations(_Sorted, kw_only=True):
    """The arguments of `iter_recommendations`: the filters, the order, the size of a page."""

    page_size: int | None = None


class ExportRecommendations(RecommendationQuery, kw_only=True):
    """The arguments of `export_recommendations`: the filters and the file's format."""

    format: RecommendationFormat = "csv"
    dialect: Dialect | None = None


class keywords(Generic[P, A]):
    """`@keywords(Arguments)` on a method whose last parameter is an `Arguments` makes it a
    method that takes the fields of `Arguments` as keywords instead: typed as the struct's
    constructor (a ParamSpec), and with them in its signature for `help()`."""

    def __init__(self, arguments: Callable[P, A]) -> None:
        self.arguments = arguments

    @overload
    def __call__(self, method: Callable[[S, A], R]) -> Callable[Concatenate[S, P], R]: ...

    @overload
    def __call__(self, method: Callable[[S, X, A], R]) -> Callable[Concatenate[S, X, P], R]: ...

    def __call__(self, method: Callable[..., Any]) -> Any:
        build: Callable[..., A] = self.arguments
        call: Any  # a function, given a signature of its own below
        if inspect.iscoroutinefunction(method):

            async def call(*args: Any, **kwargs: Any) -> Any:
                return await method(*args, build(**kwargs))
        else:

            def call(*args: Any, **kwargs: Any) -> Any:
                return method(*args, build(**kwargs))

        functools.update_wrapper(call, method)
        own = inspect.signature(method)
        *leading, _ = own.parameters.values()
        hints = get_type_hints(build)  # without their descriptions and limits, for reading
        given = [
            parameter.replace(annotation=hints[name])
            for name, parameter in inspect.signature(build).parameters.items()
        ]
        call.__signature__ = own.replace(parameters=[*leading, *given])
        return call
