"""The real service on a loopback port, for the SDK to talk to over a real socket.

- `ServiceProcess`: `recotrack serve` as a subprocess, which a test may SIGKILL and restart
  on the same port and database.
- `FaultProxy`: a TCP proxy in front of the service that misbehaves on chosen connections
  (stalls, resets, drops the response after the service has answered, or answers 503).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

START_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServiceProcess:
    """`recotrack serve` on a fixed loopback port and a given database."""

    def __init__(self, db_url: str, port: int, log: Path) -> None:
        self.db_url = db_url
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self.process is None
        env = {
            **os.environ,
            "DATABASE_URL": self.db_url,
            "RECOTRACK_HOST": "127.0.0.1",
            "RECOTRACK_PORT": str(self.port),
            "RECOTRACK_LOG_LEVEL": "warning",
            "RECOTRACK_LOG_FORMAT": "json",
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).with_name("recotrack")), "serve"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_SECONDS
        while not self._listening():
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "the service did not start in time"
            time.sleep(0.05)

    def _listening(self) -> bool:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def kill(self) -> None:
        """SIGKILL: no draining, no shutdown; open connections and transactions just end."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None


@contextlib.contextmanager
def service_process(db_url: str, log: Path) -> Iterator[ServiceProcess]:
    service = ServiceProcess(db_url, free_port(), log)
    service.start()
    try:
        yield service
    finally:
        service.stop()


Fault = Literal["pass", "stall", "reset", "drop_response", "unavailable"]


class FaultProxy:
    """A TCP proxy to `upstream` on its own loopback port. Each new connection takes the next
    fault from `faults` (then `pass`):

    - `pass`: forward both ways;
    - `stall`: read the request, never answer (the client times out);
    - `reset`: read the request, then close the connection without an answer;
    - `drop_response`: forward the request, and close the connection as soon as the service
      starts to answer: the service did the work, the client never hears of it;
    - `unavailable`: answer 503 with `Retry-After: 0` and close.

    With `hold_when`, a `pass` connection forwards the first request that contains those bytes
    but holds back every answer from then on: the service did the work, the client waits
    (`held` is set), until the test kills the client.
    """

    def __init__(
        self, upstream_port: int, faults: list[Fault], *, hold_when: bytes | None = None
    ) -> None:
        self.upstream_port = upstream_port
        self.hold_when = hold_when
        self.held = threading.Event()
        self.faults: deque[Fault] = deque(faults)
        self.seen: list[Fault] = []
        self.received: list[bytes] = []
        """What clients sent through `pass` and `drop_response` connections, chunk by chunk."""
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fault-proxy", daemon=True)
        self.port = 0
        self._thread.start()
        assert self._ready.wait(10), "the proxy did not start"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.close()

    def close(self) -> None:
        async def stop() -> None:
            assert self._server is not None
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        fault: Fault = self.faults.popleft() if self.faults else "pass"
        self.seen.append(fault)
        try:
            if fault == "pass":
                await self._forward(reader, writer, drop_response=False)
            elif fault == "drop_response":
                await self._forward(reader, writer, drop_response=True)
            else:
                await reader.readuntil(b"\r\n\r\n")
                if fault == "stall":
                    await reader.read()  # until the client gives up and closes
                elif fault == "unavailable":
                    body = (
                        b'{"type":"https://recotrack.se/problems/service-unavailable",'
                        b'"title":"Service Unavailable","status":503,"detail":"try again"}'
                    )
                    writer.write(
                        b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\n"
                        b"Content-Type: application/problem+json\r\nConnection: close\r\n"
                        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
                    )
                    await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _forward(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, drop_response: bool
    ) -> None:
        # Shielded: cancelled (the proxy closing) just as the connection is made, the writer
        # would be lost unclosed, and its socket reported by the garbage collector in whatever
        # test runs then. Closed here when it arrives too late.
        connecting = asyncio.ensure_future(asyncio.open_connection("127.0.0.1", self.upstream_port))
        try:
            up_reader, up_writer = await asyncio.shield(connecting)
        except asyncio.CancelledError:
            connecting.add_done_callback(_close_if_connected)
            raise

        async def pipe(
            src: asyncio.StreamReader, dst: asyncio.StreamWriter, record: bool = False
        ) -> None:
            while data := await src.read(65536):
                if record:
                    self.received.append(data)
                    if self.hold_when is not None and self.hold_when in data:
                        self.held.set()
                elif self.held.is_set():
                    await asyncio.Event().wait()  # the answer never comes
                dst.write(data)
                await dst.drain()

        async def answer() -> None:
            if drop_response:
                await up_reader.read(1)  # the service has answered: it did the work
                return
            await pipe(up_reader, writer)

        tasks = [
            asyncio.ensure_future(pipe(reader, up_writer, record=True)),
            asyncio.ensure_future(answer()),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            up_writer.close()
            with contextlib.suppress(ConnectionError):
                await up_writer.wait_closed()
            if drop_response:
                transport = writer.transport
                sock = transport.get_extra_info("socket")
                if sock is not None:  # RST, not FIN: the connection is broken
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _close_if_connected(
    connecting: asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]],
) -> None:
    if not connecting.cancelled() and connecting.exception() is None:
        connecting.result()[1].transport.abort()
