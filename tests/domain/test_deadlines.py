"""Swedish deadlines (lag (1930:173) om beräkning av lagstadgad tid, 2 §)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recotrack.domain.deadlines import effective_due, holidays_of, is_working_day
from tests.fuzz.profile import PROFILE, examples

PROPERTY = examples(PROFILE.property_examples * 10)
days = st.dates(dt.date(1990, 1, 1), dt.date(2110, 12, 31))


@pytest.mark.parametrize(
    ("due", "effective"),
    [
        (dt.date(2026, 6, 19), dt.date(2026, 6, 22)),  # midsommarafton, a Friday
        (dt.date(2026, 6, 20), dt.date(2026, 6, 22)),  # midsommardagen
        (dt.date(2026, 12, 24), dt.date(2026, 12, 28)),  # julafton, a Thursday
        (dt.date(2026, 12, 25), dt.date(2026, 12, 28)),
        (dt.date(2026, 12, 26), dt.date(2026, 12, 28)),
        (dt.date(2026, 12, 27), dt.date(2026, 12, 28)),
        (dt.date(2026, 12, 31), dt.date(2027, 1, 4)),  # nyårsafton, nyårsdagen, weekend
        (dt.date(2027, 3, 26), dt.date(2027, 3, 30)),  # långfredagen → after annandag påsk
        (dt.date(2027, 3, 28), dt.date(2027, 3, 30)),  # påskdagen
        (dt.date(2027, 3, 29), dt.date(2027, 3, 30)),  # annandag påsk
        (dt.date(2027, 5, 6), dt.date(2027, 5, 7)),  # Kristi himmelsfärdsdag
        (dt.date(2026, 6, 6), dt.date(2026, 6, 8)),  # nationaldagen, a Saturday
        (dt.date(2027, 6, 6), dt.date(2027, 6, 7)),  # nationaldagen, a Sunday
        (dt.date(2026, 1, 6), dt.date(2026, 1, 7)),  # trettondedag jul
        (dt.date(2026, 5, 1), dt.date(2026, 5, 4)),  # första maj, a Friday
        (dt.date(2026, 3, 18), dt.date(2026, 3, 18)),  # an ordinary Wednesday
        (dt.date(2026, 4, 30), dt.date(2026, 4, 30)),  # valborgsmässoafton works
        (dt.date(2026, 4, 2), dt.date(2026, 4, 2)),  # skärtorsdagen too
    ],
)
def test_examples(due: dt.date, effective: dt.date) -> None:
    assert effective_due(due) == effective


def test_the_eves_are_days_off_as_the_law_says() -> None:
    names = set(holidays_of(2026).values())
    assert {"Midsommarafton", "Julafton", "Nyårsafton"} <= names
    # ...but not those the law does not name
    assert not {"Påskafton", "Valborgsmässoafton", "Trettondagsafton"} & names


@PROPERTY
@given(days)
def test_the_effective_due_is_the_first_working_day_from_the_due_date(day: dt.date) -> None:
    effective = effective_due(day)
    assert effective >= day
    assert is_working_day(effective)
    assert (effective == day) is is_working_day(day)
    # nothing in between is a working day: it is the *next* one
    between = (day + dt.timedelta(n) for n in range((effective - day).days))
    assert not any(is_working_day(d) for d in between)
    assert effective - day <= dt.timedelta(days=5)


@PROPERTY
@given(days)
def test_weekends_are_never_working_days(day: dt.date) -> None:
    if day.weekday() >= 5:
        assert not is_working_day(day)
