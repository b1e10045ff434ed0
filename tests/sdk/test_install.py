"""`pip install ./sdk` in a fresh virtual environment: the SDK alone, without the server's
dependencies, talks to the live service."""

from __future__ import annotations

import asyncio
import subprocess
import venv
from pathlib import Path

from tests.sdk.conftest import Live

SDK_DIR = Path(__file__).parents[2] / "sdk"

PROBE = """
import importlib.util, sys
from recotrack_sdk import Client, NotFoundError, __version__
for server_only in ("litestar", "asyncpg", "structlog", "uvicorn", "recotrack"):
    assert importlib.util.find_spec(server_only) is None, server_only
with Client(sys.argv[1], sys.argv[2]) as client:
    assert client.healthz().status == "ok"
    print(__version__, [a.id for a in client.iter_agencies()])
    try:
        client.get_agency("finns-inte")
    except NotFoundError as exc:
        print(exc.status)
"""


def _install(target: Path) -> Path:
    venv.create(target, with_pip=True)
    python = target / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(SDK_DIR)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return python


async def test_the_sdk_installs_and_works_alone(live: Live, tmp_path: Path) -> None:
    python = await asyncio.to_thread(_install, tmp_path / "venv")
    done = await asyncio.to_thread(
        subprocess.run,
        [str(python), "-c", PROBE, live.url, live.tokens["skatteverket"]],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["0.1.0 ['skatteverket']", "404"]
