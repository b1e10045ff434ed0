"""Bad input of every kind, at every endpoint that takes it: each is a problem document with a
stable `type` and a JSON pointer, and none of them changes anything in the database."""

from __future__ import annotations

import base64
import gc
import json
import re
from dataclasses import dataclass, field
from typing import Any, get_args
from urllib.parse import quote

import pytest
from litestar.routes import HTTPRoute

from recotrack.api.body import MAX_DEPTH
from recotrack.api.parameters import query_parameters
from recotrack.app import create_app
from recotrack.settings import Settings
from recotrack_sdk.models import (
    Area,
    ClosureOutcome,
    Decision,
    Phase,
    Priority,
    ProgressStatus,
    Role,
)
from tests import flow
from tests.api.conftest import Shared
from tests.api.support import World, assert_problem, unchanged
from tests.helpers import Api


@dataclass(frozen=True)
class BodyEndpoint:
    """An operation that takes a JSON body, with a valid body to spoil."""

    name: str
    method: str
    path: str
    who: str
    body: dict[str, Any]
    wrong_types: tuple[tuple[str, Any], ...]
    too_long: tuple[str, int]
    """A string field and its longest allowed length."""
    required: str | None = None
    if_match: bool = False
    success: int = 200
    enums: tuple[str, ...] = field(default=())
    dates: tuple[str, ...] = field(default=())

    def headers(self) -> dict[str, str]:
        return {"If-Match": '"1"'} if self.if_match else {}


REC = "/v1/recommendations/{rec}"

ENDPOINTS = [
    BodyEndpoint(
        "create_agency",
        "POST",
        "/v1/agencies",
        "secretariat",
        {"id": "lantmateriet", "name": "Lantmäteriet", "org_number": "202100-4888"},
        wrong_types=(("name", 12), ("org_number", 2021004888), ("id", None)),
        too_long=("name", 200),
        required="org_number",
        success=201,
    ),
    BodyEndpoint(
        "update_agency",
        "PATCH",
        "/v1/agencies/skatteverket",
        "secretariat",
        {"name": "Skatteverket (SKV)"},
        wrong_types=(("name", ["Skatteverket"]), ("name", None), ("org_number", 2021005448)),
        too_long=("name", 200),
        if_match=True,
    ),
    BodyEndpoint(
        "create_investment",
        "POST",
        "/v1/investments",
        "secretariat",
        {"agency_id": "skatteverket", "title": "Nytt ärendehanteringssystem", "budget_sek": 12},
        wrong_types=(
            ("budget_sek", "12"),
            ("budget_sek", 12.5),
            ("loan_financed", "true"),
            ("loan_financed", 1),
            ("title", None),
        ),
        too_long=("title", 300),
        required="title",
        success=201,
        enums=("phase",),
    ),
    BodyEndpoint(
        "update_investment",
        "PATCH",
        "/v1/investments/{investment}",
        "secretariat",
        {"budget_sek": 5_000_000},
        wrong_types=(("budget_sek", "12"), ("loan_financed", "false"), ("title", 1)),
        too_long=("title", 300),
        if_match=True,
        enums=("phase",),
    ),
    BodyEndpoint(
        "create_review",
        "POST",
        "/v1/reviews",
        "secretariat",
        {"investment_id": "{investment}", "title": "Andra granskningen"},
        wrong_types=(("started_on", 20260101), ("title", ["x"]), ("investment_id", 7)),
        too_long=("title", 300),
        required="investment_id",
        success=201,
        dates=("started_on", "delivered_on"),
    ),
    BodyEndpoint(
        "update_review",
        "PATCH",
        "/v1/reviews/{review}",
        "secretariat",
        {"report_ref": "Rapport 2026:4"},
        wrong_types=(("title", 1), ("report_ref", True)),
        too_long=("report_ref", 200),
        if_match=True,
        dates=("started_on", "delivered_on"),
    ),
    BodyEndpoint(
        "create_recommendation",
        "POST",
        "/v1/recommendations",
        "secretariat",
        {"review_id": "{review}", "code": "2026-BAD-001", "title": "Styrning", "area": "results"},
        wrong_types=(("priority", 1), ("title", {"sv": "Styrning"}), ("issued_on", 20260115)),
        too_long=("body", 20_000),
        required="area",
        success=201,
        enums=("area", "priority"),
        dates=("issued_on", "response_due", "implementation_due"),
    ),
    BodyEndpoint(
        "update_recommendation",
        "PATCH",
        REC,
        "secretariat",
        {"priority": "low"},
        wrong_types=(("title", True), ("response_due", 1)),
        too_long=("title", 300),
        if_match=True,
        enums=("area", "priority"),
        dates=("issued_on", "response_due", "implementation_due"),
    ),
    BodyEndpoint(
        "put_response",
        "PUT",
        REC + "/response",
        "skatteverket",
        {"decision": "accepted", "responded_by": "Åsa Öberg"},
        wrong_types=(("planned_actions", "Tillsätt en produktägare"), ("rationale", 1)),
        too_long=("responded_by", 200),
        required="responded_by",
        success=201,
        enums=("decision",),
        dates=("target_date",),
    ),
    BodyEndpoint(
        "create_progress",
        "POST",
        REC + "/progress",
        "skatteverket",
        {"status": "in_progress", "percent_complete": 40},
        wrong_types=(("percent_complete", "50"), ("percent_complete", 50.0), ("evidence", "x")),
        too_long=("note", 5_000),
        required="status",
        success=201,
        enums=("status",),
        dates=("reported_on",),
    ),
    BodyEndpoint(
        "create_assessment",
        "POST",
        REC + "/assessments",
        "secretariat",
        {"status": "in_progress", "note": "Stämmer med vår bild."},
        wrong_types=(("note", 5), ("status", ["in_progress"])),
        too_long=("note", 5_000),
        required="status",
        success=201,
        enums=("status",),
        dates=("assessed_on",),
    ),
    BodyEndpoint(
        "put_closure",
        "PUT",
        REC + "/closure",
        "secretariat",
        {"outcome": "withdrawn", "note": "Inaktuell efter omorganisationen."},
        wrong_types=(("note", None), ("outcome", 1)),
        too_long=("note", 5_000),
        required="outcome",
        success=201,
        enums=("outcome",),
    ),
    BodyEndpoint(
        "create_token",
        "POST",
        "/v1/tokens",
        "secretariat",
        {"role": "auditor", "label": "Riksrevisionen"},
        wrong_types=(("label", 1), ("agency_id", 1)),
        too_long=("label", 200),
        required="label",
        success=201,
        enums=("role",),
    ),
]
BY_NAME = {e.name: e for e in ENDPOINTS}


