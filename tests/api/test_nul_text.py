"""PostgreSQL's text cannot hold NUL (U+0000): one in a parameter is a 400 naming it, one in a
body a 422 pointing at it, one in a batch item that item's own problem; never a 500, never a
stream cut short, and nothing written. (Found by the schemathesis run in tests/fuzz.)"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.conftest import Shared
from tests.api.support import assert_problem, unchanged

PARAMETERS = [
    ("secretariat", "/v1/recommendations?agency=a%00b", "agency"),
    ("secretariat", "/v1/recommendations?q=%00", "q"),
    ("secretariat", "/v1/agencies/a%00b", "agency_id"),
    ("secretariat", "/v1/changes?cursor=%00", "cursor"),
    ("skatteverket", "/v1/audit/events?agency=a%00b", "agency"),
    ("auditor", "/v1/exports/recommendations?agency=%00&format=ndjson", "agency"),
    ("skatteverket", "/v1/recommendations/{rec}/progress?cursor=%00", "cursor"),
]


@pytest.mark.parametrize(("who", "url", "parameter"), PARAMETERS)
async def test_a_nul_in_a_parameter_is_a_400_naming_it(
    shared: Shared, who: str, url: str, parameter: str
) -> None:
    r = await shared.api.call(who, "GET", shared.world.url(url))
    body = assert_problem(r, 400, "invalid-parameter")
    assert [e["parameter"] for e in body["errors"]] == [parameter], body


BODIES: list[tuple[str, str, str, dict[str, Any], str]] = [
    (
        "secretariat",
        "POST",
        "/v1/investments",
        {"agency_id": "skatteverket", "title": "a\0"},
        "/title",
    ),
    ("secretariat", "POST", "/v1/tokens", {"role": "auditor", "label": "\0"}, "/label"),
    (
        "skatteverket",
        "POST",
        "/v1/recommendations/{rec}/progress",
        {"status": "in_progress", "evidence": ["https://a.se/ok", "https://a.se/\0"]},
        "/evidence/1",
    ),
    (
        "skatteverket",
        "PUT",
        "/v1/recommendations/{rec}/response",
        {"decision": "accepted", "planned_actions": ["x\0"]},
        "/planned_actions/0",
    ),
]


@pytest.mark.parametrize(("who", "method", "url", "body", "pointer"), BODIES)
async def test_a_nul_in_a_body_is_a_422_pointing_at_it(
    shared: Shared, who: str, method: str, url: str, body: dict[str, Any], pointer: str
) -> None:
    async with unchanged(shared.db):
        r = await shared.api.call(
            who,
            method,
            shared.world.url(url),
            content=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
    assert_problem(r, 422, "validation", pointer=pointer)


async def test_a_nul_in_a_batch_item_is_that_items_problem(shared: Shared) -> None:
    items = [
        {"recommendation_id": shared.world.rec, "external_ref": "NUL-\0", "status": "in_progress"},
        {"recommendation_id": shared.world.rec, "external_ref": "NUL-ok", "status": "in_progress"},
    ]
    r = await shared.api.call("skatteverket", "POST", "/v1/sync/progress", json={"items": items})
    assert r.status_code == 200, r.text
    first, second = r.json()["items"]
    assert first["outcome"] == "rejected", first
    assert first["problem"]["status"] == 422, first
    assert first["problem"]["pointer"] == "/external_ref", first
    assert second["outcome"] == "created", second
