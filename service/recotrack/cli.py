"""The `recotrack` command: serve the API, migrate, manage tokens, load demo data, print OpenAPI.

Every command that needs a database uses the one the service uses: `DATABASE_URL` when set,
else the embedded PostgreSQL in `RECOTRACK_DATA_DIR` (shared with a running `recotrack serve`).

Exit status: 0 done, 1 failed (database unreachable, server could not start), 2 bad input
(one line on stderr, never a traceback), 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import getpass
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn, TypeVar

import asyncpg
import msgspec
import structlog

from recotrack import __version__
from recotrack.domain.errors import DomainError
from recotrack.logs import configure_logging
from recotrack.settings import Settings
from recotrack.store.errors import StoreError
from recotrack_sdk.models import ChainVerification, Token, TokenCreate, TokenCreated

T = TypeVar("T")

Command = Callable[[Settings, argparse.Namespace], int]

# Requests still running when a stop is asked for get this long to finish.
_GRACEFUL_SHUTDOWN_SECONDS = 25
_ROLES = ("secretariat", "agency", "auditor")
_TOKEN_FIELD_ERRORS = {
    "agency_id": "--agency must be an agency id such as skatteverket "
    "(2 to 64 lowercase letters, digits and single dashes)",
    "label": "--label must be 1 to 200 characters",
}

log = structlog.get_logger("recotrack.cli")


class UsageError(Exception):
    """Bad input: reported as one line on stderr, exit status 2."""


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

    serve = commands.add_parser(
        "serve",
        help="run the HTTP API (embedded PostgreSQL unless DATABASE_URL is set)",
        description="Run the HTTP API until SIGTERM or SIGINT (Ctrl+C), then stop cleanly.",
    )
    serve.add_argument("--host", help="address to listen on (default: RECOTRACK_HOST)")
    serve.add_argument(
        "--port", type=_port, help="port to listen on, 0 for any free one (default: RECOTRACK_PORT)"
    )
    serve.add_argument("--demo", action="store_true", help="load demo data before serving")
    serve.set_defaults(command=_serve)

    migrate = commands.add_parser(
        "migrate", help="apply database migrations", description="Apply pending migrations."
    )
    migrate.set_defaults(command=_migrate)

    token = commands.add_parser(
        "token", help="create, list and revoke API tokens", description="Manage API tokens."
    )
    token.set_defaults(help_parser=token)
    token_commands = token.add_subparsers(title="token commands", metavar="COMMAND")
    create = token_commands.add_parser(
        "create",
        help="create a token and print it (it cannot be shown again)",
        description="Create a token. Only the token is printed on stdout; keep it secret.",
    )
    create.add_argument("--role", required=True, choices=_ROLES, help="what the token may do")
    create.add_argument("--agency", metavar="ID", help="the agency an agency token is bound to")
    create.add_argument("--label", help="a note on who or what uses the token")
    create.set_defaults(command=_token_create)
    listing = token_commands.add_parser(
        "list", help="list tokens (never their secrets)", description="List all tokens."
    )
    listing.set_defaults(command=_token_list)
    revoke = token_commands.add_parser(
        "revoke", help="revoke a token", description="Revoke a token; it stops working at once."
    )
    revoke.add_argument("id", metavar="ID", help="the token's id, from `recotrack token list`")
    revoke.set_defaults(command=_token_revoke)

    audit = commands.add_parser(
        "audit", help="check the event log", description="Check the audit log."
    )
    audit.set_defaults(help_parser=audit)
    audit_commands = audit.add_subparsers(title="audit commands", metavar="COMMAND")
    verify = audit_commands.add_parser(
        "verify",
        help="verify the event log's hash chain",
        description="Verify the whole event log's hash chain. Prints `ok: N events, head HASH`"
        " (exit status 0), or the first broken link: which event and what is wrong with it"
        " (exit status 1).",
    )
    verify.add_argument(
        "--expected-head",
        type=_head_hash,
        metavar="HASH",
        help="a head hash noted earlier (hex SHA-256): the chain must end exactly there",
    )
    verify.set_defaults(command=_audit_verify)

    demo = commands.add_parser(
        "demo", help="load demo data", description="Load demo data into the database."
    )
    demo.set_defaults(command=_demo)

    openapi = commands.add_parser(
        "openapi",
        help="print the OpenAPI document",
        description="Write the OpenAPI document as JSON (no database needed).",
    )
    openapi.add_argument(
        "--output", "-o", type=Path, metavar="PATH", help="write to PATH instead of stdout"
    )
    openapi.set_defaults(command=_openapi)
    return parser


def _head_hash(text: str) -> str:
    value = text.strip().lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise argparse.ArgumentTypeError(f"not a SHA-256 hash in hex: {text!r}")
    return value


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return port


# --- logging and the database ----------------------------------------------------------------


@contextlib.contextmanager
def _database(settings: Settings) -> Iterator[str]:
    """The database URL (starting or joining the embedded server when DATABASE_URL is unset)."""
    from recotrack.store.database import database_url

    with database_url(settings) as dsn:
        yield dsn


def _with_connection(
    settings: Settings,
    job: Callable[[asyncpg.Connection], Awaitable[T]],
    *,
    migrate_first: bool = True,
) -> T:
    """Run `job` on one connection to the service's database, migrated first."""
    from recotrack.store.migrate import migrate
    from recotrack.store.pool import connect

    async def run(dsn: str) -> T:
        conn = await connect(dsn)
        try:
            if migrate_first:
                await migrate(conn)
            return await job(conn)
        finally:
            await conn.close()

    configure_logging(settings)
    with _database(settings) as dsn:
        return asyncio.run(run(dsn))


