"""What was written stays written: `recotrack serve` on the embedded PostgreSQL, stopped
(SIGTERM, or killed outright) and started again on the same data directory.

These run the real command, as a user on a fresh machine would: no `DATABASE_URL`, a data
directory of their own, the first token from `recotrack token create`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

RECOTRACK = Path(sys.executable).with_name("recotrack")


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        RECOTRACK_DATA_DIR=str(data_dir),
        RECOTRACK_LOG_FORMAT="json",
        RECOTRACK_LOG_LEVEL="info",
    )
    return env


def create_token(data_dir: Path, role: str) -> str:
    done = subprocess.run(
        [str(RECOTRACK), "token", "create", "--role", role],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


class Service:
    """One run of `recotrack serve` on the data directory."""

    def __init__(self, data_dir: Path, run: int) -> None:
        self.log_path = data_dir.parent / f"serve-{run}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(RECOTRACK), "serve", "--host", "127.0.0.1", "--port", "0"],
                env=_env(data_dir),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        self.url = self._wait_until_listening()

    def _wait_until_listening(self) -> str:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for line in self.log_path.read_text(errors="replace").splitlines():
                if '"listening"' in line:
                    return str(json.loads(line)["url"])
            if self.process.poll() is not None:
                raise AssertionError(f"recotrack serve exited: {self.log_path.read_text()}")
            time.sleep(0.05)
        self.process.kill()
        raise AssertionError(f"recotrack serve did not listen: {self.log_path.read_text()}")

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"recotrack serve did not stop on {sig.name}") from None


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data"
    yield path
    _wait_for_embedded_stop(path, timeout=60)  # never leave a server behind


def _postmaster_pid(data_dir: Path) -> Path:
    return data_dir / "pg" / "postmaster.pid"


def _wait_for_embedded_stop(data_dir: Path, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _postmaster_pid(data_dir).exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


class Caller:
    def __init__(self, url: str, token: str) -> None:
        self.client = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def __call__(self, method: str, path: str, status: int, **kwargs: Any) -> httpx.Response:
        r = self.client.request(method, path, **kwargs)
        assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
        return r

    def close(self) -> None:
        self.client.close()


def _write_everything(url: str, secretariat_token: str) -> dict[str, Any]:
    """A recommendation's whole life so far, through the API; returns what to read back."""
    sec = Caller(url, secretariat_token)
    try:
        sec(
            "POST",
            "/v1/agencies",
            201,
            json={"id": "lantmateriet", "name": "Lantmäteriet", "org_number": "202100-4888"},
        )
        agency_token = sec(
            "POST",
            "/v1/tokens",
            201,
            json={"role": "agency", "agency_id": "lantmateriet", "label": "PPM"},
        ).json()["token"]
        auditor_token = sec(
            "POST", "/v1/tokens", 201, json={"role": "auditor", "label": "Revisionen"}
        ).json()["token"]
        inv = sec(
            "POST",
            "/v1/investments",
            201,
            json={"agency_id": "lantmateriet", "title": "Ny fastighetsregistrering"},
        ).json()
        rev = sec(
            "POST",
            "/v1/reviews",
            201,
            json={"investment_id": inv["id"], "title": "Andra åsikt 2026"},
        ).json()
        rec_request = json.dumps(
            {
                "review_id": rev["id"],
                "code": "2026-LM-001",
                "title": "Säkra förvaltningsorganisationen",
                "body": "Myndigheten bör **bemanna** förvaltningen före driftsättning.",
                "area": "competence",
                "priority": "high",
                "issued_on": "2026-02-01",
            }
        ).encode()
        rec = sec(
            "POST",
            "/v1/recommendations",
            201,
            content=rec_request,
            headers={"Idempotency-Key": "rec-2026-LM-001", "Content-Type": "application/json"},
        )
        rec_url = f"/v1/recommendations/{rec.json()['id']}"
        agency = Caller(url, agency_token)
        try:
            agency(
                "PUT",
                f"{rec_url}/response",
                201,
                json={
                    "decision": "partially_accepted",
                    "rationale": "Budgeten räcker till hälften.",
                    "target_date": "2026-09-30",
                    "responded_by": "Åsa Öberg",
                },
            )
            agency(
                "PUT",
                f"{rec_url}/response",
                200,
                json={
                    "decision": "accepted",
                    "target_date": "2026-12-31",
                    "target_date_reason": "Upphandlingen överklagades.",
                    "responded_by": "Åsa Öberg",
                },
                headers={"If-Match": '"1"'},
            )
            agency(
                "POST",
                f"{rec_url}/progress",
                201,
                json={"status": "in_progress", "note": "Rekrytering pågår", "external_ref": "P-1"},
            )
        finally:
            agency.close()
        sec(
            "POST",
            f"{rec_url}/assessments",
            201,
            json={"status": "in_progress", "note": "Stämmer med vad vi ser."},
        )
        sec("PUT", f"{rec_url}/closure", 201, json={"outcome": "implemented", "note": "Klart."})
        return {
            "tokens": {"agency": agency_token, "auditor": auditor_token},
            "rec_url": rec_url,
            "rec_body": rec.json(),
            "rec_request": rec_request,
            "snapshot": _read_everything(url, auditor_token, rec_url),
        }
    finally:
        sec.close()