def endpoints() -> pytest.MarkDecorator:
    return pytest.mark.parametrize("ep", ENDPOINTS, ids=[e.name for e in ENDPOINTS])


async def send(
    api: Api,
    world: World,
    ep: BodyEndpoint,
    *,
    body: Any = None,
    content: bytes | None = None,
    content_type: str | None = "application/json",
) -> Any:
    headers = ep.headers()
    if content_type is not None:
        headers["Content-Type"] = content_type
    if content is None:
        content = json.dumps(world.fill(ep.body if body is None else body)).encode()
    return await api.call(ep.who, ep.method, world.url(ep.path), content=content, headers=headers)


@endpoints()
async def test_the_valid_body_is_accepted(api: Api, world: World, ep: BodyEndpoint) -> None:
    """The bodies spoiled below are good ones to begin with (and a charset is fine)."""
    r = await send(api, world, ep, content_type="application/json; charset=utf-8")
    assert r.status_code == ep.success, r.text


@endpoints()
async def test_a_wrong_type_is_rejected_not_coerced(shared: Shared, ep: BodyEndpoint) -> None:
    api, db, world = shared.api, shared.db, shared.world
    for name, value in ep.wrong_types:
        async with unchanged(db):
            r = await send(api, world, ep, body={**ep.body, name: value})
            body = assert_problem(r, 422, "validation", pointer=f"/{name}")
        assert "regex" not in _detail(body, f"/{name}"), body


@endpoints()
async def test_an_unknown_field_is_rejected(shared: Shared, ep: BodyEndpoint) -> None:
    api, db, world = shared.api, shared.db, shared.world
    async with unchanged(db):
        r = await send(api, world, ep, body={**ep.body, "colour": "blå"})
        assert_problem(r, 422, "validation", pointer="/colour")


@pytest.mark.parametrize(
    "ep",
    [e for e in ENDPOINTS if e.required],  # in a PATCH every field is optional
    ids=[e.name for e in ENDPOINTS if e.required],
)
async def test_a_missing_required_field_is_rejected(shared: Shared, ep: BodyEndpoint) -> None:
    api, db, world = shared.api, shared.db, shared.world
    assert ep.required is not None
    body = {k: v for k, v in ep.body.items() if k != ep.required}
    async with unchanged(db):
        r = await send(api, world, ep, body=body)
        assert_problem(r, 422, "validation", pointer=f"/{ep.required}")


