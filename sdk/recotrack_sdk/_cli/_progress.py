"""A progress bar on stderr, for commands that page through many results.

Drawn only when stderr is a terminal (never into a log file or a pipe), at most ten times a
second, and wiped when done so that the terminal shows only the result.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import TextIO, TypeVar

T = TypeVar("T")

BAR_COLUMNS = 30
_INTERVAL = 0.1


class Progress:
    """Counts items as they arrive; `total` (when known) makes it a bar, else a counter."""

    def __init__(
        self,
        stream: TextIO,
        label: str,
        *,
        total: int | None = None,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
        render: Callable[[int], str] | None = None,
    ) -> None:
        self.stream = stream
        self._render = render
        self.label = label
        self.total = total
        self.enabled = enabled
        self.count = 0
        self._clock = clock
        self._started = clock()
        self._drawn_at: float | None = None
        self._drawn_width = 0
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        self._full, self._empty = ("█", "░") if encoding.startswith("utf") else ("#", "-")

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def track(self, items: Iterable[T]) -> Iterator[T]:
        """`items`, counting each as it passes."""
        for item in items:
            self.advance()
            yield item

    def advance(self, n: int = 1) -> None:
        self.count += n
        if self.total is not None and self.count > self.total:
            self.total = self.count  # more than expected (added meanwhile): still a bar
        now = self._clock()
        if self._drawn_at is None or now - self._drawn_at >= _INTERVAL:
            self._draw(now)

    def line(self, now: float | None = None) -> str:
        """The text of the bar as it stands."""
        elapsed = (self._clock() if now is None else now) - self._started
        if self._render is not None:  # a size (not items): what has come, and how fast
            speed = f"{self._render(round(self.count / elapsed))}/s" if elapsed > 0.5 else ""
            return f"{self.label} {self._render(self.count)} {speed}".rstrip()
        rate = f"{self.count / elapsed:,.0f}/s" if elapsed > 0.5 else ""
        if self.total:
            done = self.count / self.total
            filled = round(BAR_COLUMNS * done)
            bar = self._full * filled + self._empty * (BAR_COLUMNS - filled)
            text = f"{self.label} {bar} {self.count:,}/{self.total:,} {done:4.0%}"
        else:
            text = f"{self.label} {self.count:,}"
        return f"{text} {rate}".rstrip().replace(",", " ")

    def _draw(self, now: float) -> None:
        if not self.enabled:
            return
        self._drawn_at = now
        text = self.line(now)
        self.stream.write("\r" + text + " " * max(0, self._drawn_width - len(text)))
        self.stream.flush()
        self._drawn_width = len(text)

    def close(self) -> None:
        """Wipe the bar, leaving the cursor at the start of an empty line."""
        if self.enabled and self._drawn_at is not None:
            self.stream.write("\r" + " " * self._drawn_width + "\r")
            self.stream.flush()
        self._drawn_at = None
        self._drawn_width = 0


def byte_count(n: int) -> str:
    """A size as people read it: `812 B`, `12,3 kB`, `4,1 MB` (decimal units, Swedish comma)."""
    if n < 1000:
        return f"{n} B"
    value, units = n / 1000, ["kB", "MB", "GB"]
    while value >= 1000 and len(units) > 1:
        value, units = value / 1000, units[1:]
    return f"{value:.1f} {units[0]}".replace(".", ",")
