"""Chart geometry for server-rendered SVG: pure arithmetic, no markup (templates draw it).

Every bar carries its number as text, and every series has a pattern as well as a colour
(`SERIES`), so that no chart needs colour to be read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Series:
    """How a series is drawn: a fill, an optional pattern over it, and text that contrasts."""

    fill: str
    pattern: str | None
    """`dots`, `diagonal`, `vertical`, `cross`, `backslash` or None (solid)."""
    ink: str
    """Colour of a pattern's marks."""
    text: str
    halo: str


# The states form a process, so their fills darken along it: order is readable by lightness
# alone (and the patterns tell neighbours apart without any colour vision).
SERIES: dict[str, Series] = {
    "draft": Series("#ffffff", "dots", "#4b5563", "#111827", "#ffffff"),
    "issued": Series("#dbe8f5", "diagonal", "#52779c", "#111827", "#ffffff"),
    "responded": Series("#a4c8e6", "vertical", "#2f5f8c", "#111827", "#ffffff"),
    "in_progress": Series("#5f9dd2", "cross", "#1f4f7f", "#111827", "#ffffff"),
    "implemented": Series("#2b6cab", "backslash", "#a9c9ea", "#ffffff", "#0b2545"),
    "closed": Series("#0b3866", None, "#0b3866", "#ffffff", "#0b2545"),
    "issued_q": Series("#2b6cab", None, "#2b6cab", "#ffffff", "#0b2545"),
    "closed_q": Series("#f2bb7f", "diagonal", "#8a4a0b", "#111827", "#ffffff"),
}

CHAR_WIDTH = 7.5
"""Roughly the width of a digit at the charts' font size, to see whether a number fits."""
LABEL_CHAR_WIDTH = 7.4
"""Roughly the width of a letter of a bar's label (an overestimate: a label must not be cut)."""


@dataclass(frozen=True, slots=True)
class Segment:
    key: str
    label: str
    count: int
    x: float
    width: float
    text_x: float
    show_count: bool
    """Whether the number fits inside; the total after the bar and the table carry it anyway."""


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    total: int
    y: float
    segments: list[Segment]
    total_x: float


@dataclass(frozen=True, slots=True)
class Tick:
    value: int
    position: float


@dataclass(frozen=True, slots=True)
class StackedBars:
    width: int
    height: int
    label_width: int
    plot_left: float
    plot_width: float
    bar_height: int
    bars: list[Bar]
    ticks: list[Tick]
    axis_y: float


def nice_ticks(maximum: int, most: int = 5) -> list[int]:
    """0 and round steps (1, 2 or 5 times a power of ten) up to at least `maximum`."""
    maximum = max(maximum, 1)
    raw = maximum / most
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(int(step), 1)
    top = math.ceil(maximum / step) * step
    return list(range(0, top + 1, step))


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[tuple[str, str, int]]]],
    *,
    width: int = 760,
    bar_height: int = 22,
    gap: int = 10,
) -> StackedBars:
    """Horizontal stacked bars: one per row `(label, [(key, label, count), …])`, segments in
    the given order, all on one scale; the labels' column as wide as the longest needs."""
    longest = max((len(label) for label, _ in rows), default=0)
    label_width = min(max(math.ceil(longest * LABEL_CHAR_WIDTH) + 4, 60), width // 3)
    totals = [sum(count for _, _, count in segments) for _, segments in rows]
    ticks = nice_ticks(max(totals, default=0))
    plot_left = label_width + 10.0
    plot_width = width - plot_left - 48  # room for the total after the longest bar
    scale = plot_width / ticks[-1]
    top = 8
    bars = []
    for index, ((label, segments), total) in enumerate(zip(rows, totals, strict=True)):
        y = top + index * (bar_height + gap)
        x = plot_left
        parts = []
        for key, segment_label, count in segments:
            if count == 0:
                continue
            w = count * scale
            fits = w >= CHAR_WIDTH * len(str(count)) + 6
            parts.append(Segment(key, segment_label, count, x, w, x + w / 2, fits))
            x += w
        bars.append(Bar(label, total, y, parts, x + 6))
    axis_y = top + len(rows) * (bar_height + gap)
    return StackedBars(
        width=width,
        height=int(axis_y + 24),
        label_width=label_width,
        plot_left=plot_left,
        plot_width=plot_width,
        bar_height=bar_height,
        bars=bars,
        ticks=[Tick(value, plot_left + value * scale) for value in ticks],
        axis_y=axis_y,
    )


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    count: int
    x: float
    y: float
    width: float
    height: float
    text_x: float


@dataclass(frozen=True, slots=True)
class Group:
    label: str
    """The group's full name (for its tooltip)."""
    line1: str
    line2: str
    """A second line under the axis (the year at its first quarter), or empty."""
    center: float
    columns: list[Column]


@dataclass(frozen=True, slots=True)
class GroupedBars:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    baseline: float
    groups: list[Group]
    ticks: list[Tick]


def grouped_bars(
    groups: Sequence[tuple[str, str, str, Sequence[tuple[str, str, int]]]],
    *,
    width: int = 760,
    height: int = 300,
) -> GroupedBars:
    """Vertical bars side by side per group `(name, line1, line2, [(key, label, count), …])`."""
    plot_left, plot_right = 44.0, width - 8.0
    plot_top, baseline = 22.0, height - 44.0
    maximum = max((count for *_, columns in groups for _, _, count in columns), default=0)
    ticks = nice_ticks(maximum)
    scale = (baseline - plot_top) / ticks[-1]
    slot = (plot_right - plot_left) / max(len(groups), 1)
    out = []
    for index, (name, line1, line2, columns) in enumerate(groups):
        center = plot_left + slot * (index + 0.5)
        column_width = min(26.0, slot * 0.8 / max(len(columns), 1))
        left = center - column_width * len(columns) / 2
        cols = []
        for position, (key, label, count) in enumerate(columns):
            h = count * scale
            x = left + position * column_width
            cols.append(
                Column(key, label, count, x, baseline - h, column_width, h, x + column_width / 2)
            )
        out.append(Group(name, line1, line2, center, cols))
    return GroupedBars(
        width=width,
        height=height,
        plot_left=plot_left,
        plot_right=plot_right,
        plot_top=plot_top,
        baseline=baseline,
        groups=out,
        ticks=[Tick(value, baseline - value * scale) for value in ticks],
    )
