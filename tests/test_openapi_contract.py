"""The committed contract (`openapi/openapi.json`) describes every operation completely: an id,
a summary, typed request and response schemas, its problem+json error responses and its
security requirement. (`scripts/test` separately fails when the committed copy and the app
differ; `test_the_committed_copy_is_the_apps` holds the same here.)"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar

from recotrack.app import create_app
from recotrack.domain.access import ROLE_PERMISSIONS, Permission
from recotrack.settings import Settings
from tests.helpers import EVERY_ROUTE, Api

CONTRACT = Path(__file__).parents[1] / "openapi" / "openapi.json"
DOCUMENT: dict[str, Any] = json.loads(CONTRACT.read_text())
METHODS = ("get", "put", "post", "delete", "patch")
OPERATIONS = [
    (method, path, op)
    for path, item in DOCUMENT["paths"].items()
    for method, op in item.items()
    if method in METHODS
]
IDS = [f"{method.upper()} {path}" for method, path, _ in OPERATIONS]
PUBLIC_CATALOGUE = {p for p in DOCUMENT["paths"] if p.startswith("/public/")}
"""Anyone's to read: the public catalogue (tests/api/test_public_catalogue.py)."""
UNAUTHENTICATED = {"/healthz", "/readyz", *PUBLIC_CATALOGUE}
"""Probes for load balancers and orchestrators, and the public catalogue: open by design."""
STREAMED = {
    "text/csv",
    "application/x-ndjson",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/pdf",
}
"""Exports and documents: documented per media type as text or binary, not as JSON."""
PROBLEM = {"$ref": "#/components/schemas/ProblemDocument"}

operations = pytest.mark.parametrize(("method", "path", "op"), OPERATIONS, ids=IDS)


@functools.cache
def _app() -> Litestar:
    return create_app(Settings.from_env(EVERY_ROUTE), "postgresql://unused")


def _typed(schema: dict[str, Any]) -> bool:
    """A schema that says what it is: a component, a type, or a choice of typed ones."""
    if "$ref" in schema:
        ref: str = schema["$ref"]
        return ref.removeprefix("#/components/schemas/") in DOCUMENT["components"]["schemas"]
    if "type" in schema:
        return True
    choices: list[dict[str, Any]] = schema.get("oneOf") or schema.get("anyOf") or []
    return bool(choices) and all(_typed(choice) for choice in choices)


def _permission(method: str, path: str) -> Permission | None:
    """The permission the app's route for (method, path) requires (its guard's `opt`)."""
    app = _app()
    template = re.sub(r"\{(\w+)\}", r"{\1:str}", path)
    for route in app.routes:
        if route.path != template:
            continue
        for handler in getattr(route, "route_handlers", []):
            if method.upper() in handler.http_methods:
                permission = handler.opt.get("permission")
                return permission if isinstance(permission, Permission) else None
    raise AssertionError(f"no route for {method.upper()} {path}")


def test_the_committed_copy_is_the_apps() -> None:
    assert _app().openapi_schema.to_schema() == DOCUMENT, (
        "openapi/openapi.json differs from the app: "
        "run .venv/bin/recotrack openapi --output openapi/openapi.json"
    )


def test_operation_ids_are_unique_and_snake_case() -> None:
    ids = [op.get("operationId") for _, _, op in OPERATIONS]
    assert all(isinstance(i, str) and re.fullmatch(r"[a-z]+(_[a-z]+)*", i) for i in ids), ids
    assert len(ids) == len(set(ids))
    assert len(ids) >= 37


@operations
def test_every_operation_has_a_summary(method: str, path: str, op: dict[str, Any]) -> None:
    assert isinstance(op.get("summary"), str)
    assert op["summary"].strip()


@operations
def test_a_body_is_typed_json(method: str, path: str, op: dict[str, Any]) -> None:
    body = op.get("requestBody")
    if method in ("post", "put", "patch"):
        assert body is not None, "a write without a documented body"
    if body is None:
        return
    assert body.get("required") is True
    assert set(body["content"]) == {"application/json"}
    assert _typed(body["content"]["application/json"]["schema"])


def _objects(schema: dict[str, Any], seen: set[str]) -> list[dict[str, Any]]:
    """The object schemas `schema` is or holds (through references, items and choices)."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        if name in seen:
            return []
        seen.add(name)
        schema = DOCUMENT["components"]["schemas"][name]
    found = [schema] if schema.get("type") == "object" else []
    parts = [
        *schema.get("properties", {}).values(),
        *schema.get("oneOf", []),
        *schema.get("anyOf", []),
        *([schema["items"]] if "items" in schema else []),
    ]
    return found + [o for part in parts for o in _objects(part, seen)]


@operations
def test_a_body_is_closed_to_unknown_fields(method: str, path: str, op: dict[str, Any]) -> None:
    """The service refuses unknown fields (422): every object of a request body says so."""
    body = op.get("requestBody")
    if body is None:
        return
    objects = _objects(body["content"]["application/json"]["schema"], set())
    assert objects
    for schema in objects:
        assert schema.get("additionalProperties") is False, schema.get("title")


@operations
def test_if_match_is_required_where_the_service_requires_it(
    method: str, path: str, op: dict[str, Any]
) -> None:
    """A PATCH or DELETE with `If-Match` is 428 without it: the header is required. A PUT
    creates without one, and needs it to change what exists: optional, and says so."""
    headers = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "header"}
    if method == "patch":
        assert "If-Match" in headers, "every change is conditional"
    if "If-Match" not in headers:
        return
    header = headers["If-Match"]
    assert header["schema"] == {**header["schema"], "type": "string"}, header
    if method in ("patch", "delete"):
        assert header["required"] is True, header
    else:
        assert method == "put"
        assert header["required"] is False, header
        assert "required when the resource exists (428 without it)" in header["description"]


def _free_text(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schemas of free text in a parameter's schema (not a choice, a date or a number)."""
    found = [t for alternative in schema.get("oneOf", []) for t in _free_text(alternative)]
    if "items" in schema:
        found += _free_text(schema["items"])
    if schema.get("type") == "string" and not ({"enum", "format", "const"} & set(schema)):
        found.append(schema)
    return found


