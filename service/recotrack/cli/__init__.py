"""The `recotrack` command: serve the API, migrate, manage tokens, load demo data, run
reminders, print OpenAPI.

Every command that needs a database uses the one the service uses: `DATABASE_URL` when set,
else the embedded PostgreSQL in `RECOTRACK_DATA_DIR` (shared with a running `recotrack serve`).

Exit status: 0 done, 1 failed (database unreachable, server could not start), 2 bad input
(one line on stderr, never a traceback), 130 interrupted.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from typing import NoReturn

import asyncpg

from recotrack import __version__
from recotrack.cli import data, openapi, reminders, serve, tokens, worker
from recotrack.cli.support import UsageError
from recotrack.domain.errors import DomainError
from recotrack.settings import Settings
from recotrack.store.errors import StoreError

Command = Callable[[Settings, argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """Errors as a single line on stderr (exit status 2), without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


# --- entry point ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    command: Command | None = getattr(args, "command", None)
    if command is None:  # `recotrack` or `recotrack token` alone
        helper: argparse.ArgumentParser = getattr(args, "help_parser", parser)
        helper.print_help(sys.stderr)
        return 2
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        return _fail(_one_line(exc), 2)
    try:
        return command(settings, args)
    except (UsageError, DomainError, StoreError) as exc:
        return _fail(_one_line(exc), 2)
    except subprocess.CalledProcessError as exc:
        return _fail(f"the embedded PostgreSQL failed ({_one_line(exc)}); see the log above", 1)
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return _fail(f"database: {_one_line(exc)}", 1)
    except OSError as exc:
        return _fail(_one_line(exc), 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


def _fail(message: str, status: int) -> int:
    print(f"recotrack: error: {message}", file=sys.stderr)
    return status


def _one_line(exc: BaseException) -> str:
    detail = getattr(exc, "detail", None)
    text = detail if isinstance(detail, str) else str(exc) or type(exc).__name__
    return " ".join(text.split())


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="recotrack",
        description="recotrack: the system of record for the expert group's recommendations.",
        epilog="Settings come from environment variables; see the README.",
    )
    parser.add_argument("--version", action="version", version=f"recotrack {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in (serve, worker, data, tokens, reminders, openapi):
        module.register(commands)
    return parser
