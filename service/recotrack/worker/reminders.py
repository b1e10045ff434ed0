"""The daily reminder job: at `RECOTRACK_REMINDER_TIME` (Europe/Stockholm) each replica runs
the day's pass (`worker.reminder_pass`) unless it has run already.

The pass's lock lets one replica at a time in; the next one in finds the day's pass recorded
as done and leaves. A replica that starts after the hour runs the day's pass then (a restart
at 07:00 loses no day). While mail fails, the pass runs again every `_RETRY_SECONDS` that day;
what is still unsent then waits for the next day's pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator

import structlog

from recotrack.domain.swedish_time import STOCKHOLM
from recotrack.settings import Settings
from recotrack.worker.reminder_pass import run_pass

_RETRY_SECONDS = 900.0
"""After a pass with mail not sent, or one that could not run (the database away, say)."""

log = structlog.get_logger("recotrack.worker")


async def run(dsn: str, settings: Settings, stop: asyncio.Event) -> None:
    """Pass after pass at the day's hour, until `stop` is set (a pass under way is finished
    first: the mail being sent is recorded, or rolled back)."""
    while not stop.is_set():
        now = dt.datetime.now(STOCKHOLM)
        today = now.date()
        due = dt.datetime.combine(today, settings.reminder_time, STOCKHOLM)
        tomorrow = dt.datetime.combine(
            today + dt.timedelta(days=1), settings.reminder_time, STOCKHOLM
        )
        wait = _seconds_until(now, tomorrow)
        if now >= due:
            try:
                if not await _daily(dsn, settings, today):
                    wait = min(wait, _RETRY_SECONDS)
            except Exception as exc:  # the database away, or anything else: try again later
                log.warning("reminder pass could not run", error=type(exc).__name__)
                wait = min(wait, _RETRY_SECONDS)
        else:
            wait = _seconds_until(now, due)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)


def _seconds_until(now: dt.datetime, then: dt.datetime) -> float:
    # through UTC: the two share a zone object, so their plain difference would ignore a
    # change of summer time between them
    return max((then.astimezone(dt.UTC) - now.astimezone(dt.UTC)).total_seconds(), 0.0)


async def _daily(dsn: str, settings: Settings, today: dt.date) -> bool:
    """The day's pass, unless done; whether it is done now."""
    outcome = await run_pass(dsn, settings, today, unless_done=True)
    return not outcome.failed


@contextlib.asynccontextmanager
async def running(dsn: str, settings: Settings) -> AsyncIterator[None]:
    """The job in the background for as long as the context lasts; nothing without a mail
    server (`RECOTRACK_SMTP_URL` unset: reminders are off)."""
    if settings.smtp_url is None:
        log.info("reminders off: no RECOTRACK_SMTP_URL")
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(run(dsn, settings, stop))
    try:
        yield
    finally:
        stop.set()
        await task
