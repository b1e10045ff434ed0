"""Cursor pagination as a property, through the live service: whatever the page size, the sort
order and the caller, following `next_cursor` yields every item that existed before the walk
exactly once and in the list's order, even when items are added between pages (those may or
may not appear, at most once, and never out of order); and the walk ends.

Each example has a review of its own and lists only that review's recommendations, so the
examples share one service without seeing each other's items.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import Service
from tests.fuzz.profile import PROFILE, TALLY, examples

SORTS = [
    "created",
    "relevance",
    "issued_on",
    "-issued_on",
    "response_due",
    "-response_due",
    "implementation_due",
    "-implementation_due",
    "code",
    "-code",
]
MAX_PAGES = 40
_serial = itertools.count(1)


def _day(base: dt.date) -> st.SearchStrategy[dt.date | None]:
    """A few days only, so that many items share a date (ties are where keysets go wrong)."""
    return st.none() | st.sampled_from([base + dt.timedelta(days=d) for d in range(3)])


@dataclass(frozen=True)
class Item:
    issued_on: dt.date | None
    response_due: dt.date | None
    implementation_due: dt.date | None
    code: str


items = st.builds(
    Item,
    _day(dt.date(2026, 1, 10)),
    _day(dt.date(2026, 3, 1)),
    _day(dt.date(2026, 9, 1)),
    st.sampled_from(["A", "B", "C"]),
)


class Caller:
    def __init__(self, client: httpx.Client, service: Service) -> None:
        self.client = client
        self.service = service

    def call(self, who: str, method: str, url: str, body: Any = None) -> httpx.Response:
        TALLY["pagination requests"] += 1
        headers = {"Authorization": f"Bearer {self.service.tokens[who]}"}
        return self.client.request(method, url, json=body, headers=headers)

    def review(self) -> str:
        r = self.call(
            "secretariat",
            "POST",
            "/v1/investments",
            {"agency_id": "skatteverket", "title": "Paging"},
        )
        assert r.status_code == 201, r.text
        body = {"investment_id": r.json()["id"], "title": "Paging"}
        r = self.call("secretariat", "POST", "/v1/reviews", body)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def add(self, review: str, item: Item) -> str:
        body = {
            "review_id": review,
            # a code prefix shared by several items: ties in the code order too
            "code": f"{item.code}-{next(_serial):06d}",
            "title": "Inför en gemensam produktstyrning",
            "area": "governance",
            "issued_on": item.issued_on and item.issued_on.isoformat(),
            "response_due": item.response_due and item.response_due.isoformat(),
            "implementation_due": item.implementation_due and item.implementation_due.isoformat(),
        }
        r = self.call("secretariat", "POST", "/v1/recommendations", body)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def page(self, who: str, query: str, limit: int, cursor: str | None) -> dict[str, Any]:
        url = f"/v1/recommendations?{query}&limit={limit}"
        r = self.call(who, "GET", url + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200, r.text
        page: dict[str, Any] = r.json()
        assert len(page["items"]) <= limit
        return page


def _key(sort: str, item: dict[str, Any]) -> tuple[bool, str]:
    """The sort key of an item as the list orders by it: a missing date sorts last."""
    field = sort.removeprefix("-")
    value = item.get(field)
    if field == "code":
        return (False, str(value))
    return (value is None, "" if value is None else str(value))


def _in_order(sort: str, walked: list[dict[str, Any]]) -> None:
    if sort in ("created", "relevance"):
        return  # checked against the order of creation instead
    keys = [_key(sort, item) for item in walked]
    for before, after in itertools.pairwise(keys):
        if sort.startswith("-"):
            # latest first, a missing date still last
            assert (before[0], after[1]) <= (after[0], before[1]), (sort, keys)
        else:
            assert before <= after, (sort, keys)


@given(
    before=st.lists(items, max_size=12),
    during=st.lists(st.tuples(st.integers(0, 12), items), max_size=4),
    limit=st.integers(1, 5),
    sort=st.sampled_from(SORTS),
    who=st.sampled_from(["secretariat", "skatteverket"]),
)
def _walk(
    caller: Caller,
    before: list[Item],
    during: list[tuple[int, Item]],
    limit: int,
    sort: str,
    who: str,
) -> None:
    TALLY["pagination walks"] += 1
    review = caller.review()
    existing = [(caller.add(review, item), item) for item in before]
    visible = [rid for rid, item in existing if who == "secretariat" or item.issued_on]
    query = f"review_id={review}&sort={sort}" + (
        "&q=produktstyrning" if sort == "relevance" else ""
    )
    walked: list[dict[str, Any]] = []
    added: set[str] = set()
    cursor: str | None = None
    for number in range(MAX_PAGES):
        page = caller.page(who, query, limit, cursor)
        walked.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        added |= {caller.add(review, item) for at, item in during if at == number}
    else:
        raise AssertionError(f"no end after {MAX_PAGES} pages")
    ids = [item["id"] for item in walked]
    assert len(ids) == len(set(ids)), "an item came twice"
    assert set(visible) <= set(ids), "an item that was there before the walk was missed"
    assert set(ids) <= set(visible) | added, "an item the caller may not see, or never made"
    if who != "secretariat":
        assert all(item["state"] != "draft" for item in walked)
    _in_order(sort, walked)
    if sort == "created":
        # everything that existed before the walk comes in the order it was created
        assert [i for i in ids if i in set(visible)] == visible
    # the walk's order is the list's own order when read at once
    whole = caller.page(who, query, 1000, None)
    assert whole["next_cursor"] is None
    order = [item["id"] for item in whole["items"]]
    assert [i for i in order if i in set(ids)] == ids


def test_every_item_exactly_once_in_order_whatever_the_page_size(service: Service) -> None:
    with httpx.Client(base_url=service.url, timeout=30) as client:
        examples(PROFILE.property_examples)(_walk)(Caller(client, service))


@dataclass(frozen=True)
class Listing:
    """A list in creation order under a parent of its own: how to make the parent, how to add
    an item to the list, the list's URL, and what names an item."""

    parent: str
    """`investment` or `recommendation`."""
    add: tuple[str, str, str, dict[str, Any]]
    """Who, method, URL (with `{parent}`), body (with `{parent}` values filled in)."""
    url: str
    key: str = "id"


