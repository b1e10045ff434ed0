"""`/readyz` says whether the service can serve: it asks the database, never the mail server.

A mail server that is down must not take the API out of a load balancer: reminders wait and
are sent later, requests do not. Each case starts the real `recotrack serve`.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import serve_processes


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound (so that nothing else takes it while
    the test runs) but not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        yield port


def _ask(url: str) -> None:
    with httpx.Client(base_url=url, timeout=10) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ok"}
        assert client.get("/healthz").status_code == 200


def test_ready_while_the_mail_server_refuses_connections(
    db_url: str, tmp_path: Path, closed_port: int
) -> None:
    env = {
        "RECOTRACK_SMTP_URL": f"smtp://127.0.0.1:{closed_port}",
        "RECOTRACK_MAIL_FROM": "recotrack@example.se",
        "RECOTRACK_PUBLIC_URL": "https://recotrack.example.se",
    }
    with serve_processes(db_url, tmp_path, 1, env) as (url,):
        _ask(url)


def test_ready_without_any_mail_setting(db_url: str, tmp_path: Path) -> None:
    with serve_processes(db_url, tmp_path, 1) as (url,):
        _ask(url)
