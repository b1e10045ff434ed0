"""The progress bar while paging through the live service, and the installed console script
run as a real process."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from recotrack_sdk import Client
from recotrack_sdk._cli import _reading
from tests.cli.conftest import PER_AGENCY, Cli, Shared, Terminal, excel_csv

RECOTRACK_CLI = Path(sys.executable).with_name("recotrack-cli")
TIMEOUT_SECONDS = 60


@pytest.fixture
def demo(shared_demo: Shared, tmp_path: Path) -> Cli:
    """One live service with the demo data for this module (its tests only read from it)."""
    return shared_demo.fresh_home(tmp_path)


async def test_a_progress_bar_while_paging_on_a_terminal(
    demo: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_reading, "PAGE_SIZE", 5)
    err = Terminal()
    ran = await demo.run("list", "--json", stderr=err)
    assert ran.status == 0
    assert len(json.loads(ran.stdout)) == 10 * PER_AGENCY
    assert ran.stderr.startswith("\rlist ")
    assert f"/{10 * PER_AGENCY} " in ran.stderr  # the total, from /v1/stats
    assert ran.stderr.endswith("\r")
    assert "\n" not in ran.stderr

    with Client(demo.url, demo.tokens["secretariat"], max_retries=0) as client:
        late = max(client.get_stats().overdue_by_agency, key=lambda a: a.overdue).agency_id
    overdue = await demo.run("overdue", "--csv", "--agency", late, stderr=Terminal())
    rows = excel_csv(overdue.stdout)
    assert overdue.stderr.startswith("\roverdue ")
    assert f"/{len(rows)} " in overdue.stderr

    searched = await demo.run("list", "-q", "nytta", "--csv", stderr=Terminal())
    assert searched.stderr.startswith("\rlist 1")  # no total to be had: a counter


async def test_no_progress_bar_when_stderr_is_not_a_terminal_or_when_asked(demo: Cli) -> None:
    assert (await demo.run("list", "--json")).stderr == ""
    assert (await demo.run("list", "--json", "--no-progress", stderr=Terminal())).stderr == ""
    assert (await demo.run("--no-progress", "overdue", stderr=Terminal())).stderr == ""


async def test_an_error_while_paging_wipes_the_bar_first(
    demo: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_reading, "PAGE_SIZE", 5)
    pages = 0
    real = _reading._page

    def failing(*args: object, **kwargs: object) -> object:
        nonlocal pages
        pages += 1
        if pages == 3:
            raise ConnectionRefusedError("simulated")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_reading, "_page", failing)
    ran = await demo.run("list", "--json", stderr=Terminal())
    assert ran.status == 1
    bar, message = ran.stderr.rsplit("\r", 1)
    assert bar.startswith("\rlist ")
    assert message == "recotrack-cli: internal error: ConnectionRefusedError: simulated\n"


# --- the console script --------------------------------------------------------------------


async def _script(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("RECOTRACK_")}
    full.update(env)
    return await asyncio.to_thread(
        subprocess.run,
        [str(RECOTRACK_CLI), *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


async def test_the_installed_console_script(demo: Cli) -> None:
    assert RECOTRACK_CLI.exists(), "uv sync installs the sdk's [project.scripts]"
    env = {
        "RECOTRACK_URL": demo.url,
        "RECOTRACK_TOKEN": demo.tokens["auditor"],
        "HOME": str(demo.home),
    }
    status = await _script("status", "--json", env=env)
    assert (status.returncode, status.stderr) == (0, "")
    assert sum(row["total"] for row in json.loads(status.stdout)) == 10 * PER_AGENCY

    listed = await _script("list", "--csv", "--state", "closed", env=env)
    assert listed.returncode == 0
    assert listed.stdout.startswith("\ufeff")  # (text mode: the CRLFs read as newlines)
    rows = list(csv.DictReader(io.StringIO(listed.stdout[1:]), delimiter=";"))
    assert rows
    assert {row["state"] for row in rows} == {"closed"}

    code = rows[0]["code"]
    shown = await _script("show", code, env=env)
    assert shown.returncode == 0
    assert shown.stdout.startswith(code)
    assert "Lantmäteriet" in (await _script("status", env=env)).stdout  # UTF-8 through a pipe

    bad = await _script("stats", env={**env, "RECOTRACK_TOKEN": "rt_nope"})
    assert bad.returncode == 3
    assert bad.stderr.startswith("recotrack-cli: authentication failed: ")
    assert bad.stderr.count("\n") == 1
    assert "Traceback" not in bad.stderr


async def test_the_script_stops_quietly_when_its_reader_does(demo: Cli) -> None:
    """`recotrack-cli list --json | head -c 100`: no broken-pipe traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOTRACK_")}
    env.update(RECOTRACK_URL=demo.url, RECOTRACK_TOKEN=demo.tokens["secretariat"])
    done = await asyncio.to_thread(
        subprocess.run,
        ["bash", "-c", f"'{RECOTRACK_CLI}' list --json 2>stderr.txt | head -c 100 >/dev/null"],
        env=env,
        cwd=demo.home,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0
    assert (demo.home / "stderr.txt").read_text() == ""


async def test_python_dash_m() -> None:
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "recotrack_sdk._cli", "--version"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "recotrack-cli 0.1.0\n")
