"""`recotrack-cli`: the argument parser, and one line on stderr and an exit status for failures."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NoReturn, TextIO, cast
from urllib.parse import urlsplit

import msgspec

from recotrack_sdk import (
    APIError,
    AuthenticationError,
    BadRequestError,
    Client,
    ConnectionError,
    NotFoundError,
    PermissionDeniedError,
    RecotrackError,
    TimeoutError,
    ValidationError,
    __version__,
)
from recotrack_sdk._cli import _commands as commands
from recotrack_sdk._cli._commands import (
    AREAS,
    PRIORITIES,
    SORTS,
    STATES,
    STATUS_RULE,
    Context,
    Filters,
    Format,
    NoSuchRecommendation,
)
from recotrack_sdk._cli._config import ConfigError, MissingToken, redact, resolve
from recotrack_sdk._cli._render import clean
from recotrack_sdk.models import Area, Priority, State

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

PROG = "recotrack-cli"

OK = 0
FAILED = 1
"""The service failed (5xx), or answered what the CLI did not expect."""
USAGE = 2
"""Bad arguments, a filter the service refused, or an unusable configuration."""
AUTHENTICATION = 3
"""No token, an unknown or revoked one, or one whose role may not do this."""
NOT_FOUND = 4
CANNOT_REACH = 5
INTERRUPTED = 130
BROKEN_PIPE = 141

EXIT_CODES = f"""exit status:
  {OK}    done
  {FAILED}    the service failed, or answered something unexpected
  {USAGE}    bad arguments, a filter the service refused, or a bad config file
  {AUTHENTICATION}    authentication failed (no token, or a bad one) or permission denied
  {NOT_FOUND}    not found (show CODE: no such recommendation, or not one you may see)
  {CANNOT_REACH}    cannot reach the service (or no answer in time)
