"""`recotrack-cli`: run a command; a failure is one line on stderr and an exit status."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO, cast
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
from recotrack_sdk._cli._audit import run_audit_verify, run_verify
from recotrack_sdk._cli._config import ConfigError, MissingToken, redact, resolve
from recotrack_sdk._cli._context import Context, Format
from recotrack_sdk._cli._exits import (
    AUTHENTICATION,
    BROKEN_PIPE,
    CANNOT_REACH,
    FAILED,
    INTERRUPTED,
    NOT_FOUND,
    OK,
    USAGE,
)
from recotrack_sdk._cli._export import ExportRefused, run_export
from recotrack_sdk._cli._figures import run_stats, run_status
from recotrack_sdk._cli._filters import query_of
from recotrack_sdk._cli._listing import run_list, run_overdue
from recotrack_sdk._cli._parser import PROG, ParserExit, UsageError, parser
from recotrack_sdk._cli._reading import NoSuchAgency, check_agencies
from recotrack_sdk._cli._render import clean
from recotrack_sdk._cli._show import NoSuchRecommendation, run_show

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
        if args.command == "audit":  # offline: no server, no token
            try:
                status = run_audit_verify(out, getattr(args, "format", None) or "table", args)
            except UsageError as exc:
                return fail(USAGE, str(exc), prefix="")
            out.flush()
            return status
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
                    dialect=getattr(args, "dialect", "excel"),
                )
                status = _dispatch(ctx, args)
                out.flush()
        except UsageError as exc:
            return fail(USAGE, str(exc), prefix="")
        except (NoSuchAgency, ExportRefused) as exc:
            return fail(USAGE, str(exc))
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
    return status


def _dispatch(ctx: Context, args: argparse.Namespace) -> int:
    """Run the command; its exit status (`verify` alone may end otherwise than OK)."""
    if args.command == "verify":
        return run_verify(ctx, args)
    if args.command == "status":
        run_status(ctx)
    elif args.command == "stats":
        run_stats(ctx)
    elif args.command == "show":
        run_show(ctx, args.code)
    elif args.command in ("list", "overdue", "export"):
        query = query_of(args)
        check_agencies(ctx.client, query)
        if args.command == "list":
            run_list(ctx, query, sort=args.sort, limit=args.limit)
        elif args.command == "overdue":
            run_overdue(ctx, query, limit=args.limit)
        else:
            run_export(ctx, args, query)
    else:  # pragma: no cover  (argparse allows only the commands above)
        raise AssertionError(args.command)
    return OK


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
    columns = env.get("COLUMNS", "")
    if columns.isascii() and columns.isdigit():
        return int(columns)
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
