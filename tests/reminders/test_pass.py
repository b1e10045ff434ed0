"""Reminder passes against a real PostgreSQL and a real SMTP server on loopback, reading what
arrived: the schedule, Swedish days off, closure, moved dates, outages, reruns, failures, dry
runs and the weekly digest."""

from __future__ import annotations

import datetime as dt

import asyncpg

from tests.reminders.support import (
    CONTACT,
    MANAGER,
    PUBLIC,
    SECRETARIAT,
    Smtp,
    World,
    lines,
    run,
    settings_for,
)

DUE = dt.date(2026, 3, 20)  # a Friday


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


async def test_the_schedule_day_by_day(
    db: asyncpg.Connection, db_url: str, service_url: str, smtp: Smtp
) -> None:
    world = await World.make(db)
    _, code = await world.recommendation(response_due=DUE)
    settings = settings_for(db_url, smtp.port)
    sent: list[tuple[str, str]] = []
    for today in days(dt.date(2026, 3, 1), dt.date(2026, 5, 2)):
        outcome = await run(service_url, settings, today)
        assert not outcome.failed
        sent += [(today.isoformat(), line) for line in lines(outcome)]
    assert sent == [
        ("2026-03-06", f"{CONTACT} {code} response 2026-03-20 before"),
        ("2026-03-17", f"{CONTACT} {code} response 2026-03-20 before"),
        ("2026-03-20", f"{CONTACT} {code} response 2026-03-20 due"),
        ("2026-03-27", f"{CONTACT} {code} response 2026-03-20 overdue"),
        ("2026-04-03", f"{CONTACT} {code} response 2026-03-20 overdue"),
        ("2026-04-10", f"{CONTACT} {code} response 2026-03-20 overdue"),
        ("2026-04-17", f"{CONTACT} {code} response 2026-03-20 overdue"),
        ("2026-04-19", f"{MANAGER} {code} response 2026-03-20 escalation"),
        ("2026-04-24", f"{CONTACT} {code} response 2026-03-20 overdue"),
        ("2026-05-01", f"{CONTACT} {code} response 2026-03-20 overdue"),
    ]
    arrived = smtp.inbox.take()
    assert [to for to, _ in arrived] == [line.split()[0] for _, line in sent]
    assert [subject for _, subject in arrived[:3]] == [
        f"Påminnelse: {code} / Reminder: {code}",
        f"Påminnelse: {code} / Reminder: {code}",
        f"Sista dag i dag: {code} / Due today: {code}",
    ]
    assert arrived[7][1] == f"Försenad, till ledningen: {code} / Overdue, to management: {code}"


async def test_a_due_date_on_a_day_off_falls_due_the_next_working_day(
    db: asyncpg.Connection, db_url: str, service_url: str, smtp: Smtp
) -> None:
    world = await World.make(db)
    # midsommarafton 2026 (a Friday): due Monday 2026-06-22; a Saturday: due the Monday after
    answered, midsummer = await world.recommendation(response_due=dt.date(2026, 6, 19))
    _, weekend = await world.recommendation(implementation_due=dt.date(2026, 10, 3))
    settings = settings_for(db_url, smtp.port, RECOTRACK_REMINDER_DAYS_BEFORE="3")
    sent = []
    for today in days(dt.date(2026, 6, 18), dt.date(2026, 6, 23)):
        sent += [
            (today.isoformat(), line) for line in lines(await run(service_url, settings, today))
        ]
    await world.respond(answered)
    for today in days(dt.date(2026, 9, 30), dt.date(2026, 10, 5)):
        sent += [
            (today.isoformat(), line) for line in lines(await run(service_url, settings, today))
        ]
    assert sent == [
        ("2026-06-19", f"{CONTACT} {midsummer} response 2026-06-22 before"),
        ("2026-06-22", f"{CONTACT} {midsummer} response 2026-06-22 due"),
        ("2026-10-02", f"{CONTACT} {weekend} implementation 2026-10-05 before"),
        ("2026-10-05", f"{CONTACT} {weekend} implementation 2026-10-05 due"),
    ]
    mails = smtp.inbox.mails
    plain = mails[0][1].get_body(("plain",))
    assert plain is not None
    text = plain.get_content()
    assert "senast 2026-06-22 (2026-06-19 är ingen arbetsdag)" in text
    assert "Det är 3 dagar kvar." in text
    assert text.index("Hej!") < text.index("Hello,")
    assert f"{PUBLIC}/dashboard/recommendations/" in text


