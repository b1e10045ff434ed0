"""`recotrack reminders run`: one reminder pass now (the one the daily job runs)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import TYPE_CHECKING

from recotrack.cli.support import UsageError, with_database
from recotrack.domain.swedish_time import STOCKHOLM
from recotrack.settings import Settings

if TYPE_CHECKING:
    from recotrack.store.database import Database


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    reminders = commands.add_parser(
        "reminders", help="reminders by mail", description="Reminders of due dates by mail."
    )
    reminders.set_defaults(help_parser=reminders)
    reminder_commands = reminders.add_subparsers(title="reminders commands", metavar="COMMAND")
    run = reminder_commands.add_parser(
        "run",
        help="run one reminder pass now",
        description="Run one reminder pass now: every reminder, escalation and weekly digest"
        " due and not sent yet is mailed (each once, whatever else runs a pass). Prints one"
        " line for each mail sent: recipient, code, what is due (response or implementation),"
        " its effective due date and the step (before, due, overdue, escalation); the digest"
        " as: recipient, `digest`, its day. A mail not sent goes to stderr, and the exit"
        " status is then 1: the next pass tries it again.",
    )
    run.add_argument(
        "--today",
        type=_date,
        help="the day the pass takes it to be (YYYY-MM-DD; default: today in Sweden)",
    )
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be sent; send and record nothing (no mail server needed)",
    )
    run.set_defaults(command=_run)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from recotrack.worker.reminder_pass import Outcome, run_pass

    if not args.dry_run and settings.smtp_url is None:
        raise UsageError("reminders need a mail server: set RECOTRACK_SMTP_URL (or use --dry-run)")
    today: dt.date = args.today or dt.datetime.now(STOCKHOLM).date()

    async def job(db: Database) -> Outcome:
        await db.prepare()
        return await run_pass(db.url, settings, today, dry_run=args.dry_run)

    outcome = with_database(settings, job)
    for line in outcome.sent:
        print(line)
    for line in outcome.failed:
        print(f"recotrack: not sent: {line}: {line.error}", file=sys.stderr)
    return 1 if outcome.failed else 0
