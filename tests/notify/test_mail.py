"""Reminders rendered and sent to a real SMTP server on loopback (aiosmtpd), read back as they
arrived: plain SMTP, STARTTLS with a login, implicit TLS; no password in what is logged."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServerProtocol
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from recotrack.notify.reminder import Reminder, dashboard_link, message, text_of
from recotrack.notify.smtp import MailError, send
from recotrack.settings import Settings, SmtpServer

PUBLIC = "https://recotrack.example.se/"
SENDER = "recotrack@esv.example.se"
PASSWORD = "hemligt-lösen-42"  # a test's own

REMINDER = Reminder(
    recommendation_id="0b6e4a2c-2f1e-4a53-9d1b-0c0d6a8f0e11",
    code="2026-SKV-003",
    title='Styrning & uppföljning <av> nyttan för "Skatteverket" — åäö',
    agency_name="Skatteverket",
    due="response",
    due_date=dt.date(2026, 6, 19),  # midsommarafton: due the Monday after
    step="before",
    today=dt.date(2026, 6, 8),
)


@dataclass
class Inbox:
    """What the server received: one (envelope sender, recipients, parsed message) per mail."""

    mails: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_DATA(
        self, server: SMTPServerProtocol, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.mails.append((str(envelope.mail_from), list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def authenticate(
        self,
        server: SMTPServerProtocol,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login, auth_data.password))
        ok = auth_data.login == b"recotrack" and auth_data.password == PASSWORD.encode()
        return AuthResult(success=ok)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: (certificate, key) files."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def trusting(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int, list[Controller]]]:
    """Start servers with `start(**kwargs)`; all are stopped after the test."""
    inbox, started = Inbox(), list[Controller]()
    yield inbox, 0, started
    for controller in started:
        controller.stop()


def start(inbox: Inbox, started: list[Controller], **kwargs: Any) -> int:
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=10, **kwargs)
    controller.start()
    started.append(controller)
    return port


def mail_to(*recipients: str) -> Message:
    return message(REMINDER, public_url=PUBLIC, sender=SENDER, recipients=list(recipients))


async def test_a_reminder_arrives_with_both_parts_intact(
    smtp_server: tuple[Inbox, int, list[Controller]],
) -> None:
    inbox, _, started = smtp_server
    port = start(inbox, started)
    server = SmtpServer.from_url(f"smtp://127.0.0.1:{port}")
    await send(server, mail_to("registrator@skatteverket.se", "gd@skatteverket.se"))

    [(envelope_from, rcpt, got)] = inbox.mails
    assert envelope_from == SENDER
    assert rcpt == ["registrator@skatteverket.se", "gd@skatteverket.se"]
    assert got["From"] == SENDER
    assert got["To"] == "registrator@skatteverket.se, gd@skatteverket.se"
    assert got["Subject"] == "Påminnelse: 2026-SKV-003 / Reminder: 2026-SKV-003"
    assert got["Auto-Submitted"] == "auto-generated"
    assert got["Message-ID"].endswith("@esv.example.se>")
    assert got.get_content_type() == "multipart/alternative"
    plain = got.get_body(("plain",))
    rich = got.get_body(("html",))
    assert plain is not None
    assert rich is not None
    text, markup = plain.get_content(), rich.get_content()
    link = "https://recotrack.example.se/dashboard/recommendations/" + REMINDER.recommendation_id
    # Swedish first, then English; the effective due date, and the date set beside it
    assert text.index("Hej!") < text.index("Hello,")
    assert (
        "Skatteverket ska svara på rekommendationen 2026-SKV-003 ”Styrning & uppföljning <av> "
        'nyttan för "Skatteverket" — åäö” senast 2026-06-22 (2026-06-19 är ingen arbetsdag). '
        "Det är 14 dagar kvar."
    ) in text
    assert "by 2026-06-22 (2026-06-19 is not a working day). 14 days to go." in text
    assert text.count(link) == 2
    # the HTML escapes the title and carries the link
    assert "&lt;av&gt;" in markup
    assert "<av>" not in markup
    assert "&amp; uppföljning" in markup
    assert "&quot;Skatteverket&quot;" in markup
    assert f'<a href="{link}">' in markup
    assert markup.index("Hej!") < markup.index('lang="en"') < markup.index("Hello,")


async def test_starttls_with_a_login_and_no_password_in_the_logs(
    smtp_server: tuple[Inbox, int, list[Controller]], certificate: tuple[Path, Path]
) -> None:
    inbox, _, started = smtp_server
    port = start(
        inbox,
        started,
        tls_context=server_tls(certificate),
        require_starttls=True,
        authenticator=inbox.authenticate,
        auth_required=True,
    )
    url = f"smtp://recotrack:{PASSWORD.replace('ö', '%C3%B6')}@127.0.0.1:{port}"
    server = SmtpServer.from_url(url)
    assert server.password == PASSWORD
    assert PASSWORD not in str(server)
    assert PASSWORD not in repr(server)
    settings = Settings.from_env({"RECOTRACK_SMTP_URL": url, "RECOTRACK_MAIL_FROM": SENDER})
    assert PASSWORD not in repr(settings)
    with structlog.testing.capture_logs() as logs:
        await send(
            server, mail_to("registrator@skatteverket.se"), tls_context=trusting(certificate)
        )
    assert inbox.logins == [(b"recotrack", PASSWORD.encode())]
    assert len(inbox.mails) == 1
    assert [entry["event"] for entry in logs] == ["mail sent"]
    assert PASSWORD not in repr(logs)

    # a wrong password: not sent, said so, and still not logged (this server keeps a client
    # that failed to log in waiting: `seconds` bounds it)
    wrong = SmtpServer.from_url(f"smtp://recotrack:fel-{PASSWORD[:3]}@127.0.0.1:{port}")
    with structlog.testing.capture_logs() as logs, pytest.raises(MailError) as refused:
        await send(
            wrong,
            mail_to("registrator@skatteverket.se"),
            tls_context=trusting(certificate),
            seconds=3,
        )
    assert len(inbox.mails) == 1
    assert [entry["event"] for entry in logs] == ["mail not sent"]
    assert "fel-" not in repr(logs)
    assert "fel-" not in str(refused.value)


async def test_implicit_tls(
    smtp_server: tuple[Inbox, int, list[Controller]], certificate: tuple[Path, Path]
) -> None:
    inbox, _, started = smtp_server
    port = start(inbox, started, ssl_context=server_tls(certificate))
    server = SmtpServer.from_url(f"smtps://127.0.0.1:{port}")
    assert server.implicit_tls
    await send(server, mail_to("registrator@skatteverket.se"), tls_context=trusting(certificate))
    [(_, _, got)] = inbox.mails
    plain = got.get_body(("plain",))
    assert plain is not None
    assert "åäö" in plain.get_content()
    # and an untrusted certificate is refused
    with pytest.raises(MailError):
        await send(server, mail_to("registrator@skatteverket.se"))
    assert len(inbox.mails) == 1


async def test_no_server_is_a_mail_error() -> None:
    server = SmtpServer.from_url(f"smtp://127.0.0.1:{free_port()}")
    with pytest.raises(MailError):
        await send(server, mail_to("registrator@skatteverket.se"), seconds=5)


@pytest.mark.parametrize(
    ("url", "server"),
    [
        ("smtp://mail.example.se", SmtpServer("mail.example.se", 587, False)),
        ("smtps://mail.example.se", SmtpServer("mail.example.se", 465, True)),
        (
            "smtp://u%40x:p%3Aw@mail.example.se:25",
            SmtpServer("mail.example.se", 25, False, "u@x", "p:w"),
        ),
    ],
)
def test_smtp_urls(url: str, server: SmtpServer) -> None:
    assert SmtpServer.from_url(url) == server


@pytest.mark.parametrize(
    "url",
    ["http://mail.example.se", "smtp://", "smtp://u:secret@mail.example.se:port", "smtp://h/x"],
)
def test_bad_smtp_urls_are_refused_without_saying_the_url(url: str) -> None:
    with pytest.raises(ValueError, match="RECOTRACK_SMTP_URL") as refused:
        Settings.from_env({"RECOTRACK_SMTP_URL": url, "RECOTRACK_MAIL_FROM": SENDER})
    assert "secret" not in str(refused.value)


def test_a_mail_server_needs_a_sender() -> None:
    with pytest.raises(ValueError, match="RECOTRACK_MAIL_FROM"):
        Settings.from_env({"RECOTRACK_SMTP_URL": "smtp://mail.example.se"})
    assert Settings.from_env({}).smtp_url is None


def test_every_step_says_where_the_day_is() -> None:
    def words(**changes: Any) -> str:
        return text_of(dataclasses.replace(REMINDER, **changes), public_url=PUBLIC).plain

    due = dt.date(2026, 3, 18)  # a Wednesday
    assert "Det är i dag." in words(due_date=due, today=due, step="due")
    assert "That is today." in words(due_date=due, today=due, step="due")
    late = words(due_date=due, today=dt.date(2026, 3, 19), step="overdue")
    assert "Tiden gick ut för 1 dag sedan." in late
    assert "It is 1 day overdue." in late
    escalated = words(
        due_date=due, today=dt.date(2026, 4, 17), step="escalation", due="implementation"
    )
    assert "ska ha genomfört rekommendationen" in escalated
    assert "is to implement recommendation" in escalated
    assert "30 dagar sedan" in escalated
    assert "ledning" in escalated
    assert "(2026-03-18" not in escalated  # a working day: no note of a shift
    assert (
        dashboard_link("https://x.se/base/", "a/b")
        == "https://x.se/base/dashboard/recommendations/a%2Fb"
    )
