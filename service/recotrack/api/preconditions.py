"""Optimistic concurrency: `ETag` from a resource's version, `If-Match` required to change it."""

from __future__ import annotations

from typing import Annotated

from litestar.params import HeaderParameter

from recotrack.api.problems import PreconditionError

IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        description="The `ETag` of the version being changed. Required (428 without it); "
        "412 when it is no longer current. `*` matches any version.",
    ),
]


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version the caller read, from `If-Match`; None for `*` (any version).

    Raises 428 when the header is missing and 412 when it names no version we could have sent.
    """
    if if_match is None or not if_match.strip():
        raise PreconditionError(
            "this change needs an If-Match header with the ETag of the version you read; "
            "GET the resource, then send its ETag",
            required=True,
        )
    value = if_match.strip()
    if value == "*":
        return None
    tag = value.removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise PreconditionError(f"If-Match {value!r} does not match the current version", required=False)
    return int(tag)
