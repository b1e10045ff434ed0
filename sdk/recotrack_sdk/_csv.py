"""The one definition of the two CSV dialects, for the service's exports and the CLI's `--csv`
alike (the service may import the SDK; never the other way round)."""

from __future__ import annotations

from typing import Literal

Dialect = Literal["excel", "rfc4180"]
"""CSV: `excel` (UTF-8 with BOM, `;`, CRLF: what Swedish Excel opens) or `rfc4180` (comma)."""

BOM = "\ufeff"
"""Written first in the `excel` dialect: it tells Excel the file is UTF-8 (else å, ä, ö break)."""
CRLF = "\r\n"


def separator(dialect: Dialect) -> str:
    """`;` for Excel set to Swedish (where `,` is the decimal sign), `,` for RFC 4180."""
    return ";" if dialect == "excel" else ","


def decimal(value: float, dialect: Dialect) -> str:
    """A number with a fraction as the dialect's readers expect it: a decimal comma for Excel
    set to Swedish (else it reads `0.25` as text, or as a date), a point for RFC 4180."""
    text = repr(value)
    return text.replace(".", ",") if dialect == "excel" else text
