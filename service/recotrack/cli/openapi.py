"""`recotrack openapi`: the contract as committed under `openapi/` (no database needed)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from recotrack.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    openapi = commands.add_parser(
        "openapi",
        help="print the OpenAPI document",
        description="Write the OpenAPI document as JSON (no database needed).",
    )
    openapi.add_argument(
        "--output", "-o", type=Path, metavar="PATH", help="write to PATH instead of stdout"
    )
    openapi.set_defaults(command=_openapi)


def _openapi(settings: Settings, args: argparse.Namespace) -> int:
    text = openapi_json(settings)
    output: Path | None = args.output
    if output is None:
        sys.stdout.write(text)
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(output)
    print(f"wrote {output}", file=sys.stderr)
    return 0


def openapi_json(settings: Settings) -> str:
    """The app's OpenAPI document, as committed under `openapi/`: sorted keys, indent 2. It
    describes every operation the service can serve, the public catalogue's included (which
    a service serves only with RECOTRACK_PUBLIC_CATALOGUE=true)."""
    from recotrack.app import create_app

    every_route = dataclasses.replace(settings, public_catalogue=True)
    schema = create_app(every_route, "postgresql://unused").openapi_schema.to_schema()
    return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