@endpoints()
async def test_a_too_long_string_is_rejected(shared: Shared, ep: BodyEndpoint) -> None:
    api, db, world = shared.api, shared.db, shared.world
    name, longest = ep.too_long
    async with unchanged(db):
        r = await send(api, world, ep, body={**ep.body, name: "å" * (longest + 1)})
        assert_problem(r, 422, "validation", pointer=f"/{name}")


@pytest.mark.parametrize(
    ("ep", "name"),
    [(e, name) for e in ENDPOINTS for name in e.enums],
    ids=[f"{e.name}-{name}" for e in ENDPOINTS for name in e.enums],
)
@pytest.mark.parametrize("value", ["nope", "High", ""])
async def test_a_bad_enum_value_is_rejected(
    shared: Shared, ep: BodyEndpoint, name: str, value: str
) -> None:
    api, db, world = shared.api, shared.db, shared.world
    async with unchanged(db):
        r = await send(api, world, ep, body={**ep.body, name: value})
        body = assert_problem(r, 422, "validation", pointer=f"/{name}")
    assert _detail(body, f"/{name}") == f"invalid value {value!r}; expected one of " + ", ".join(
        f"`{allowed}`" for allowed in sorted(get_args(VOCABULARY[name]))
    )


VOCABULARY = {
    "area": Area,
    "priority": Priority,
    "phase": Phase,
    "decision": Decision,
    "status": ProgressStatus,
    "outcome": ClosureOutcome,
    "role": Role,
}
"""The values each enumerated field takes: a bad value's error lists them."""


def _detail(body: dict[str, Any], pointer: str) -> str:
    """The detail of the field error at `pointer` of a problem document."""
    [detail] = [e["detail"] for e in body["errors"] if e.get("pointer") == pointer]
    return str(detail)


@pytest.mark.parametrize(
    ("ep", "name"),
    [(e, name) for e in ENDPOINTS for name in e.dates],
    ids=[f"{e.name}-{name}" for e in ENDPOINTS for name in e.dates],
)
@pytest.mark.parametrize("value", ["2026-02-30", "tomorrow", "2026-13-01", "15/01/2026"])
async def test_a_bad_date_is_rejected(
    shared: Shared, ep: BodyEndpoint, name: str, value: str
) -> None:
    api, db, world = shared.api, shared.db, shared.world
    async with unchanged(db):
        r = await send(api, world, ep, body={**ep.body, name: value})
        body = assert_problem(r, 422, "validation", pointer=f"/{name}")
    assert _detail(body, f"/{name}") == (
        "not a valid date; expected a date written YYYY-MM-DD, such as `2026-01-15`"
    )


@endpoints()
@pytest.mark.parametrize(
    "content",
    [b"{", b"not json", b"", b"\xff\xfe{}", b"{'single': 'quotes'}"],
    ids=["truncated", "text", "empty", "not-utf8", "single-quotes"],
)
async def test_a_body_that_is_not_json_is_400(
    shared: Shared, ep: BodyEndpoint, content: bytes
) -> None:
    api, db, world = shared.api, shared.db, shared.world
    async with unchanged(db):
        r = await send(api, world, ep, content=content)
        assert_problem(r, 400, "malformed-json")


def _spoiled(world: World, ep: BodyEndpoint, raw: bytes) -> bytes:
    """The endpoint's valid body with `raw` (not JSON text of its own) as its string field."""
    name, _ = ep.too_long
    return json.dumps(world.fill({**ep.body, name: "SPOIL"})).encode().replace(b'"SPOIL"', raw)


NOT_UTF8 = {"lone-ff": b'"\xff"', "cut-short": b'"\xc3"', "surrogate": b'"\xed\xa0\x80"'}


@endpoints()
@pytest.mark.parametrize("raw", NOT_UTF8.values(), ids=NOT_UTF8.keys())
async def test_a_string_that_is_not_utf8_is_400(
    shared: Shared, ep: BodyEndpoint, raw: bytes
) -> None:
    """msgspec 0.22 raises UnicodeDecodeError for these, not a DecodeError: once a 500."""
    api, db, world = shared.api, shared.db, shared.world
    async with unchanged(db):
        r = await send(api, world, ep, content=_spoiled(world, ep, raw))
        body = assert_problem(r, 400, "malformed-json")
        assert "UTF-8" in body["detail"], body


