"""`recotrack token create|list|revoke`: tokens straight in the database, before any exists."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

import asyncpg
import msgspec

from recotrack.cli.support import UsageError, print_table, utc_time, who_runs_it, with_connection
from recotrack.settings import Settings
from recotrack_sdk.models import Token, TokenCreate, TokenCreated

_ROLES = ("secretariat", "agency", "auditor")
_TOKEN_FIELD_ERRORS = {
    "agency_id": "--agency must be an agency id such as skatteverket "
    "(2 to 64 lowercase letters, digits and single dashes)",
    "label": "--label must be 1 to 200 characters",
}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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


def _token_create(settings: Settings, args: argparse.Namespace) -> int:
    from recotrack.store.tokens import create_token

    data = _token_request(args.role, args.agency, args.label)
    actor = who_runs_it()

    async def job(conn: asyncpg.Connection) -> TokenCreated:
        return await create_token(conn, data, actor=actor)

    created = with_connection(settings, job)
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

    tokens = with_connection(settings, job)
    if not tokens:
        print("no tokens yet: create one with `recotrack token create`", file=sys.stderr)
        return 0
    rows = [
        [
            t.id,
            t.role,
            t.agency_id or "-",
            utc_time(t.created_at),
            utc_time(t.revoked_at) if t.revoked_at else "-",
            " ".join(t.label.split()),
        ]
        for t in tokens
    ]
    print_table(["ID", "ROLE", "AGENCY", "CREATED", "REVOKED", "LABEL"], rows)
    return 0


def _token_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from recotrack.store.tokens import revoke_token

    token_id: str = args.id
    actor = who_runs_it()

    async def job(conn: asyncpg.Connection) -> Token:
        return await revoke_token(conn, token_id, actor=actor)

    token = with_connection(settings, job)
    assert token.revoked_at is not None
    print(f"revoked token {token.id} ({token.role}) at {utc_time(token.revoked_at)}")
    return 0
