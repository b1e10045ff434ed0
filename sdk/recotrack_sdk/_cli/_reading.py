"""Reading recommendations for a command: page after page, with a progress bar and the total
it is going to, when /v1/stats can tell."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

import msgspec

from recotrack_sdk import APIError, Client
from recotrack_sdk._cli._context import Context
from recotrack_sdk._cli._progress import Progress
from recotrack_sdk.models import Page, Recommendation, RecommendationQuery, RecommendationSort

T = TypeVar("T")

PAGE_SIZE = 1000
"""The API's largest page: the fewest round trips through a long list."""
_COUNTED = ("agency", "area", "state", "overdue")
"""The filters that /v1/stats counts by."""


def _page(
    client: Client,
    f: RecommendationQuery,
    *,
    sort: RecommendationSort | None,
    cursor: str | None,
    limit: int,
) -> Page[Recommendation]:
    filters = msgspec.structs.asdict(f)
    return client.list_recommendations(**filters, sort=sort, limit=limit, cursor=cursor)


def recommendations(
    client: Client,
    f: RecommendationQuery,
    *,
    sort: RecommendationSort | None = None,
    limit: int | None = None,
) -> Iterator[Recommendation]:
    """Every recommendation matching `f` (at most `limit`), page after page."""
    cursor: str | None = None
    left = limit
    while left is None or left > 0:
        size = PAGE_SIZE if left is None else min(left, PAGE_SIZE)
        page = _page(client, f, sort=sort, cursor=cursor, limit=size)
        items = page.items if left is None else page.items[:left]
        yield from items
        if left is not None:
            left -= len(items)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


class NoSuchAgency(Exception):
    """A filter names an agency that does not exist (or that the token may not see)."""


def check_agencies(client: Client, f: RecommendationQuery) -> None:
    """Refuse a filter naming an agency the service does not know, before listing nothing and
    saying that nothing matches. One request (the agencies are a few hundred at most)."""
    if not f.agency:
        return
    known = sorted(agency.id for agency in client.iter_agencies(page_size=PAGE_SIZE))
    unknown = [agency for agency in f.agency if agency not in known]
    if not unknown:
        return
    words = []
    for agency in unknown:
        near = difflib.get_close_matches(agency.lower(), known, n=1, cutoff=0.6)
        words.append(f"{agency!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
    noun = "agency" if len(unknown) == 1 else "agencies"
    raise NoSuchAgency(
        f"no {noun} {', '.join(words)}, or not one this token may see "
        "(the agencies' ids: GET /v1/agencies)"
    )


def expected_total(client: Client, f: RecommendationQuery, limit: int | None) -> int | None:
    """How many recommendations a list will have, when /v1/stats can tell (for the bar)."""
    beyond_stats = (getattr(f, name) for name in f.__struct_fields__ if name not in _COUNTED)
    if any(value is not None for value in beyond_stats):
        return None
    try:
        stats = client.get_stats()
    except APIError:
        return None
    total: int | None = None
    if f.overdue is None:
        total = sum(
            c.count
            for c in stats.counts
            if (f.agency is None or c.agency_id in f.agency)
            and (f.area is None or c.area in f.area)
            and (f.state is None or c.state in f.state)
        )
    elif f.overdue and f.area is None and f.state is None:
        total = sum(
            a.overdue
            for a in stats.overdue_by_agency
            if f.agency is None or a.agency_id in f.agency
        )
    if total is not None and limit is not None:
        total = min(total, limit)
    return total


def collect(ctx: Context, label: str, items: Iterator[T], total: int | None) -> list[T]:
    with Progress(ctx.err, label, total=total, enabled=ctx.progress) as bar:
        return list(bar.track(items))


def stream(
    ctx: Context,
    label: str,
    items: Iterable[T],
    total: int | None,
    write: Callable[[Iterable[T]], None],
) -> None:
    with Progress(ctx.err, label, total=total, enabled=ctx.progress) as bar:
        write(bar.track(items))
