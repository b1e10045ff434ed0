"""deploy/Dockerfile without a Docker engine: hadolint, and the rules this project holds it to."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.deploy.support import DOCKERFILE, ROOT, needs_linux_x86_64, stages, tool

PINNED_IMAGE = re.compile(r"^[a-z0-9./-]+:\d+\.\d+\.\d+[a-z0-9.-]*(@sha256:[0-9a-f]{64})?$")


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(tool("hadolint")), "--no-color", "--failure-threshold", "info", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@needs_linux_x86_64
def test_hadolint_finds_nothing() -> None:
    result = hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_linux_x86_64
def test_hadolint_does_find_what_it_should(tmp_path: Path) -> None:
    """The linter is really looking: a Dockerfile with the usual faults fails."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y curl\n")
    result = hadolint(bad)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # latest
    assert "DL3008" in result.stdout  # unpinned apt package


def test_it_is_multi_stage_from_pinned_images() -> None:
    found = stages()
    assert len(found) >= 2, "a build stage and a small runtime stage"
    for stage in found:
        image = stage[0]["value"].split()[0]
        assert PINNED_IMAGE.match(image), f"base image not pinned to an exact version: {image}"
    runtime = found[-1]
    assert not any(i["instruction"] == "RUN" and "uv " in i["value"] for i in runtime), (
        "the runtime stage gets the built environment, not the build tools"
    )


def test_the_runtime_stage_runs_as_a_numeric_non_root_user() -> None:
    users = [i["value"] for i in stages()[-1] if i["instruction"] == "USER"]
    assert users, "the runtime stage must set USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit(), "numeric, so that Kubernetes' runAsNonRoot can check it"
    assert int(uid) >= 1000


def test_it_installs_exactly_the_locked_dependencies_with_the_bootstrap_uv() -> None:
    build = stages()[0]
    runs = [i["value"] for i in build if i["instruction"] == "RUN"]
    syncs = [run for run in runs if run.startswith("uv sync")]
    assert syncs
    assert all("--locked" in run and "--no-dev" in run for run in syncs)
    bootstrap = (ROOT / "scripts" / "bootstrap").read_text()
    version = re.search(r"^UV_VERSION=(\S+)$", bootstrap, re.MULTILINE)
    assert version is not None
    assert any(f"uv=={version.group(1)}" in run for run in runs), "the same uv as bootstrap"


def test_it_has_a_healthcheck_and_exec_form_commands() -> None:
    runtime = {i["instruction"]: i["value"] for i in stages()[-1]}
    assert "HEALTHCHECK" in runtime
    assert json.loads(runtime["ENTRYPOINT"]) == ["recotrack"]
    assert json.loads(runtime["CMD"]) == ["serve"]
    assert "EXPOSE" in runtime


def test_the_build_context_leaves_out_secrets_and_the_local_environment() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".venv", ".git"):
        assert entry in ignored
