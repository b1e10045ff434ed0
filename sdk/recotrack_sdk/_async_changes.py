"""Following the changes feed from a stored cursor, with the cursor to store kept up to date.

`cursor` moves to a page's `next_cursor` as the page's last change is handed out: it never
passes a change you have not been given. Store it after you have processed a change (or a
page, with `pages()`); a run that stops in the middle of a page sees the rest of that page
again next time, never less.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from recotrack_sdk.models import Change, ChangePage

LONG_POLL_SECONDS = 30
"""How long one request waits for a change when following (the service's maximum)."""

FetchPage = Callable[[str | None, int], Awaitable[ChangePage]]


class AsyncChangeStream(AsyncIterator[Change]):
    """Changes in commit order from `cursor`: to the end of the feed, or (`follow=True`) on
    and on, waiting for new ones with a long poll."""

    def __init__(self, fetch: FetchPage, cursor: str | None, *, follow: bool) -> None:
        self.cursor = cursor
        """Where a new reader would start to see the changes not handed out yet. Store it."""
        self.follow = follow
        self._fetch = fetch
        self._changes = self._iterate()

    async def __anext__(self) -> Change:
        return await anext(self._changes)

    async def pages(self) -> AsyncIterator[ChangePage]:
        """The feed a page at a time (non-empty pages only); `cursor` is the page's end."""
        async for page in self._nonempty_pages():
            self.cursor = page.next_cursor
            yield page

    async def _iterate(self) -> AsyncIterator[Change]:
        async for page in self._nonempty_pages():
            *most, last = page.items
            for change in most:
                yield change
            self.cursor = page.next_cursor
            yield last

    async def _nonempty_pages(self) -> AsyncIterator[ChangePage]:
        while True:
            page = await self._fetch(self.cursor, LONG_POLL_SECONDS if self.follow else 0)
            if page.items:
                yield page
                continue
            self.cursor = page.next_cursor
            if not self.follow:
                return
