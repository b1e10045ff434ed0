"""What the webhook tests share: a real HTTP receiver on loopback, a real SMTP server on
loopback, the delivery worker run in the test's process, and subscriptions made through the
API."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServerProtocol
from aiosmtpd.smtp import Envelope, Session

from recotrack.secretbox import SecretBox
from recotrack.store.notify import ChangeNotifier
from recotrack.store.pool import create_pool
from recotrack.worker import deliveries
from tests.conftest import as_service
from tests.helpers import Api, until

WAIT_SECONDS = 30.0
SCHEDULE = (0.1, 0.2)
"""Retries in the tests: two, soon."""


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def message_id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def seq(self) -> int:
        return int(self.json["data"]["seq"])


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that keeps every POST and answers each path by its plan:
    (status, seconds to wait first) per request, then 204 once the plan is used up."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    plans: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def plan(self, path: str, *answers: tuple[int, float]) -> None:
        with self._lock:
            self.plans[path] = list(answers)

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def seqs(self, path: str) -> list[int]:
        return [r.seq for r in self.at(path)]

    def _answer(self, path: str) -> tuple[int, float]:
        with self._lock:
            plan = self.plans.get(path)
            return plan.pop(0) if plan else (204, 0.0)

    @contextlib.contextmanager
    def running(self) -> Iterator[Receiver]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                if len(body) < length:  # the sender went away mid-request (killed): nothing
                    self.close_connection = True  # arrived, as for any real receiver
                    return
                status, wait = receiver._answer(self.path)
                if wait:  # the plan's slow answer (the timeout tests), not a wait for a state
                    time.sleep(wait)
                with receiver._lock:
                    receiver.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                self.send_response(status)
                if self.path in receiver.redirects:
                    self.send_header("location", receiver.url(receiver.redirects[self.path]))
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)


def free_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    """What the SMTP server received: (recipients, message bytes) per mail."""

    mails: list[tuple[list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(
        self, server: SMTPServerProtocol, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        self.mails.append((list(envelope.rcpt_tos), raw))
        return "250 OK"


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def box_of(api: Api) -> SecretBox:
    box: SecretBox = api.client.app.state.secret_box
    return box


@contextlib.asynccontextmanager
async def worker(api: Api, **config: Any) -> AsyncIterator[deliveries.Deliveries]:
    """The delivery job in this process, on the test's database as the service's role."""
    url = as_service(api.db_url)
    options: dict[str, Any] = {"schedule": SCHEDULE, "concurrency": 4, "allow_private": True}
    options.update(config)
    pool = await create_pool(url, min_size=1, max_size=options["concurrency"] + 1)
    notifier = ChangeNotifier()
    await notifier.start(url)
    try:
        async with deliveries.running(
            pool, box_of(api), notifier, deliveries.Config(**options)
        ) as job:
            yield job
    finally:
        await notifier.close()
        await pool.close()


async def subscribe(api: Api, who: str, url: str, **body: Any) -> dict[str, Any]:
    r = await api.call(who, "POST", "/v1/webhooks", json={"url": url, **body})
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def received_count(receiver: Receiver, path: str, count: int) -> list[Received]:
    """Wait (bounded) until `path` has had `count` requests."""

    async def enough() -> list[Received]:
        got = receiver.at(path)
        return got if len(got) >= count else []

    return await until(f"{count} deliveries at {path}", enough, seconds=WAIT_SECONDS)


async def log_of(api: Api, webhook_id: str, who: str = "secretariat") -> list[dict[str, Any]]:
    r = await api.call(who, "GET", f"/v1/webhooks/{webhook_id}/deliveries", params={"limit": 1000})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def logged(api: Api, webhook_id: str, count: int) -> list[dict[str, Any]]:
    """Wait (bounded) until the log has `count` entries (a run is recorded when it ends)."""

    async def enough() -> list[dict[str, Any]]:
        log = await log_of(api, webhook_id)
        return log if len(log) >= count else []

    return await until(f"{count} entries in the log", enough, seconds=WAIT_SECONDS)
