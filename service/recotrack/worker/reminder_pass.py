"""One reminder pass: every reminder, escalation and digest due on a day, each mailed once.

Used by the daily job (`worker.reminders`) and by `recotrack reminders run`. The due dates
come from one query (`store.reminders.candidates`); the domain says which step of each one's
schedule is due (`domain.reminders.due_steps`: the newest only); what was sent already is
dropped; then each mail goes in a transaction of its own that records it
(`store.reminders.sending`), so a pass that stops halfway, runs twice, or runs on two
replicas at once sends nothing twice, and a mail that failed is tried again by the next pass.

The pass runs under a lock of its own on its own connection (`store.reminders.exclusive`),
and sends on `SENDERS` more.
When the mail server cannot be reached, the pass stops sending: the rest waits for the next
pass rather than each mail waiting out its timeout.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field

import asyncpg
import structlog

from recotrack.domain.reminders import Audience, Due, Step, digest_day, due_steps
from recotrack.notify import digest as digest_mail
from recotrack.notify.reminder import Reminder, message
from recotrack.notify.smtp import MailError, Outbox, SmtpServer
from recotrack.settings import Settings
from recotrack.store import reminders as store
from recotrack.store.pool import connect

log = structlog.get_logger("recotrack.worker")

_WEEK = dt.timedelta(days=7)
SENDERS = 4
"""Mails in flight at once, each sender on a database connection and an SMTP connection of
its own: the waits for the mail server and for each commit overlap."""


@dataclass(frozen=True, slots=True)
class Line:
    """One mail of the pass: a reminder (`code`, `due`, `due_on`, `step`) or the digest."""

    recipient: str
    code: str
    """The recommendation's code; `digest` for the digest."""
    due: Due | None
    due_on: dt.date
    """The effective due date; the digest's day for the digest."""
    step: Step | None
    error: str | None = None
    """Why it was not sent (None: sent, or would be in a dry run)."""

    def __str__(self) -> str:
        if self.step is None:
            return f"{self.recipient} digest {self.due_on.isoformat()}"
        return f"{self.recipient} {self.code} {self.due} {self.due_on.isoformat()} {self.step}"


@dataclass(slots=True)
class Outcome:
    day: dt.date
    sent: list[Line] = field(default_factory=list)
    """Sent (in a dry run: what would be)."""
    failed: list[Line] = field(default_factory=list)
    """Not sent; the next pass tries again."""


@dataclass(frozen=True, slots=True)
class _Mail:
    key: store.Key
    reminder: Reminder


async def run_pass(
    dsn: str,
    settings: Settings,
    today: dt.date,
    *,
    dry_run: bool = False,
    unless_done: bool = False,
    tls_context: ssl.SSLContext | None = None,
) -> Outcome:
    """The pass for `today` on the database `dsn` (connections of its own). `dry_run`: say
    what would be sent, record and send nothing (no mail server needed). `unless_done`:
    nothing when a pass for `today` sent everything already (the daily job on each replica)."""
    conn = await connect(dsn)
    try:
        return await _run(conn, dsn, settings, today, dry_run, unless_done, tls_context)
    finally:
        await conn.close()


async def _run(
    conn: asyncpg.Connection,
    dsn: str,
    settings: Settings,
    today: dt.date,
    dry_run: bool,
    unless_done: bool,
    tls_context: ssl.SSLContext | None,
) -> Outcome:
    outcome = Outcome(today)
    async with store.exclusive(conn):
        if unless_done and await store.pass_done(conn, today):
            return outcome
        candidates = await store.candidates(conn, today, settings.reminder_rules.horizon)
        agencies = await store.agencies(conn)  # after: every candidate's agency is in it
        planned = list(_planned(candidates, agencies, settings, today))
        unsent = await store.unsent(conn, [mail.key for mail in planned])
        mails = [mail for mail in planned if mail.key in unsent]
        due_digest = await _due_digest(conn, settings, today)
        if dry_run:
            outcome.sent = [_line(mail) for mail in mails]
            if due_digest is not None:
                outcome.sent.append(Line(due_digest[1], "digest", None, due_digest[0], None))
            return outcome
        if settings.smtp_url is None or settings.mail_from is None:
            raise ValueError("RECOTRACK_SMTP_URL and RECOTRACK_MAIL_FROM are needed to send mail")
        server = SmtpServer.from_url(settings.smtp_url)
        await _send_reminders(dsn, server, tls_context, settings, mails, outcome)
        outbox = Outbox(server, tls_context=tls_context)
        try:
            if due_digest is not None and not _unreachable(outcome):
                digest = _digest(candidates, agencies, today)
                await _send_digest(conn, outbox, settings, due_digest, digest, outcome)
        finally:
            await outbox.close()
        await store.record_pass(conn, today, sent=len(outcome.sent), failed=len(outcome.failed))
    log.info(
        "reminder pass", day=today.isoformat(), sent=len(outcome.sent), failed=len(outcome.failed)
    )
    return outcome