# --- serve -----------------------------------------------------------------------------------


class _StopSignals:
    """SIGTERM and SIGINT while `recotrack serve` runs.

    Before the server runs (the embedded PostgreSQL is starting, demo data loading), a signal
    is noted and acted on at the next step; a second one interrupts at once. While uvicorn
    serves, its own handlers take over: it drains connections and runs the app's shutdown.
    uvicorn then re-raises the signal it caught, which lands here again and is noted, so the
    embedded PostgreSQL is stopped on the way out instead of the process dying on the spot.
    """

    _SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self) -> None:
        self.requested: str | None = None
        """The name of the first signal received (nothing is logged in the handler itself)."""
        self.forceable = True

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.requested and self.forceable:
            raise KeyboardInterrupt
        self.requested = self.requested or signal.Signals(signum).name

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self) for sig in self._SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    stop = _StopSignals()
    with stop.installed():  # first thing: a signal during the slow imports is noted, not fatal
        configure_logging(settings)
        log.info(
            "starting",
            version=__version__,
            database="external" if settings.database_url else "embedded",
            data_dir=None if settings.database_url else str(settings.data_dir),
        )
        status = _serve_until_stopped(settings, args, stop)
    log.info("stopped", exit_status=status)
    return status


def _serve_until_stopped(settings: Settings, args: argparse.Namespace, stop: _StopSignals) -> int:
    import uvicorn

    from recotrack.app import create_app
    from recotrack.httpserver import BoundedHttpToolsProtocol

    host: str = args.host or settings.host
    port: int = settings.port if args.port is None else args.port

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if stop.requested:  # asked to stop before uvicorn was listening for signals
                self.should_exit = True
            elif self.started:
                # Everything is imported and the app built: keep those objects out of every
                # collection, which otherwise walks them all again and again (p99, bench/).
                gc.freeze()
                bound = [s.getsockname() for srv in self.servers for s in srv.sockets or ()]
                actual_port = bound[0][1] if bound else port
                log.info("listening", url=f"http://{_url_host(host)}:{actual_port}")

    if stop.requested:
        return 0
    with _database(settings) as dsn:  # leaving it stops the embedded PostgreSQL
        if args.demo and not stop.requested:
            log.info("demo data", summary=asyncio.run(_connect_and_load_demo(dsn)))
        if stop.requested:
            log.info("stopping", signal=stop.requested)
            return 0
        config = uvicorn.Config(
            create_app(settings, dsn),
            host=host,
            port=port,
            log_config=None,
            log_level=settings.log_level,
            access_log=False,
            lifespan="on",
            server_header=False,
            timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_SECONDS,
            http=BoundedHttpToolsProtocol,
            # Headers are limited (431) by the app at RECOTRACK_MAX_HEADER_BYTES; the server
            # refuses (431, closing) only what is far beyond that, before reading it all.
            h11_max_incomplete_event_size=max(4 * settings.max_header_bytes, 65_536),
        )
        server = Server(config)
        stop.forceable = False  # from here on a signal means: drain, then stop
        try:
            server.run()
        except SystemExit as exc:  # uvicorn exits when the app cannot start or bind
            status = exc.code if isinstance(exc.code, int) and exc.code else 1
            log.error("the server could not start", exit_status=status)
            return status
        if not server.started and not stop.requested:
            log.error("the server could not start")
            return 1
        log.info("stopping", signal=stop.requested)
        return 0


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


# --- migrate ---------------------------------------------------------------------------------


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from recotrack.store.migrate import migrate

    applied = _with_connection(settings, migrate, migrate_first=False)
    print("\n".join(applied) if applied else "up to date")
    return 0


# --- audit ----------------------------------------------------------------------------------


