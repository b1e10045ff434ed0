# Generated from _async_changes.py by scripts/unasync: edit that file, not this one.
"""Following the changes feed from a stored cursor, with the cursor to store kept up to date.

`cursor` moves to a page's `next_cursor` as the page's last change is handed out: it never
passes a change you have not been given. Store it after you have processed a change (or a
page, with `pages()`); a run that stops in the middle of a page sees the rest of that page
again next time, never less.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from recotrack_sdk.models import Change, ChangePage

LONG_POLL_SECONDS = 30
"""How long one request waits for a change when following (the service's maximum)."""

FetchPage = Callable[[str | None, int], ChangePage]


class ChangeStream(Iterator[Change]):
    """Changes in commit order from `cursor`: to the end of the feed, or (`follow=True`) on
    and on, waiting for new ones with a long poll."""

    def __init__(self, fetch: FetchPage, cursor: str | None, *, follow: bool) -> None:
        self.cursor = cursor
        """Where a new reader would start to see the changes not handed out yet. Store it."""
        self.follow = follow
        self._fetch = fetch
        self._changes = self._iterate()

    def __next__(self) -> Change:
        return next(self._changes)

    def pages(self) -> Iterator[ChangePage]:
        """The feed a page at a time (non-empty pages only); `cursor` is the page's end."""
        for page in self._nonempty_pages():
            self.cursor = page.next_cursor
            yield page

    def _iterate(self) -> Iterator[Change]:
        for page in self._nonempty_pages():
            *most, last = page.items
            yield from most
            self.cursor = page.next_cursor
            yield last

    def _nonempty_pages(self) -> Iterator[ChangePage]:
        while True:
            page = self._fetch(self.cursor, LONG_POLL_SECONDS if self.follow else 0)
            if page.items:
                yield page
                continue
            self.cursor = page.next_cursor
            if not self.follow:
                return
