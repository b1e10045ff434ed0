"""PostgreSQL's text cannot hold the NUL character (U+0000). A request that carries one, in a
parameter or anywhere in a JSON body, is refused here as the client's error; left to reach a
query, it would fail there as the server's (a 500, or a stream cut short)."""

from __future__ import annotations

from typing import Any

from litestar import Request

from recotrack.api.problems import invalid_parameters

NUL = "\x00"
ESCAPED_NUL = b"\\u0000"
"""How a NUL appears in JSON text: a raw one is not valid JSON."""
DETAIL = "contains a NUL character (U+0000), which text here cannot hold"


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def nul_pointer(value: Any, pointer: str = "") -> str | None:
    """The JSON pointer of the first string, or object key, in `value` that holds a NUL."""
    if isinstance(value, str):
        return pointer if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            at = f"{pointer}/{_escape(str(key))}"
            if NUL in str(key):
                return at
            found = nul_pointer(item, at)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_pointer(item, f"{pointer}/{index}")
            if found is not None:
                return found
    return None


def check_parameters(request: Request[Any, Any, Any]) -> None:
    """Refuse a path or query parameter that holds a NUL (400, naming the parameter)."""
    named = [*request.path_params.items(), *request.query_params.multi_items()]
    bad = sorted({name for name, value in named if isinstance(value, str) and NUL in value})
    if bad:
        raise invalid_parameters(dict.fromkeys(bad, DETAIL))
