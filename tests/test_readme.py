"""The README as a new user meets it: its links lead somewhere in a clone, its first steps work
(after `--demo` too), and its tables name what the service and the CLIs offer."""

from __future__ import annotations

import json
import re
from pathlib import Path

from recotrack.demo import load_demo
from tests.helpers import Api, connection

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else None]


def test_every_link_of_the_readmes_is_in_a_clone() -> None:
    for readme in (README, ROOT / "sdk" / "README.md", ROOT / "deploy" / "OPERATIONS.md"):
        targets = [t for t in LINK.findall(readme.read_text()) if "://" not in t]
        missing = [t for t in targets if not (readme.parent / t).exists()]
        assert not missing, f"{readme.relative_to(ROOT)} links to what a clone lacks: {missing}"
    assert "../shared" not in README.read_text()


async def test_the_first_steps_work_after_the_demo_too(api: Api) -> None:
    async with connection(api.db_url) as conn:
        await load_demo(conn)
    bodies = re.findall(r"-d '(\{.*?\})'", _section("First steps"))
    assert bodies, "the first steps create something"
    for body in bodies:
        created = await api.call("secretariat", "POST", "/v1/agencies", json=json.loads(body))
        assert created.status_code == 201, created.text


def test_the_api_table_names_every_resource() -> None:
    table = _section("The API at a glance")
    contract = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    resources = {path.split("/")[2] for path in contract["paths"] if path.startswith("/v1/")}
    missing = sorted(r for r in resources if f"/{r}" not in table)
    assert not missing, f"the API table leaves out {missing}"


def test_the_command_tables_name_the_audit_checks() -> None:
    text = README.read_text()
    assert "`recotrack audit verify" in text
    assert "`recotrack-cli audit verify" in text
    assert "`recotrack-cli export" in text