@operations
def test_free_text_parameters_say_they_cannot_hold_a_nul(
    method: str, path: str, op: dict[str, Any]
) -> None:
    """A NUL in a path or query parameter is a 400 (`api/text.py`), as in a body's text: a
    parameter of free text has a pattern, and none of them admits a NUL."""
    for parameter in op.get("parameters", []):
        if parameter["in"] not in ("path", "query"):
            continue
        for schema in _free_text(parameter["schema"]):
            pattern = schema.get("pattern")
            assert pattern is not None, (parameter["name"], schema)
            assert re.fullmatch(pattern, "a\x00b") is None, (parameter["name"], pattern)


@operations
def test_typed_success_responses(method: str, path: str, op: dict[str, Any]) -> None:
    successes = {status: r for status, r in op["responses"].items() if status.startswith("2")}
    assert successes
    for status, response in successes.items():
        assert response.get("description"), status
        content = response.get("content")
        if status == "204":
            assert not content
            continue
        assert content, f"{status}: a success without a documented body"
        for media_type, spec in content.items():
            schema = spec.get("schema", {})
            if media_type == "application/json":
                assert _typed(schema), schema
            else:
                assert media_type in STREAMED, media_type
                assert schema.get("type") == "string", schema
                assert schema.get("description"), schema


@operations
def test_errors_are_problem_documents(method: str, path: str, op: dict[str, Any]) -> None:
    errors = {status: r for status, r in op["responses"].items() if not status.startswith("2")}
    for status, response in errors.items():
        if path == "/readyz" and status == "503":
            continue  # a probe's answer: the same Health document as its 200
        assert response.get("description"), status
        assert response["content"] == {"application/problem+json": {"schema": PROBLEM}}, status


@operations
def test_the_errors_an_operation_can_give_are_documented(
    method: str, path: str, op: dict[str, Any]
) -> None:
    documented = set(op["responses"])
    if path in PUBLIC_CATALOGUE:
        assert {"400", "429", "431", "503", "504"} <= documented
        assert "404" in documented or "{" not in path
        return
    if path in UNAUTHENTICATED:
        return
    expected = {"400", "401"}  # a bad parameter or cursor; no or a bad token
    expected |= {"429", "431", "503", "504"}  # the limits; the database away or too slow
    if "{" in path:
        expected.add("404")  # no such object, or not one the caller may see
    if "requestBody" in op:
        expected |= {"413", "415", "422"}
    headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
    if "If-Match" in headers:
        expected |= {"412", "428"}
    permission = _permission(method, path)
    assert permission is not None, "a route without a permission is refused by the guard"
    if not all(permission in granted for granted in ROLE_PERMISSIONS.values()):
        expected.add("403")  # some role with a token may not do this
    assert expected <= documented, sorted(expected - documented)


@operations
def test_every_operation_but_the_probes_needs_a_token(
    method: str, path: str, op: dict[str, Any]
) -> None:
    if path in UNAUTHENTICATED:
        assert "security" not in op
        assert "401" not in op["responses"]
        return
    assert op.get("security") == [{"bearer": []}]
    assert "401" in op["responses"]


def test_the_bearer_scheme_is_defined() -> None:
    schemes = DOCUMENT["components"]["securitySchemes"]
    assert schemes["bearer"]["type"] == "http"
    assert schemes["bearer"]["scheme"] == "bearer"


def test_links_name_real_operations_and_parameters() -> None:
    """The links (schemathesis's stateful runs follow them) point at operations that exist, with
    parameters those operations take."""
    by_id = {op["operationId"]: op for _, _, op in OPERATIONS}
    links = 0
    for _, _, op in OPERATIONS:
        for response in op["responses"].values():
            for link in response.get("links", {}).values():
                target = by_id[link["operationId"]]
                taken = {(p["in"], p["name"]) for p in target.get("parameters", [])}
                for name in link["parameters"]:
                    where, _, bare = name.rpartition(".")
                    assert (where or "path", bare) in taken, (link, name)
                links += 1
    assert links >= 40


async def test_the_served_contract_is_the_committed_one(api: Api) -> None:
    """What `/schema/openapi.json` serves is what is committed, the parameters' patterns
    (added to the document after Litestar made it) included."""
    assert (await api.client.get("/schema/openapi.json")).json() == DOCUMENT
