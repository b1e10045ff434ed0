"""Every collected test runs and is counted: the closing line of a parallel run accounts for
every item it collected."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_every_schemathesis_operation_is_an_item_of_its_own() -> None:
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "tests/fuzz/test_schemathesis.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.splitlines()
    nodeids = [line for line in collected if "::" in line]
    contract = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    operations = sum(len(methods) for methods in contract["paths"].values())

    assert not [nodeid for nodeid, n in Counter(nodeids).items() if n > 1]
    for role in ("agency", "secretariat"):
        per_operation = [n for n in nodeids if f"::test_every_operation_as_{role}[" in n]
        assert len(per_operation) == operations
    assert "tests/fuzz/test_schemathesis.py::test_every_operation_as_agency[GET /v1/agencies]" in (
        nodeids
    )
