"""`recotrack reminders run`, run as the installed command: its lines, its dry run, its
errors."""

from __future__ import annotations

import datetime as dt

import asyncpg

from tests.reminders.support import CONTACT, MANAGER, SECRETARIAT, Smtp, World, command, env_for

TODAY = "2026-04-20"  # a Monday: the digest's day


async def test_it_prints_one_line_a_mail_and_the_digest(
    db: asyncpg.Connection, service_url: str, smtp: Smtp
) -> None:
    world = await World.make(db)
    _, late = await world.recommendation(response_due=dt.date(2026, 3, 20))
    _, soon = await world.recommendation(implementation_due=dt.date(2026, 4, 23))
    env = env_for(service_url, smtp.port, RECOTRACK_SECRETARIAT_EMAIL=SECRETARIAT)
    expected = [
        f"{CONTACT} {late} response 2026-03-20 overdue",
        f"{MANAGER} {late} response 2026-03-20 escalation",
        f"{CONTACT} {soon} implementation 2026-04-23 before",
        f"{SECRETARIAT} digest 2026-04-20",
    ]
    dry = await command(
        "reminders", "run", "--today", TODAY, "--dry-run", database=service_url, env=env
    )
    assert (dry.status, dry.stdout.splitlines(), dry.stderr) == (0, expected, "")
    assert smtp.inbox.mails == []
    ran = await command("reminders", "run", "--today", TODAY, database=service_url, env=env)
    assert (ran.status, ran.stdout.splitlines(), ran.stderr) == (0, expected, "")
    # the lines in order; the mails in whatever order the senders finished
    assert sorted(to for to, _ in smtp.inbox.take()) == sorted(
        [CONTACT, MANAGER, CONTACT, SECRETARIAT]
    )
    again = await command("reminders", "run", "--today", TODAY, database=service_url, env=env)
    assert (again.status, again.stdout) == (0, "")


async def test_a_mail_not_sent_is_on_stderr_and_the_status_is_1(
    db: asyncpg.Connection, service_url: str, smtp: Smtp
) -> None:
    world = await World.make(db)
    _, code = await world.recommendation(response_due=dt.date(2026, 4, 20))
    smtp.inbox.refuse.add(CONTACT)
    ran = await command(
        "reminders",
        "run",
        "--today",
        TODAY,
        database=service_url,
        env=env_for(service_url, smtp.port),
    )
    assert ran.status == 1
    assert ran.stdout == ""
    said = f"recotrack: not sent: {CONTACT} {code} response 2026-04-20 due: mail to {CONTACT}"
    assert [line for line in ran.stderr.splitlines() if line.startswith(said)], ran.stderr


async def test_without_a_mail_server_only_a_dry_run(
    db: asyncpg.Connection, service_url: str
) -> None:
    world = await World.make(db)
    _, code = await world.recommendation(response_due=dt.date(2026, 4, 20))
    ran = await command("reminders", "run", "--today", TODAY, database=service_url)
    assert ran.status == 2
    assert "RECOTRACK_SMTP_URL" in ran.stderr
    dry = await command("reminders", "run", "--today", TODAY, "--dry-run", database=service_url)
    assert (dry.status, dry.stdout) == (0, f"{CONTACT} {code} response 2026-04-20 due\n")


async def test_bad_input_is_one_line_and_status_2(service_url: str) -> None:
    ran = await command("reminders", "run", "--today", "20/4", database=service_url)
    assert ran.status == 2
    assert ran.stderr.strip().endswith("not a date YYYY-MM-DD: '20/4' (see --help)")
    bad = await command(
        "reminders",
        "run",
        "--dry-run",
        database=service_url,
        env={"RECOTRACK_REMINDER_DAYS_BEFORE": "14,soon"},
    )
    assert bad.status == 2
    assert bad.stderr == (
        "recotrack: error: RECOTRACK_REMINDER_DAYS_BEFORE must be whole numbers of days"
        " separated by commas (e.g. 14,3) or none, not '14,soon'\n"
    )
