"""One typed settings object, read from environment variables (documented in the README)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

import msgspec
import platformdirs

from recotrack.domain.reminders import Rules
from recotrack_sdk.models import Email

LogFormat = Literal["auto", "json", "console"]

DEFAULT_RETRY_SCHEDULE = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
"""Seconds before each retry of a failed webhook delivery: Standard Webhooks' (and Svix's)."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None
    """`DATABASE_URL`: a PostgreSQL server (14 or newer), as the service's own role. Unset: an
    embedded server is started."""
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
    max_header_bytes: int
    """`RECOTRACK_MAX_HEADER_BYTES`: request headers larger than this in total get 431."""
    pool_acquire_timeout: float
    """`RECOTRACK_POOL_ACQUIRE_TIMEOUT`: seconds a request waits for a database connection
    (or a new connection for an answer) before it gets 503."""
    statement_timeout: float
    """`RECOTRACK_STATEMENT_TIMEOUT`: seconds one SQL statement may run (0: no limit); past
    it the request gets 504."""
    request_timeout: float
    """`RECOTRACK_REQUEST_TIMEOUT`: seconds from a request to the start of its response (0: no
    limit); past it the request gets 504. Above 30, the longest wait of the changes feed."""
    rate_limit: float
    """`RECOTRACK_RATE_LIMIT`: requests per second for each token (each client address when
    unauthenticated), per process; 0 turns limiting off."""
    rate_burst: int
    """`RECOTRACK_RATE_BURST`: requests a token may send at once above its rate."""
    token_cache_seconds: float
    """`RECOTRACK_TOKEN_CACHE_SECONDS`: how long a process may reuse a token's lookup (0: never);
    a revocation clears it in every process at once (LISTEN/NOTIFY)."""
    metrics_token: str | None = None
    """`RECOTRACK_METRICS_TOKEN`: when set, `/metrics` answers only `Authorization: Bearer <it>`."""
    web_cookie_secure: bool = True
    """`RECOTRACK_WEB_COOKIE_SECURE`: the dashboard's session cookie is sent over HTTPS only
    (`__Host-` prefixed); `false` for plain HTTP on loopback in development."""
    web_session_hours: int = 8
    """`RECOTRACK_WEB_SESSION_HOURS`: a dashboard session ends this long after sign-in."""
    migration_database_url: str | None = None
    """`RECOTRACK_MIGRATION_DATABASE_URL`: the same database as the owner of its tables, who
    applies migrations (`recotrack migrate`, and `serve` on start). Unset: `DATABASE_URL`'s role
    migrates, unless it is the restricted service role, which only checks."""
    signing_key_file: Path | None = None
    """`RECOTRACK_SIGNING_KEY_FILE`: the Ed25519 key (PEM) that signs checkpoints of the
    event log; it must exist. Unset: `checkpoint-signing-key.pem` in the data directory,
    made on first start."""
    secrets_key_file: Path | None = None
    """`RECOTRACK_SECRETS_KEY_FILE`: the key (32 bytes, one line of base64) that encrypts
    webhook signing secrets in the database; it must exist. Unset: `webhook-secrets.key` in
    the data directory, made on first start."""
    webhook_allow_private: bool = False
    """`RECOTRACK_WEBHOOK_ALLOW_PRIVATE`: webhooks may be sent to loopback, private and other
    non-global addresses, and over plain `http` (for development and tests only)."""
    checkpoint_interval_seconds: float = 3600.0
    """`RECOTRACK_CHECKPOINT_INTERVAL_SECONDS`: no event waits longer than this for a
    signed checkpoint (none is made while nothing is written)."""
    checkpoint_every_events: int = 10_000
    """`RECOTRACK_CHECKPOINT_EVERY_EVENTS`: a checkpoint is made at the latest this many
    events after the last one."""
    # --- mail (issue 15: reminders) ---
    smtp_url: str | None = field(default=None, repr=False)
    """`RECOTRACK_SMTP_URL`: the SMTP server mail goes through, `smtp://[user:password@]host
    [:port]` (STARTTLS when offered) or `smtps://…` (TLS from the start); unset: no mail is
    sent. Holds a password: kept out of `repr` and the logs (`notify.smtp.SmtpServer`)."""
    mail_from: str | None = None
    """`RECOTRACK_MAIL_FROM`: the sender of the service's mail; needed with a mail server."""
    public_url: str | None = None
    """`RECOTRACK_PUBLIC_URL`: where people reach the service (links in mail to the
    dashboard). Unset: `http://HOST:PORT`."""

    # --- webhook deliveries (issue 15) ---
    worker: bool = True
    """`RECOTRACK_WORKER`: `recotrack serve` runs the background work (checkpoints, webhook
    deliveries, reminders) beside the API; `false` leaves it to `recotrack worker` processes."""
    webhook_retry_schedule: tuple[float, ...] = DEFAULT_RETRY_SCHEDULE
    """`RECOTRACK_WEBHOOK_RETRY_SCHEDULE`: seconds before each retry of a failed delivery
    (comma-separated, each with some jitter); after the last the subscription is disabled."""
    webhook_concurrency: int = 8
    """`RECOTRACK_WEBHOOK_CONCURRENCY`: subscriptions a process delivers to at once (each
    holds a database connection while its request is out)."""
    # --- end of webhook deliveries ---
    # --- reminders (issue 15) ---
    reminder_rules: Rules = field(default_factory=Rules)
    """`RECOTRACK_REMINDER_DAYS_BEFORE` (days before a due date the agency's contacts are
    reminded; `none`: only on the day), `RECOTRACK_REMINDER_OVERDUE_EVERY_DAYS` (then every so
    many days while overdue) and `RECOTRACK_REMINDER_ESCALATION_DAYS` (days overdue when the
    agency's management contacts are told)."""
    secretariat_email: str | None = None
    """`RECOTRACK_SECRETARIAT_EMAIL`: the secretariat's address: it gets the weekly digest
    of what fell due and what is overdue, and is told when one of its own webhook
    subscriptions is disabled; unset: neither."""
    digest_weekday: int = 0
    """`RECOTRACK_DIGEST_WEEKDAY`: the digest's day (0 Monday … 6 Sunday; named in English)."""
    reminder_time: dt.time = dt.time(7, 0)
    """`RECOTRACK_REMINDER_TIME`: when the daily pass runs, `HH:MM` Europe/Stockholm."""
    # --- the public catalogue (issue 16) ---
    public_catalogue: bool = False
    """`RECOTRACK_PUBLIC_CATALOGUE`: serve the published recommendations to anyone, without
    sign-in, under `/public/` (an API, an Atom feed and pages); `false`: every `/public/` path
    is 404."""
    public_rate_limit: float = 5.0
    """`RECOTRACK_PUBLIC_RATE_LIMIT`: requests per second each client address may make of
    `/public/`, per process (0: no limit). Behind a proxy, the address is the one the proxy
    forwards when uvicorn trusts it (`FORWARDED_ALLOW_IPS`, deploy/OPERATIONS.md)."""
    public_rate_burst: int = 50
    """`RECOTRACK_PUBLIC_RATE_BURST`: requests an address may make at once above that rate."""

    @property
    def public_base_url(self) -> str:
        """`public_url`, or where the service listens when it is unset."""
        return self.public_url or f"http://{self.host}:{self.port}"

    # --- end of mail ---

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
        interval = _seconds(env, "RECOTRACK_CHECKPOINT_INTERVAL_SECONDS", 3600.0)
        if interval <= 0:
            raise ValueError("RECOTRACK_CHECKPOINT_INTERVAL_SECONDS must be more than 0")
        every = _int(env, "RECOTRACK_CHECKPOINT_EVERY_EVENTS", 10_000)
        if every < 1:
            raise ValueError("RECOTRACK_CHECKPOINT_EVERY_EVENTS must be at least 1")
        key_file = env.get("RECOTRACK_SIGNING_KEY_FILE") or None
        secrets_key_file = env.get("RECOTRACK_SECRETS_KEY_FILE") or None
        # --- mail ---
        smtp_url = env.get("RECOTRACK_SMTP_URL") or None
        if smtp_url is not None:
            SmtpServer.from_url(smtp_url)  # its error leaves the URL (a password) out
        mail_from = env.get("RECOTRACK_MAIL_FROM") or None
        if smtp_url is not None and mail_from is None:
            raise ValueError("RECOTRACK_MAIL_FROM must be set with RECOTRACK_SMTP_URL")
        public_url = env.get("RECOTRACK_PUBLIC_URL") or None
        if public_url is not None and not public_url.startswith(("http://", "https://")):
            raise ValueError(f"RECOTRACK_PUBLIC_URL must be an http(s):// URL, not {public_url!r}")
        reminders = _reminder_settings(env)
        # --- end of mail ---
        concurrency = _int(env, "RECOTRACK_WEBHOOK_CONCURRENCY", 8)
        if not 1 <= concurrency <= 100:
            raise ValueError("RECOTRACK_WEBHOOK_CONCURRENCY must be from 1 to 100")
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
            max_header_bytes=_int(env, "RECOTRACK_MAX_HEADER_BYTES", 16_384),
            pool_acquire_timeout=_seconds(env, "RECOTRACK_POOL_ACQUIRE_TIMEOUT", 5.0),
            statement_timeout=_seconds(env, "RECOTRACK_STATEMENT_TIMEOUT", 30.0),
            request_timeout=_seconds(env, "RECOTRACK_REQUEST_TIMEOUT", 35.0),
            rate_limit=_seconds(env, "RECOTRACK_RATE_LIMIT", 0.0),
            rate_burst=_int(env, "RECOTRACK_RATE_BURST", 100),
            token_cache_seconds=_seconds(env, "RECOTRACK_TOKEN_CACHE_SECONDS", 30.0),
            metrics_token=env.get("RECOTRACK_METRICS_TOKEN") or None,
            web_cookie_secure=_bool(env, "RECOTRACK_WEB_COOKIE_SECURE", True),
            web_session_hours=web_session_hours,
            migration_database_url=env.get("RECOTRACK_MIGRATION_DATABASE_URL") or None,
            signing_key_file=Path(key_file).expanduser() if key_file else None,
            secrets_key_file=Path(secrets_key_file).expanduser() if secrets_key_file else None,
            webhook_allow_private=_bool(env, "RECOTRACK_WEBHOOK_ALLOW_PRIVATE", False),
            checkpoint_interval_seconds=interval,
            checkpoint_every_events=every,
            smtp_url=smtp_url,
            mail_from=mail_from,
            public_url=public_url,
            worker=_bool(env, "RECOTRACK_WORKER", True),
            webhook_retry_schedule=retry_schedule(env.get("RECOTRACK_WEBHOOK_RETRY_SCHEDULE")),
            webhook_concurrency=concurrency,
            reminder_rules=reminders[0],
            secretariat_email=reminders[1],
            digest_weekday=reminders[2],
            reminder_time=reminders[3],
            public_catalogue=_bool(env, "RECOTRACK_PUBLIC_CATALOGUE", False),
            public_rate_limit=_seconds(env, "RECOTRACK_PUBLIC_RATE_LIMIT", 5.0),
            public_rate_burst=_int(env, "RECOTRACK_PUBLIC_RATE_BURST", 50),
        )


