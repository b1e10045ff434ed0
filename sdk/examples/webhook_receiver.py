"""A receiver of recotrack's webhook deliveries, to start from. Standard library and the SDK.

Env: RECOTRACK_WEBHOOK_SECRET (the `whsec_…` that `create_webhook` answered; during a
rotation, the new and the old one separated by a space), RECEIVER_PORT (default 8080),
RECEIVER_DB (SQLite file of the deliveries handled; default webhook-receiver.db).

Each delivery is verified (signature, five-minute timestamp window) before anything else, and
handled once: its `webhook-id` is the same on every retry of the same change, so one already
handled is acknowledged again and skipped. Here handling is printing the change; a real
receiver does its work in the same transaction that records the id.

Answer 2xx quickly: the service waits 10 seconds, then retries later. Run it behind your
HTTPS terminator: the service sends only to https URLs.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from recotrack_sdk import WebhookVerificationError
from recotrack_sdk.webhooks import verify

MAX_BODY = 1_048_576


def open_db(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.execute("create table if not exists handled (webhook_id text primary key)")
    return db


class Receiver(BaseHTTPRequestHandler):
    secrets: list[str]
    db: sqlite3.Connection

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._answer(413)
            return
        body = self.rfile.read(length)
        try:
            delivery = verify(dict(self.headers.items()), body, self.secrets)
        except WebhookVerificationError as exc:
            print(f"refused: {exc}", file=sys.stderr, flush=True)
            self._answer(400)
            return
        webhook_id = self.headers["webhook-id"]
        with self.db:  # one transaction: the id is recorded with the work, or neither is
            self.db.execute("begin immediate")
            seen = (
                self.db.execute(
                    "insert into handled (webhook_id) values (?) on conflict do nothing",
                    (webhook_id,),
                ).rowcount
                == 0
            )
            if not seen:
                change = delivery.data
                print(
                    f"{change.seq} {delivery.type} {change.entity_id} agency={change.agency_id}",
                    flush=True,
                )
        self._answer(204)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the changes printed are the log."""


def main() -> None:
    Receiver.secrets = os.environ["RECOTRACK_WEBHOOK_SECRET"].split()
    Receiver.db = open_db(os.environ.get("RECEIVER_DB", "webhook-receiver.db"))
    server = ThreadingHTTPServer(
        ("127.0.0.1", int(os.environ.get("RECEIVER_PORT", "8080"))), Receiver
    )
    print(f"listening on port {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
