"""Keyset pagination: following `next_cursor` yields every item once, in order, and ends with a
null cursor; rows inserted while a client pages neither duplicate nor hide earlier ones."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from tests import flow
from tests.api.support import World, org_number
from tests.helpers import Api

Page = list[dict[str, Any]]
_serial = itertools.count(1)


async def walk(
    api: Api,
    who: str,
    url: str,
    limit: int,
    *,
    between: Callable[[], Awaitable[None]] | None = None,
) -> list[Page]:
    """Every page of a list; `between` runs after the first page."""
    pages: list[Page] = []
    cursor: str | None = None
    sep = "&" if "?" in url else "?"
    while True:
        query = f"{url}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        r = await api.call(who, "GET", query)
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"items", "next_cursor"}
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(body["items"]) == limit, "only the last page may be short"
        if between is not None and len(pages) == 1:
            await between()
        assert len(pages) < 100, "the cursor does not advance"


def ids(pages: list[Page]) -> list[str]:
    return [item["id"] for page in pages for item in page]


async def everything(api: Api, url: str) -> list[str]:
    r = await api.call("secretariat", "GET", f"{url}{'&' if '?' in url else '?'}limit=1000")
    assert r.status_code == 200, r.text
    assert r.json()["next_cursor"] is None
    return [item["id"] for item in r.json()["items"]]


# --- one creator per list ------------------------------------------------------------------


@dataclass
class Listing:
    """A list to page through, and how to add an item to it."""

    url: str
    add: Callable[[], Awaitable[None]]


async def _post(api: Api, who: str, url: str, body: dict[str, Any]) -> None:
    r = await api.call(who, "POST", url, json=body)
    assert r.status_code == 201, r.text


def listing(name: str, api: Api, world: World) -> Listing:
    rec = world.url("/v1/recommendations/{rec}")

    async def agency() -> None:
        n = next(_serial)
        await _post(
            api,
            "secretariat",
            "/v1/agencies",
            {"id": f"myndighet-{n}", "name": f"Myndighet {n}", "org_number": org_number()},
        )

    async def investment() -> None:
        await _post(
            api, "secretariat", "/v1/investments", {"agency_id": "skatteverket", "title": "I"}
        )

    async def review() -> None:
        await _post(
            api, "secretariat", "/v1/reviews", {"investment_id": world.investment, "title": "R"}
        )

    async def recommendation() -> None:
        body = {
            "review_id": world.review,
            "code": f"2026-PAGE-{next(_serial):03d}",
            "title": "Rekommendation",
            "area": "results",
            "issued_on": "2026-01-15",
        }
        await _post(api, "secretariat", "/v1/recommendations", body)

    async def progress() -> None:
        await _post(api, "skatteverket", f"{rec}/progress", {"status": "in_progress"})

    async def assessment() -> None:
        await _post(api, "secretariat", f"{rec}/assessments", {"status": "in_progress"})

    async def token() -> None:
        await _post(api, "secretariat", "/v1/tokens", {"role": "auditor", "label": "granskare"})

    return {
        "agencies": Listing("/v1/agencies", agency),
        "investments": Listing("/v1/investments", investment),
        "reviews": Listing("/v1/reviews", review),
        "recommendations": Listing("/v1/recommendations", recommendation),
        "progress": Listing(f"{rec}/progress", progress),
        "assessments": Listing(f"{rec}/assessments", assessment),
        "tokens": Listing("/v1/tokens", token),
    }[name]


LISTS = [
    "agencies",
    "investments",
    "reviews",
    "recommendations",
    "progress",
    "assessments",
    "tokens",
]


async def fill(lst: Listing, api: Api, n: int) -> list[str]:
    """Add items until the list has `n`; all of them, in order."""
    for _ in range(n - len(await everything(api, lst.url))):
        await lst.add()
    items = await everything(api, lst.url)
    assert len(items) == n
    return items


@pytest.mark.parametrize("name", LISTS)
async def test_following_the_cursor_yields_every_item_once_in_order(
    api: Api, world: World, name: str
) -> None:
    lst = listing(name, api, world)

    # a full last page: no empty page after it
    expected = await fill(lst, api, 21)
    pages = await walk(api, "secretariat", lst.url, 7)
    assert [len(p) for p in pages] == [7, 7, 7]
    assert ids(pages) == expected

    expected = await fill(lst, api, 25)
    pages = await walk(api, "secretariat", lst.url, 7)
    assert [len(p) for p in pages] == [7, 7, 7, 4]
    assert ids(pages) == expected
    created = [dt.datetime.fromisoformat(item["created_at"]) for page in pages for item in page]
    assert created == sorted(created)

    # an item added while a client pages neither repeats nor hides an earlier one
    pages = await walk(api, "secretariat", lst.url, 7, between=lst.add)
    seen = ids(pages)
    after = await everything(api, lst.url)
    assert len(after) == 26
    assert len(seen) == len(set(seen)), "an item came twice"
    assert seen[:25] == expected, "an earlier item was missed or moved"
    assert seen == after, "the item added while paging comes last, once"


async def test_pages_of_a_filtered_list_hold_only_matching_items(api: Api, world: World) -> None:
    for i in range(12):
        await flow.recommendation(api, "skatteverket" if i % 3 else "forsakringskassan")
    url = "/v1/recommendations?agency=forsakringskassan"
    expected = await everything(api, url)
    assert len(expected) == 4
    pages = await walk(api, "secretariat", url, 3)
    assert ids(pages) == expected
    assert all(item["agency_id"] == "forsakringskassan" for page in pages for item in page)

    # an agency pages through its own
    own = await walk(api, "forsakringskassan", "/v1/recommendations", 1)
    assert ids(own) == expected


async def test_the_default_page_is_a_hundred(api: Api, db: asyncpg.Connection) -> None:
    await db.execute(
        """
        insert into token (secret_hash, role, label)
        select sha256(('unused ' || n)::bytea), 'auditor', 'granskare ' || n
        from generate_series(1, 100) n
        """
    )
    r = await api.call("secretariat", "GET", "/v1/tokens")
    assert len(r.json()["items"]) == 100
    assert r.json()["next_cursor"] is not None
    r = await api.call("secretariat", "GET", f"/v1/tokens?cursor={r.json()['next_cursor']}")
    assert len(r.json()["items"]) == 4
    assert r.json()["next_cursor"] is None
