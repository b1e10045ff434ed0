"""A recommendation by its code, as people name it: `GET /v1/recommendations/by-code/{code}`
answers as `get_recommendation` does, and the list's `code` filter selects by code."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests import flow
from tests.api.conftest import Shared
from tests.api.support import assert_problem, unchanged
from tests.helpers import Api

READERS = ("secretariat", "auditor", "skatteverket")


async def _get(api: Api, who: str, url: str) -> Any:
    r = await api.call(who, "GET", url)
    assert r.status_code == 200, r.text
    return r


@pytest.mark.parametrize("who", READERS)
async def test_by_code_answers_as_by_id(shared: Shared, who: str) -> None:
    api = shared.api
    rec = await flow.recommendation(api)
    by_id = await _get(api, who, f"/v1/recommendations/{rec['id']}")
    by_code = await _get(api, who, f"/v1/recommendations/by-code/{rec['code']}")
    assert by_code.json() == by_id.json()
    assert by_code.headers["etag"] == by_id.headers["etag"] == '"1"'
    assert by_code.headers["content-type"] == by_id.headers["content-type"]


async def test_the_etag_follows_a_change(shared: Shared) -> None:
    api = shared.api
    rec = await flow.recommendation(api)
    r = await api.call(
        "secretariat",
        "PATCH",
        f"/v1/recommendations/{rec['id']}",
        json={"title": "Ny rubrik"},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    by_code = await _get(api, "secretariat", f"/v1/recommendations/by-code/{rec['code']}")
    assert by_code.headers["etag"] == r.headers["etag"]
    assert by_code.json() == r.json()


async def test_a_code_written_in_another_case_is_found(shared: Shared) -> None:
    api = shared.api
    rec = await flow.recommendation(api)
    for written in (rec["code"].lower(), rec["code"].title()):
        r = await _get(api, "skatteverket", f"/v1/recommendations/by-code/{written}")
        assert r.json()["id"] == rec["id"]


async def test_the_exact_code_wins_and_two_alike_are_not_guessed(shared: Shared) -> None:
    """Codes are unique as written: `2026-AB-1` and `2026-ab-1` may both exist. The exact one
    is found; a third spelling could be either, so it is neither."""
    api = shared.api
    upper = await flow.recommendation(api, code="2026-AB-001")
    lower = await flow.recommendation(api, code="2026-ab-001")
    for code, rec in (("2026-AB-001", upper), ("2026-ab-001", lower)):
        r = await _get(api, "secretariat", f"/v1/recommendations/by-code/{code}")
        assert r.json()["id"] == rec["id"]
    r = await api.call("secretariat", "GET", "/v1/recommendations/by-code/2026-Ab-001")
    assert_problem(r, 404, "not-found")


async def test_what_the_caller_may_not_see_is_404_like_an_unknown_code(shared: Shared) -> None:
    api, db = shared.api, shared.db
    theirs = await flow.recommendation(api, "forsakringskassan")
    draft = await flow.recommendation(api, issued=False)
    cases = [
        ("skatteverket", theirs, "/v1/recommendations/{id}"),
        ("skatteverket", draft, "/v1/recommendations/{id}"),
        ("forsakringskassan", draft, "/v1/recommendations/{id}"),
    ]
    async with unchanged(db):
        for who, rec, by_id in cases:
            r = await api.call(who, "GET", by_id.format(id=rec["id"]))
            assert_problem(r, 404, "not-found")
            for code in (rec["code"], rec["code"].lower()):
                r = await api.call(who, "GET", f"/v1/recommendations/by-code/{code}")
                body = assert_problem(r, 404, "not-found")
                assert "etag" not in r.headers
                unknown = await api.call(who, "GET", "/v1/recommendations/by-code/2020-NO-999")
                detail = assert_problem(unknown, 404, "not-found")["detail"]
                assert body["detail"] == detail.replace("2020-NO-999", code)
    # the secretariat sees both
    for rec in (theirs, draft):
        r = await _get(api, "secretariat", f"/v1/recommendations/by-code/{rec['code']}")
        assert r.json()["id"] == rec["id"]


@pytest.mark.parametrize("code", ["%20", "x" * 300, "a%2Fb", "2026-SKV-001;drop"])
async def test_an_odd_code_is_404(shared: Shared, code: str) -> None:
    async with unchanged(shared.db):
        r = await shared.api.call("secretariat", "GET", f"/v1/recommendations/by-code/{code}")
        assert_problem(r, 404, "not-found")


async def test_the_code_filter_selects_by_code(shared: Shared) -> None:
    api = shared.api
    one, two, _three = [await flow.recommendation(api) for _ in range(3)]
    theirs = await flow.recommendation(api, "forsakringskassan")
    codes = [one["code"], two["code"], theirs["code"]]
    r = await api.call("secretariat", "GET", "/v1/recommendations", params={"code": codes})
    assert r.status_code == 200, r.text
    assert sorted(item["id"] for item in r.json()["items"]) == sorted(
        rec["id"] for rec in (one, two, theirs)
    )
    # an agency's list holds its own only, whatever codes it names
    r = await api.call("skatteverket", "GET", "/v1/recommendations", params={"code": codes})
    assert r.status_code == 200, r.text
    assert sorted(item["id"] for item in r.json()["items"]) == sorted([one["id"], two["id"]])
    # the filter matches codes exactly, as the other filters their values
    r = await api.call("secretariat", "GET", f"/v1/recommendations?code={one['code'].lower()}")
    assert r.status_code == 200, r.text
    assert r.json()["items"] == []


async def test_the_export_takes_the_code_filter(shared: Shared) -> None:
    api = shared.api
    one = await flow.recommendation(api)
    await flow.recommendation(api)
    r = await api.call(
        "secretariat", "GET", f"/v1/exports/recommendations?format=ndjson&code={one['code']}"
    )
    assert r.status_code == 200, r.text
    rows = [json.loads(line) for line in r.text.splitlines() if line]
    assert [row["code"] for row in rows] == [one["code"]]
