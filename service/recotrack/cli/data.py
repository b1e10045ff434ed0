"""`recotrack migrate`, `audit verify` and `demo`: the database itself, without the API."""

from __future__ import annotations

import argparse

import asyncpg

from recotrack.cli.support import UsageError, with_connection, with_database
from recotrack.settings import Settings
from recotrack_sdk._cli._audit import add_checkpoint_arguments, anchor_of, describe
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
        description="Verify the whole event log's hash chain, against every stored signed"
        " checkpoint and the one given. Prints `ok: N events, head HASH` (exit status 0), or"
        " the first broken link: which event (or range of events) and what is wrong with it"
        " (exit status 1).",
    )
    add_checkpoint_arguments(verify)
    verify.set_defaults(command=_audit_verify)

    demo = commands.add_parser(
        "demo", help="load demo data", description="Load demo data into the database."
    )
    demo.set_defaults(command=_demo)


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from recotrack.store.database import Database

    applied = with_database(settings, Database.prepare)
    print("\n".join(applied) if applied else "up to date")
    return 0


def _audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    from recotrack.store.audit import verify_chain

    try:
        anchor = anchor_of(args)
    except ValueError as exc:
        raise UsageError(str(exc)) from None

    async def job(conn: asyncpg.Connection) -> ChainVerification:
        return await verify_chain(conn, args.expected_head, anchor)

    result = with_connection(settings, job)
    print("\n".join(describe(result)))
    return 0 if result.ok else 1


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
