"""The command line's grammar: its commands, their options and their help. A parser that
reports a mistake instead of exiting, so that `main` says it in one line."""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import TYPE_CHECKING, NoReturn, TextIO, get_args

from recotrack_sdk import __version__
from recotrack_sdk._cli._audit import add_offline_arguments, add_verify_arguments
from recotrack_sdk._cli._exits import EXIT_CODES
from recotrack_sdk._cli._export import add_export_arguments
from recotrack_sdk._cli._figures import STATUS_RULE
from recotrack_sdk._cli._filters import add_filters
from recotrack_sdk._csv import Dialect
from recotrack_sdk.models import RecommendationSort

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

PROG = "recotrack-cli"
SORTS: tuple[RecommendationSort, ...] = get_args(RecommendationSort)
DIALECTS: tuple[Dialect, ...] = get_args(Dialect)

CONFIGURATION = """configuration (flags win, then the environment, then the file):
  --url, RECOTRACK_URL, or url = "…" in the config file
  --token, RECOTRACK_TOKEN, or token = "rt_…" in the config file (prefer the file or the
      environment: a flag is visible to other users in the process list)
  the config file: --config, else RECOTRACK_CONFIG, else
      $XDG_CONFIG_HOME/recotrack/cli.toml (~/.config/recotrack/cli.toml)"""


class UsageError(Exception):
    """argparse found a mistake in the arguments."""


