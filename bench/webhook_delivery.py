"""Webhook delivery: `--subscriptions` subscriptions (the secretariat's: every change; with
`--per-agency`, one agency's each, the writes spread over those agencies) on one local
receiver, `--rate` writes a second for `--seconds`; prints the delay from each write's
commit to its delivery (median, p99) and deliveries per second.

The worker runs as `recotrack worker` (a process of its own, `--concurrency` slots); the
writer and the receiver (a minimal HTTP/1.1 server that answers 204) share this process, so
both delays are measured on one clock: from the moment the write's commit returned to the
moment its request was read.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import msgspec

from _support import RECOTRACK, database, org_number, postgres_server
from recotrack.secretbox import SecretBox
from recotrack.store import events
from recotrack.store.pool import connect
from recotrack.store.webhooks import create_webhook
from recotrack_sdk.models import WebhookCreate

DRAIN_SECONDS = 120.0
"""After the writes: how long the worker may take to send what is left."""


class _Note(msgspec.Struct):
    n: int


class Receiver(asyncio.Protocol):
    """Reads requests, notes when each `webhook-id` arrived at which path, answers 204."""

    arrivals: list[tuple[float, str, str]] = []  # noqa: RUF012  (one receiver per run)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if not sep:
                return
            lines = head.decode("latin-1").split("\r\n")
            headers = {
                k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])
            }
            length = int(headers.get("content-length", "0"))
            if len(rest) < length:
                return
            self.buffer = rest[length:]
            path = lines[0].split(" ")[1]
            self.arrivals.append((time.monotonic(), path, headers["webhook-id"]))
            self.transport.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")


async def _write(
    dsn: str, rate: int, seconds: float, committed: dict[int, float], agencies: list[str | None]
) -> None:
    """`rate` single-event commits a second, evenly spaced, for `seconds`; each of the next
    agency of `agencies` in turn (None: of no agency)."""
    conn = await connect(dsn)
    try:
        start = time.monotonic()
        n = 0
        while (elapsed := time.monotonic() - start) < seconds:
            due = start + n / rate
            if due > time.monotonic():
                await asyncio.sleep(due - time.monotonic())
            async with conn.transaction():
                await events.record_many(
                    conn,
                    actor="bench",
                    agency_id=agencies[n % len(agencies)],
                    entity="note",
                    action="noted",
                    rows=[(str(n), None, _Note(n=n), None)],
                )
                seq: int = await conn.fetchval("select max(seq) from event")
            committed[seq] = time.monotonic()
            n += 1
        del elapsed
    finally:
        await conn.close()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def bench(args: argparse.Namespace, dsn: str, folder: Path) -> None:
    key = os.urandom(32)
    key_file = folder / "secrets.key"
    key_file.write_bytes(base64.b64encode(key) + b"\n")
    key_file.chmod(0o600)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Receiver, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    agencies: list[str | None] = [None]
    conn = await connect(dsn)
    try:
        if args.per_agency:
            agencies = [f"bench-{n}" for n in range(args.subscriptions)]
            for n, agency in enumerate(agencies):
                await conn.execute(
                    "insert into agency (id, name, org_number) values ($1, $2, $3)",
                    agency,
                    f"Myndighet {n}",
                    org_number(n),
                )
        for n in range(args.subscriptions):
            await create_webhook(
                conn,
                WebhookCreate(
                    url=f"http://127.0.0.1:{port}/s{n}",
                    agency_id=agencies[n] if args.per_agency else None,
                ),
                scope=None,
                box=SecretBox(key),
                actor="bench",
            )
    finally:
        await conn.close()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RECOTRACK_")},
        "DATABASE_URL": dsn,
        "RECOTRACK_SECRETS_KEY_FILE": str(key_file),
        "RECOTRACK_DATA_DIR": str(folder),  # its checkpoint signing key is made there
        "RECOTRACK_WEBHOOK_ALLOW_PRIVATE": "true",
        "RECOTRACK_WEBHOOK_CONCURRENCY": str(args.concurrency),
        "RECOTRACK_LOG_LEVEL": "warning",
    }
    with Path(args.worker_log).open("wb") as log:  # noqa: ASYNC230  (once, before the run)
        worker = subprocess.Popen(  # noqa: S603, ASYNC220  (ours; started once)
            [str(RECOTRACK), "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        await asyncio.sleep(3)  # its start (migrations checked, pool opened)
        committed: dict[int, float] = {}
        start = time.monotonic()
        await _write(dsn, args.rate, args.seconds, committed, agencies)
        wrote = time.monotonic() - start
        expected = len(committed) * (1 if args.per_agency else args.subscriptions)
        deadline = time.monotonic() + DRAIN_SECONDS
        while len(Receiver.arrivals) < expected and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        if len(Receiver.arrivals) < expected:
            conn = await connect(dsn)
            try:
                head = await conn.fetchval("select max(seq) from event")
                behind = await conn.fetch(
                    "select position, failures, next_attempt_at from webhook where position < $1",
                    head,
                )
                print(f"not drained in {DRAIN_SECONDS:g} s: head {head}, behind: {behind}")
            finally:
                await conn.close()
    finally:
        worker.terminate()
        worker.wait(60)
        server.close()
    arrivals = Receiver.arrivals
    delays: list[float] = []
    seen: set[tuple[str, str]] = set()
    repeats = 0
    last = start
    for at, path, message_id in arrivals:
        seq = int(message_id.removeprefix("msg_"))
        if seq not in committed:  # the subscriptions' own creation, say
            continue
        if (path, message_id) in seen:
            repeats += 1
            continue
        seen.add((path, message_id))
        delays.append(at - committed[seq])
        last = max(last, at)
    span = last - start
    print(
        f"subscriptions:               {args.subscriptions} "
        f"({'one agency each' if args.per_agency else 'every change each'})"
    )
    print(f"worker slots:                {args.concurrency}")
    print(
        f"writes:                      {len(committed)} in {wrote:.1f} s "
        f"({len(committed) / wrote:.0f}/s)"
    )
    print(f"deliveries expected:         {expected}")
    print(f"delivered:                   {len(seen)} (+{repeats} repeats)")
    if delays:
        print(f"commit → delivery, median:   {statistics.median(delays) * 1000:.0f} ms")
        print(f"commit → delivery, p99:      {_percentile(delays, 0.99) * 1000:.0f} ms")
        print(f"commit → delivery, max:      {max(delays) * 1000:.0f} ms")
        print(f"deliveries per second:       {len(seen) / span:.0f} (first write to last delivery)")
        print(
            f"target, p99 under 1 s:       {'met' if _percentile(delays, 0.99) < 1 else 'missed'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscriptions", type=int, default=20)
    parser.add_argument("--rate", type=int, default=200, help="writes a second")
    parser.add_argument(
        "--per-agency", action="store_true", help="one agency's subscriptions, writes spread"
    )
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=20, help="the worker's slots")
    parser.add_argument("--worker-log", default=os.devnull, help="where the worker's log goes")
    args = parser.parse_args()
    with postgres_server() as server_url, tempfile.TemporaryDirectory(prefix="rt-bench-") as tmp:

        async def run() -> None:
            async with database(server_url) as dsn:
                await bench(args, dsn, Path(tmp))

        asyncio.run(run())


if __name__ == "__main__":
    main()
