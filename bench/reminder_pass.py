"""One reminder pass over 100,000 recommendations (issue 15: target under 5 s).

100,000 recommendations over 20 agencies (each with a contact and a manager), issued over
six years (about 45 a day), most answered in time, most of what is long past closed (one in
twenty not: the overdue tail), seeded straight into a fresh database by SQL. Mail goes to a
real SMTP server on loopback, a process of its own (aiosmtpd's `Sink`: it accepts and drops).
The passes, each timed from the call to its return:

1. the first pass ever, on the day before: every open due date past or near has a step due,
   none sent yet (the backlog a new installation, or one back from a long outage, sends);
2. the same day again: everything sent already, nothing goes;
3. the next day, a dry run: what a day's pass finds, sending nothing;
4. the next day: the day's pass, the one that runs each morning.

    .venv/bin/python bench/reminder_pass.py     # embedded PostgreSQL
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/reminder_pass.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import subprocess
import sys
import time

from _support import database, free_port, org_number, postgres_server
from recotrack.logs import configure_logging
from recotrack.settings import Settings
from recotrack.store import reminders
from recotrack.store.pool import connect
from recotrack.worker.reminder_pass import Outcome, run_pass

RECOMMENDATIONS = 100_000
AGENCIES = 20
TODAY = dt.date(2026, 6, 16)  # a Tuesday; the first pass runs on Monday, the digest's day

SEED_SQL = f"""
insert into agency (id, name, org_number, contacts)
select 'agency-' || n, 'Myndighet ' || n, o,
    jsonb_build_array(
        jsonb_build_object('email', 'kontakt@agency-' || n || '.example.se', 'name', 'Kontakt',
            'role', 'contact'),
        jsonb_build_object('email', 'gd@agency-' || n || '.example.se', 'name', 'GD',
            'role', 'management'))
from unnest($1::text[]) with ordinality as t (o, n);

insert into investment (agency_id, title, phase)
select 'agency-' || (n % {AGENCIES} + 1), 'Investering ' || n, 'execution'
from generate_series(1, 200) n;

insert into review (investment_id, agency_id, title)
select i.id, i.agency_id, 'Granskning ' || r from investment i, generate_series(1, 5) r;

-- issued over six years, about 45 a day; the response due 60 days after, the implementation
-- 6 to 24 months after
with reviews as (select array_agg(id) as ids, array_agg(agency_id) as agencies from review)
insert into recommendation (code, review_id, agency_id, title, area, priority,
    issued_on, response_due, implementation_due)
select 'R-' || n, reviews.ids[n % 1000 + 1], reviews.agencies[n % 1000 + 1],
    'Stärk styrningen av investering ' || n, 'governance', 'high',
    case when n % 50 = 0 then null else date '{TODAY}' - (n % 2190) end,
    date '{TODAY}' - (n % 2190) + 60,
    date '{TODAY}' - (n % 2190) + 180 + (n * 7 % 540)
from generate_series(1, {RECOMMENDATIONS}) n, reviews;

-- most answer in time (some with a target date of their own); what is long past is closed
insert into response (recommendation_id, decision, responded_by, target_date)
select id, 'accepted', 'Handläggare',
    case when abs(hashtext(id::text)) % 3 = 0 then implementation_due + 30 end
from recommendation
where issued_on is not null and response_due < date '{TODAY}' - 7
    and abs(hashtext(id::text)) % 20 < 19;

insert into closure (recommendation_id, outcome)
select id, 'implemented' from recommendation
where issued_on is not null and implementation_due < date '{TODAY}' - 60
    and abs(hashtext(id::text || 'c')) % 20 < 19;

analyze;
"""


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


async def _pass(
    dsn: str, settings: Settings, today: dt.date, *, dry_run: bool = False
) -> tuple[float, Outcome]:
    started = time.perf_counter()
    outcome = await run_pass(dsn, settings, today, dry_run=dry_run)
    return time.perf_counter() - started, outcome


async def _seed(dsn: str) -> tuple[float, int]:
    """Seconds it took, and the open due dates up to 14 days ahead."""
    conn = await connect(dsn)
    try:
        started = time.perf_counter()
        # the search index's triggers are no part of this: seeding without them is minutes
        # faster on a busy machine
        await conn.execute("set session_replication_role = replica")
        agencies, rest = SEED_SQL.split(";", 1)
        await conn.execute(agencies, [org_number(n) for n in range(1, AGENCIES + 1)])
        await conn.execute(rest)
        await conn.execute("reset session_replication_role")
        seconds = time.perf_counter() - started
        return seconds, len(await reminders.candidates(conn, TODAY, 14))
    finally:
        await conn.close()


async def main(port: int) -> None:
    with postgres_server() as server_url:
        async with database(server_url) as dsn:
            seeded, open_dues = await _seed(dsn)
            settings = Settings.from_env(
                {
                    "DATABASE_URL": dsn,
                    "RECOTRACK_LOG_LEVEL": "warning",
                    "RECOTRACK_SMTP_URL": f"smtp://127.0.0.1:{port}",
                    "RECOTRACK_MAIL_FROM": "recotrack@esv.example.se",
                    "RECOTRACK_SECRETARIAT_EMAIL": "registrator@esv.example.se",
                }
            )
            configure_logging(settings)  # warnings only: not a line per mail
            print(f"recommendations: {RECOMMENDATIONS:,} (seeded in {seeded:.1f} s)")
            print(f"open due dates, past or up to 14 days ahead: {open_dues:,}", flush=True)
            yesterday = TODAY - dt.timedelta(days=1)
            for label, day, dry in [
                ("first pass ever, dry run", yesterday, True),
                ("first pass ever (backlog)", yesterday, False),
                ("the same day again", yesterday, False),
                ("next day, dry run", TODAY, True),
                ("next day", TODAY, False),
            ]:
                seconds, outcome = await _pass(dsn, settings, day, dry_run=dry)
                assert not outcome.failed, outcome.failed[:3]
                rate = f", {len(outcome.sent) / seconds:,.0f} a second" if not dry else ""
                print(
                    f"{label + ':':<27} {seconds:7.3f} s  {len(outcome.sent):>6,} mails"
                    f" {'would be sent' if dry else 'sent'}{rate}",
                    flush=True,
                )


if __name__ == "__main__":
    smtp_port = free_port()
    sink = ["-c", "aiosmtpd.handlers.Sink"]  # accepts every mail, keeps none
    smtp = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}", *sink]
    )
    try:
        _wait_for_port(smtp_port)
        asyncio.run(main(smtp_port))
    finally:
        smtp.terminate()
        smtp.wait(timeout=30)
