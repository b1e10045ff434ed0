"""`recotrack migrate`, `audit verify` and `demo`: the database itself, without the API."""

from __future__ import annotations

import argparse

import asyncpg

from recotrack.cli.support import with_connection, with_database
from recotrack.settings import Settings
from recotrack_sdk.models import ChainVerification


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    migrate = commands.add_parser(
        "migrate", help="apply database migrations", description="Apply pending migrations."
    )
    migrate.set_defaults(command=_migrate)

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


def _head_hash(text: str) -> str:
    value = text.strip().lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise argparse.ArgumentTypeError(f"not a SHA-256 hash in hex: {text!r}")
    return value


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from recotrack.store.database import Database

    applied = with_database(settings, Database.prepare)
    print("\n".join(applied) if applied else "up to date")
    return 0


def _audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    from recotrack.store.audit import verify_chain

    async def job(conn: asyncpg.Connection) -> ChainVerification:
        return await verify_chain(conn, args.expected_head)

    result = with_connection(settings, job)
    if result.ok:
        print(f"ok: {result.count} events, head {result.head_hash or '(empty log)'}")
        return 0
    problem = result.first_problem
    assert problem is not None
    where = f"event {problem.seq}" if problem.seq is not None else "the log"
    print(f"broken: {where}: {problem.kind}: {problem.detail}")
    print(f"intact before it: {result.count} events, head {result.head_hash or '(none)'}")
    return 1


async def _load_demo(conn: asyncpg.Connection) -> str:
    """Load the demo data set (unless it is there already); say so in one line."""
    from recotrack.demo import load_demo  # only when demo data is asked for

    summary = await load_demo(conn)
    held = (
        f"{summary.agencies} agencies, {summary.investments} investments, "
        f"{summary.reviews} reviews, {summary.recommendations} recommendations"
    )
    return f"demo data loaded: {held}" if summary.loaded else f"demo data already there: {held}"


async def connect_and_load_demo(dsn: str) -> str:
    """Load the demo data into a database already migrated."""
    from recotrack.store.pool import connect

    conn = await connect(dsn)
    try:
        return await _load_demo(conn)
    finally:
        await conn.close()


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    print(with_connection(settings, _load_demo))
    return 0
