"""The problem responses each operation documents in the OpenAPI document.

`ProblemDocument` is the schema the contract promises: what `problems.encode_problem` writes
from the SDK's `Problem`, with the members the service always sends required. (The SDK's
struct has defaults for every member, so that it reads any problem, ours or a proxy's.)
"""

from __future__ import annotations

import msgspec
from litestar.openapi.datastructures import ResponseSpec

from recotrack.api.body import MAX_DEPTH
from recotrack.api.problems import MEDIA_TYPE
from recotrack_sdk import FieldError


class ProblemDocument(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem: `type` is stable and names the kind of problem."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None
    current_etag: str | None = None


_DESCRIPTIONS = {
    400: f"Malformed JSON (not UTF-8, or nested more than {MAX_DEPTH} deep), a bad query "
    "parameter or cursor",
    401: "No token, or an unknown or revoked one",
    403: "The caller's role may not do this",
    404: "No such resource, or not one the caller may see",
    409: "A uniqueness rule, or the recommendation's state, does not allow it",
    412: "If-Match names a version that is no longer current",
    413: "The body is too large",
    415: "The body is not application/json",
    422: "The body breaks the schema or a rule (field errors as JSON pointers)",
    428: "If-Match is required to change an existing resource",
    429: "Too many requests from this token (or address, without one): wait as long as "
    "Retry-After says",
    431: "The request's headers are too large",
    503: "The database is unavailable or busy: retry after Retry-After",
    504: "The request took too long (request or statement timeout): retry after Retry-After",
}


EVERYWHERE = (429, 431, 503, 504)
"""What any request may meet, whatever it asks: the limits, and the database away or slow."""


def documented(*statuses: int) -> dict[int, ResponseSpec]:
    """The problem responses an operation can give (and those of `EVERYWHERE`), for the
    OpenAPI document."""
    return {
        status: ResponseSpec(
            ProblemDocument,
            description=_DESCRIPTIONS[status],
            media_type=MEDIA_TYPE,
            generate_examples=False,
        )
        for status in (*statuses, *EVERYWHERE)
    }


READS = documented(400, 401, 404)
CREATES = documented(400, 401, 403, 404, 409, 413, 415, 422)
CHANGES = documented(400, 401, 403, 404, 409, 412, 413, 415, 422, 428)
REMOVES = documented(400, 401, 403, 404, 409, 412, 428)
PUBLIC_READS = documented(400, 404)
"""The public catalogue's: it asks for no token."""
