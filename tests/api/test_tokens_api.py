"""`/v1/tokens`: the secret is shown once and stored only as a hash; revoking is immediate."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.conftest import Shared
from tests.api.support import assert_problem, unchanged
from tests.helpers import Api


async def create(api: Api, **body: Any) -> dict[str, Any]:
    r = await api.call("secretariat", "POST", "/v1/tokens", json=body)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"/v1/tokens/{r.json()['id']}"
    assert "no-store" in r.headers["cache-control"]
    return dict(r.json())


@pytest.mark.parametrize(
    ("role", "agency_id"),
    [("secretariat", None), ("auditor", None), ("agency", "forsakringskassan")],
)
async def test_create_returns_the_secret_once(
    shared: Shared, role: str, agency_id: str | None
) -> None:
    api, db = shared.api, shared.db
    body: dict[str, Any] = {"role": role, "label": "Ärendesystemet"}
    if agency_id:
        body["agency_id"] = agency_id
    created = await create(api, **body)

    secret = created["token"]
    assert secret.startswith("rt_")
    assert len(secret) - 3 >= 43, "256 bits of randomness in base64url is 43 characters"
    assert re.fullmatch(r"rt_[A-Za-z0-9_-]+", secret)
    assert created["role"] == role
    assert created["agency_id"] == agency_id
    assert created["label"] == "Ärendesystemet"
    assert created["id"]
    assert created["created_at"]

    # it works at once, as the role it was made for
    api.tokens["new"] = secret
    r = await api.call("new", "GET", "/v1/agencies")
    assert r.status_code == 200, r.text
    seen = [a["id"] for a in r.json()["items"]]
    assert seen == ([agency_id] if agency_id else ["skatteverket", "forsakringskassan"])

    # and the secret is nowhere to be read again: not in the list, not in the database
    listed = await api.call("secretariat", "GET", "/v1/tokens")
    assert secret not in listed.text
    mine = [t for t in listed.json()["items"] if t["id"] == created["id"]]
    assert mine == [{k: v for k, v in created.items() if k != "token"} | {"revoked_at": None}]
    for table in ("token", "event"):
        dump = await db.fetchval(f"select coalesce(string_agg(t::text, ' '), '') from {table} t")
        assert secret not in dump
        assert secret[3:] not in dump


async def test_the_list_never_holds_a_secret(shared: Shared) -> None:
    api = shared.api
    secrets = [(await create(api, role="auditor", label=f"t{i}"))["token"] for i in range(3)]
    secrets += list(api.tokens.values())
    r = await api.call("secretariat", "GET", "/v1/tokens")
    assert r.status_code == 200, r.text
    for secret in secrets:
        assert secret not in r.text
    for item in r.json()["items"]:
        assert set(item) == {"id", "role", "agency_id", "label", "created_at", "revoked_at"}
        assert not any(isinstance(v, str) and v.startswith("rt_") for v in item.values())


async def test_the_database_keeps_only_a_hash(shared: Shared) -> None:
    api, db = shared.api, shared.db
    created = await create(api, role="auditor", label="granskare")
    row = await db.fetchrow("select * from token where id = $1::uuid", created["id"])
    assert row is not None
    for value in row.values():
        assert created["token"] not in str(value)
        if isinstance(value, bytes):
            assert created["token"].encode() not in value


async def test_revoking_shuts_the_token_out_at_once(shared: Shared) -> None:
    api = shared.api
    created = await create(api, role="agency", agency_id="skatteverket", label="PPM")
    api.tokens["ppm"] = created["token"]
    assert (await api.call("ppm", "GET", "/v1/recommendations")).status_code == 200

    r = await api.call("secretariat", "DELETE", f"/v1/tokens/{created['id']}")
    assert r.status_code == 200, r.text
    revoked = r.json()
    assert revoked["id"] == created["id"]
    assert revoked["revoked_at"] is not None
    assert "token" not in revoked

    r = await api.call("ppm", "GET", "/v1/recommendations")
    assert_problem(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].lower().startswith("bearer")

    listed = (await api.call("secretariat", "GET", "/v1/tokens")).json()["items"]
    assert [t["revoked_at"] for t in listed if t["id"] == created["id"]] == [revoked["revoked_at"]]


async def test_revoking_again_changes_nothing(shared: Shared) -> None:
    """Not the token, and not the event log: nothing happened, so nothing is recorded."""
    api, db = shared.api, shared.db
    created = await create(api, role="auditor", label="granskare")
    first = await api.call("secretariat", "DELETE", f"/v1/tokens/{created['id']}")
    assert first.status_code == 200, first.text
    async with unchanged(db):
        again = await api.call("secretariat", "DELETE", f"/v1/tokens/{created['id']}")
        assert again.status_code == 200, again.text
    assert again.json() == first.json()


async def test_a_token_may_revoke_itself_and_others_keep_working(shared: Shared) -> None:
    api = shared.api
    created = await create(api, role="secretariat", label="engångs")
    api.tokens["once"] = created["token"]
    r = await api.call("once", "DELETE", f"/v1/tokens/{created['id']}")
    assert r.status_code == 200, r.text
    assert_problem(await api.call("once", "GET", "/v1/tokens"), 401, "unauthorized")
    assert (await api.call("secretariat", "GET", "/v1/tokens")).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        ({"role": "agency", "label": "x"}, 422, "rule-violation"),
        ({"role": "agency", "agency_id": None, "label": "x"}, 422, "rule-violation"),
        ({"role": "agency", "agency_id": "nosuchagency", "label": "x"}, 422, "rule-violation"),
        ({"role": "secretariat", "agency_id": "skatteverket", "label": "x"}, 422, "rule-violation"),
        ({"role": "auditor", "agency_id": "skatteverket", "label": "x"}, 422, "rule-violation"),
        ({"role": "agency", "agency_id": "Skatteverket", "label": "x"}, 422, "validation"),
        ({"role": "agency", "agency_id": "", "label": "x"}, 422, "validation"),
    ],
)
async def test_an_agency_token_needs_an_existing_agency_and_only_it_has_one(
    shared: Shared, body: dict[str, Any], status: int, slug: str
) -> None:
    async with unchanged(shared.db):
        r = await shared.api.call("secretariat", "POST", "/v1/tokens", json=body)
        assert_problem(r, status, slug, pointer="/agency_id")


@pytest.mark.parametrize("label", ["", "x" * 201])
async def test_a_label_is_one_to_two_hundred_characters(shared: Shared, label: str) -> None:
    async with unchanged(shared.db):
        r = await shared.api.call(
            "secretariat", "POST", "/v1/tokens", json={"role": "auditor", "label": label}
        )
        assert_problem(r, 422, "validation", pointer="/label")
