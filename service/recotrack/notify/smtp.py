"""Send mail over SMTP with aiosmtplib, to the server `RECOTRACK_SMTP_URL` names.

`smtp://[user:password@]host[:port]` (port 587 by default) upgrades with STARTTLS when the
server offers it; `smtps://…` (port 465 by default) speaks TLS from the start. A user name
and password in the URL (percent-encoded) log in. The password is never logged nor shown:
`str()` of a server leaves it out.
"""

from __future__ import annotations

import ssl
from email.message import Message

import aiosmtplib
import structlog

from recotrack.settings import SmtpServer

log = structlog.get_logger("recotrack.notify")

__all__ = ["MailError", "Outbox", "SmtpServer", "send"]


class MailError(Exception):
    """A mail was not sent (the server refused it, or could not be reached)."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable
        """No connection to the server: the next mails would not go either."""


async def send(
    server: SmtpServer,
    mail: Message,
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


class Outbox:
    """Many mails through one connection to `server` (a pass sends thousands): connected at
    the first mail, again after a failure; `close()` ends it. One mail at a time."""

    def __init__(
        self,
        server: SmtpServer,
        *,
        tls_context: ssl.SSLContext | None = None,
        seconds: float = 30.0,
    ) -> None:
        self._server = server
        self._tls_context = tls_context
        self._seconds = seconds
        self._client: aiosmtplib.SMTP | None = None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        server = self._server
        client = aiosmtplib.SMTP(
            hostname=server.hostname,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.implicit_tls,
            start_tls=False if server.implicit_tls else None,
            tls_context=self._tls_context,
            timeout=self._seconds,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            client.close()
            log.warning("mail server unreachable", server=str(server), error=type(exc).__name__)
            raise MailError(f"no connection to {server}: {exc}", unreachable=True) from exc
        self._client = client
        return client

    async def send(self, mail: Message) -> None:
        """Send `mail` (its From and To); MailError when it is not sent."""
        client = await self._connected()
        try:
            await client.send_message(mail)
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.warning(
                "mail not sent", server=str(self._server), to=mail["To"], error=type(exc).__name__
            )
            client.close()  # in a state not worth knowing: the next mail opens another
            raise MailError(f"mail to {mail['To']} not sent through {self._server}: {exc}") from exc
        log.info(
            "mail sent", server=str(self._server), to=mail["To"], message_id=mail["Message-ID"]
        )

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
