"""One typed settings object, read from environment variables (documented in the README)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import platformdirs

LogFormat = Literal["auto", "json", "console"]


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None
    """`DATABASE_URL`: a PostgreSQL server (14 or newer). Unset: an embedded server is started."""
    data_dir: Path
    """`RECOTRACK_DATA_DIR`: where the embedded PostgreSQL keeps its data."""
    host: str
    """`RECOTRACK_HOST`: the address to listen on."""
    port: int
    """`RECOTRACK_PORT`: the port to listen on."""
    log_format: LogFormat
    """`RECOTRACK_LOG_FORMAT`: `json`, `console`, or `auto` (JSON unless on a terminal)."""
    log_level: str
    """`RECOTRACK_LOG_LEVEL`: `debug`, `info`, `warning` or `error`."""
    pool_min_size: int
    """`RECOTRACK_POOL_MIN_SIZE`: connections kept open."""
    pool_max_size: int
    """`RECOTRACK_POOL_MAX_SIZE`: connections at most."""
    max_body_bytes: int
    """`RECOTRACK_MAX_BODY_BYTES`: larger request bodies get 413."""
    metrics_token: str | None = None
    """`RECOTRACK_METRICS_TOKEN`: when set, `/metrics` answers only `Authorization: Bearer <it>`."""
    web_cookie_secure: bool = True
    """`RECOTRACK_WEB_COOKIE_SECURE`: the dashboard's session cookie is sent over HTTPS only
    (`__Host-` prefixed); `false` for plain HTTP on loopback in development."""
    web_session_hours: int = 8
    """`RECOTRACK_WEB_SESSION_HOURS`: a dashboard session ends this long after sign-in."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ) if env is None else env
        log_format = env.get("RECOTRACK_LOG_FORMAT", "auto")
        if log_format not in ("auto", "json", "console"):
            raise ValueError(
                f"RECOTRACK_LOG_FORMAT must be auto, json or console, not {log_format!r}"
            )
        log_level = env.get("RECOTRACK_LOG_LEVEL", "info").lower()
        if log_level not in ("debug", "info", "warning", "error"):
            raise ValueError(
                f"RECOTRACK_LOG_LEVEL must be debug, info, warning or error, not {log_level!r}"
            )
        web_session_hours = _int(env, "RECOTRACK_WEB_SESSION_HOURS", 8)
        if web_session_hours < 1:
            raise ValueError("RECOTRACK_WEB_SESSION_HOURS must be at least 1")
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            data_dir=Path(
                env.get("RECOTRACK_DATA_DIR") or platformdirs.user_data_dir("recotrack")
            ).expanduser(),
            host=env.get("RECOTRACK_HOST", "127.0.0.1"),
            port=_int(env, "RECOTRACK_PORT", 8000),
            log_format=log_format,  # type: ignore[arg-type]  # checked above
            log_level=log_level,
            pool_min_size=_int(env, "RECOTRACK_POOL_MIN_SIZE", 2),
            pool_max_size=_int(env, "RECOTRACK_POOL_MAX_SIZE", 20),
            max_body_bytes=_int(env, "RECOTRACK_MAX_BODY_BYTES", 1_048_576),
            metrics_token=env.get("RECOTRACK_METRICS_TOKEN") or None,
            web_cookie_secure=_bool(env, "RECOTRACK_WEB_COOKIE_SECURE", True),
            web_session_hours=web_session_hours,
        )


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("true", "1", "yes", "on"):
        return True
    if raw in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, not {raw!r}")