@endpoints()
@pytest.mark.parametrize("depth", [MAX_DEPTH, 1_000, 100_000])
async def test_a_body_nested_too_deep_is_400(shared: Shared, ep: BodyEndpoint, depth: int) -> None:
    """Deeper than MAX_DEPTH (the body's own object is one level) is refused before any
    decoder recurses (about 1,000 deep was a RecursionError, a 500)."""
    api, db, world = shared.api, shared.db, shared.world
    async with unchanged(db):
        r = await send(api, world, ep, content=_spoiled(world, ep, b"[" * depth + b"]" * depth))
        body = assert_problem(r, 400, "malformed-json")
        assert f"more than {MAX_DEPTH} deep" in body["detail"], body


@endpoints()
async def test_a_body_nested_as_deep_as_allowed_is_judged_by_its_schema(
    shared: Shared, ep: BodyEndpoint
) -> None:
    api, db, world = shared.api, shared.db, shared.world
    name, _ = ep.too_long
    depth = MAX_DEPTH - 1  # in the body's object
    async with unchanged(db):
        r = await send(api, world, ep, content=_spoiled(world, ep, b"[" * depth + b"]" * depth))
        assert_problem(r, 422, "validation", pointer=f"/{name}")


@pytest.mark.parametrize(
    "content",
    [
        b'{"items": [{"external_ref": "x", "note": "\xff"}]}',
        b'{"items": [{"external_ref": ' + b"[" * 2_000 + b"]" * 2_000 + b"}]}",
    ],
    ids=["not-utf8", "too-deep"],
)
async def test_a_batch_that_is_not_utf8_or_too_deep_is_400(shared: Shared, content: bytes) -> None:
    """The batch is decoded item by item by its handler: it is checked first all the same."""
    async with unchanged(shared.db):
        r = await shared.api.call(
            "skatteverket",
            "POST",
            "/v1/sync/progress",
            content=content,
            headers={"Content-Type": "application/json"},
        )
        assert_problem(r, 400, "malformed-json")


@endpoints()
async def test_a_valid_body_with_a_trailing_comma_is_400(shared: Shared, ep: BodyEndpoint) -> None:
    api, db, world = shared.api, shared.db, shared.world
    content = json.dumps(world.fill(ep.body))[:-1].encode() + b",}"
    async with unchanged(db):
        r = await send(api, world, ep, content=content)
        assert_problem(r, 400, "malformed-json")


async def test_broken_json_is_400_even_when_it_starts_with_an_unknown_field(
    shared: Shared,
) -> None:
    """Not JSON is not JSON: the client learns its syntax is wrong, not that a field is."""
    api, db, world = shared.api, shared.db, shared.world
    ep = BY_NAME["create_investment"]
    async with unchanged(db):
        r = await send(api, world, ep, content=b'{"colour": "bl\xc3\xa5",}')
        assert_problem(r, 400, "malformed-json")


@endpoints()
@pytest.mark.parametrize("content", [b"[]", b'"x"', b"null", b"42"])
async def test_json_that_is_not_an_object_is_422(
    shared: Shared, ep: BodyEndpoint, content: bytes
) -> None:
    api, db, world = shared.api, shared.db, shared.world
    async with unchanged(db):
        r = await send(api, world, ep, content=content)
        assert_problem(r, 422, "validation", pointer="")


@endpoints()
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", None],
)
async def test_a_wrong_content_type_is_415(
    shared: Shared, ep: BodyEndpoint, content_type: str | None
) -> None:
    api, db, world = shared.api, shared.db, shared.world
    async with unchanged(db):
        r = await send(api, world, ep, content_type=content_type)
        assert_problem(r, 415, "unsupported-media-type")


@endpoints()
async def test_a_body_over_one_mebibyte_is_413(shared: Shared, ep: BodyEndpoint) -> None:
    api, db, world = shared.api, shared.db, shared.world
    name, _ = ep.too_long
    big = {**ep.body, name: "x" * (1024 * 1024 + 1)}
    async with unchanged(db):
        r = await send(api, world, ep, body=big)
        body = assert_problem(r, 413, "payload-too-large")
    assert body["detail"] == (
        "the body is larger than this operation takes: at most 1 MiB (1048576 bytes)"
    )


# --- what is expected, in words -----------------------------------------------------------

DATE_WORDS = "a date written YYYY-MM-DD, such as `2026-01-15`"
SLUG_WORDS = (
    "lower-case letters a-z, digits and hyphens (a hyphen neither first, last nor next to "
    "another), such as `skatteverket`"
)
ORG_NUMBER_WORDS = "an organisationsnummer written `NNNNNN-NNNN`, such as `202100-5448`"
CODE_WORDS = (
    "letters A-Z or a-z, digits and hyphens (a hyphen neither first, last nor next to "
    "another), such as `2026-SKV-003`"
)
URL_WORDS = "an `http://` or `https://` URL, without spaces or control characters"

