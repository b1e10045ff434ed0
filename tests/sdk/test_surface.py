"""The SDK's public surface as a contract: exported names, sync/async parity, one operation per
OpenAPI operation id, httpx in one module, the version."""

from __future__ import annotations

import ast
import inspect
import json
import re
import tomllib
from pathlib import Path

import recotrack_sdk
from recotrack.app import create_app
from recotrack.settings import Settings
from recotrack_sdk import AsyncClient, Client

SDK = Path(recotrack_sdk.__file__).parent


def test_exported_members() -> None:
    public = {name for name in dir(recotrack_sdk) if not name.startswith("_")}
    # the modules of wire models, of the audit log's hash chain and of verifying webhook
    # deliveries, imported by name
    public -= {"models", "audit", "webhooks"}
    assert set(recotrack_sdk.__all__) == public | {"__version__"}
    assert len(recotrack_sdk.__all__) == len(set(recotrack_sdk.__all__))


def _methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if callable(member) and not name.startswith("_")
    }


def test_sync_and_async_clients_have_the_same_methods_and_parameters() -> None:
    sync, async_ = _methods(Client), _methods(AsyncClient)
    assert set(sync) - {"close"} == set(async_) - {"aclose"}
    for name, signature in sync.items():
        if name == "close":
            continue
        other = async_[name]
        assert list(signature.parameters) == list(other.parameters), name
        for param in signature.parameters.values():
            theirs = other.parameters[param.name]
            assert (param.kind, param.default) == (theirs.kind, theirs.default), (name, param)
            if name != "read_modify_write":
                assert param.annotation == theirs.annotation, (name, param)
        returns = str(signature.return_annotation)
        expected = returns.replace("Iterator[", "AsyncIterator[").replace(
            "ChangeStream", "AsyncChangeStream"
        )
        assert str(other.return_annotation).replace("AsyncClient", "Client") == expected.replace(
            "AsyncClient", "Client"
        ), name
        is_async = inspect.iscoroutinefunction(getattr(AsyncClient, name))
        returns_iterator = "Iterator[" in returns or "ChangeStream" in returns
        assert is_async == (not returns_iterator and name != "with_options"), name


def test_a_method_for_every_operation_of_the_api() -> None:
    schema = create_app(Settings.from_env({}), "postgresql://unused").openapi_schema.to_schema()
    operations = {
        op["operationId"]: op
        for path in schema["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert operations
    assert {name for name in operations if not hasattr(Client, name)} == set()
    # every operation that answers with a page has an iterator over all pages
    paged = {
        name
        for name, op in operations.items()
        if any(
            c.get("schema", {}).get("$ref", "").startswith("#/components/schemas/Page_")
            for c in op["responses"].get("200", {}).get("content", {}).values()
        )
    }
    assert "list_agencies" in paged
    iterators = {"iter_" + name.split("_", 1)[1] for name in paged}
    assert {name for name in iterators if not hasattr(Client, name)} == set()


def test_httpx_is_imported_by_one_module() -> None:
    importers = set()
    for source in SDK.glob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name.split(".")[0] == "httpx" for name in names):
                importers.add(source.name)
    assert importers == {"_transport.py"}


def test_version_and_marker() -> None:
    project = tomllib.loads((SDK.parent / "pyproject.toml").read_text())["project"]
    assert recotrack_sdk.__version__ == project["version"]
    assert (SDK / "py.typed").exists()


def test_readme_examples_are_python() -> None:
    readme = (SDK.parent / "README.md").read_text()
    blocks = readme.split("```python\n")[1:]
    assert len(blocks) >= 8
    for block in blocks:
        compile(block.split("```", 1)[0], "sdk/README.md", "exec")
    for name in re.findall(r"`((?:list|iter|get|create|update|put)_\w+)`", readme):
        assert hasattr(Client, name), name


CLIENT_HELPERS = {
    "base_url",
    "changes",
    "close",
    "max_retries",
    "read_modify_write",
    "timeout",
    "with_options",
}
"""Public members of `Client` that are no operation of the API: its settings and helpers."""


def test_method_names_are_the_operation_ids_of_the_committed_contract() -> None:
    """Both ways: every operation id of openapi/openapi.json is a method of the same name (and
    a request builder in `_operations` or `_exports`), and every other public method is an
    iterator over a listed operation's pages or a named helper."""
    from recotrack_sdk import _exports, _operations

    contract = json.loads((Path(__file__).parents[2] / "openapi" / "openapi.json").read_text())
    ids = {op["operationId"] for item in contract["paths"].values() for op in item.values()}
    builders = {
        name
        for module in (_operations, _exports)
        for name, member in vars(module).items()
        if inspect.isfunction(member)
        and member.__module__ == module.__name__
        and not name.startswith("_")
        and name != "export_result"  # reads an export's headers; builds no request
    }
    assert builders == ids
    public = {name for name in vars(Client) if not name.startswith("_")}
    assert ids <= public
    others = public - ids
    iterators = {name for name in others if name.startswith("iter_")}
    assert others - iterators == CLIENT_HELPERS
    for name in iterators:
        listed = [i for i in ids if i.partition("_")[2] == name.removeprefix("iter_")]
        assert listed, f"{name} iterates over no operation"
