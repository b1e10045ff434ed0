"""Optimistic concurrency: `ETag` from a resource's version, `If-Match` required to change it.

A bad or missing `If-Match` fails as the store's version checks do (`VersionMismatch`, 412;
`VersionRequired`, 428): one family of precondition errors, one problem type each.
"""

from __future__ import annotations

from typing import Annotated

from litestar.openapi.spec import OpenAPIType
from litestar.params import HeaderParameter

from recotrack.store.errors import VersionMismatch, VersionRequired
from recotrack_sdk.models import version_of

# A header is never null: the schemas say `string`, not Litestar's `string or null` of the
# `None` that stands for an absent header; and name the only tags that can match, ours (any
# other is 412, an empty one 428).
_STRING = {"oneOf": None, "type": OpenAPIType.STRING, "pattern": '^"[0-9]{1,18}"$'}

IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=True,
        schema_extra=_STRING,
        description="The `ETag` of the version being changed (428 without it); 412 when it is "
        "no longer the current one.",
    ),
]
"""`If-Match` of a change that always needs one (PATCH, and DELETE of a closure). Documented as
required; its absence (None) is answered by `required_version`: 428, not Litestar's 400."""

IfMatchWhenExists = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        schema_extra=_STRING,
        description="The `ETag` of the version being changed: required when the resource "
        "exists (428 without it), not for the first PUT, which creates it; 412 when it is no "
        "longer the current one.",
    ),
]
"""`If-Match` of a PUT, which needs one only to change what exists (`if_match_version`)."""


def if_match_version(if_match: str | None) -> int | None:
    """The version named by `If-Match`, or None when there is no such header.

    A value that names no version we could have sent (a weak or foreign tag) fails with 412.
    """
    if if_match is None or not if_match.strip():
        return None
    version = version_of(if_match)
    if version is None:
        tag = if_match.strip()
        raise VersionMismatch(None, detail=f"If-Match {tag} does not match the current version")
    return version


def required_version(if_match: str | None) -> int:
    """As `if_match_version`, but a missing header is 428: the change must be conditional."""
    version = if_match_version(if_match)
    if version is None:
        raise VersionRequired(
            "this change needs an If-Match header with the ETag of the version you read; "
            "GET the resource, then send its ETag"
        )
    return version
