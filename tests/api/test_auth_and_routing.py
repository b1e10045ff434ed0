"""Who gets in: bearer tokens on every /v1 operation (401 with a challenge otherwise), roles
(403), the open operations endpoints, and problems for unknown routes and methods."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from recotrack.credentials import new_token
from tests.api.conftest import Shared
from tests.api.support import assert_problem, unchanged

REC = "/v1/recommendations/{rec}"

# Every operation on the core resources, with a body it would accept from the right caller.
OPERATIONS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/v1/agencies", None),
    ("POST", "/v1/agencies", {"id": "lantmateriet", "name": "LM", "org_number": "202100-4888"}),
    ("GET", "/v1/agencies/skatteverket", None),
    ("PATCH", "/v1/agencies/skatteverket", {"name": "SKV"}),
    ("GET", "/v1/investments", None),
    ("POST", "/v1/investments", {"agency_id": "skatteverket", "title": "E-tjänst"}),
    ("GET", "/v1/investments/{investment}", None),
    ("PATCH", "/v1/investments/{investment}", {"external_ref": "PPM-1"}),
    ("GET", "/v1/reviews", None),
    ("POST", "/v1/reviews", {"investment_id": "{investment}", "title": "Granskning"}),
    ("GET", "/v1/reviews/{review}", None),
    ("PATCH", "/v1/reviews/{review}", {"title": "Granskning 2"}),
    ("GET", "/v1/recommendations", None),
    (
        "POST",
        "/v1/recommendations",
        {"review_id": "{review}", "code": "2026-AUTH-1", "title": "T", "area": "results"},
    ),
    ("GET", REC, None),
    ("GET", "/v1/recommendations/by-code/2026-T-001", None),
    ("PATCH", REC, {"priority": "low"}),
    ("GET", REC + "/history", None),
    ("GET", REC + "/response", None),
    ("PUT", REC + "/response", {"decision": "accepted", "responded_by": "Åsa Öberg"}),
    ("GET", REC + "/progress", None),
    ("POST", REC + "/progress", {"status": "in_progress"}),
    ("GET", REC + "/progress/00000000-0000-4000-8000-000000000001", None),
    ("GET", REC + "/assessments", None),
    ("POST", REC + "/assessments", {"status": "in_progress"}),
    ("GET", REC + "/assessments/00000000-0000-4000-8000-000000000002", None),
    ("GET", REC + "/closure", None),
    ("PUT", REC + "/closure", {"outcome": "withdrawn"}),
    ("DELETE", REC + "/closure", None),
    ("GET", REC + "/secrecy", None),
    ("PUT", REC + "/secrecy", {"fields": [{"field": "body", "ground": "18 kap. 8 § OSL"}]}),
    ("POST", REC + "/links", {"kind": "refines", "target_id": "{rec}"}),
    ("GET", REC + "/links/00000000-0000-4000-8000-000000000003", None),
    ("DELETE", REC + "/links/00000000-0000-4000-8000-000000000003", None),
    ("GET", REC + "/lineage", None),
    ("GET", "/v1/tokens", None),
    ("POST", "/v1/tokens", {"role": "auditor", "label": "Riksrevisionen"}),
    ("DELETE", "/v1/tokens/00000000-0000-4000-8000-000000000000", None),
    ("GET", "/v1/audit/verify", None),
    ("GET", "/v1/audit/events", None),
    ("POST", "/v1/audit/checkpoints", {}),
    ("GET", "/v1/audit/checkpoints", None),
    ("GET", "/v1/audit/keys", None),
    ("GET", "/v1/exports/recommendations", None),
]
WRITES = [op for op in OPERATIONS if op[0] != "GET"]
AUDITOR_MAY = {("POST", "/v1/audit/checkpoints")}
"""Asking the service to sign a checkpoint: no record changes, no event is appended."""


def operations(ops: list[tuple[str, str, dict[str, Any] | None]]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(
        ("method", "path", "body"), ops, ids=[f"{m} {p}" for m, p, _ in ops]
    )


def _template(path: str) -> str:
    """`/v1/investments/{investment}` → `/v1/investments/{investment_id:str}`, as routed."""
    names = {
        "agencies/skatteverket": "agencies/{agency_id:str}",
        "{investment}": "{investment_id:str}",
        "{review}": "{review_id:str}",
        "{rec}": "{recommendation_id:str}",
        "by-code/2026-T-001": "by-code/{code:str}",
        "tokens/00000000-0000-4000-8000-000000000000": "tokens/{token_id:str}",
        "progress/00000000-0000-4000-8000-000000000001": "progress/{report_id:str}",
        "assessments/00000000-0000-4000-8000-000000000002": "assessments/{assessment_id:str}",
        "links/00000000-0000-4000-8000-000000000003": "links/{link_id:str}",
    }
    for short, routed in names.items():
        path = path.replace(short, routed)
    return path


RESOURCES = (
    "agencies",
    "investments",
    "reviews",
    "recommendations",
    "tokens",
    "audit",
    "exports",
)


def test_the_table_covers_every_operation_on_the_resources(shared: Shared) -> None:
    routed = {
        (method, path)
        for path, methods in shared.api.client.app.route_handler_method_map.items()
        if path.startswith("/v1/") and path.split("/")[2] in RESOURCES
        for method in methods
        if method != "OPTIONS"
    }
    assert {(m, _template(p)) for m, p, _ in OPERATIONS} == routed


UNAUTHENTICATED: dict[str, dict[str, str]] = {
    "no-header": {},
    "empty": {"Authorization": ""},
    "basic": {"Authorization": "Basic c2VrcmV0YXJpYXQ6aGVtbGln"},
    "token-scheme": {"Authorization": "Token " + new_token()},
    "bearer-without-token": {"Authorization": "Bearer "},
    "not-ours": {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"},
    "unknown": {"Authorization": "Bearer " + new_token()},
    "truncated-prefix": {"Authorization": "Bearer rt_"},
}


def assert_unauthorized(r: Any) -> None:
    assert_problem(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].lower().startswith("bearer"), r.headers


@operations(OPERATIONS)
@pytest.mark.parametrize("headers", UNAUTHENTICATED.values(), ids=UNAUTHENTICATED.keys())
async def test_no_valid_token_is_401_with_a_bearer_challenge(
    shared: Shared, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]
) -> None:
    w = shared.world
    async with unchanged(shared.db):
        r = await shared.api.call(
            "nobody", method, w.url(path), json=w.fill(body), headers={**headers, "If-Match": '"1"'}
        )
        assert_unauthorized(r)


async def test_the_scheme_is_case_insensitive(shared: Shared) -> None:
    token = shared.api.tokens["auditor"]
    for scheme in ("bearer", "BEARER", "Bearer"):
        r = await shared.api.call(
            "nobody", "GET", "/v1/agencies", headers={"Authorization": f"{scheme} {token}"}
        )
        assert r.status_code == 200, (scheme, r.text)


async def test_a_revoked_token_is_401_at_once(shared: Shared) -> None:
    api, world = shared.api, shared.world
    r = await api.call("secretariat", "POST", "/v1/tokens", json={"role": "auditor", "label": "x"})
    assert r.status_code == 201, r.text
    created = r.json()
    api.tokens["temporary"] = created["token"]
    assert (await api.call("temporary", "GET", "/v1/agencies")).status_code == 200

    r = await api.call("secretariat", "DELETE", f"/v1/tokens/{created['id']}")
    assert r.status_code == 200, r.text

    for method, path, body in OPERATIONS:
        r = await api.call(
            "temporary", method, world.url(path), json=world.fill(body), headers={"If-Match": '"1"'}
        )
        assert_unauthorized(r)


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_health_needs_no_token(shared: Shared, path: str) -> None:
    r = await shared.api.call("nobody", "GET", path)
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok"}


# --- roles ---------------------------------------------------------------------------------


@operations([op for op in WRITES if (op[0], op[1]) not in AUDITOR_MAY])
async def test_an_auditor_may_not_write(
    shared: Shared, method: str, path: str, body: dict[str, Any] | None
) -> None:
    w = shared.world
    async with unchanged(shared.db):
        r = await shared.api.call(
            "auditor", method, w.url(path), json=w.fill(body), headers={"If-Match": '"1"'}
        )
        assert_problem(r, 403, "forbidden")


AGENCY_MAY = {
    ("PATCH", "/v1/investments/{investment}"),
    ("PUT", REC + "/response"),
    ("POST", REC + "/progress"),
}


@operations([op for op in WRITES if (op[0], op[1]) not in AGENCY_MAY])
async def test_an_agency_may_not_do_the_secretariats_writes(
    shared: Shared, method: str, path: str, body: dict[str, Any] | None
) -> None:
    w = shared.world
    async with unchanged(shared.db):
        r = await shared.api.call(
            "skatteverket", method, w.url(path), json=w.fill(body), headers={"If-Match": '"1"'}
        )
        assert_problem(r, 403, "forbidden")


async def test_tokens_are_listed_to_the_secretariat_and_auditors_only(shared: Shared) -> None:
    """Auditors read everything, tokens too (never their secrets); an agency reads its own data."""
    for who in ("secretariat", "auditor"):
        assert (await shared.api.call(who, "GET", "/v1/tokens")).status_code == 200
    assert_problem(await shared.api.call("skatteverket", "GET", "/v1/tokens"), 403, "forbidden")


# --- routing -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["secretariat", "nobody"])
@pytest.mark.parametrize(
    "path", ["/v1/nope", "/nope", "/v1/agencies/skatteverket/members", "/v2/agencies"]
)
async def test_an_unknown_route_is_a_404_problem(shared: Shared, who: str, path: str) -> None:
    assert_problem(await shared.api.call(who, "GET", path), 404, "not-found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/v1/agencies"),
        ("PUT", "/v1/recommendations"),
        ("DELETE", "/v1/agencies/skatteverket"),
        ("POST", "/v1/recommendations/{rec}"),
        ("PATCH", "/v1/recommendations/{rec}/closure"),
        ("DELETE", "/v1/recommendations/{rec}/response"),
        ("GET", "/v1/tokens/00000000-0000-4000-8000-000000000000"),
        ("POST", "/healthz"),
    ],
)
async def test_a_wrong_method_is_a_405_problem_with_allow(
    shared: Shared, method: str, path: str
) -> None:
    async with unchanged(shared.db):
        r = await shared.api.call("secretariat", method, shared.world.url(path), json={})
        assert_problem(r, 405, "method-not-allowed")
    assert r.headers.get("allow"), r.headers


CONTRACT = json.loads((Path(__file__).parents[2] / "openapi" / "openapi.json").read_text())
_METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH")


@pytest.mark.parametrize("path", sorted(CONTRACT["paths"]))
async def test_options_and_a_405_name_the_methods_of_the_contract(
    shared: Shared, path: str
) -> None:
    """On every path of the contract, OPTIONS and a 405 give the same `Allow`: the path's
    documented methods (OPTIONS once named only the first of them, litestar#4169)."""
    documented = {m for m in _METHODS if m.lower() in CONTRACT["paths"][path]}
    expected = ", ".join(sorted({*documented, "OPTIONS"}))
    url = re.sub(r"\{\w+\}", "00000000-0000-4000-8000-000000000000", path)
    r = await shared.api.call("secretariat", "OPTIONS", url)
    assert r.status_code == 204, r.text
    assert r.headers["allow"] == expected
    wrong = next(m for m in _METHODS if m not in documented)
    async with unchanged(shared.db):
        r = await shared.api.call("secretariat", wrong, url, json={})
    assert_problem(r, 405, "method-not-allowed")
    assert r.headers["allow"] == expected
