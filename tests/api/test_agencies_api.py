"""`/v1/agencies`: list, create, read and change; org numbers checked; ids and org numbers
unique; an agency token sees its own agency only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.api.conftest import Shared
from tests.api.support import (
    assert_problem,
    count,
    org_number,
    unchanged,
    wrong_check_digit,
)
from tests.helpers import AGENCIES, Api


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


FIELDS = {"id", "name", "org_number", "contacts", "version", "created_at", "updated_at"}


async def test_list_agencies(api: Api) -> None:
    r = await api.call("auditor", "GET", "/v1/agencies")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["next_cursor"] is None
    assert [(a["id"], a["name"], a["org_number"]) for a in body["items"]] == [
        (agency_id, name, org) for agency_id, (name, org) in AGENCIES.items()
    ]
    assert all(set(a) == FIELDS for a in body["items"])


async def test_an_agency_lists_and_reads_only_itself(api: Api) -> None:
    r = await api.call("skatteverket", "GET", "/v1/agencies")
    assert [a["id"] for a in r.json()["items"]] == ["skatteverket"]
    assert (await api.call("skatteverket", "GET", "/v1/agencies/skatteverket")).status_code == 200
    r = await api.call("skatteverket", "GET", "/v1/agencies/forsakringskassan")
    assert_problem(r, 404, "not-found")


async def test_create_read_and_change_an_agency(shared: Shared) -> None:
    api, db = shared.api, shared.db
    events = await count(db, "event")
    org = org_number()
    r = await api.call(
        "secretariat",
        "POST",
        "/v1/agencies",
        json={"id": "e-halsomyndigheten", "name": "E-hälsomyndigheten", "org_number": org},
    )
    assert r.status_code == 201, r.text
    assert r.headers["location"] == "/v1/agencies/e-halsomyndigheten"
    assert r.headers["etag"] == '"1"'
    created = r.json()
    assert set(created) == FIELDS
    assert created["name"] == "E-hälsomyndigheten"
    assert created["org_number"] == org
    assert created["version"] == 1
    assert await count(db, "event") == events + 1

    got = await api.call("auditor", "GET", r.headers["location"])
    assert got.status_code == 200, got.text
    assert got.headers["etag"] == '"1"'
    assert got.json() == created

    new_org = org_number()
    r = await api.call(
        "secretariat",
        "PATCH",
        "/v1/agencies/e-halsomyndigheten",
        json={"org_number": new_org},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'
    changed = r.json()
    assert changed["org_number"] == new_org
    assert changed["name"] == "E-hälsomyndigheten"  # untouched
    assert changed["version"] == 2
    assert moment(changed["updated_at"]) > moment(created["updated_at"])
    assert changed["created_at"] == created["created_at"]
    assert await count(db, "event") == events + 2


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_a_wrong_check_digit_is_a_rule_violation(shared: Shared, method: str) -> None:
    bad = wrong_check_digit(org_number())
    if method == "POST":
        url, body = "/v1/agencies", {"id": "lantmateriet", "name": "LM", "org_number": bad}
    else:
        url, body = "/v1/agencies/skatteverket", {"org_number": bad}
    async with unchanged(shared.db):
        r = await shared.api.call(
            "secretariat", method, url, json=body, headers={"If-Match": '"1"'}
        )
        assert_problem(r, 422, "rule-violation", pointer="/org_number")


@pytest.mark.parametrize("method", ["POST", "PATCH"])
@pytest.mark.parametrize(
    "bad",
    [
        "2021005448",
        "202100-544",
        "20210-05448",
        "202100 5448",
        "202100–5448",  # an en dash
        " 202100-5448",
        "202100-5448\n",
        "ABCDEF-GHIJ",
        "",
    ],
    ids=repr,
)
async def test_a_badly_formed_org_number_is_a_validation_error(
    shared: Shared, method: str, bad: str
) -> None:
    if method == "POST":
        url, body = "/v1/agencies", {"id": "lantmateriet", "name": "LM", "org_number": bad}
    else:
        url, body = "/v1/agencies/skatteverket", {"org_number": bad}
    async with unchanged(shared.db):
        r = await shared.api.call(
            "secretariat", method, url, json=body, headers={"If-Match": '"1"'}
        )
        assert_problem(r, 422, "validation", pointer="/org_number")


@pytest.mark.parametrize(
    "bad_id", ["Skatteverket", "skatte verket", "-skv", "skv-", "skv--x", "å", "a", "x" * 65, ""]
)
async def test_an_agency_id_is_a_slug(shared: Shared, bad_id: str) -> None:
    async with unchanged(shared.db):
        r = await shared.api.call(
            "secretariat",
            "POST",
            "/v1/agencies",
            json={"id": bad_id, "name": "X", "org_number": org_number()},
        )
        assert_problem(r, 422, "validation", pointer="/id")


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"id": "skatteverket", "name": "Skatteverket 2"}, "/id"),
        (
            {"id": "skatteverket-2", "name": "Skatteverket 2", "org_number": "202100-5448"},
            "/org_number",
        ),
    ],
)
async def test_a_duplicate_id_or_org_number_is_a_conflict(
    shared: Shared, body: dict[str, Any], pointer: str
) -> None:
    body = {"org_number": org_number(), **body}
    async with unchanged(shared.db):
        r = await shared.api.call("secretariat", "POST", "/v1/agencies", json=body)
        assert_problem(r, 409, "conflict", pointer=pointer)


async def test_changing_to_another_agencys_org_number_is_a_conflict(shared: Shared) -> None:
    async with unchanged(shared.db):
        r = await shared.api.call(
            "secretariat",
            "PATCH",
            "/v1/agencies/skatteverket",
            json={"org_number": AGENCIES["forsakringskassan"][1]},
            headers={"If-Match": '"1"'},
        )
        assert_problem(r, 409, "conflict", pointer="/org_number")


async def test_the_id_cannot_be_changed(shared: Shared) -> None:
    async with unchanged(shared.db):
        r = await shared.api.call(
            "secretariat",
            "PATCH",
            "/v1/agencies/skatteverket",
            json={"id": "skv"},
            headers={"If-Match": '"1"'},
        )
        assert_problem(r, 422, "validation", pointer="/id")


# --- contacts ---------------------------------------------------------------------------------

CONTACTS = [
    {"email": "registrator@e-halsa.se", "name": "Åsa Öberg", "role": "contact"},
    {"email": "gd@e-halsa.se", "name": "Generaldirektören", "role": "management"},
]


async def test_contacts_are_set_by_the_secretariat_and_read_by_the_agency(shared: Shared) -> None:
    api, db = shared.api, shared.db
    body = {"id": "e-halsa", "name": "E-hälsa", "org_number": org_number(), "contacts": CONTACTS}
    r = await api.call("secretariat", "POST", "/v1/agencies", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["contacts"] == CONTACTS
    assert (await api.call("auditor", "GET", "/v1/agencies/e-halsa")).json()["contacts"] == CONTACTS
    # without any, an agency has none
    assert (await api.call("auditor", "GET", "/v1/agencies/skatteverket")).json()["contacts"] == []

    # the list is replaced as a whole; the same list again is no change (no new version)
    events = await count(db, "event")
    for n in range(2):
        r = await api.call(
            "secretariat",
            "PATCH",
            "/v1/agencies/skatteverket",
            json={"contacts": CONTACTS},
            headers={"If-Match": '"1"' if n == 0 else '"2"'},
        )
        assert r.status_code == 200, r.text
        assert r.json()["contacts"] == CONTACTS
        assert r.headers["etag"] == '"2"'
    assert await count(db, "event") == events + 1
    for role in ("skatteverket", "auditor", "secretariat"):
        got = await api.call(role, "GET", "/v1/agencies/skatteverket")
        assert got.status_code == 200, got.text
        assert got.json()["contacts"] == CONTACTS, role
    # another agency sees neither the agency nor its contacts
    r = await api.call("forsakringskassan", "GET", "/v1/agencies/skatteverket")
    assert_problem(r, 404, "not-found")
    # a role defaults to `contact`
    r = await api.call(
        "secretariat",
        "PATCH",
        "/v1/agencies/skatteverket",
        json={"contacts": [{"email": "a@b.se", "name": "A"}]},
        headers={"If-Match": '"2"'},
    )
    assert r.json()["contacts"] == [{"email": "a@b.se", "name": "A", "role": "contact"}]


async def test_an_agency_cannot_change_its_contacts(shared: Shared) -> None:
    async with unchanged(shared.db):
        r = await shared.api.call(
            "skatteverket",
            "PATCH",
            "/v1/agencies/skatteverket",
            json={"contacts": CONTACTS},
            headers={"If-Match": '"1"'},
        )
        assert_problem(r, 403, "forbidden")


@pytest.mark.parametrize("method", ["POST", "PATCH"])
@pytest.mark.parametrize(
    ("contacts", "pointer", "kind"),
    [
        ([{"email": "no-at-sign.se", "name": "X"}], "/contacts/0/email", "validation"),
        ([{"email": "a@localhost", "name": "X"}], "/contacts/0/email", "validation"),
        ([{"email": "a b@x.se", "name": "X"}], "/contacts/0/email", "validation"),
        ([{"email": "a@x.se\n", "name": "X"}], "/contacts/0/email", "validation"),
        ([{"email": "a@x.se", "name": ""}], "/contacts/0/name", "validation"),
        ([{"email": "a@x.se", "name": "X", "role": "boss"}], "/contacts/0/role", "validation"),
        ([{"email": "a@x.se", "name": "X", "phone": "1"}], "/contacts/0/phone", "validation"),
        ([{"email": f"p{n}@x.se", "name": "X"} for n in range(21)], "/contacts", "validation"),
        (
            [{"email": "a@x.se", "name": "X"}, {"email": "A@X.se", "name": "Y"}],
            "/contacts/1/email",
            "rule-violation",
        ),
    ],
)
async def test_bad_contacts_are_refused(
    shared: Shared, method: str, contacts: list[dict[str, str]], pointer: str, kind: str
) -> None:
    if method == "POST":
        url = "/v1/agencies"
        body: dict[str, Any] = {"id": "lantmateriet", "name": "LM", "org_number": org_number()}
    else:
        url, body = "/v1/agencies/skatteverket", {}
    async with unchanged(shared.db):
        r = await shared.api.call(
            "secretariat",
            method,
            url,
            json={**body, "contacts": contacts},
            headers={"If-Match": '"1"'},
        )
        problem = assert_problem(r, 422, kind, pointer=pointer)
    if pointer.endswith("/email") and kind == "validation":
        # said in words, not as the regular expression
        detail = next(e["detail"] for e in problem["errors"] if e["pointer"] == pointer)
        assert "e-mail address" in detail, detail
        assert "[A-Za-z" not in detail, detail
