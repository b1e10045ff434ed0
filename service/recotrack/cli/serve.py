"""`recotrack serve`: the HTTP API until SIGTERM or SIGINT, with the embedded PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import signal
import socket
from collections.abc import Iterator
from types import FrameType

import structlog

from recotrack import __version__
from recotrack.cli.data import connect_and_load_demo
from recotrack.cli.support import database
from recotrack.logs import configure_logging
from recotrack.settings import Settings

# Requests still running when a stop is asked for get this long to finish.
_GRACEFUL_SHUTDOWN_SECONDS = 25

log = structlog.get_logger("recotrack.cli")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve_parser = commands.add_parser(
        "serve",
        help="run the HTTP API (embedded PostgreSQL unless DATABASE_URL is set)",
        description="Run the HTTP API until SIGTERM or SIGINT (Ctrl+C), then stop cleanly.",
    )
    serve_parser.add_argument("--host", help="address to listen on (default: RECOTRACK_HOST)")
    serve_parser.add_argument(
        "--port", type=_port, help="port to listen on, 0 for any free one (default: RECOTRACK_PORT)"
    )
    serve_parser.add_argument("--demo", action="store_true", help="load demo data before serving")
    serve_parser.set_defaults(command=serve)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return port


class StopSignals:
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


def serve(settings: Settings, args: argparse.Namespace) -> int:
    stop = StopSignals()
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


def _serve_until_stopped(settings: Settings, args: argparse.Namespace, stop: StopSignals) -> int:
    import uvicorn

    from recotrack.app import create_app
    from recotrack.httpserver import BoundedHttpToolsProtocol
    from recotrack.signing import SigningKeyError, load_signer

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
    try:  # before anything starts: a missing or unreadable key is one line, not a traceback
        signer = load_signer(settings.signing_key_file, settings.data_dir)
    except SigningKeyError as exc:
        log.error("the server could not start", error=str(exc), exit_status=2)
        return 2
    with database(settings) as db:  # leaving it stops the embedded PostgreSQL
        # Before the server: a database the service's role may not use stops it in one line.
        applied = asyncio.run(db.prepare())
        if applied:
            log.info("migrated", applied=applied)
        if args.demo and not stop.requested:
            log.info("demo data", summary=asyncio.run(connect_and_load_demo(db.url)))
        if stop.requested:
            log.info("stopping", signal=stop.requested)
            return 0
        config = uvicorn.Config(
            create_app(settings, db.url, signer),  # migrated: the owner's URL is not kept
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
