"""`/v1/investments`: the secretariat records them; an agency reads its own and links them to its
portfolio tool through `external_ref`, which is unique per agency."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Shared
from tests.api.support import assert_problem, count, unchanged
from tests.helpers import Api

FIELDS = {
    "id",
    "agency_id",
    "title",
    "description",
    "external_ref",
    "budget_sek",
    "loan_financed",
    "phase",
    "version",
    "created_at",
    "updated_at",
}


async def create(api: Api, **body: Any) -> dict[str, Any]:
    r = await api.call("secretariat", "POST", "/v1/investments", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_create_with_defaults_read_and_change(shared: Shared) -> None:
    api, db = shared.api, shared.db
    events = await count(db, "event")
    r = await api.call(
        "secretariat",
        "POST",
        "/v1/investments",
        json={"agency_id": "skatteverket", "title": "Ny beskattningsplattform"},
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert set(created) == FIELDS
    assert r.headers["location"] == f"/v1/investments/{created['id']}"
    assert r.headers["etag"] == '"1"'
    assert created["agency_id"] == "skatteverket"
    assert created["description"] == ""
    assert created["external_ref"] is None
    assert created["budget_sek"] is None
    assert created["loan_financed"] is False
    assert created["phase"] == "planning"
    assert created["version"] == 1
    assert await count(db, "event") == events + 1

    got = await api.call("skatteverket", "GET", r.headers["location"])
    assert got.status_code == 200, got.text
    assert got.headers["etag"] == '"1"'
    assert got.json() == created

    change = {
        "title": "Beskattningsplattform 2.0",
        "description": "Ersätter **stordatorn**.",
        "external_ref": "PPM-4711",
        "budget_sek": 10**13,
        "loan_financed": True,
        "phase": "execution",
    }
    r = await api.call(
        "secretariat", "PATCH", got.request.url.path, json=change, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'
    changed = r.json()
    assert {k: changed[k] for k in change} == change
    assert changed["version"] == 2

    # null clears what may be empty
    r = await api.call(
        "secretariat",
        "PATCH",
        got.request.url.path,
        json={"external_ref": None, "budget_sek": None},
        headers={"If-Match": '"2"'},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["external_ref"], r.json()["budget_sek"]) == (None, None)
    assert await count(db, "event") == events + 3


async def test_list_and_filter(api: Api) -> None:
    a = await create(api, agency_id="skatteverket", title="A", external_ref="PPM-1")
    b = await create(api, agency_id="forsakringskassan", title="B", external_ref="PPM-1")
    c = await create(api, agency_id="skatteverket", title="C")

    async def listed(who: str, query: str = "") -> list[str]:
        r = await api.call(who, "GET", f"/v1/investments?{query}")
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert await listed("auditor") == [a["id"], b["id"], c["id"]]
    assert await listed("auditor", "agency=skatteverket") == [a["id"], c["id"]]
    assert await listed("auditor", "agency=skatteverket&agency=forsakringskassan") == [
        a["id"],
        b["id"],
        c["id"],
    ]
    assert await listed("auditor", "external_ref=PPM-1") == [a["id"], b["id"]]
    assert await listed("skatteverket") == [a["id"], c["id"]]
    assert await listed("skatteverket", "external_ref=PPM-1") == [a["id"]]
    assert await listed("skatteverket", "agency=forsakringskassan") == []
    assert_problem(
        await api.call("skatteverket", "GET", f"/v1/investments/{b['id']}"), 404, "not-found"
    )


async def test_an_agency_links_its_investment_and_changes_nothing_else(shared: Shared) -> None:
    api, db = shared.api, shared.db
    inv = await create(api, agency_id="skatteverket", title="A")
    url = f"/v1/investments/{inv['id']}"
    r = await api.call(
        "skatteverket", "PATCH", url, json={"external_ref": "PPM-9"}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert r.json()["external_ref"] == "PPM-9"

    async with unchanged(db):
        r = await api.call(
            "skatteverket",
            "PATCH",
            url,
            json={"external_ref": "PPM-10", "title": "Större", "budget_sek": 1},
            headers={"If-Match": '"2"'},
        )
        body = assert_problem(r, 403, "forbidden", pointer="/title")
        assert "/budget_sek" in [e["pointer"] for e in body["errors"]]
        # another agency's investment does not exist for it
        r = await api.call(
            "forsakringskassan",
            "PATCH",
            url,
            json={"external_ref": "X"},
            headers={"If-Match": '"2"'},
        )
        assert_problem(r, 404, "not-found")


async def test_external_ref_is_unique_per_agency(shared: Shared) -> None:
    api, db = shared.api, shared.db
    first = await create(api, agency_id="skatteverket", title="A", external_ref="PPM-1")
    other = await create(api, agency_id="skatteverket", title="B", external_ref="PPM-2")
    # the same ref at another agency is another agency's business
    await create(api, agency_id="forsakringskassan", title="C", external_ref="PPM-1")

    async with unchanged(db):
        r = await api.call(
            "secretariat",
            "POST",
            "/v1/investments",
            json={"agency_id": "skatteverket", "title": "D", "external_ref": "PPM-1"},
        )
        assert_problem(r, 409, "conflict", pointer="/external_ref")
        for who in ("secretariat", "skatteverket"):
            r = await api.call(
                who,
                "PATCH",
                f"/v1/investments/{other['id']}",
                json={"external_ref": first["external_ref"]},
                headers={"If-Match": '"1"'},
            )
            assert_problem(r, 409, "conflict", pointer="/external_ref")


@pytest.mark.parametrize(
    ("body", "slug", "pointer"),
    [
        ({"agency_id": "nosuchagency"}, "rule-violation", "/agency_id"),
        ({"agency_id": "Skatteverket"}, "validation", "/agency_id"),
        ({"budget_sek": -1}, "validation", "/budget_sek"),
        ({"budget_sek": 10**13 + 1}, "validation", "/budget_sek"),
        ({"title": ""}, "validation", "/title"),
        ({"external_ref": ""}, "validation", "/external_ref"),
        ({"description": "x" * 20_001}, "validation", "/description"),
    ],
)
async def test_bad_values_are_refused(
    shared: Shared, body: dict[str, Any], slug: str, pointer: str
) -> None:
    async with unchanged(shared.db):
        r = await shared.api.call(
            "secretariat",
            "POST",
            "/v1/investments",
            json={"agency_id": "skatteverket", "title": "A", **body},
        )
        assert_problem(r, 422, slug, pointer=pointer)
