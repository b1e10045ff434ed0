"""deploy/OPERATIONS.md and the README keep up with the code: every setting, every metric."""

from __future__ import annotations

import re

from prometheus_client import REGISTRY

import recotrack.api.metrics  # noqa: F401  # registers the service's metrics
from tests.deploy.support import OPERATIONS, ROOT, setting_names


def _table_names(text: str) -> set[str]:
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", text, re.MULTILINE))


def test_operations_documents_every_setting() -> None:
    assert _table_names(OPERATIONS.read_text()) == setting_names()


def test_the_readme_documents_every_setting() -> None:
    assert _table_names((ROOT / "README.md").read_text()) == setting_names()


def test_operations_documents_every_recotrack_metric() -> None:
    text = OPERATIONS.read_text()
    names = {family.name for family in REGISTRY.collect() if family.name.startswith("recotrack_")}
    assert "recotrack_http_requests" in names
    for name in names:
        suffix = "_total" if f"`{name}_total`" in text else ""
        assert f"`{name}{suffix}`" in text, f"{name} is not in deploy/OPERATIONS.md"