async def test_nothing_for_drafts_closed_or_answered_and_the_target_date_counts(
    db: asyncpg.Connection, db_url: str, service_url: str, smtp: Smtp
) -> None:
    world = await World.make(db)
    await world.recommendation(response_due=DUE, issued=False)  # a draft
    closed, _ = await world.recommendation(response_due=DUE, implementation_due=DUE)
    await world.close(closed)
    answered, code = await world.recommendation(response_due=DUE, implementation_due=DUE)
    # the response's target date replaces implementation_due
    await world.respond(answered, target_date=dt.date(2026, 3, 31))
    settings = settings_for(db_url, smtp.port, RECOTRACK_REMINDER_DAYS_BEFORE="none")
    assert lines(await run(service_url, settings, DUE)) == []
    assert lines(await run(service_url, settings, dt.date(2026, 3, 31))) == [
        f"{CONTACT} {code} implementation 2026-03-31 due"
    ]
    await world.close(answered)
    assert lines(await run(service_url, settings, dt.date(2026, 4, 7))) == []
    assert len(smtp.inbox.take()) == 1


async def test_a_moved_due_date_starts_its_own_schedule(
    db: asyncpg.Connection, db_url: str, service_url: str, smtp: Smtp
) -> None:
    world = await World.make(db)
    rid, code = await world.recommendation(response_due=DUE)
    settings = settings_for(db_url, smtp.port)
    assert lines(await run(service_url, settings, dt.date(2026, 3, 17))) == [
        f"{CONTACT} {code} response 2026-03-20 before"
    ]
    await world.move(rid, dt.date(2026, 4, 10))
    assert lines(await run(service_url, settings, dt.date(2026, 3, 20))) == []
    assert lines(await run(service_url, settings, dt.date(2026, 3, 27))) == [
        f"{CONTACT} {code} response 2026-04-10 before"
    ]


async def test_after_an_outage_only_the_newest_step_and_a_rerun_sends_nothing(
    db: asyncpg.Connection, db_url: str, service_url: str, smtp: Smtp
) -> None:
    world = await World.make(db)
    _, code = await world.recommendation(response_due=DUE)
    settings = settings_for(db_url, smtp.port)
    # no pass from before the first reminder until twelve days late
    assert lines(await run(service_url, settings, dt.date(2026, 4, 1))) == [
        f"{CONTACT} {code} response 2026-03-20 overdue"
    ]
    assert lines(await run(service_url, settings, dt.date(2026, 4, 1))) == []
    assert lines(await run(service_url, settings, dt.date(2026, 4, 2))) == []
    # and again, past the escalation's day: it goes out still, once
    expected = [
        f"{CONTACT} {code} response 2026-03-20 overdue",
        f"{MANAGER} {code} response 2026-03-20 escalation",
    ]
    assert lines(await run(service_url, settings, dt.date(2026, 5, 20))) == expected
    assert lines(await run(service_url, settings, dt.date(2026, 5, 20))) == []
    assert len(smtp.inbox.take()) == 3
    assert await db.fetchval("select count(*) from reminder_sent") == 3


async def test_a_failed_send_is_tried_again_by_the_next_pass(
    db: asyncpg.Connection, db_url: str, service_url: str, smtp: Smtp
) -> None:
    world = await World.make(db)
    _, code = await world.recommendation(response_due=DUE)
    settings = settings_for(db_url, smtp.port)
    smtp.inbox.refuse.add(CONTACT)
    outcome = await run(service_url, settings, dt.date(2026, 3, 17))
    assert outcome.sent == []
    assert [str(line) for line in outcome.failed] == [
        f"{CONTACT} {code} response 2026-03-20 before"
    ]
    assert await db.fetchval("select count(*) from reminder_sent") == 0
    assert await db.fetchval("select failed from reminder_pass where day = '2026-03-17'") == 1
    smtp.inbox.refuse.clear()
    assert lines(await run(service_url, settings, dt.date(2026, 3, 18))) == [
        f"{CONTACT} {code} response 2026-03-20 before"
    ]
    # the server gone: the pass stops trying and says so; back again, the next pass sends
    smtp.stop()
    outcome = await run(service_url, settings, DUE)
    assert [line.error for line in outcome.failed] == ["mail server unreachable"]
    smtp.start()
    assert lines(await run(service_url, settings, DUE)) == [
        f"{CONTACT} {code} response 2026-03-20 due"
    ]
    plain = smtp.inbox.mails[0][1].get_body(("plain",))
    assert plain is not None
    assert "Det är 2 dagar kvar." in plain.get_content()  # said on the day it went out


