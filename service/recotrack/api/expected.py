"""What a value must be, in words, for the errors that refuse one.

msgspec (and Litestar, which validates parameters with it) says what failed in its own terms:
`Invalid RFC3339 encoded date`, `Invalid enum value 'x'`, `Expected `str` matching regex
'^[0-9]{6}-[0-9]{4}$(?!\\n)'`. `explain` turns such a message into one that says what is
expected, from the type the value was decoded as: a date's form, an enumeration's values, a
string pattern's words as the type carries them (`extra["expected"]` of its `msgspec.Meta`,
in the SDK's models), never the regular expression itself.
"""

from __future__ import annotations

import re
from typing import Any

from msgspec import inspect

DATE = "a date written YYYY-MM-DD, such as `2026-01-15`"
MOMENT = "a date and time in RFC 3339, such as `2026-01-15T09:30:00Z`"
BOOLEAN = "`true` or `false`"

_REGEX = re.compile(r"^Expected `str` matching regex .*$")
_ENUM = re.compile(r"^Invalid enum value (.+)$")
_TYPE = re.compile(r"^Expected `[^`]+`, got `([^`]+)`$")
_INVALID = {
    "Invalid RFC3339 encoded date": ("not a valid date", DATE),
    "Invalid RFC3339 encoded datetime": ("not a valid date and time", MOMENT),
}
_SEQUENCES = (inspect.ListType, inspect.SetType, inspect.VarTupleType)


def type_of(annotation: Any) -> inspect.Type:
    """The msgspec view of a Python type, which `expected` reads."""
    return inspect.type_info(annotation)


def type_at(kind: inspect.Type, pointer: str) -> inspect.Type | None:
    """The type of the value at the JSON pointer `pointer` of a value of `kind`; None when
    the pointer leads nowhere the type knows (an unknown field)."""
    for token in pointer.split("/")[1:] if pointer else ():
        step = _bare(kind)
        if isinstance(step, inspect.Metadata):
            step = _bare(step.type)
        name = token.replace("~1", "/").replace("~0", "~")
        if isinstance(step, inspect.StructType):
            field = next((f for f in step.fields if f.encode_name == name), None)
            if field is None:
                return None
            kind = field.type
        elif isinstance(step, _SEQUENCES):
            kind = step.item_type
        elif isinstance(step, inspect.DictType):
            kind = step.value_type
        else:
            return None
    return kind


def expected(kind: inspect.Type | None, *, items: bool = False) -> str | None:
    """What a value of `kind` must be, in words; None when msgspec's message says it already
    (a length, a bound, a type of its own name). With `items`, what each item of a sequence
    must be (a repeated query parameter's values)."""
    words: str | None = None
    while kind is not None:
        if isinstance(kind, inspect.Metadata):
            words = words or (kind.extra or {}).get("expected")
            kind = kind.type
        elif (bare := _bare(kind)) is not kind:
            kind = bare
        elif items and isinstance(kind, _SEQUENCES):
            kind, items = kind.item_type, False
        else:
            break
    if words:
        return words
    match kind:
        case inspect.LiteralType(values=values):
            return "one of " + ", ".join(f"`{value}`" for value in values)
        case inspect.EnumType(cls=cls):
            return "one of " + ", ".join(f"`{member.value}`" for member in cls)
        case inspect.DateType():
            return DATE
        case inspect.DateTimeType():
            return MOMENT
        case inspect.BoolType():
            return BOOLEAN
    return None


def explain(message: str, words: str | None, *, in_query: bool = False) -> str:
    """msgspec's `message` about a value, saying what is expected (`words`, from `expected`)
    instead of a regular expression, or besides a bare refusal. In a query, where every value
    is text, the type that was sent goes unsaid."""
    if _REGEX.match(message):
        form = "not in the expected form"
        return f"{form}; expected {words}" if words else form
    if message in _INVALID:
        what, default = _INVALID[message]
        return f"{what}; expected {words or default}"
    if words is None:
        return message
    if enum := _ENUM.match(message):
        return f"invalid value {enum.group(1)}; expected {words}"
    if got := _TYPE.match(message):
        return f"expected {words}" if in_query else f"expected {words}, got `{got.group(1)}`"
    return message


def _bare(kind: inspect.Type) -> inspect.Type:
    """A type that may be null, without the null (msgspec leaves `UNSET` out itself)."""
    if isinstance(kind, inspect.UnionType):
        others = [t for t in kind.types if not isinstance(t, inspect.NoneType)]
        if len(others) == 1:
            return others[0]
    return kind
