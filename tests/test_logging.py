"""The log, as an operator gets it: `recotrack serve` run as a process, its stderr read back.

One access line per request (method, path, status, duration, request id, the caller's role
and agency); the request id taken from `X-Request-ID` when it is safe, generated otherwise,
and returned in the response; and never a token in the log, whatever the request did:
succeeded, was refused, was not authenticated, or failed with a 500.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests import flow
from tests.helpers import Api

SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
RECOTRACK = Path(sys.executable).with_name("recotrack")


class Served:
    """A `recotrack serve` process on a loopback port; its log is read once it has stopped."""

    def __init__(self, process: subprocess.Popen[bytes], log_path: Path, url: str) -> None:
        self.process = process
        self.log_path = log_path
        self.url = url
        self._text: str | None = None

    def stop(self) -> str:
        """Stop the server (as an orchestrator does: SIGTERM) and return all it logged."""
        if self._text is None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self._text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return self._text

    def lines(self) -> list[dict[str, Any]]:
        found = []
        for line in self.stop().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                found.append(entry)
        return found

    def access(self) -> list[dict[str, Any]]:
        return [e for e in self.lines() if e.get("event") == "request"]


@pytest.fixture
async def served(api: Api, tmp_path: Path) -> AsyncIterator[Served]:
    log_path = tmp_path / "stderr.log"
    env = {
        **os.environ,
        "DATABASE_URL": api.db_url,
        "RECOTRACK_LOG_FORMAT": "json",
        "RECOTRACK_LOG_LEVEL": "info",
    }
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: ASYNC220  (starting it does not wait for it)
            [str(RECOTRACK), "serve", "--host", "127.0.0.1", "--port", "0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            env=env,
        )
    url = _wait_until_listening(process, log_path)
    server = Served(process, log_path, url)
    try:
        yield server
    finally:
        server.stop()


def _wait_until_listening(process: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if '"listening"' in line:
                return str(json.loads(line)["url"])
        if process.poll() is not None:
            raise AssertionError(f"recotrack serve exited: {log_path.read_text()}")
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"recotrack serve did not listen in 60 s: {log_path.read_text()}")


async def call(
    served: Served, token: str | None, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    headers: dict[str, Any] = dict(kwargs.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
        return await client.request(method, path, headers=headers, **kwargs)


# --- the access line -----------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    token: str | None
    method: str
    path: str
    status: int
    role: str | None = None
    agency: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)


async def test_one_access_line_per_request_with_the_caller(api: Api, served: Served) -> None:
    """Every request, however it ends (a handler's answer, a refusal by the guard, a bad
    token, a path that is no route), gets exactly one access line with its true status,
    and its response carries the request id that line is filed under."""
    rec = await flow.recommendation(api)
    url = f"/v1/recommendations/{rec['id']}"
    t = api.tokens
    agency = {"id": "lantmateriet", "name": "Lantmäteriet", "org_number": "202100-4888"}
    probes = [
        Probe(t["secretariat"], "GET", url, 200, "secretariat"),
        Probe(t["skatteverket"], "GET", url, 200, "agency", "skatteverket"),
        Probe(t["forsakringskassan"], "GET", url, 404, "agency", "forsakringskassan"),
        Probe(t["auditor"], "PATCH", url, 403, "auditor", kwargs={"json": {"title": "x"}}),
        Probe(
            t["secretariat"], "POST", "/v1/agencies", 201, "secretariat", kwargs={"json": agency}
        ),
        Probe(
            t["secretariat"],
            "POST",
            "/v1/agencies",
            400,
            "secretariat",
            kwargs={"content": b"{", "headers": {"Content-Type": "application/json"}},
        ),
        Probe(None, "GET", "/healthz", 200),
        Probe(None, "GET", "/v1/agencies", 401),
        Probe("rt_" + "Q" * 43, "GET", "/v1/agencies", 401),
        Probe(t["auditor"], "GET", "/v1/no-such-thing", 404),
        Probe(t["auditor"], "DELETE", "/v1/agencies", 405),
    ]
    responses = []
    for i, probe in enumerate(probes):
        kwargs = dict(probe.kwargs)
        kwargs["headers"] = {**kwargs.get("headers", {}), "X-Request-ID": f"req-{i}"}
        responses.append(await call(served, probe.token, probe.method, probe.path, **kwargs))
    assert [r.status_code for r in responses] == [p.status for p in probes]

    lines = served.access()
    failures = []
    for i, (probe, r) in enumerate(zip(probes, responses, strict=True)):
        request = f"{probe.method} {probe.path} → {r.status_code}"
        if r.headers.get("x-request-id") != f"req-{i}":
            failures.append(f"{request}: X-Request-ID {r.headers.get('x-request-id')!r}")
        mine = [line for line in lines if line.get("request_id") == f"req-{i}"]
        if len(mine) != 1:
            failures.append(f"{request}: {len(mine)} access lines")
            continue
        line = mine[0]
        got = (line["method"], line["path"], line["status"], line["role"], line["agency"])
        want = (probe.method, probe.path, r.status_code, probe.role, probe.agency)
        if got != want:
            failures.append(f"{request}: the access line says {got}, not {want}")
        if not (isinstance(line["duration_ms"], int | float) and 0 <= line["duration_ms"] < 6e4):
            failures.append(f"{request}: duration_ms {line['duration_ms']!r}")
        if line.get("level") != "info" or "timestamp" not in line:
            failures.append(f"{request}: level or timestamp missing: {line}")
    if len(lines) != len(probes):
        failures.append(f"{len(lines)} access lines for {len(probes)} requests")
    assert not failures, "\n".join(failures)


async def test_a_safe_incoming_request_id_is_kept_and_logged(api: Api, served: Served) -> None:
    r = await call(
        served, api.tokens["auditor"], "GET", "/v1/agencies", headers={"X-Request-ID": "abc-123"}
    )
    assert r.status_code == 200
    assert r.headers["x-request-id"] == "abc-123"
    longest = "a" * 128
    r = await call(served, None, "GET", "/healthz", headers={"X-Request-ID": longest})
    assert r.headers["x-request-id"] == longest

    lines = served.access()
    assert [line["request_id"] for line in lines] == ["abc-123", longest]
    assert lines[0]["path"] == "/v1/agencies"


UNSAFE_IDS: list[str | bytes] = [
    "with spaces",
    "a" * 129,
    "x" * 200,
    "",
    "abc;rm -rf /",
    "<script>alert(1)</script>",
    '"quoted"',
    "ünïcödé".encode(),
    "tab\there",
]


async def test_a_missing_or_unsafe_request_id_is_replaced(api: Api, served: Served) -> None:
    given_back = []
    r = await call(served, None, "GET", "/healthz")
    given_back.append(r.headers["x-request-id"])
    for unsafe in UNSAFE_IDS:
        r = await call(served, None, "GET", "/healthz", headers={"X-Request-ID": unsafe})
        assert r.status_code == 200
        generated = r.headers["x-request-id"]
        assert SAFE_ID.match(generated), generated
        assert generated.encode() != (unsafe if isinstance(unsafe, bytes) else unsafe.encode())
        given_back.append(generated)
    assert len(set(given_back)) == len(given_back), "each request gets an id of its own"

    text = served.stop()
    assert [line["request_id"] for line in served.access()] == given_back
    for unsafe in UNSAFE_IDS:
        shown = unsafe.decode() if isinstance(unsafe, bytes) else unsafe
        if len(shown) > 3:
            assert shown not in text, f"{shown!r} reached the log"
            assert json.dumps(shown)[1:-1] not in text, f"{shown!r} reached the log"


# --- never a token -------------------------------------------------------------------------


def _forms(secret: str) -> list[str]:
    """A secret as it might show in a log: whole, without its prefix, JSON-escaped."""
    forms = [secret, secret.split("_", 1)[-1]]
    return [*forms, *(json.dumps(f)[1:-1] for f in forms)]


async def test_no_token_in_the_log_whatever_happens(
    api: Api, served: Served, db: asyncpg.Connection
) -> None:
    rec = await flow.recommendation(api)
    url = f"/v1/recommendations/{rec['id']}"
    secretariat, agency = api.tokens["secretariat"], api.tokens["skatteverket"]
    unknown = "rt_" + "Q" * 43  # the shape of a token, but none that was issued
    not_ours = "not-a-recotrack-token-0123456789"

    statuses = [
        (await call(served, secretariat, "GET", url)).status_code,
        (await call(served, agency, "GET", url)).status_code,
        (await call(served, agency, "PATCH", url, json={"title": "x"})).status_code,
        (await call(served, agency, "PUT", f"{url}/response", json={"x": 1})).status_code,
        (await call(served, unknown, "GET", url)).status_code,
        (await call(served, not_ours, "GET", url)).status_code,
        (
            await call(
                served,
                None,
                "GET",
                url,
                headers={"Authorization": f"Basic {unknown}", "X-Api-Key": agency},
            )
        ).status_code,
    ]
    assert statuses == [200, 200, 403, 422, 401, 401, 401]
    created = await call(
        served,
        secretariat,
        "POST",
        "/v1/tokens",
        json={"role": "agency", "agency_id": "skatteverket", "label": "PPM-synk"},
    )
    assert created.status_code == 201, created.text
    issued = created.json()["token"]
    # webhook secrets: made, rotated (a global address written as a literal: no DNS)
    hook = await call(
        served, agency, "POST", "/v1/webhooks", json={"url": "https://93.184.216.34/hook"}
    )
    assert hook.status_code == 201, hook.text
    hook_url = f"/v1/webhooks/{hook.json()['id']}"
    rotated = await call(served, agency, "POST", f"{hook_url}/rotate-secret", json={})
    assert rotated.status_code == 200, rotated.text
    hook_secrets = [hook.json()["secret"], rotated.json()["secret"]]

    # a 500 in a handler: the table it reads is gone
    await db.execute("alter table review rename to review_moved")
    failed = await call(served, secretariat, "GET", "/v1/reviews")
    assert failed.status_code == 500, failed.text
    # a 500 with a new webhook secret in hand: its table is gone
    await db.execute("alter table webhook rename to webhook_moved")
    failed_rotation = await call(served, agency, "POST", f"{hook_url}/rotate-secret", json={})
    assert failed_rotation.status_code == 500, failed_rotation.text
    # a 500 while authenticating, with the token in hand: the token table is gone (a token
    # not used before, so that its lookup is not cached)
    await db.execute("alter table token rename to token_moved")
    failed_auth = await call(served, issued, "GET", url)
    assert failed_auth.status_code == 500, failed_auth.text
    assert issued not in failed_auth.text

    text = served.stop()
    # no token appears, in any form, anywhere
    for secret in (secretariat, agency, unknown, not_ours, issued, *hook_secrets):
        for form in _forms(secret):
            assert form not in text, f"a token reached the log: …{form[-6:]}"
    assert "authorization" not in text.lower()
    assert "whsec_" not in text, "a webhook secret (the one the failed rotation made?) was logged"

    # the failures were logged with their tracebacks, under the ids of their requests
    errors = [e for e in served.lines() if e.get("level") == "error"]
    assert any("Traceback" in str(e.get("exception", "")) for e in errors), errors
    failures = {"handler": failed, "authentication": failed_auth}
    for where, response in failures.items():
        assert "x-request-id" in response.headers, (
            f"the 500 from a failure in {where} does not carry X-Request-ID: "
            f"{dict(response.headers)}"
        )
        assert response.headers["x-request-id"] in {e.get("request_id") for e in errors}