FORMS = [
    ("create_agency", "id", "Skatte verket", f"not in the expected form; expected {SLUG_WORDS}"),
    ("create_agency", "id", "-skv", f"not in the expected form; expected {SLUG_WORDS}"),
    (
        "create_agency",
        "org_number",
        "2021005448",
        f"not in the expected form; expected {ORG_NUMBER_WORDS}",
    ),
    ("create_agency", "org_number", 2021005448, f"expected {ORG_NUMBER_WORDS}, got `int`"),
    (
        "create_investment",
        "agency_id",
        "Skatteverket",
        f"not in the expected form; expected {SLUG_WORDS}",
    ),
    ("create_token", "agency_id", "SKV", f"not in the expected form; expected {SLUG_WORDS}"),
    (
        "create_recommendation",
        "code",
        "2026 SKV 1",
        f"not in the expected form; expected {CODE_WORDS}",
    ),
    (
        "create_recommendation",
        "area",
        3,
        "expected one of `competence`, `enabling_conditions`, "
        "`governance`, `results`, `ways_of_working`, got `int`",
    ),
    ("create_recommendation", "issued_on", 20260115, f"expected {DATE_WORDS}, got `int`"),
    (
        "create_progress",
        "evidence",
        ["ftp://example.se/x"],
        f"not in the expected form; expected {URL_WORDS}",
    ),
]


@pytest.mark.parametrize(
    ("name", "field", "value", "detail"), FORMS, ids=[f"{n}-{f}-{v}" for n, f, v, _ in FORMS]
)
async def test_a_value_of_the_wrong_form_says_the_form_in_words(
    shared: Shared, name: str, field: str, value: Any, detail: str
) -> None:
    """Not the regular expression the schema holds: what a person writes."""
    ep = BY_NAME[name]
    async with unchanged(shared.db):
        r = await send(shared.api, shared.world, ep, body={**ep.body, field: value})
        body = assert_problem(r, 422, "validation")
    [error] = body["errors"]
    pointer = f"/{field}/0" if isinstance(value, list) else f"/{field}"
    assert error == {"pointer": pointer, "detail": detail}


QUERY_WORDS = [
    (
        "/v1/recommendations?issued_from=tomorrow",
        "issued_from",
        f"not a valid date; expected {DATE_WORDS}",
    ),
    (
        "/v1/recommendations?due_before=2026-02-30",
        "due_before",
        f"not a valid date; expected {DATE_WORDS}",
    ),
    (
        "/v1/exports/recommendations?issued_to=15/01/2026",
        "issued_to",
        f"not a valid date; expected {DATE_WORDS}",
    ),
    (
        "/v1/recommendations?priority=urgent",
        "priority",
        "invalid value 'urgent'; expected one of `high`, `low`, `medium`",
    ),
    (
        "/v1/recommendations?state=issued&state=done",
        "state",
        "invalid value 'done'; expected one of `closed`, `draft`, `implemented`, `in_progress`, "
        "`issued`, `responded`",
    ),
    ("/v1/recommendations?overdue=maybe", "overdue", "expected `true` or `false`"),
    (
        "/v1/exports/recommendations?format=pdf",
        "format",
        "invalid value 'pdf'; expected one of `csv`, `ndjson`, `xlsx`",
    ),
    (
        "/v1/audit/events?dialect=excel2",
        "dialect",
        "invalid value 'excel2'; expected one of `excel`, `rfc4180`",
    ),
]


@pytest.mark.parametrize(("url", "name", "detail"), QUERY_WORDS, ids=[u for u, _, _ in QUERY_WORDS])
async def test_a_bad_query_parameter_says_what_is_expected(
    shared: Shared, url: str, name: str, detail: str
) -> None:
    r = await shared.api.call("secretariat", "GET", url)
    body = assert_problem(r, 400, "invalid-parameter")
    assert body["errors"] == [{"parameter": name, "detail": detail}]


@pytest.mark.parametrize("name", ["expected_head", "expected_hash"])
async def test_a_pattern_of_a_query_parameter_is_said_in_words(shared: Shared, name: str) -> None:
    query = f"{name}=not-a-hash" + ("&at_seq=1" if name == "expected_hash" else "")
    r = await shared.api.call("secretariat", "GET", f"/v1/audit/verify?{query}")
    body = assert_problem(r, 400, "invalid-parameter")
    [error] = body["errors"]
    assert error["parameter"] == name
    assert error["detail"].startswith("not in the expected form; expected "), error
    assert "SHA-256" in error["detail"], error
    assert "[" not in error["detail"], error  # no character class of a regular expression


