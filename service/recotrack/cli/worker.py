"""`recotrack worker`: the background work alone (checkpoints, webhook deliveries), until
SIGTERM or SIGINT; any number of them, beside `recotrack serve` replicas or instead of their
own (`RECOTRACK_WORKER=false`)."""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import TYPE_CHECKING

import structlog

from recotrack.cli.support import UsageError, with_database
from recotrack.settings import Settings

if TYPE_CHECKING:
    from recotrack.store.database import Database

log = structlog.get_logger("recotrack.cli")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = commands.add_parser(
        "worker",
        help="run the background work: checkpoints, webhook deliveries",
        description="Run the background work (signed checkpoints, webhook deliveries) until "
        "SIGTERM or SIGINT (Ctrl+C), then finish what is under way and stop. Any number may "
        "run side by side, and beside `recotrack serve`.",
    )
    worker.set_defaults(command=_worker)


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from recotrack.secretbox import SecretsKeyError, load_secret_box
    from recotrack.signing import SigningKeyError, load_signer

    try:  # before anything starts: a missing or unreadable key is one line, not a traceback
        signer = load_signer(settings.signing_key_file, settings.data_dir)
        box = load_secret_box(settings.secrets_key_file, settings.data_dir)
    except (SigningKeyError, SecretsKeyError) as exc:
        raise UsageError(str(exc)) from None

    async def run(db: Database) -> int:
        from recotrack.store.checkpoints import register_key
        from recotrack.store.notify import ChangeNotifier
        from recotrack.store.pool import connect
        from recotrack.worker import background

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await db.prepare()
        conn = await connect(db.url)
        try:
            await register_key(conn, signer)
        finally:
            await conn.close()
        notifier = ChangeNotifier()
        await notifier.start(db.url)
        try:
            async with background.running(
                settings, db.url, signer=signer, box=box, notifier=notifier
            ):
                log.info("worker running")
                await stop.wait()
                log.info("stopping")
        finally:
            await notifier.close()
        log.info("stopped", exit_status=0)
        return 0

    return with_database(settings, run)