LISTINGS = {
    "reviews": Listing(
        "investment",
        ("secretariat", "POST", "/v1/reviews", {"investment_id": "{parent}", "title": "R"}),
        "/v1/reviews?investment_id={parent}",
    ),
    "progress": Listing(
        "recommendation",
        (
            "skatteverket",
            "POST",
            "/v1/recommendations/{parent}/progress",
            {"status": "in_progress"},
        ),
        "/v1/recommendations/{parent}/progress",
    ),
    "assessments": Listing(
        "recommendation",
        (
            "secretariat",
            "POST",
            "/v1/recommendations/{parent}/assessments",
            {"status": "implemented"},
        ),
        "/v1/recommendations/{parent}/assessments",
    ),
    "history": Listing(
        "recommendation",
        (
            "skatteverket",
            "POST",
            "/v1/recommendations/{parent}/progress",
            {"status": "not_started"},
        ),
        "/v1/recommendations/{parent}/history",
        key="seq",
    ),
}


def _parent(caller: Caller, kind: str) -> str:
    review = caller.review()
    if kind == "investment":
        r = caller.call("secretariat", "GET", f"/v1/reviews/{review}")
        return str(r.json()["investment_id"])
    return caller.add(review, Item(dt.date(2026, 1, 10), None, None, "P"))


def _whole(caller: Caller, who: str, url: str, key: str) -> list[Any]:
    r = caller.call(who, "GET", f"{url}{'&' if '?' in url else '?'}limit=1000")
    assert r.status_code == 200, r.text
    assert r.json()["next_cursor"] is None
    return [item[key] for item in r.json()["items"]]


@given(
    listing=st.sampled_from(sorted(LISTINGS)),
    before=st.integers(0, 10),
    during=st.lists(st.integers(0, 10), max_size=4),
    limit=st.integers(1, 4),
    who=st.sampled_from(["secretariat", "skatteverket", "auditor"]),
)
def _walk_in_creation_order(
    caller: Caller, listing: str, before: int, during: list[int], limit: int, who: str
) -> None:
    TALLY["pagination walks"] += 1
    spec = LISTINGS[listing]
    parent = _parent(caller, spec.parent)
    adder, method, add_url, body = spec.add
    filled = {k: parent if v == "{parent}" else v for k, v in body.items()}

    def add() -> None:
        r = caller.call(adder, method, add_url.format(parent=parent), filled)
        assert r.status_code == 201, r.text

    for _ in range(before):
        add()
    url = spec.url.format(parent=parent)
    existing = _whole(caller, who, url, spec.key)
    walked: list[Any] = []
    cursor: str | None = None
    sep = "&" if "?" in url else "?"
    for number in range(MAX_PAGES):
        query = f"{url}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        r = caller.call(who, "GET", query)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= limit
        walked.extend(item[spec.key] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        for _ in range(during.count(number)):
            add()
    else:
        raise AssertionError(f"no end after {MAX_PAGES} pages")
    assert len(walked) == len(set(walked)), "an item came twice"
    assert [k for k in walked if k in set(existing)] == existing, "missed or out of order"
    after = _whole(caller, who, url, spec.key)
    assert [k for k in after if k in set(walked)] == walked, "not the list's own order"


def test_lists_in_creation_order_page_exactly(service: Service) -> None:
    with httpx.Client(base_url=service.url, timeout=30) as client:
        examples(PROFILE.property_examples)(_walk_in_creation_order)(Caller(client, service))