# --- malformed and unknown ids in paths ----------------------------------------------------

UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
BAD_IDS = ["not-a-uuid", "123", UNKNOWN_UUID, "%20", "' or 1=1 --"]

PATH_OPERATIONS: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("secretariat", "GET", "/v1/investments/{id}", None),
    ("secretariat", "PATCH", "/v1/investments/{id}", {"title": "x"}),
    ("secretariat", "GET", "/v1/reviews/{id}", None),
    ("secretariat", "PATCH", "/v1/reviews/{id}", {"title": "x"}),
    ("secretariat", "GET", "/v1/recommendations/{id}", None),
    ("secretariat", "PATCH", "/v1/recommendations/{id}", {"title": "x"}),
    ("secretariat", "GET", "/v1/recommendations/{id}/response", None),
    ("skatteverket", "PUT", "/v1/recommendations/{id}/response", BY_NAME["put_response"].body),
    ("secretariat", "GET", "/v1/recommendations/{id}/progress", None),
    ("skatteverket", "POST", "/v1/recommendations/{id}/progress", {"status": "in_progress"}),
    ("secretariat", "GET", "/v1/recommendations/{id}/assessments", None),
    ("secretariat", "POST", "/v1/recommendations/{id}/assessments", {"status": "in_progress"}),
    ("secretariat", "GET", "/v1/recommendations/{id}/closure", None),
    ("secretariat", "PUT", "/v1/recommendations/{id}/closure", {"outcome": "withdrawn"}),
    ("secretariat", "DELETE", "/v1/recommendations/{id}/closure", None),
    ("secretariat", "DELETE", "/v1/tokens/{id}", None),
]


@pytest.mark.parametrize(
    ("who", "method", "template", "body"),
    PATH_OPERATIONS,
    ids=[f"{m} {t}" for _, m, t, _ in PATH_OPERATIONS],
)
@pytest.mark.parametrize("bad_id", BAD_IDS)
async def test_a_malformed_or_unknown_id_in_the_path_is_404(
    shared: Shared,
    who: str,
    method: str,
    template: str,
    body: dict[str, Any] | None,
    bad_id: str,
) -> None:
    url = template.replace("{id}", bad_id)
    async with unchanged(shared.db):
        r = await shared.api.call(who, method, url, json=body, headers={"If-Match": '"1"'})
        assert_problem(r, 404, "not-found")


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("PATCH", {"name": "x"})])
@pytest.mark.parametrize("bad_id", ["Not A Slug", "SKATTEVERKET", "nosuchagency", "x" * 65])
async def test_a_malformed_or_unknown_agency_id_is_404(
    shared: Shared, method: str, body: dict[str, Any] | None, bad_id: str
) -> None:
    async with unchanged(shared.db):
        r = await shared.api.call(
            "secretariat", method, f"/v1/agencies/{bad_id}", json=body, headers={"If-Match": '"1"'}
        )
        assert_problem(r, 404, "not-found")


# --- list parameters -----------------------------------------------------------------------

LISTS = [
    "/v1/agencies",
    "/v1/investments",
    "/v1/reviews",
    "/v1/recommendations",
    "/v1/recommendations/{rec}/progress",
    "/v1/recommendations/{rec}/assessments",
    "/v1/tokens",
]


def lists() -> pytest.MarkDecorator:
    return pytest.mark.parametrize("path", LISTS)


@lists()
@pytest.mark.parametrize(
    "limit",
    ["0", "1001", "abc", "-1", "1.5", "", "1e3", "1.0", "1e1", " 5", "5 ", "+5", "٥", "1_0"],
)
async def test_a_bad_limit_is_400(shared: Shared, path: str, limit: str) -> None:
    """Integers as the contract writes them: decimal digits (Litestar alone took `1e3`)."""
    api, world = shared.api, shared.world
    r = await api.call("secretariat", "GET", f"{world.url(path)}?limit={quote(limit)}")
    body = assert_problem(r, 400, "invalid-parameter")
    assert any(e.get("parameter") == "limit" for e in body["errors"]), body


@pytest.mark.parametrize(("name", "value"), [("wait", "1e1"), ("wait", "0.0"), ("limit", "1e2")])
async def test_the_changes_feed_takes_integers_only(shared: Shared, name: str, value: str) -> None:
    r = await shared.api.call("secretariat", "GET", f"/v1/changes?{name}={value}")
    body = assert_problem(r, 400, "invalid-parameter")
    assert [e.get("parameter") for e in body["errors"]] == [name], body