def _audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    from recotrack.store.audit import verify_chain

    async def job(conn: asyncpg.Connection) -> ChainVerification:
        return await verify_chain(conn, args.expected_head)

    result = _with_connection(settings, job)
    if result.ok:
        print(f"ok: {result.count} events, head {result.head_hash or '(empty log)'}")
        return 0
    problem = result.first_problem
    assert problem is not None
    where = f"event {problem.seq}" if problem.seq is not None else "the log"
    print(f"broken: {where}: {problem.kind}: {problem.detail}")
    print(f"intact before it: {result.count} events, head {result.head_hash or '(none)'}")
    return 1


# --- tokens ----------------------------------------------------------------------------------


def _token_create(settings: Settings, args: argparse.Namespace) -> int:
    from recotrack.store.tokens import create_token

    data = _token_request(args.role, args.agency, args.label)
    actor = _actor()

    async def job(conn: asyncpg.Connection) -> TokenCreated:
        return await create_token(conn, data, actor=actor)

    created = _with_connection(settings, job)
    scope = f" for agency {created.agency_id}" if created.agency_id else ""
    print(f"created {created.role} token {created.id}{scope}", file=sys.stderr)
    print("the token is shown once, below; it cannot be shown again", file=sys.stderr)
    print(created.token, flush=True)
    return 0


def _token_request(role: str, agency: str | None, label: str | None) -> TokenCreate:
    """The request, checked before any database is touched."""
    if role == "agency" and agency is None:
        raise UsageError("--agency ID is required with --role agency")
    if role != "agency" and agency is not None:
        raise UsageError(f"--agency is only for --role agency, not --role {role}")
    fields = {
        "role": role,
        "agency_id": agency,
        "label": label if label is not None else _default_label(role, agency),
    }
    try:
        return msgspec.convert(fields, TokenCreate)
    except msgspec.ValidationError as exc:
        message = str(exc)
        for field, explanation in _TOKEN_FIELD_ERRORS.items():
            if message.endswith(f"`$.{field}`"):
                raise UsageError(explanation) from None
        raise UsageError(message) from None


def _default_label(role: str, agency: str | None) -> str:
    today = dt.date.today().isoformat()
    return f"{role} {agency} (cli, {today})" if agency else f"{role} (cli, {today})"


def _actor() -> str:
    """How the event log names whoever runs the command."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError, ImportError):
        user = str(os.getuid())
    return f"cli:{user}"


def _token_list(settings: Settings, args: argparse.Namespace) -> int:
    from recotrack.store.tokens import list_tokens

    async def job(conn: asyncpg.Connection) -> list[Token]:
        tokens: list[Token] = []
        cursor: str | None = None
        while True:
            page, cursor = await list_tokens(conn, cursor=cursor, limit=1000)
            tokens.extend(page)
            if cursor is None:
                return tokens

    tokens = _with_connection(settings, job)
    if not tokens:
        print("no tokens yet: create one with `recotrack token create`", file=sys.stderr)
        return 0
    rows = [
        [
            t.id,
            t.role,
            t.agency_id or "-",
            _time(t.created_at),
            _time(t.revoked_at) if t.revoked_at else "-",
            " ".join(t.label.split()),
        ]
        for t in tokens
    ]
    _print_table(["ID", "ROLE", "AGENCY", "CREATED", "REVOKED", "LABEL"], rows)
    return 0


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        print("  ".join(cells).rstrip())


def _token_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from recotrack.store.tokens import revoke_token

    token_id: str = args.id
    actor = _actor()

    async def job(conn: asyncpg.Connection) -> Token:
        return await revoke_token(conn, token_id, actor=actor)

    token = _with_connection(settings, job)
    assert token.revoked_at is not None
    print(f"revoked token {token.id} ({token.role}) at {_time(token.revoked_at)}")
    return 0


# --- demo data -------------------------------------------------------------------------------


async def _load_demo(conn: asyncpg.Connection) -> str:
    """Load the demo data set (unless it is there already); say so in one line."""
    from recotrack.demo import load_demo  # only when demo data is asked for

    summary = await load_demo(conn)
    held = (
        f"{summary.agencies} agencies, {summary.investments} investments, "
        f"{summary.reviews} reviews, {summary.recommendations} recommendations"
    )
    return f"demo data loaded: {held}" if summary.loaded else f"demo data already there: {held}"


async def _connect_and_load_demo(dsn: str) -> str:
    from recotrack.store.migrate import migrate
    from recotrack.store.pool import connect

    conn = await connect(dsn)
    try:
        await migrate(conn)
        return await _load_demo(conn)
    finally:
        await conn.close()


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    print(_with_connection(settings, _load_demo))
    return 0


# --- openapi ---------------------------------------------------------------------------------


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
    """The app's OpenAPI document, as committed under `openapi/`: sorted keys, indent 2."""
    from recotrack.app import create_app

    schema = create_app(settings, "postgresql://unused").openapi_schema.to_schema()
    return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.exit(main())