Errors are one line on stderr; the token is never printed."""

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


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _one_of(choices: Sequence[str]) -> Callable[[str], list[str]]:
    """Comma-separated values, each one of `choices` (the option may also be repeated)."""

    def parse(text: str) -> list[str]:
        values = [v.strip() for v in text.split(",") if v.strip()]
        wrong = [v for v in values if v not in choices]
        if wrong or not values:
            raise argparse.ArgumentTypeError(
                f"invalid choice {', '.join(map(repr, wrong)) or repr(text)} "
                f"(choose from {', '.join(choices)})"
            )
        return values

    return parse


def _names(text: str) -> list[str]:
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values:
        raise argparse.ArgumentTypeError(f"empty: {text!r}")
    return values


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
    if not text.isdigit():
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
    formats.add_argument(
        "--json",
        dest="format",
        action="store_const",
        const="json",
        default=s,
        help="JSON for scripts",
    )
    formats.add_argument(
        "--csv",
        dest="format",
        action="store_const",
        const="csv",
        default=s,
        help="CSV for scripts (RFC 4180, a header row)",
    )
    formats.add_argument(
        "--table",
        dest="format",
        action="store_const",
        const="table",
        default=s,
        help="an aligned table (the default)",
    )
    group.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        default=s,
        help="no progress bar (it is drawn only when stderr is a terminal)",
    )


def _filters(parser: argparse.ArgumentParser, *, overdue: bool) -> None:
    group = parser.add_argument_group(
        "filters (all must hold; a repeated or comma-separated option: any of its values)"
    )
    group.add_argument(
        "--agency", type=_names, action="extend", metavar="ID", help="agency id, e.g. skatteverket"
    )
    group.add_argument("--review", dest="review_id", metavar="ID")
    group.add_argument("--investment", dest="investment_id", metavar="ID")
    group.add_argument(
        "--area", type=_one_of(AREAS), action="extend", metavar="AREA", help=", ".join(AREAS)
    )
    group.add_argument(
        "--priority",
        type=_one_of(PRIORITIES),
        action="extend",
        metavar="PRIORITY",
        help=", ".join(PRIORITIES),
    )
    group.add_argument(
        "--state", type=_one_of(STATES), action="extend", metavar="STATE", help=", ".join(STATES)
    )
    if overdue:
        flag = group.add_mutually_exclusive_group()
        flag.add_argument("--overdue", action="store_true", default=None, help="only overdue ones")
        flag.add_argument(
            "--not-overdue",
            dest="overdue",
            action="store_false",
            help="only ones that are not overdue",
        )
    group.add_argument(
        "-q",
        "--search",
        dest="q",
        metavar="TEXT",
        help="Swedish full-text search: code, title, body, rationale, notes",
    )
    group.add_argument("--issued-from", type=_date, metavar="DATE", help="issued on or after")
    group.add_argument("--issued-to", type=_date, metavar="DATE", help="issued on or before")
    group.add_argument(
        "--due-before", type=_date, metavar="DATE", help="response or implementation due before"
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

    def command(name: str, summary: str, description: str = "") -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=summary,
            description=_wrap(f"{summary}. {description}".strip()),
            epilog=f"{CONFIGURATION}\n\n{EXIT_CODES}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.out, p.err = out, err
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
    _filters(listing, overdue=True)
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
    _filters(overdue, overdue=False)
    overdue.add_argument("--limit", type=_positive, metavar="N", help="at most N of them")
    command(
        "stats",
        "The figures of /v1/stats: totals, overdue, decisions, implemented share, median days",
        "JSON: as the API gives them; CSV: one figure a row (metric, agency_id, area, state, "
        "decision, value).",
    )
    return main


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=88)


# --- running -------------------------------------------------------------------------------


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Run the CLI; return its exit status. Streams and environment default to the process's."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    environ = env if env is not None else os.environ
    secrets: list[str] = []

    def fail(status: int, message: str, *, prefix: str = f"{PROG}: ") -> int:
        err.write(f"{prefix}{one_line(message, secrets)}\n")
        err.flush()
        return status

    try:
        try:
            args = parser(out, err).parse_args(list(argv) if argv is not None else sys.argv[1:])
        except UsageError as exc:
            return fail(USAGE, str(exc), prefix="")
        except ParserExit as exc:
            return exc.status
        try:
            settings = resolve(
                url=getattr(args, "url", None),
                token=getattr(args, "token", None),
                config=getattr(args, "config", None),
                env=environ,
            )
        except MissingToken as exc:
            return fail(AUTHENTICATION, f"authentication failed: {exc}")
        except ConfigError as exc:
            return fail(USAGE, str(exc))
        secrets.extend([settings.token, urlsplit(settings.url).password or ""])
        for warning in settings.warnings:
            err.write(one_line(warning, secrets) + "\n")
        where = redact(settings.url)
        try:
            with Client(
                settings.url,
                settings.token,
                timeout=getattr(args, "timeout", 30.0),
                max_retries=getattr(args, "retries", 3),
                user_agent=f"{PROG}/{__version__}",
            ) as client:
                ctx = Context(
                    client=client,
                    format=cast(Format, getattr(args, "format", "table")),
                    out=out,
                    err=err,
                    progress=getattr(args, "progress", True) and _isatty(err),
                    fit=_columns(out, environ),
                    today=dt.date.today(),
                )
                _dispatch(ctx, args)
                out.flush()
        except NoSuchRecommendation as exc:
            return fail(
                NOT_FOUND, f"no recommendation with code {exc} (or not one this token may see)"
            )
        except AuthenticationError as exc:
            return fail(AUTHENTICATION, f"authentication failed: {_problem(exc)}")
        except PermissionDeniedError as exc:
            return fail(AUTHENTICATION, f"permission denied: {_problem(exc)}")
        except NotFoundError as exc:
            return fail(NOT_FOUND, f"not found: {_problem(exc)}")
        except (BadRequestError, ValidationError) as exc:
            return fail(USAGE, f"refused by the service: {_problem(exc)}")
        except APIError as exc:
            return fail(FAILED, f"the service failed: {exc.status} {_problem(exc)}")
        except TimeoutError:
            return fail(CANNOT_REACH, f"cannot reach {where}: no answer in time")
        except ConnectionError as exc:
            return fail(CANNOT_REACH, f"cannot reach {where}: {_cause(exc)}")
        except msgspec.DecodeError as exc:
            return fail(FAILED, f"unexpected answer from {where} (is it recotrack?): {exc}")
        except RecotrackError as exc:
            return fail(FAILED, str(exc))
    except KeyboardInterrupt:
        return fail(INTERRUPTED, "interrupted")
    except BrokenPipeError:
        _quiet(out)
        return BROKEN_PIPE
    except Exception as exc:  # never a traceback: one line that says what broke
        return fail(FAILED, f"internal error: {type(exc).__name__}: {exc}")
    return OK


def _dispatch(ctx: Context, args: argparse.Namespace) -> None:
    if args.command == "status":
        commands.run_status(ctx)
    elif args.command == "stats":
        commands.run_stats(ctx)
    elif args.command == "show":
        commands.run_show(ctx, args.code)
    elif args.command == "list":
        commands.run_list(ctx, _filters_of(args), sort=args.sort, limit=args.limit)
    elif args.command == "overdue":
        commands.run_overdue(ctx, _filters_of(args), limit=args.limit)
    else:  # pragma: no cover  (argparse allows only the commands above)
        raise AssertionError(args.command)


def _filters_of(args: argparse.Namespace) -> Filters:
    return Filters(
        agency=args.agency,
        review_id=args.review_id,
        investment_id=args.investment_id,
        area=cast("list[Area] | None", args.area),
        priority=cast("list[Priority] | None", args.priority),
        state=cast("list[State] | None", args.state),
        overdue=getattr(args, "overdue", None),
        q=args.q,
        issued_from=args.issued_from,
        issued_to=args.issued_to,
        due_before=args.due_before,
    )


# --- messages ------------------------------------------------------------------------------


def one_line(message: str, secrets: Sequence[str] = ()) -> str:
    """A message as one line: no newlines or control characters, no secret, not too long."""
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    text = re.sub(r"\s+", " ", clean(message)).strip()
    return text if len(text) <= 500 else text[:499] + "…"


def _problem(exc: APIError) -> str:
    """The service's words for what went wrong: detail, field errors, request id."""
    text = exc.detail or exc.problem.title or f"HTTP {exc.status}"
    where = [
        f"{e.pointer or e.parameter}: {e.detail}" if (e.pointer or e.parameter) else e.detail
        for e in exc.errors
    ]
    if where:
        text += " (" + "; ".join(where) + ")"
    if exc.request_id:
        text += f" [request {exc.request_id}]"
    return text


def _cause(exc: ConnectionError) -> str:
    """Why the connection failed, without the SDK's request line (`GET /v1/…: ConnectError:`)."""
    text = str(exc)
    reason = text.split(": ", 2)[-1] if text.count(": ") >= 2 else text
    return reason or type(exc).__name__


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _columns(out: TextIO, env: Mapping[str, str]) -> int | None:
    """The terminal's width, to fit tables into; None when stdout is not a terminal."""
    if not _isatty(out):
        return None
    if env.get("COLUMNS", "").isdigit():
        return int(env["COLUMNS"])
    try:
        return os.get_terminal_size(out.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 80


def _quiet(out: TextIO) -> None:
    """After a broken pipe, point stdout at /dev/null so that exiting does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
    except (AttributeError, OSError, ValueError):
        pass