@lists()
@pytest.mark.parametrize("limit", ["1", "1000"])
async def test_the_limits_of_limit_are_allowed(shared: Shared, path: str, limit: str) -> None:
    api, world = shared.api, shared.world
    r = await api.call("secretariat", "GET", f"{world.url(path)}?limit={limit}")
    assert r.status_code == 200, r.text
    assert len(r.json()["items"]) <= int(limit)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


GARBAGE_CURSORS = {
    "not-base64": "!!!",
    "base64-of-text": _b64(b"hello"),
    "wrong-shape": _b64(b'{"after": 3}'),
    "short-tuple": _b64(b'["recommendations"]'),
    "bad-timestamp": _b64(b'["recommendations", "yesterday", "x"]'),
}


@lists()
@pytest.mark.parametrize("cursor", GARBAGE_CURSORS.values(), ids=GARBAGE_CURSORS.keys())
async def test_a_garbage_cursor_is_400(shared: Shared, path: str, cursor: str) -> None:
    api, world = shared.api, shared.world
    r = await api.call("secretariat", "GET", f"{world.url(path)}?cursor={cursor}")
    assert_problem(r, 400, "invalid-cursor")


@pytest.fixture(scope="module")
async def two_of_each(shared: Shared) -> World:
    """Every list with a second item, so that each has a genuine cursor to tamper with: the
    world's investments and reviews, and a new recommendation with two of each report."""
    api, world = shared.api, shared.world
    for url, body in [
        ("/v1/investments", {"agency_id": "skatteverket", "title": "I2"}),
        ("/v1/reviews", {"investment_id": world.investment, "title": "R2"}),
    ]:
        r = await api.call("secretariat", "POST", url, json=body)
        assert r.status_code == 201, r.text
    rec = await flow.recommendation(api, review_id=world.review)
    url = f"/v1/recommendations/{rec['id']}"
    for who, sub in [("skatteverket", "progress"), ("secretariat", "assessments")] * 2:
        r = await api.call(who, "POST", f"{url}/{sub}", json={"status": "not_started"})
        assert r.status_code == 201, r.text
    return World(investment=world.investment, review=world.review, rec=rec["id"])


TAMPERINGS = {
    "id": lambda position: [position[0], position[1], "not-an-id'"],
    "key": lambda position: [position[0], "not a point in time", position[2]],
    "key-type": lambda position: [position[0], 17, position[2]],
}


# An agency's id is any text: an altered one is a position like another.
TAMPERED = [(p, t) for t in TAMPERINGS for p in LISTS if (p, t) != ("/v1/agencies", "id")]


@pytest.mark.parametrize(("path", "part"), TAMPERED, ids=[f"{t}-{p}" for p, t in TAMPERED])
async def test_a_tampered_cursor_is_400_not_500(
    shared: Shared, two_of_each: World, path: str, part: str
) -> None:
    """A genuine cursor with its position altered: not one this API handed out."""
    api, url = shared.api, two_of_each.url(path)
    genuine = (await api.call("secretariat", "GET", f"{url}?limit=1")).json()["next_cursor"]
    assert genuine
    position = json.loads(base64.urlsafe_b64decode(genuine + "=" * (-len(genuine) % 4)))
    tampered = _b64(json.dumps(TAMPERINGS[part](position)).encode())
    r = await api.call("secretariat", "GET", f"{url}?cursor={tampered}")
    assert_problem(r, 400, "invalid-cursor")


@lists()
async def test_a_cursor_of_another_list_is_400(shared: Shared, path: str) -> None:
    api, world = shared.api, shared.world
    # two agencies and four tokens exist from the start: each list has a second page
    other = "/v1/tokens" if path == "/v1/agencies" else "/v1/agencies"
    first = await api.call("secretariat", "GET", f"{other}?limit=1")
    cursor = first.json()["next_cursor"]
    assert cursor
    r = await api.call("secretariat", "GET", f"{world.url(path)}?cursor={cursor}")
    assert_problem(r, 400, "invalid-cursor")


async def test_refused_filters_return_their_connection(api: Api) -> None:
    """A filter parameter is checked by a dependency of its own: a refusal there must hand the
    pooled connection back at once, not whenever the garbage collector gets to it."""
    pool = api.client.app.state.pool
    gc.disable()  # what is not released by the request itself stays lent
    try:
        for _ in range(3):
            r = await api.call("secretariat", "GET", "/v1/recommendations?q=" + "x" * 201)
            assert r.status_code == 400
            assert [e["parameter"] for e in r.json()["errors"]] == ["q"]
            assert pool.get_size() == pool.get_idle_size(), "a connection is still lent"
    finally:
        gc.enable()


