"""Optimistic concurrency: `ETag` out, `If-Match` in; 428 without it, 412 on a stale or foreign
one, and nothing changes in the database when either is refused."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest

from tests.api.conftest import Shared, make_world
from tests.api.support import assert_problem, org_number, unchanged
from tests.helpers import Api

# (who, resource URL, a change) for every PATCH
PATCHES: list[tuple[str, str, dict[str, Any]]] = [
    ("secretariat", "/v1/agencies/skatteverket", {"name": "Skatteverket (SKV)"}),
    ("secretariat", "/v1/investments/{investment}", {"budget_sek": 1_000_000}),
    ("skatteverket", "/v1/investments/{investment}", {"external_ref": "PPM-77"}),
    ("secretariat", "/v1/reviews/{review}", {"report_ref": "Rapport 2026:4"}),
    ("secretariat", "/v1/recommendations/{rec}", {"priority": "low"}),
]


def patches() -> pytest.MarkDecorator:
    return pytest.mark.parametrize(
        ("who", "url", "change"), PATCHES, ids=[f"{w}-{u.split('/')[2]}" for w, u, _ in PATCHES]
    )


_serial = itertools.count(1)


async def fresh(api: Api, url: str) -> str:
    """`url` for new objects, made for the test: nothing else changes them."""
    if url.startswith("/v1/agencies/"):
        agency_id = f"ny-myndighet-{next(_serial)}"
        r = await api.call(
            "secretariat",
            "POST",
            "/v1/agencies",
            json={"id": agency_id, "name": "Ny myndighet", "org_number": org_number()},
        )
        assert r.status_code == 201, r.text
        return f"/v1/agencies/{agency_id}"
    return (await make_world(api)).url(url)


@patches()
@pytest.mark.parametrize("if_match", [None, "", "  "], ids=["absent", "empty", "blank"])
async def test_a_patch_without_if_match_is_428(
    shared: Shared, who: str, url: str, change: dict[str, Any], if_match: str | None
) -> None:
    headers = {} if if_match is None else {"If-Match": if_match}
    async with unchanged(shared.db):
        r = await shared.api.call(who, "PATCH", shared.world.url(url), json=change, headers=headers)
        assert_problem(r, 428, "precondition-required")


@patches()
@pytest.mark.parametrize("stale", ['"2"', '"0"', '"999"'])
async def test_a_patch_with_a_stale_if_match_is_412_with_the_current_etag(
    shared: Shared, who: str, url: str, change: dict[str, Any], stale: str
) -> None:
    async with unchanged(shared.db):
        r = await shared.api.call(
            who, "PATCH", shared.world.url(url), json=change, headers={"If-Match": stale}
        )
        body = assert_problem(r, 412, "precondition-failed")
    assert r.headers["etag"] == '"1"'
    assert body["current_etag"] == '"1"'


@patches()
@pytest.mark.parametrize("tag", ['W/"1"', "1", '"1', "abc", '"v1"', '"-1"'], ids=repr)
async def test_a_patch_with_a_weak_or_garbage_if_match_is_412(
    shared: Shared, who: str, url: str, change: dict[str, Any], tag: str
) -> None:
    async with unchanged(shared.db):
        r = await shared.api.call(
            who, "PATCH", shared.world.url(url), json=change, headers={"If-Match": tag}
        )
        assert_problem(r, 412, "precondition-failed")


@patches()
async def test_the_etag_read_is_the_etag_to_send_and_it_moves(
    shared: Shared, who: str, url: str, change: dict[str, Any]
) -> None:
    api, db = shared.api, shared.db
    url = await fresh(api, url)
    got = await api.call(who, "GET", url)
    assert got.status_code == 200, got.text
    assert got.headers["etag"] == f'"{got.json()["version"]}"' == '"1"'

    changed = await api.call(who, "PATCH", url, json=change, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert changed.json()["version"] == 2
    assert (await api.call(who, "GET", url)).headers["etag"] == '"2"'

    # a second writer who read version 1 loses, and learns the current version
    async with unchanged(db):
        lost = await api.call(who, "PATCH", url, json=change, headers={"If-Match": '"1"'})
        body = assert_problem(lost, 412, "precondition-failed")
    assert lost.headers["etag"] == '"2"'
    assert body["current_etag"] == '"2"'


async def test_what_follows_a_recommendation_moves_its_etag(shared: Shared) -> None:
    api, db = shared.api, shared.db
    url = await fresh(api, "/v1/recommendations/{rec}")
    r = await api.call(
        "skatteverket",
        "PUT",
        f"{url}/response",
        json={"decision": "accepted", "responded_by": "Åsa Öberg"},
    )
    assert r.status_code == 201, r.text
    current = (await api.call("secretariat", "GET", url)).headers["etag"]
    assert current != '"1"'
    async with unchanged(db):
        r = await api.call(
            "secretariat", "PATCH", url, json={"priority": "low"}, headers={"If-Match": '"1"'}
        )
        assert_problem(r, 412, "precondition-failed")
    assert r.headers["etag"] == current


# --- PUT response and closure: the first needs no If-Match, later ones do ------------------

PUTS: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    (
        "skatteverket",
        "/v1/recommendations/{rec}/response",
        {"decision": "accepted", "target_date": "2027-06-30", "responded_by": "Åsa Öberg"},
        {"decision": "accepted", "target_date": "2027-03-31", "responded_by": "Åsa Öberg"},
    ),
    (
        "secretariat",
        "/v1/recommendations/{rec}/closure",
        {"outcome": "implemented", "note": "Verifierat."},
        # (closing as superseded needs its successor: tests/api/test_links_api.py)
        {"outcome": "not_implemented", "note": "Inte genomförd."},
    ),
]


def puts() -> pytest.MarkDecorator:
    return pytest.mark.parametrize(
        ("who", "url", "first", "second"), PUTS, ids=[u.rsplit("/", 1)[1] for _, u, _, _ in PUTS]
    )


@puts()
async def test_put_creates_without_if_match_then_needs_it(
    shared: Shared,
    who: str,
    url: str,
    first: dict[str, Any],
    second: dict[str, Any],
) -> None:
    api, db = shared.api, shared.db
    url = await fresh(api, url)

    # If-Match on something that does not exist yet cannot match
    async with unchanged(db):
        r = await api.call(who, "PUT", url, json=first, headers={"If-Match": '"1"'})
        assert_problem(r, 412, "precondition-failed")

    created = await api.call(who, "PUT", url, json=first)
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    assert (await api.call("auditor", "GET", url)).headers["etag"] == '"1"'

    async with unchanged(db):
        r = await api.call(who, "PUT", url, json=second)
        assert_problem(r, 428, "precondition-required")
        r = await api.call(who, "PUT", url, json=second, headers={"If-Match": '"2"'})
        body = assert_problem(r, 412, "precondition-failed")
        assert r.headers["etag"] == '"1"'
        assert body["current_etag"] == '"1"'
        r = await api.call(who, "PUT", url, json=second, headers={"If-Match": 'W/"1"'})
        assert_problem(r, 412, "precondition-failed")

    changed = await api.call(who, "PUT", url, json=second, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert changed.json()["version"] == 2
    got = await api.call("auditor", "GET", url)
    assert got.headers["etag"] == '"2"'
    assert got.json() == changed.json()


async def test_reopening_needs_the_closures_etag(shared: Shared) -> None:
    api, db = shared.api, shared.db
    url = await fresh(api, "/v1/recommendations/{rec}/closure")
    r = await api.call("secretariat", "PUT", url, json={"outcome": "withdrawn"})
    assert r.status_code == 201, r.text

    async with unchanged(db):
        r = await api.call("secretariat", "DELETE", url)
        assert_problem(r, 428, "precondition-required")
        r = await api.call("secretariat", "DELETE", url, headers={"If-Match": '"2"'})
        body = assert_problem(r, 412, "precondition-failed")
        assert r.headers["etag"] == '"1"'
        assert body["current_etag"] == '"1"'
        r = await api.call("secretariat", "DELETE", url, headers={"If-Match": "garbage"})
        assert_problem(r, 412, "precondition-failed")

    r = await api.call("secretariat", "DELETE", url, headers={"If-Match": '"1"'})
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert_problem(await api.call("secretariat", "GET", url), 404, "not-found")


async def test_an_if_match_of_a_digit_that_is_no_number_is_412(api: Api, live_url: str) -> None:
    """HTTP carries header bytes, read as Latin-1: `"²"` is a digit to `str.isdigit` but no
    version. Over a real socket, as a client would send it (the in-process client re-encodes)."""
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as client:
        r = await client.patch(
            "/v1/agencies/skatteverket",
            json={"name": "Skatteverket"},
            headers={
                b"Authorization": f"Bearer {api.tokens['secretariat']}".encode(),
                b"If-Match": '"²"'.encode("latin-1"),
            },
        )
    assert_problem(r, 412, "precondition-failed")
