"""A change that changes nothing is not a new version: a PATCH whose values equal the stored
ones answers 200 with the same version and ETag, and the database (the event log included)
is left as it was. If-Match is checked all the same."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.api.conftest import Shared
from tests.api.support import assert_problem, unchanged
from tests.api.test_preconditions import PATCHES, fresh, patches

_serial = itertools.count(1)


def _own(change: dict[str, Any]) -> dict[str, Any]:
    """The change, with an `external_ref` of its own (one per agency)."""
    if "external_ref" in change:
        return {**change, "external_ref": f"{change['external_ref']}-{next(_serial)}"}
    return change


@patches()
async def test_a_patch_to_the_values_stored_is_no_new_version(
    shared: Shared, who: str, url: str, change: dict[str, Any]
) -> None:
    api, db = shared.api, shared.db
    url = await fresh(api, url)
    got = await api.call(who, "GET", url)
    same = {field: got.json()[field] for field in change}
    async with unchanged(db):
        r = await api.call(who, "PATCH", url, json=same, headers={"If-Match": '"1"'})
        assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"1"'
    assert r.json() == got.json()
    assert (await api.call(who, "GET", url)).headers["etag"] == '"1"'

    # a real change after it is version 2, as ever
    r = await api.call(who, "PATCH", url, json=_own(change), headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2


@pytest.mark.parametrize("who_url", [(w, u) for w, u, _ in PATCHES], ids=lambda p: p[1])
async def test_an_empty_patch_changes_nothing(shared: Shared, who_url: tuple[str, str]) -> None:
    who, url = who_url
    url = await fresh(shared.api, url)
    async with unchanged(shared.db):
        r = await shared.api.call(who, "PATCH", url, json={}, headers={"If-Match": '"1"'})
        assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"1"'


@patches()
async def test_a_patch_that_changes_nothing_still_needs_the_current_version(
    shared: Shared, who: str, url: str, change: dict[str, Any]
) -> None:
    """A caller who read an older version does not know the current values: its If-Match is
    refused as for any change, whether or not its values happen to match."""
    api, db = shared.api, shared.db
    url = await fresh(api, url)
    changed = await api.call(who, "PATCH", url, json=_own(change), headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    same = {field: (await api.call(who, "GET", url)).json()[field] for field in change}
    async with unchanged(db):
        stale = await api.call(who, "PATCH", url, json=same, headers={"If-Match": '"1"'})
        assert_problem(stale, 412, "precondition-failed")
        missing = await api.call(who, "PATCH", url, json=same)
        assert_problem(missing, 428, "precondition-required")
