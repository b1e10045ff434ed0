"""Generate the SDK's blocking code from its asyncio code, as httpcore does.

`AsyncClient` and `AsyncChangeStream` are written once; `unasync` (python-trio's token
rewriter) turns each `_async_*.py` source into its blocking twin, then ruff sorts the imports
and formats it. The generated files are committed; `--check` (run by scripts/test) fails when
regenerating would change them, so a change to an async source cannot forget its twin.

    scripts/unasync          rewrite the generated files
    scripts/unasync --check  only compare
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import unasync

ROOT = Path(__file__).resolve().parent.parent
SDK = ROOT / "sdk" / "recotrack_sdk"
SOURCES = {"_async_client.py": "_client.py", "_async_changes.py": "_changes.py"}

# Names unasync does not know: ours, and the asyncio spellings of what blocking code calls.
NAMES = {
    "AsyncClient": "Client",
    "AsyncChangeStream": "ChangeStream",
    "_async_client": "_client",
    "_async_changes": "_changes",
    "aclose": "close",
    "anext": "next",
    "asyncio": "time",  # the clients use asyncio for `sleep` alone
}
# Words in docstrings and comments, which a token rewriter leaves alone.
TEXT = {
    "`AsyncClient`: the API from asyncio code.": "`Client`: the API from blocking code.",
    "The one hand-written client: `scripts/unasync` generates `Client` (`_client.py`) from it,"
    " so\nthe two are method for method the same.": "Generated from `AsyncClient`"
    " (`_async_client.py`) by `scripts/unasync`: method for\nmethod the same.",
    "from asyncio code": "from blocking code",
    "an async context manager, or `await aclose()` it": "a context manager, or `close()` it",
}
HEADER = "# Generated from {source} by scripts/unasync: edit that file, not this one.\n"


def _strip_awaitable(text: str) -> str:
    """`Awaitable[X]` becomes `X`: a blocking callable returns its result itself."""
    marker = "Awaitable["
    while (start := text.find(marker)) != -1:
        depth, end = 1, start + len(marker)
        while depth:
            depth += {"[": 1, "]": -1}.get(text[end], 0)
            end += 1
        text = text[:start] + text[start + len(marker) : end - 1] + text[end:]
    return text.replace("Awaitable, ", "")


def generate(source: Path, folder: Path) -> str:
    """The blocking twin of `source`, as it is committed."""
    rule = unasync.Rule(str(source.parent) + "/", str(folder) + "/", additional_replacements=NAMES)
    rule._unasync_file(str(source))  # its one-file entry point
    text = _strip_awaitable((folder / source.name).read_text())
    for async_text, sync_text in TEXT.items():
        text = text.replace(async_text, sync_text)
    text = HEADER.format(source=source.name) + text
    # As the twin's own path, so that ruff applies the project's settings to it.
    target = str(SDK / SOURCES[source.name])
    fixes = ["check", "--fix-only", "--unsafe-fixes", "--select", "I,F401,UP028"]
    for command in (fixes, ["format"]):
        text = subprocess.run(  # noqa: S603  (our own ruff)
            [str(ROOT / ".venv" / "bin" / "ruff"), *command, "--stdin-filename", target, "-"],
            input=text,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a change")
    check = parser.parse_args().check
    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, twin in SOURCES.items():
            text = generate(SDK / name, Path(tmp))
            committed = SDK / twin
            if committed.exists() and committed.read_text() == text:
                continue
            stale.append(twin)
            if not check:
                committed.write_text(text)
    if check and stale:
        print(
            f"scripts/unasync: {', '.join(stale)} differs from what its async source generates:"
            " run ./scripts/unasync and commit the result",
            file=sys.stderr,
        )
        return 1
    for twin in [] if check else stale:
        print(f"scripts/unasync: wrote sdk/recotrack_sdk/{twin}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