def _planned(
    candidates: list[store.Candidate],
    agencies: dict[str, store.Agency],
    settings: Settings,
    today: dt.date,
) -> Iterator[_Mail]:
    recipients = {
        agency_id: {
            audience: _addresses(agency, audience) for audience in ("contact", "management")
        }
        for agency_id, agency in agencies.items()
    }
    for c in candidates:
        for step in due_steps(c.effective_due, today, settings.reminder_rules):
            to = recipients[c.agency_id][step.audience]
            if not to:
                continue
            reminder = Reminder(
                recommendation_id=str(c.recommendation_id),
                code=c.code,
                title=c.title,
                agency_name=agencies[c.agency_id].name,
                due=c.due,
                due_date=c.due_date,
                step=step.says,
                today=today,
            )
            for recipient in to:
                key = store.Key(
                    c.recommendation_id, c.due, c.effective_due, step.step, step.on, recipient
                )
                yield _Mail(key, reminder)


def _addresses(agency: store.Agency, audience: Audience) -> list[str]:
    """The agency's contacts in that role, each address once (letter case aside)."""
    seen: dict[str, str] = {}
    for contact in agency.contacts:
        if contact.get("role", "contact") == audience:
            seen.setdefault(contact["email"].casefold(), contact["email"])
    return list(seen.values())


def _line(mail: _Mail, error: str | None = None) -> Line:
    key = mail.key
    return Line(key.recipient, mail.reminder.code, key.due, key.due_on, key.step, error)


def _unreachable(outcome: Outcome) -> bool:
    return any(line.error == _UNREACHABLE for line in outcome.failed)


_UNREACHABLE = "mail server unreachable"


async def _send_reminders(
    dsn: str,
    server: SmtpServer,
    tls_context: ssl.SSLContext | None,
    settings: Settings,
    mails: list[_Mail],
    outcome: Outcome,
) -> None:
    """`mails`, `SENDERS` at a time; the outcome's lines in the order of `mails`."""
    sender = settings.mail_from
    assert sender is not None
    work = iter(enumerate(mails))  # shared: each mail is taken by one of the senders
    done: list[tuple[int, Line]] = []
    unreachable = False

    async def send_some() -> None:
        nonlocal unreachable
        conn = await connect(dsn)
        outbox = Outbox(server, tls_context=tls_context)
        try:
            for n, mail in work:
                if unreachable:
                    done.append((n, _line(mail, _UNREACHABLE)))
                    continue
                try:
                    async with store.sending(conn, mail.key) as mine:
                        if not mine:
                            continue  # a replica sent it meanwhile
                        words = message(
                            mail.reminder,
                            public_url=settings.public_base_url,
                            sender=sender,
                            recipients=[mail.key.recipient],
                        )
                        await outbox.send(words)
                except MailError as exc:
                    unreachable = unreachable or exc.unreachable
                    done.append((n, _line(mail, _UNREACHABLE if exc.unreachable else str(exc))))
                    continue
                done.append((n, _line(mail)))
        finally:
            await outbox.close()
            await conn.close()

    try:
        async with asyncio.TaskGroup() as senders:
            for _ in range(min(SENDERS, len(mails))):
                senders.create_task(send_some())
    except ExceptionGroup as failed:  # the database gone, say: as from one sender
        raise failed.exceptions[0] from None
    for _, line in sorted(done, key=lambda item: item[0]):
        (outcome.sent if line.error is None else outcome.failed).append(line)


async def _due_digest(
    conn: asyncpg.Connection, settings: Settings, today: dt.date
) -> tuple[dt.date, str] | None:
    """The digest's (day, recipient) when this week's is yet to be sent."""
    recipient = settings.secretariat_email
    if recipient is None:
        return None
    day = digest_day(today, settings.digest_weekday)
    return (day, recipient) if await store.digest_unsent(conn, day, recipient) else None


def _digest(
    candidates: list[store.Candidate], agencies: dict[str, store.Agency], today: dt.date
) -> digest_mail.Digest:
    fell_due: list[digest_mail.Item] = []
    overdue: list[digest_mail.Item] = []
    for c in sorted(candidates, key=lambda c: (c.effective_due, c.code)):
        if c.effective_due > today:
            continue
        item = digest_mail.Item(
            str(c.recommendation_id),
            c.code,
            c.title,
            agencies[c.agency_id].name,
            c.due,
            c.effective_due,
        )
        (fell_due if c.effective_due > today - _WEEK else overdue).append(item)
    return digest_mail.Digest(today, fell_due, overdue)


async def _send_digest(
    conn: asyncpg.Connection,
    outbox: Outbox,
    settings: Settings,
    due: tuple[dt.date, str],
    digest: digest_mail.Digest,
    outcome: Outcome,
) -> None:
    assert settings.mail_from is not None
    day, recipient = due
    line = Line(recipient, "digest", None, day, None)
    try:
        async with store.sending_digest(conn, day, recipient) as mine:
            if not mine:
                return
            await outbox.send(
                digest_mail.message(
                    digest,
                    public_url=settings.public_base_url,
                    sender=settings.mail_from,
                    recipients=[recipient],
                )
            )
    except MailError as exc:
        outcome.failed.append(Line(recipient, "digest", None, day, None, str(exc)))
        return
    outcome.sent.append(line)
