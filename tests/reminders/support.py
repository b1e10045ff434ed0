"""What the reminder tests share: a real SMTP server on loopback (aiosmtpd) that keeps what
arrives (and refuses whom it is told to), recommendations written straight into the test's
database, and a pass run as the service's restricted role."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import asyncpg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServerProtocol
from aiosmtpd.smtp import Envelope, Session

from recotrack.settings import Settings
from recotrack.worker.reminder_pass import Outcome, run_pass
from tests.helpers import secrets_key_file, signing_key_file
from tests.test_cli import Ran, recotrack

SENDER = "recotrack@esv.example.se"
PUBLIC = "https://recotrack.example.se"
CONTACT = "handlaggare@skv.example.se"
MANAGER = "gd@skv.example.se"
SECRETARIAT = "registrator@esv.example.se"


@dataclass
class Inbox:
    """What arrived: (recipients, parsed message) per mail; `refuse` addresses get a 550."""

    mails: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self,
        server: SMTPServerProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refuse:
            return "550 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(
        self, server: SMTPServerProtocol, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.mails.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def take(self) -> list[tuple[str, str]]:
        """(recipient, subject) of each mail arrived since the last look, in order."""
        got = [(to[0], str(mail["Subject"])) for to, mail in self.mails]
        self.mails.clear()
        return got


@dataclass
class Smtp:
    inbox: Inbox
    port: int
    controller: Controller

    def stop(self) -> None:
        self.controller.stop()

    def start(self) -> None:
        self.controller = _started(self.inbox, self.port)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _started(inbox: Inbox, port: int) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    return controller


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    inbox, port = Inbox(), free_port()
    server = Smtp(inbox, port, _started(inbox, port))
    yield server
    if server.controller.loop.is_running():
        server.stop()


def env_for(db_url: str, port: int, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": db_url,
        "RECOTRACK_LOG_LEVEL": "warning",
        "RECOTRACK_SIGNING_KEY_FILE": signing_key_file(),
        "RECOTRACK_SECRETS_KEY_FILE": secrets_key_file(),
        "RECOTRACK_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "RECOTRACK_MAIL_FROM": SENDER,
        "RECOTRACK_PUBLIC_URL": PUBLIC,
        **extra,
    }


def settings_for(db_url: str, port: int, **extra: str) -> Settings:
    return Settings.from_env(env_for(db_url, port, **extra))


async def run(
    service_url: str, settings: Settings, today: dt.date, *, dry_run: bool = False
) -> Outcome:
    """One pass, as the service's restricted role."""
    return await run_pass(service_url, settings, today, dry_run=dry_run)


def lines(outcome: Outcome) -> list[str]:
    return [str(line) for line in outcome.sent]


class World:
    """An agency (a contact and a manager), an investment and a review to hang
    recommendations on, written as the superuser."""

    def __init__(self, db: asyncpg.Connection, review_id: uuid.UUID) -> None:
        self.db = db
        self.review_id = review_id
        self.count = 0

    @classmethod
    async def make(
        cls, db: asyncpg.Connection, contacts: list[dict[str, str]] | None = None
    ) -> World:
        people = (
            contacts
            if contacts is not None
            else [
                {"email": CONTACT, "name": "Handläggare", "role": "contact"},
                {"email": MANAGER, "name": "Generaldirektör", "role": "management"},
            ]
        )
        await db.execute(
            "insert into agency (id, name, org_number, contacts) values ($1, $2, $3, $4)",
            "skatteverket",
            "Skatteverket",
            "202100-5448",
            people,
        )
        investment = await db.fetchval(
            """insert into investment (agency_id, title, phase)
               values ('skatteverket', 'Nya skattekontot', 'planning') returning id"""
        )
        review = await db.fetchval(
            """insert into review (investment_id, agency_id, title)
               values ($1, 'skatteverket', 'Granskning') returning id""",
            investment,
        )
        return cls(db, review)

    async def recommendation(
        self,
        *,
        response_due: dt.date | None = None,
        implementation_due: dt.date | None = None,
        issued: bool = True,
    ) -> tuple[uuid.UUID, str]:
        self.count += 1
        code = f"2026-SKV-{self.count:03d}"
        rid = await self.db.fetchval(
            """
            insert into recommendation (code, review_id, agency_id, title, area, priority,
                issued_on, response_due, implementation_due)
            values ($1, $2, 'skatteverket', $3, 'governance', 'high', $4, $5, $6)
            returning id
            """,
            code,
            self.review_id,
            f"Rekommendation {self.count}: styr nyttan",
            dt.date(2026, 1, 15) if issued else None,
            response_due,
            implementation_due,
        )
        return rid, code

    async def respond(self, rid: uuid.UUID, target_date: dt.date | None = None) -> None:
        await self.db.execute(
            """insert into response (recommendation_id, decision, target_date, responded_by)
               values ($1, 'accepted', $2, 'test')""",
            rid,
            target_date,
        )

    async def close(self, rid: uuid.UUID) -> None:
        await self.db.execute(
            "insert into closure (recommendation_id, outcome) values ($1, 'implemented')", rid
        )

    async def move(self, rid: uuid.UUID, response_due: dt.date) -> None:
        await self.db.execute(
            "update recommendation set response_due = $2 where id = $1", rid, response_due
        )


async def command(*args: str, database: str, env: dict[str, str] | None = None) -> Ran:
    """`recotrack ARGS` as the installed command, with these settings (tests/test_cli.py)."""
    settings: dict[str, Any] = dict(env or {})
    settings.pop("DATABASE_URL", None)
    return await recotrack(*args, database=database, **settings)
