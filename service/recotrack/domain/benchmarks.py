"""Benchmarks: an agency's figures beside those of all other agencies together, without
ever letting it work out one other agency's figure.

The rule (tested in tests/api/test_benchmarks_api.py):

1. Of the other agencies, only order statistics of their figures are given (median and
   quartiles, each agency's figure counted once) and how many agencies they are over: never
   a sum, a mean, a minimum or a maximum, nor any agency's id or name. An order statistic is
   some agency's value, or between two, and never says whose; a sum or a mean would let a
   reader subtract.
2. A group of fewer than `MIN_GROUP` other agencies gives nothing: the figure is withheld
   (`suppressed`, with why), its size too. With fewer, the reader could tell whose a value is
   (with one other agency, its median is its figure).
3. A group is the same for every call about an agency and area: no filter, sort or period
   narrows it, so no two answers cover groups that differ by one agency, and there is nothing
   to subtract between calls. Across time the group changes only as agencies gain or lose
   figures, and an order statistic still never says whose value moved.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

MIN_GROUP = 3
"""The fewest other agencies whose figures are compared (rule 2)."""

SUPPRESSED_WHY = (
    f"fewer than {MIN_GROUP} other agencies have this figure: comparing with them would tell "
    "one agency's figure"
)


@dataclass(frozen=True, slots=True)
class Comparison:
    """The other agencies' figures, as rule 1 allows; all None when suppressed (rule 2)."""

    agencies: int | None
    median: float | None
    lower_quartile: float | None
    upper_quartile: float | None

    @property
    def suppressed(self) -> bool:
        return self.agencies is None


WITHHELD = Comparison(None, None, None, None)


def compare(values: Sequence[float]) -> Comparison:
    """The order statistics of the other agencies' figures (one value each)."""
    if len(values) < MIN_GROUP:
        return WITHHELD
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Comparison(len(values), median, q1, q3)
