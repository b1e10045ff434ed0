"""The recommendation filters are defined once, in `RecommendationQuery`: a field added there,
and nowhere else, is a query parameter of the API's list and export (in the OpenAPI document),
a keyword of the SDK's methods (their signatures, and their types as mypy sees them), an
option of the CLI (its help) and a field of the dashboard's form.

The proof edits a copy of the packages: the new field goes into the copy's `models.py`, and a
fresh interpreter (and mypy) reads the copy and reports what each made of it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import recotrack
import recotrack_sdk
from recotrack.api.contract import NO_NUL
from recotrack_sdk import models

NEW_FIELD = """
    decided_by: (
        Annotated[str, Meta(max_length=80, description="Whose decision the response records.")]
        | None
    ) = None"""

REPORT = """
import inspect, io, json
from recotrack.app import create_app
from recotrack.settings import Settings
from recotrack.web.filters import parse_list_query
from recotrack_sdk import AsyncClient, Client
from recotrack_sdk._cli import main

schema = create_app(Settings.from_env({}), "postgresql://unused").openapi_schema.to_schema()
help_text = io.StringIO()
main(["list", "--help"], stdout=help_text, stderr=io.StringIO())
print(json.dumps({
    "openapi": {
        path: [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "decided_by"]
        for path in ("/v1/recommendations", "/v1/exports/recommendations")
    },
    "sdk": {
        f"{cls.__name__}.{name}": list(inspect.signature(getattr(cls, name)).parameters)
        for cls in (Client, AsyncClient)
        for name in ("list_recommendations", "iter_recommendations", "export_recommendations")
    },
    "cli": help_text.getvalue(),
    "dashboard": parse_list_query({"decided_by": [" Anna "]}).filters.decided_by,
}))
"""

TYPED = """
import io
from typing import assert_type
from collections.abc import AsyncIterator, Iterator
from recotrack_sdk import AsyncClient, Client, Export
from recotrack_sdk.models import Page, Recommendation

async def uses(client: Client, aclient: AsyncClient) -> None:
    page = client.list_recommendations(decided_by="Anna", area="governance")
    assert_type(page, Page[Recommendation])
    assert_type(client.iter_recommendations(decided_by="Anna"), Iterator[Recommendation])
    assert_type(client.export_recommendations(io.BytesIO(), decided_by="Anna"), Export)
    assert_type(await aclient.list_recommendations(decided_by="Anna"), Page[Recommendation])
    assert_type(aclient.iter_recommendations(decided_by="Anna"), AsyncIterator[Recommendation])
    assert_type(await aclient.export_recommendations(io.BytesIO(), decided_by="Anna"), Export)
"""


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the service and the SDK with one more field in `RecommendationQuery`."""
    root = tmp_path_factory.mktemp("with-a-new-filter")
    skip = shutil.ignore_patterns("__pycache__")
    for package, where in ((recotrack, "service"), (recotrack_sdk, "sdk")):
        folder = Path(package.__file__ or "").parent
        shutil.copytree(folder, root / where / folder.name, ignore=skip)
    source = root / "sdk" / "recotrack_sdk" / "models.py"
    text = source.read_text()
    end = text.index("\n\n\n", text.index("class RecommendationQuery("))  # of its body
    source.write_text(text[:end] + NEW_FIELD + text[end:])
    return root


def _run(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env={
            "PYTHONPATH": f"{copy / 'service'}{os.pathsep}{copy / 'sdk'}",
            "MYPYPATH": str(copy / "sdk"),
            "PATH": os.defpath,
        },
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_filter_added_to_the_query_is_everywhere(copy: Path) -> None:
    assert "decided_by" not in models.RecommendationQuery.__struct_fields__
    ran = _run(copy, "-c", REPORT)
    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout.splitlines()[-1])

    parameter = {
        "allowEmptyValue": False,
        "allowReserved": False,
        "deprecated": False,
        "description": "Whose decision the response records.",
        "in": "query",
        "name": "decided_by",
        "required": False,
        "schema": {
            "description": "Whose decision the response records.",
            "maxLength": 80,
            # free text: it says it cannot hold a NUL, as every such parameter does
            "oneOf": [{"type": "string", "pattern": NO_NUL}, {"type": "null"}],
        },
    }
    assert report["openapi"] == {
        "/v1/recommendations": [parameter],
        "/v1/exports/recommendations": [parameter],
    }
    assert len(report["sdk"]) == 6
    for method, parameters in report["sdk"].items():
        assert {"due_before", "decided_by"} <= set(parameters), method
    assert "--decided-by TEXT" in report["cli"]
    assert "Whose decision the response records." in report["cli"]
    assert report["dashboard"] == "Anna"


def test_a_filter_added_to_the_query_is_typed_in_the_sdk(copy: Path) -> None:
    (copy / "uses.py").write_text(TYPED)
    checked = _run(copy, "-m", "mypy", "--strict", "--no-incremental", "uses.py")
    assert checked.returncode == 0, checked.stdout + checked.stderr
