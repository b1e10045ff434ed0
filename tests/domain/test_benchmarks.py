"""The comparison rule of benchmarks (domain/benchmarks.py), on its own."""

from __future__ import annotations

import pytest

from recotrack.domain.benchmarks import MIN_GROUP, WITHHELD, compare


@pytest.mark.parametrize("n", range(MIN_GROUP))
def test_fewer_than_three_other_agencies_give_nothing(n: int) -> None:
    assert compare([0.5] * n) == WITHHELD
    assert compare([0.5] * n).suppressed


def test_three_agencies_give_their_order_statistics() -> None:
    got = compare([0.2, 0.9, 0.5])
    assert not got.suppressed
    assert (got.agencies, got.median) == (3, 0.5)
    assert got.lower_quartile == pytest.approx(0.35)
    assert got.upper_quartile == pytest.approx(0.7)


def test_nothing_but_order_statistics_and_a_count() -> None:
    """No sum, mean, minimum or maximum: the values 0 and 10 of two extreme agencies appear
    nowhere in the answer for five agencies."""
    got = compare([0.0, 3.0, 4.0, 5.0, 10.0])
    assert {got.lower_quartile, got.median, got.upper_quartile} == {3.0, 4.0, 5.0}
    assert got.agencies == 5