def _read_everything(url: str, token: str, rec_url: str) -> dict[str, Any]:
    reader = Caller(url, token)
    try:
        paths = [
            "/v1/agencies",
            "/v1/investments",
            "/v1/reviews",
            "/v1/recommendations",
            rec_url,
            f"{rec_url}/response",
            f"{rec_url}/progress",
            f"{rec_url}/assessments",
            f"{rec_url}/closure",
            "/v1/changes?limit=1000",
        ]
        return {path: reader("GET", path, 200).json() for path in paths}
    finally:
        reader.close()


def test_everything_written_is_there_after_a_restart(data_dir: Path) -> None:
    secretariat = create_token(data_dir, "secretariat")

    first = Service(data_dir, 1)
    try:
        written = _write_everything(first.url, secretariat)
    finally:
        assert first.stop() == 0, first.log_path.read_text()
    assert _wait_for_embedded_stop(data_dir, timeout=30), "the embedded server was left running"

    second = Service(data_dir, 2)
    try:
        url, rec_url = second.url, written["rec_url"]
        # every token still works, every record reads back exactly as before
        assert _read_everything(url, written["tokens"]["auditor"], rec_url) == written["snapshot"]
        agency = Caller(url, written["tokens"]["agency"])
        try:
            history = agency("GET", f"{rec_url}/response", 200).json()["target_date_history"]
            assert [h["target_date"] for h in history] == ["2026-09-30", "2026-12-31"]
        finally:
            agency.close()
        sec = Caller(url, secretariat)
        try:
            # a retried POST is answered from the stored first response, not written twice
            again = sec(
                "POST",
                "/v1/recommendations",
                201,
                content=written["rec_request"],
                headers={"Idempotency-Key": "rec-2026-LM-001", "Content-Type": "application/json"},
            )
            assert again.json() == written["rec_body"]
            assert again.headers.get("idempotent-replayed") == "true"
            # the event log goes on from where it was
            changes = written["snapshot"]["/v1/changes?limit=1000"]
            last_seq = changes["items"][-1]["seq"]
            sec("DELETE", f"{rec_url}/closure", 204, headers={"If-Match": '"1"'})
            feed = sec("GET", f"/v1/changes?cursor={changes['next_cursor']}", 200).json()
            assert [(c["entity"], c["action"]) for c in feed["items"]] == [("closure", "reopened")]
            assert feed["items"][0]["seq"] > last_seq
        finally:
            sec.close()
    finally:
        assert second.stop() == 0, second.log_path.read_text()


def test_a_write_answered_before_a_crash_survives_it(data_dir: Path) -> None:
    """SIGKILL right after a 201: no graceful shutdown, no cleanup. The answered write is
    durable, the embedded server is not left orphaned, and the next start works."""
    secretariat = create_token(data_dir, "secretariat")
    first = Service(data_dir, 1)
    sec = Caller(first.url, secretariat)
    try:
        created = sec(
            "POST",
            "/v1/agencies",
            201,
            json={"id": "lantmateriet", "name": "Lantmäteriet", "org_number": "202100-4888"},
        ).json()
    finally:
        sec.close()
        assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    assert _wait_for_embedded_stop(data_dir, timeout=60), "the embedded server was orphaned"

    second = Service(data_dir, 2)
    sec = Caller(second.url, secretariat)
    try:
        assert sec("GET", "/v1/agencies/lantmateriet", 200).json() == created
    finally:
        sec.close()
        assert second.stop() == 0, second.log_path.read_text()
