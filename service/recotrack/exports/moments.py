"""How every export writes a moment: RFC 3339 in UTC with `Z`, to the microsecond.

The one rule for timestamps in exports, whatever zone the value came in (the database's
sessions run in Swedish time, so that its dates are Swedish days). It is also the form that
the hash chain's canonical encoding gives `occurred_at` (`recotrack_sdk.audit.canonical`),
and the form PostgreSQL renders the event log's lines in (`store.exports.utc_text`).
"""

from __future__ import annotations

import datetime as dt

EXCEL_FORMAT = 'yyyy-mm-dd"T"hh:mm:ss"Z"'
"""The same moment as a spreadsheet shows it: a cell holds no zone, so the format says it."""


def utc(moment: dt.datetime) -> dt.datetime:
    """The moment in UTC; one without a zone is taken to be in UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def utc_text(moment: dt.datetime) -> str:
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