class ParserExit(Exception):
    """argparse is done (after --help or --version)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class Parser(argparse.ArgumentParser):
    """An argument parser that reports instead of exiting, so `main` says it in one line, and
    writes help to the streams `main` was given."""

    out: TextIO = sys.stdout
    err: TextIO = sys.stderr

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message:
            (self.err if file is sys.stderr else self.out).write(message)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self.err.write(message)
        raise ParserExit(status)


# --- arguments -----------------------------------------------------------------------------


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"not a positive number of seconds: {text!r}")
    return value


def _retries(text: str) -> int:
    if not (text.isascii() and text.isdigit()):  # "²" is a digit to isdigit, and no number
        raise argparse.ArgumentTypeError(f"not a whole number 0 or more: {text!r}")
    return int(text)


def _common(parser: argparse.ArgumentParser) -> None:
    """Options every command takes, before or after its name (the later one wins)."""
    s = argparse.SUPPRESS
    group = parser.add_argument_group("connection and output")
    group.add_argument("--url", default=s, help="the service, e.g. https://recotrack.example.se")
    group.add_argument("--token", default=s, help="a bearer token (rt_…); see configuration")
    group.add_argument("--config", default=s, metavar="PATH", help="a TOML file: url, token")
    group.add_argument(
        "--timeout", type=_seconds, default=s, metavar="SECONDS", help="per request (30)"
    )
    group.add_argument(
        "--retries",
        type=_retries,
        default=s,
        metavar="N",
        help="tries again after a failure that is safe to retry (3)",
    )
    formats = group.add_mutually_exclusive_group()
    for name, words in (
        ("json", "JSON for scripts"),
        ("csv", "CSV with a header row, as the API's exports write it (see --dialect)"),
        ("table", "an aligned table (the default)"),
    ):
        formats.add_argument(
            f"--{name}", dest="format", action="store_const", const=name, default=s, help=words
        )
    group.add_argument(
        "--dialect",
        choices=DIALECTS,
        default=s,
        help="CSV: excel (the default: what Swedish Excel opens by double-click: UTF-8 with a "
        "BOM, ';' between fields, decimal commas) or rfc4180 (',' and no BOM)",
    )
    group.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        default=s,
        help="no progress bar (it is drawn only when stderr is a terminal)",
    )


def parser(out: TextIO, err: TextIO) -> Parser:
    main = Parser(
        prog=PROG,
        description=_wrap(
            "Follow the expert group's recommendations across agencies, from a terminal or "
            "a script: through the recotrack API."
        ),
        epilog=f"{CONFIGURATION}\n\n{EXIT_CODES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    main.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _common(main)
    main.out, main.err = out, err
    sub = main.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(
        name: str,
        summary: str,
        description: str = "",
        *,
        within: argparse._SubParsersAction[Parser] | None = None,
        common: bool = True,
    ) -> Parser:
        p = (within or sub).add_parser(
            name,
            help=summary,
            description=_wrap(f"{summary}. {description}".strip()),
            epilog=f"{CONFIGURATION}\n\n{EXIT_CODES}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.out, p.err = out, err
        if common:
            _common(p)
        return p

    command(
        "status",
        "One table: the agencies as rows, how many recommendations each has in each state, "
        "and how many are overdue",
        STATUS_RULE + " The JSON and CSV have one row per agency, in this order.",
    )
    listing = command(
        "list",
        "The recommendations that match the filters",
        "JSON: an array of recommendations as the API gives them; CSV: one row each, every "
        "field a column.",
    )
    add_filters(listing)
    listing.add_argument(
        "--sort",
        choices=SORTS,
        metavar="ORDER",
        help=f"{', '.join(SORTS)}: created is the default, relevance the default with -q; "
        "'-' for latest first, written --sort=-issued_on (a missing date sorts last)",
    )
    listing.add_argument("--limit", type=_positive, metavar="N", help="at most N of them")
    show = command(
        "show",
        "One recommendation, by its code: its fields, the agency's response, the latest "
        "progress report, the secretariat's assessment, the closure, and its timeline (with "
        "who did what)",
        "JSON: all of it, in one document; CSV: the timeline, one event a row (the data of "
        "each event as JSON in its last column).",
    )
    show.add_argument("code", metavar="CODE", help="e.g. 2026-SKV-003")
    overdue = command(
        "overdue",
        "The overdue recommendations, most overdue first",
        "Overdue: issued, not closed, and no response by the response due date, or not "
        "reported implemented by the implementation due date. Sorted by the earliest due "
        "date missed; JSON and CSV add `late`, `overdue_since` and `days_overdue`.",
    )
    add_filters(overdue, without={"overdue"})
    overdue.add_argument("--limit", type=_positive, metavar="N", help="at most N of them")
    command(
        "stats",
        "The figures of /v1/stats: totals, overdue, decisions, implemented share, median days",
        "JSON: as the API gives them; CSV: one figure a row (metric, agency_id, area, state, "
        "decision, value).",
    )
    export = command(
        "export",
        "The recommendations that match the filters as a file: CSV for Swedish Excel (the "
        "default), NDJSON or XLSX, each with its response, latest progress report, latest "
        "assessment and closure",
        "Streamed from the service's export (GET /v1/exports/recommendations), with a "
        "progress bar on stderr. Without -o, the file gets the name the service gives, in "
        "the current directory, and its name is printed on stdout; an existing file is not "
        "overwritten without --force; '-o -' writes to stdout.",
    )
    add_export_arguments(export)
    add_filters(export)
    verify = command(
        "verify",
        "Check the audit log's hash chain: every event, every signed checkpoint, and the one "
        "you kept",
        "The service checks it (auditors and the secretariat), or --export checks a file "
        "offline. Prints `ok: N events, head HASH` (exit status 0), or the first broken "
        "link, which event or range of events and what is wrong (exit status 6). JSON: the "
        "verification as the API gives it.",
    )
    add_verify_arguments(verify)
    audit = command(
        "audit",
        "The audit log: check an export of it offline",
        "`audit verify FILE` needs no server and no token.",
        common=False,
    )
    audit_commands = audit.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    offline = command(
        "verify",
        "Check an NDJSON export of the whole event log offline: every event's hash and its "
        "link to the one before, the export's own checkpoints, and the one you kept",
        "No server and no token (also `python -m recotrack_sdk.audit FILE`). Prints `ok: N "
        "events, head HASH` (exit status 0), or what is wrong and where: events out of order, "
        "missing, altered, put in, or the end cut off before a checkpoint (exit status 6). "
        "The export's checkpoints are signed: give --keys to check their signatures too. JSON: "
        "the verification as the API gives it.",
        within=audit_commands,
        common=False,
    )
    offline.prog = f"{PROG} audit verify"
    add_offline_arguments(offline)
    formats = offline.add_mutually_exclusive_group()
    formats.add_argument(
        "--json", dest="format", action="store_const", const="json", help="JSON for scripts"
    )
    formats.add_argument(
        "--table", dest="format", action="store_const", const="table", help="words (the default)"
    )
    return main


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=88)
