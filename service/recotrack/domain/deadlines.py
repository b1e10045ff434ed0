"""Swedish deadlines: a due date on a day off counts as the next working day.

Lag (1930:173) om beräkning av lagstadgad tid, 2 § (lydelse enligt SFS 2005:44): "Infaller
den tid, då enligt lag eller särskild författning en åtgärd senast ska vidtas, på en söndag,
annan allmän helgdag, lördag, midsommarafton, julafton eller nyårsafton, får åtgärden vidtas
nästa vardag." The public holidays (allmänna helgdagar) are those of lag (1989:253); the
`holidays` package has them as its `PUBLIC` category and the three eves as `DE_FACTO`.

A recommendation's due date is an agreed date, not a statutory one, but the group holds it
the same way: for reminders and for `overdue` alike (issue 15). The store holds these days in
`swedish_holiday` (migration 0012, generated from this module by scripts/swedish_holidays.py)
and the same rule as the SQL function `effective_due`; tests hold the two equal.
"""

from __future__ import annotations

import datetime as dt
import functools

import holidays
from holidays.countries.sweden import Sweden

FIRST_YEAR = 2000
LAST_YEAR = 2100
"""The years the store's `swedish_holiday` table covers; outside them the SQL knows weekends
only (no due date is set so far off)."""

_SATURDAY = 5


@functools.cache
def _days_off(year: int) -> dict[dt.date, str]:
    # Sundays are days off by their weekday; the package's own "Söndag" entries would only
    # clutter the table
    calendar = Sweden(
        years=year,
        categories=(holidays.PUBLIC, holidays.DE_FACTO),
        language="sv",
        include_sundays=False,
    )
    return dict(calendar.items())


def holidays_of(year: int) -> dict[dt.date, str]:
    """The public holidays and the three eves of `year` (Swedish names), weekdays or not."""
    return dict(_days_off(year))


def is_working_day(day: dt.date) -> bool:
    """A weekday (Monday to Friday) that is neither a public holiday nor one of the eves."""
    return day.weekday() < _SATURDAY and day not in _days_off(day.year)


def effective_due(day: dt.date) -> dt.date:
    """The day a due date falls due: the day itself when it is a working day, else the next
    working day (a Saturday 2026-06-20, after midsommarafton, counts as Monday 2026-06-22)."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day