def retry_schedule(raw: str | None) -> tuple[float, ...]:
    """`RECOTRACK_WEBHOOK_RETRY_SCHEDULE`: seconds, comma-separated (unset: the default)."""
    if raw is None or not raw.strip():
        return DEFAULT_RETRY_SCHEDULE
    seconds: list[float] = []
    for part in raw.split(","):
        try:
            value = float(part)
        except ValueError:
            value = -1.0
        if not 0 <= value <= 7 * 86_400:
            raise ValueError(
                "RECOTRACK_WEBHOOK_RETRY_SCHEDULE must be seconds (from 0 to a week each) "
                f"separated by commas, such as 5,300,1800; {part.strip()!r} is not"
            )
        seconds.append(value)
    if len(seconds) > 50:
        raise ValueError("RECOTRACK_WEBHOOK_RETRY_SCHEDULE has at most 50 retries")
    return tuple(seconds)


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None


def _seconds(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"{name} must be a finite number, 0 or more, not {raw!r}")
    return value


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("true", "1", "yes", "on"):
        return True
    if raw in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, not {raw!r}")


# --- mail ---
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _reminder_settings(env: dict[str, str]) -> tuple[Rules, str | None, int, dt.time]:
    """The reminder rules, the digest and the daily pass's time, each checked."""
    raw_before = (env.get("RECOTRACK_REMINDER_DAYS_BEFORE") or "14,3").strip()
    days_before: tuple[int, ...] = ()
    if raw_before.lower() != "none":
        try:
            days_before = tuple(int(part) for part in raw_before.split(","))
        except ValueError:
            raise ValueError(
                "RECOTRACK_REMINDER_DAYS_BEFORE must be whole numbers of days separated by"
                f" commas (e.g. 14,3) or none, not {raw_before!r}"
            ) from None
    if any(days < 1 for days in days_before):
        raise ValueError(
            f"RECOTRACK_REMINDER_DAYS_BEFORE must be days of 1 or more, not {raw_before!r}"
        )
    every = _int(env, "RECOTRACK_REMINDER_OVERDUE_EVERY_DAYS", 7)
    if every < 1:
        raise ValueError("RECOTRACK_REMINDER_OVERDUE_EVERY_DAYS must be 1 or more")
    escalate = _int(env, "RECOTRACK_REMINDER_ESCALATION_DAYS", 30)
    if escalate < 1:
        raise ValueError("RECOTRACK_REMINDER_ESCALATION_DAYS must be 1 or more")
    rules = Rules(days_before, every, escalate)
    secretariat = env.get("RECOTRACK_SECRETARIAT_EMAIL") or None
    if secretariat is not None:
        try:
            msgspec.convert(secretariat, Email)
        except msgspec.ValidationError:
            raise ValueError(
                f"RECOTRACK_SECRETARIAT_EMAIL must be one e-mail address, not {secretariat!r}"
            ) from None
    weekday = (env.get("RECOTRACK_DIGEST_WEEKDAY") or "monday").strip().lower()
    if weekday not in WEEKDAYS:
        raise ValueError(
            f"RECOTRACK_DIGEST_WEEKDAY must be a day of the week in English (monday … sunday),"
            f" not {weekday!r}"
        )
    raw_time = (env.get("RECOTRACK_REMINDER_TIME") or "07:00").strip()
    try:
        hour, minute = (int(part) for part in raw_time.split(":"))
        at = dt.time(hour, minute)
    except ValueError:
        raise ValueError(
            f"RECOTRACK_REMINDER_TIME must be a time of day HH:MM (Europe/Stockholm), such as"
            f" 07:00, not {raw_time!r}"
        ) from None
    return rules, secretariat, WEEKDAYS.index(weekday), at


_DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """The server `RECOTRACK_SMTP_URL` names (recotrack.notify.smtp sends through it).

    `smtp://[user:password@]host[:port]` (port 587 by default) upgrades with STARTTLS when
    the server offers it; `smtps://…` (port 465 by default) speaks TLS from the start. A user
    name and password in the URL (percent-encoded) log in. The password is never shown:
    `str()` and `repr()` of a server leave it out."""

    hostname: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """The server an `smtp://` or `smtps://` URL names; ValueError, without the URL (it
        may hold a password), when it names none."""
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS:
            raise ValueError("RECOTRACK_SMTP_URL must start with smtp:// or smtps://")
        try:
            port = parts.port
        except ValueError:
            raise ValueError("RECOTRACK_SMTP_URL has a port that is no number") from None
        if not parts.hostname:
            raise ValueError("RECOTRACK_SMTP_URL names no host")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError("RECOTRACK_SMTP_URL takes a host and port only, no path or query")
        return cls(
            hostname=parts.hostname,
            port=port or _DEFAULT_PORTS[parts.scheme],
            implicit_tls=parts.scheme == "smtps",
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
        )

    def __str__(self) -> str:
        user = f"{self.username}@" if self.username else ""
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{user}{self.hostname}:{self.port}"
