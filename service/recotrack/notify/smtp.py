"""Send mail over SMTP with aiosmtplib, to the server `RECOTRACK_SMTP_URL` names.

`smtp://[user:password@]host[:port]` (port 587 by default) upgrades with STARTTLS when the
server offers it; `smtps://…` (port 465 by default) speaks TLS from the start. A user name
and password in the URL (percent-encoded) log in. The password is never logged nor shown:
`str()` of a server leaves it out.
"""

from __future__ import annotations

import ssl
from email.message import EmailMessage

import aiosmtplib
import structlog

from recotrack.settings import SmtpServer

log = structlog.get_logger("recotrack.notify")

__all__ = ["MailError", "SmtpServer", "send"]


class MailError(Exception):
    """A mail was not sent (the server refused it, or could not be reached)."""


async def send(
    server: SmtpServer,
    mail: EmailMessage,
    *,
    tls_context: ssl.SSLContext | None = None,
    seconds: float = 30.0,
) -> None:
    """Send `mail` (its From and To) through `server`; MailError when it is not sent.
    `tls_context`: whom to trust (the system's certificate authorities by default);
    `seconds`: how long any one step (connecting, a command) may take."""
    try:
        await aiosmtplib.send(
            mail,
            hostname=server.hostname,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.implicit_tls,
            # None: STARTTLS when the server offers it (never twice over implicit TLS)
            start_tls=False if server.implicit_tls else None,
            tls_context=tls_context,
            timeout=seconds,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        log.warning("mail not sent", server=str(server), to=mail["To"], error=type(exc).__name__)
        raise MailError(f"mail to {mail['To']} not sent through {server}: {exc}") from exc
    log.info("mail sent", server=str(server), to=mail["To"], message_id=mail["Message-ID"])
