"""Strict request input: no query parameter that the operation does not take (400, with the
nearest name it does take); JSON bodies only, decoded by msgspec without type coercion; and no
parameter or body text that PostgreSQL cannot hold (see `text`).

Litestar converts bodies in lax mode (it would take `"12"` for an integer). Before a handler
runs, this hook decodes the raw body strictly against the handler's declared type, so a wrong
type is a 422 with a JSON pointer, and a body that is not JSON a 400 or 415.

Before any decoder sees a body, `check_json` refuses (400) one that is not UTF-8 or that nests
arrays and objects deeper than `MAX_DEPTH`: msgspec 0.22 raises `UnicodeDecodeError` for the
first (not a `DecodeError`), and its decoders, like ours that look for NULs, recurse, so a body
nested a thousand deep would exhaust the stack.
"""

from __future__ import annotations

import operator
import re
from itertools import accumulate
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import HTTPException
from litestar.params import SkipValidationMarker

from recotrack.api.expected import expected, explain, type_at, type_of
from recotrack.api.parameters import INTEGER, integer_parameters, query_parameters
from recotrack.api.problems import (
    InvalidBody,
    MalformedBody,
    invalid_parameters,
    unknown_parameters,
)
from recotrack.api.text import DETAIL, ESCAPED_NUL, check_parameters, nul_pointer

_PATH = re.compile(r" - at `\$(.*)`$")
_FIELD = re.compile(r"(?:unknown|required) field `([^`]+)`")
_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}

MAX_DEPTH = 64
"""How deeply a JSON body may nest arrays and objects (ours nest three deep at most)."""
# A string, escapes and all; one left open runs to the end (its body is malformed anyway), so
# every match succeeds where it starts and the scan stays linear.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def nesting_depth(raw: bytes) -> int:
    """How deeply the JSON text `raw` nests arrays and objects, without parsing it: counting
    brackets outside strings, in C loops (a 1 MiB body costs milliseconds)."""
    steps = _STRING.sub(b"", raw).translate(_STEPS, _NOT_BRACKETS)  # 2 opens, 0 closes
    # the depth after each bracket: the sum of the steps so far, less one per bracket
    return max(map(operator.sub, accumulate(steps), range(1, len(steps) + 1)), default=0)


def check_json(raw: bytes) -> None:
    """Refuse (400) a body that is not UTF-8, or nests deeper than `MAX_DEPTH`."""
    if not raw.isascii():
        try:
            raw.decode()
        except UnicodeDecodeError as exc:
            raise MalformedBody(
                f"the body is not valid JSON: it is not UTF-8 (byte {exc.start})"
            ) from None
    brackets = raw.count(b"[") + raw.count(b"{")
    if brackets > MAX_DEPTH and nesting_depth(raw) > MAX_DEPTH:  # most bodies: too few to look
        raise MalformedBody(
            f"the body nests arrays and objects more than {MAX_DEPTH} deep, which no operation "
            "takes"
        )


def json_pointer(message: str, of: Any | None = None) -> tuple[str, str]:
    """msgspec's `… - at `$.a[0].b`` as the JSON pointer `/a/0/b`, and the message, saying what
    is expected there (`expected.explain`) as the type the body was decoded as (`of`) says:
    without it, a date's form still, and a pattern not as its regular expression."""
    at = _PATH.search(message)
    path = at.group(1) if at else ""
    detail = message[: at.start()] if at else message
    pointer = re.sub(r"\[(\d+)\]", r".\1", path).replace(".", "/")
    field = _FIELD.search(detail)
    if field:
        pointer += "/" + field.group(1)
    kind = type_at(type_of(of), pointer) if of is not None else None
    return pointer, explain(detail, expected(kind))


def not_json(exc: msgspec.DecodeError) -> MalformedBody:
    """The error for a body that msgspec could not read as JSON."""
    return MalformedBody(f"the body is not valid JSON: {exc}")


def check_syntax(raw: bytes) -> None:
    """Raise `MalformedBody` when `raw` is not JSON."""
    try:
        msgspec.json.decode(raw, type=msgspec.Raw)  # read through, no objects made
    except msgspec.DecodeError as exc:
        raise not_json(exc) from None


def check_text(raw: bytes) -> None:
    """Raise (422, with its pointer) when a string of the JSON body `raw` holds a NUL."""
    if ESCAPED_NUL not in raw:  # the common case, without decoding again
        return
    pointer = nul_pointer(msgspec.json.decode(raw))
    if pointer is not None:
        raise InvalidBody(DETAIL, pointer=pointer)


async def strict_request(request: Request[Any, Any, Any]) -> None:
    """`before_request` hook for every `/v1` route."""
    check_known_parameters(request)
    check_parameters(request)
    check_integers(request)
    await strict_json_body(request)


def check_known_parameters(request: Request[Any, Any, Any]) -> None:
    """Refuse (400, naming it) a query parameter the operation does not take: ignored, a
    misspelt filter would answer more than was asked for."""
    known = query_parameters(request.route_handler)
    unknown = [name for name in dict.fromkeys(request.query_params) if name not in known]
    if unknown:
        raise unknown_parameters(unknown, known)


def check_integers(request: Request[Any, Any, Any]) -> None:
    """Refuse (400, naming it) an integer query parameter not written in decimal digits."""
    names = integer_parameters(request.route_handler)
    bad = sorted(
        name
        for name in names
        if not all(INTEGER.fullmatch(value) for value in request.query_params.getall(name, []))
    )
    if bad:
        raise invalid_parameters(dict.fromkeys(bad, "must be an integer, in decimal digits"))


async def strict_json_body(request: Request[Any, Any, Any]) -> None:
    """Decode the body of a route that takes one against its type, strictly."""
    data_field = request.route_handler.parsed_data_field
    if data_field is None:
        return
    media_type, _ = request.content_type
    if media_type != "application/json":
        raise HTTPException(
            status_code=415,
            detail=f"the body must be application/json, not {media_type or 'unspecified'}",
        )
    raw = await request.body()
    check_json(raw)
    if data_field.has_metadata(SkipValidationMarker):
        # the handler decodes this body itself (batches: item by item), once it is JSON
        check_syntax(raw)
        return
    decoder = _decoders.get(data_field.annotation)
    if decoder is None:
        decoder = _decoders[data_field.annotation] = msgspec.json.Decoder(data_field.annotation)
    try:
        decoder.decode(raw)
    except msgspec.ValidationError as exc:
        check_syntax(raw)  # a schema error met before a syntax error is still malformed JSON
        check_text(raw)
        pointer, detail = json_pointer(str(exc), data_field.annotation)
        raise InvalidBody(detail, pointer=pointer) from None
    except msgspec.DecodeError as exc:
        raise not_json(exc) from None
    check_text(raw)
