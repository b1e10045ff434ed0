"""The parameters a route declares, under the names clients send: the query parameters it
takes, and those of them that are integers; each worked out once per handler.

Litestar ignores a query parameter that no handler declares, so a misspelt filter
(`agencyy=`) would widen a list silently: `query_parameters` names those a route takes, for
`body.strict_request` to refuse any other. And Litestar converts query parameters in lax mode:
it takes `limit=1e3` or `limit=1.0` for an integer, which the contract (`type: integer`) does
not allow. `integer_parameters` names the query parameters of a route that are integers, for
`body.strict_request` to refuse any other spelling than decimal digits.
"""

from __future__ import annotations

import re

from litestar.constants import RESERVED_KWARGS
from litestar.enums import ParamType
from litestar.handlers import HTTPRouteHandler
from litestar.params import ParameterKwarg
from litestar.typing import FieldDefinition

INTEGER = re.compile(r"-?[0-9]+")
_integers: dict[HTTPRouteHandler, frozenset[str]] = {}
_queries: dict[HTTPRouteHandler, frozenset[str]] = {}


def declared(handler: HTTPRouteHandler) -> dict[str, FieldDefinition]:
    """The handler's own parameters and those of its dependencies (the lists' filters), by
    their Python names."""
    return {
        **handler.parsed_fn_signature.parameters,
        **{
            name: field
            for provide in handler.resolve_dependencies().values()
            for name, field in provide.parsed_fn_signature.parameters.items()
        },
    }


def wire_name(key: str, field: FieldDefinition | None) -> str:
    """The name a client sends the parameter `key` under."""
    kwarg = field.kwarg_definition if field is not None else None
    return getattr(kwarg, "name", None) or getattr(kwarg, "query", None) or key


def query_parameters(handler: HTTPRouteHandler) -> frozenset[str]:
    """The names of the query parameters the handler takes (its own and its dependencies'):
    what it declares but its path parameters, headers, cookies, dependencies and what Litestar
    injects itself (`request`, `state`, ...)."""
    found = _queries.get(handler)
    if found is None:
        path = {name for template in handler.paths for name in re.findall(r"\{(\w+)", template)}
        dependencies = handler.resolve_dependencies()
        found = _queries[handler] = frozenset(
            wire_name(key, field)
            for key, field in declared(handler).items()
            if key not in path
            and key not in dependencies
            and key not in RESERVED_KWARGS
            and _in_query(field.kwarg_definition)
        )
    return found


def _in_query(kwarg: object) -> bool:
    """Whether a parameter so declared is read from the query: a plain one is."""
    if kwarg is None:
        return True
    return isinstance(kwarg, ParameterKwarg) and kwarg.param_type is ParamType.QUERY


def integer_parameters(handler: HTTPRouteHandler) -> frozenset[str]:
    """The names of the handler's query parameters that are integers."""
    found = _integers.get(handler)
    if found is None:
        queries = query_parameters(handler)
        found = _integers[handler] = frozenset(
            name
            for key, field in declared(handler).items()
            if (name := wire_name(key, field)) in queries
            and field.is_subclass_of(int)
            and not field.is_subclass_of(bool)
        )
    return found