async def test_a_dry_run_sends_and_records_nothing(
    db: asyncpg.Connection, db_url: str, service_url: str, smtp: Smtp
) -> None:
    world = await World.make(db)
    _, code = await world.recommendation(response_due=DUE)
    settings = settings_for(db_url, smtp.port, RECOTRACK_SECRETARIAT_EMAIL=SECRETARIAT)
    expected = [
        f"{CONTACT} {code} response 2026-03-20 before",
        f"{SECRETARIAT} digest 2026-03-16",
    ]
    today = dt.date(2026, 3, 17)
    assert lines(await run(service_url, settings, today, dry_run=True)) == expected
    assert lines(await run(service_url, settings, today, dry_run=True)) == expected
    assert smtp.inbox.mails == []
    for table in ("reminder_sent", "reminder_digest_sent", "reminder_pass"):
        assert await db.fetchval(f"select count(*) from {table}") == 0
    assert lines(await run(service_url, settings, today)) == expected


async def test_no_contacts_no_mail(
    db: asyncpg.Connection, db_url: str, service_url: str, smtp: Smtp
) -> None:
    world = await World.make(db, contacts=[])
    await world.recommendation(response_due=DUE)
    assert lines(await run(service_url, settings_for(db_url, smtp.port), DUE)) == []


async def test_the_weekly_digest(
    db: asyncpg.Connection, db_url: str, service_url: str, smtp: Smtp
) -> None:
    world = await World.make(db, contacts=[])
    monday = dt.date(2026, 3, 23)
    _, fell_due = await world.recommendation(response_due=dt.date(2026, 3, 21))  # a Saturday
    _, overdue = await world.recommendation(implementation_due=dt.date(2026, 3, 2))
    await world.recommendation(response_due=dt.date(2026, 4, 10))  # not yet due
    await world.recommendation(response_due=dt.date(2026, 3, 2), issued=False)  # a draft
    closed, _ = await world.recommendation(response_due=dt.date(2026, 3, 20))
    await world.close(closed)
    settings = settings_for(db_url, smtp.port, RECOTRACK_SECRETARIAT_EMAIL=SECRETARIAT)
    assert lines(await run(service_url, settings, dt.date(2026, 3, 22))) == [
        f"{SECRETARIAT} digest 2026-03-16"
    ]
    smtp.inbox.take()
    # Monday's pass missed: Tuesday's sends Monday's digest, and the next passes none
    tuesday = monday + dt.timedelta(days=1)
    assert lines(await run(service_url, settings, tuesday)) == [f"{SECRETARIAT} digest 2026-03-23"]
    assert lines(await run(service_url, settings, tuesday)) == []
    assert lines(await run(service_url, settings, tuesday + dt.timedelta(days=1))) == []
    [(to, mail)] = smtp.inbox.mails
    assert to == [SECRETARIAT]
    assert mail["Subject"] == "Veckosammanställning 2026-03-24 / Weekly digest 2026-03-24"
    plain = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert plain is not None
    assert html is not None
    text = plain.get_content()
    sv, en = text.split("— In English —")
    assert "Förföll den senaste veckan och är inte klart (1):" in sv
    assert (
        f"- {fell_due} ”Rekommendation 1: styr nyttan”, Skatteverket: svar senast 2026-03-23" in sv
    )
    assert "Försenat sedan tidigare (1):" in sv
    assert f"- {overdue} ”Rekommendation 2: styr nyttan”, Skatteverket: genomförande senast" in sv
    assert "Fell due in the past week and not done (1):" in en
    assert "Overdue from before (1):" in en
    assert text.count("2026-SKV-") == 4  # each once a language: not the future, draft, closed
    assert f'<a href="{PUBLIC}/dashboard/recommendations/' in html.get_content()


async def test_no_digest_without_the_secretariats_address(
    db: asyncpg.Connection, db_url: str, service_url: str, smtp: Smtp
) -> None:
    world = await World.make(db, contacts=[])
    await world.recommendation(response_due=dt.date(2026, 3, 2))
    assert (
        lines(await run(service_url, settings_for(db_url, smtp.port), dt.date(2026, 3, 23))) == []
    )
