"""The parameters a route declares, under the names clients send; and integers taken as the
contract writes them.

Litestar converts query parameters in lax mode: it takes `limit=1e3` or `limit=1.0` for an
integer, which the contract (`type: integer`) does not allow. `integer_parameters` names the
query parameters of a route that are integers, for `body.strict_request` to refuse any other
spelling than decimal digits.
"""

from __future__ import annotations

import re

from litestar.handlers import HTTPRouteHandler
from litestar.typing import FieldDefinition

INTEGER = re.compile(r"-?[0-9]+")
_integers: dict[HTTPRouteHandler, frozenset[str]] = {}


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


def integer_parameters(handler: HTTPRouteHandler) -> frozenset[str]:
    """The names of the handler's query parameters that are integers."""
    found = _integers.get(handler)
    if found is None:
        path = {name for template in handler.paths for name in re.findall(r"\{(\w+)", template)}
        found = _integers[handler] = frozenset(
            wire_name(key, field)
            for key, field in declared(handler).items()
            if field.is_subclass_of(int)
            and not field.is_subclass_of(bool)
            and key not in path
            and not getattr(field.kwarg_definition, "header", None)
        )
    return found