# --- unknown query parameters --------------------------------------------------------------


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    """Every `/v1` operation of the app's contract: its method, path and OpenAPI operation."""
    app = create_app(Settings.from_env({}), "postgresql://unused")
    return [
        (method.upper(), path, operation)
        for path, item in app.openapi_schema.to_schema()["paths"].items()
        if path.startswith("/v1/")
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


OPERATIONS = _operations()
# who may call each operation (an unknown parameter is refused after the permission check)
AGENCY_OPERATIONS = {"put_response", "create_progress", "sync_progress"}


def _path_of(world: World, path: str) -> str:
    filled = {
        "recommendation_id": world.rec,
        "investment_id": world.investment,
        "review_id": world.review,
        "agency_id": "skatteverket",
        "code": "2026-T-001",
    }
    return re.sub(r"\{(\w+)\}", lambda m: filled.get(m.group(1), UNKNOWN_UUID), path)


@pytest.mark.parametrize(
    ("method", "path", "operation"), OPERATIONS, ids=[o["operationId"] for *_, o in OPERATIONS]
)
async def test_an_unknown_query_parameter_is_400_on_every_operation(
    shared: Shared, method: str, path: str, operation: dict[str, Any]
) -> None:
    """Ignored, a misspelt parameter widens a list silently, or changes nothing it was meant
    to: every operation refuses one, before it reads a body or the database."""
    api, world = shared.api, shared.world
    who = "skatteverket" if operation["operationId"] in AGENCY_OPERATIONS else "secretariat"
    url = _path_of(world, path)
    headers = {"If-Match": '"1"', "Content-Type": "application/json"}
    async with unchanged(shared.db):
        r = await api.call(who, method, f"{url}?colour=blue", content=b"{}", headers=headers)
        body = assert_problem(r, 400, "invalid-parameter")
    assert body["errors"] == [{"parameter": "colour", "detail": body["errors"][0]["detail"]}], body
    assert body["detail"].startswith("unknown query parameter `colour`; "), body
    documented = sorted(p["name"] for p in operation.get("parameters", ()) if p["in"] == "query")
    takes = ", ".join(f"`{name}`" for name in documented) or "none"
    assert body["detail"] == f"unknown query parameter `colour`; this operation takes {takes}"


@pytest.mark.parametrize(
    ("url", "misspelt", "meant"),
    [
        ("/v1/recommendations?agencyy=skatteverket", "agencyy", "agency"),
        ("/v1/recommendations?Area=results", "Area", "area"),
        ("/v1/recommendations?issued_form=2026-01-01", "issued_form", "issued_from"),
        ("/v1/recommendations?limt=5", "limt", "limit"),
        ("/v1/agencies?cursr=x", "cursr", "cursor"),
        ("/v1/changes?wiat=5", "wiat", "wait"),
        ("/v1/exports/recommendations?fromat=csv", "fromat", "format"),
        ("/v1/audit/events?sinse=2026-01-01", "sinse", "since"),
    ],
)
async def test_a_misspelt_query_parameter_is_named_with_the_one_meant(
    shared: Shared, url: str, misspelt: str, meant: str
) -> None:
    r = await shared.api.call("secretariat", "GET", url)
    body = assert_problem(r, 400, "invalid-parameter")
    assert body["detail"] == f"unknown query parameter `{misspelt}`; did you mean `{meant}`?"
    assert body["errors"] == [
        {"parameter": misspelt, "detail": f"unknown query parameter; did you mean `{meant}`?"}
    ]


async def test_several_unknown_query_parameters_are_each_named(shared: Shared) -> None:
    r = await shared.api.call(
        "secretariat", "GET", "/v1/recommendations?agencyy=a&zzz=1&agency=skatteverket&zzz=2"
    )
    body = assert_problem(r, 400, "invalid-parameter")
    assert body["detail"] == "unknown query parameters `agencyy`, `zzz`"
    assert [e["parameter"] for e in body["errors"]] == ["agencyy", "zzz"]
    assert body["errors"][0]["detail"] == "unknown query parameter; did you mean `agency`?"
    assert body["errors"][1]["detail"].startswith("unknown query parameter; this operation takes")


def test_each_operation_takes_the_query_parameters_it_documents(shared: Shared) -> None:
    """What is refused is what the contract does not name: the parameters taken are exactly
    those documented, per operation (the filters, `cursor` and `limit`, `format`, ...)."""
    app = shared.api.client.app
    handlers = {
        handler.operation_id: handler
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if handler.operation_id
    }
    for _method, _path, operation in OPERATIONS:
        documented = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "query"}
        assert query_parameters(handlers[operation["operationId"]]) == documented, operation
