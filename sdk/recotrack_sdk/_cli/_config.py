"""Where the CLI finds its server and token: flags, then the environment, then a config file.

The file is TOML with `url` and `token`:

```toml
url = "https://recotrack.example.se"
token = "rt_…"
```

It is `--config PATH`, else `RECOTRACK_CONFIG`, else `$XDG_CONFIG_HOME/recotrack/cli.toml`
(`~/.config/recotrack/cli.toml`). A file that holds a token should be readable by its owner
only: the CLI warns when it is not.
"""

from __future__ import annotations

import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

KEYS = ("url", "token")


class ConfigError(Exception):
    """The configuration is unusable; the message says why and where."""


@dataclass(frozen=True)
class Settings:
    url: str
    token: str = field(repr=False)
    url_from: str
    """Where the URL came from (`--url`, `RECOTRACK_URL` or the file), for error messages."""
    warnings: list[str] = field(default_factory=list)


def default_path(env: Mapping[str, str]) -> Path | None:
    if env.get("RECOTRACK_CONFIG"):
        return Path(env["RECOTRACK_CONFIG"])
    base = env.get("XDG_CONFIG_HOME")
    if base:
        return Path(base) / "recotrack" / "cli.toml"
    home = env.get("HOME")
    return Path(home) / ".config" / "recotrack" / "cli.toml" if home else None


def read_file(path: Path, *, required: bool) -> tuple[dict[str, str], list[str]]:
    """The file's `url` and `token` (either may be missing), and warnings about it."""
    try:
        raw = path.read_bytes()
        mode = path.stat().st_mode
    except FileNotFoundError:
        if required:
            raise ConfigError(f"config file {path}: not found") from None
        return {}, []
    except OSError as exc:
        raise ConfigError(f"config file {path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config file {path}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"config file {path}: unknown key {', '.join(map(repr, unknown))} "
            f"(it may hold {' and '.join(KEYS)})"
        )
    values: dict[str, str] = {}
    for key in KEYS:
        if key in data:
            if not isinstance(data[key], str) or not data[key]:
                raise ConfigError(f"config file {path}: {key} must be a non-empty string")
            values[key] = data[key]
    warnings = []
    if "token" in values and stat.S_IMODE(mode) & 0o077:
        warnings.append(
            f"warning: config file {path} holds a token and others may read it (chmod 600 {path})"
        )
    return values, warnings


def resolve(
    *,
    url: str | None,
    token: str | None,
    config: str | None,
    env: Mapping[str, str],
) -> Settings:
    """Flags win, then `RECOTRACK_URL` / `RECOTRACK_TOKEN`, then the config file."""
    path = Path(config) if config else default_path(env)
    file_values: dict[str, str] = {}
    warnings: list[str] = []
    needs_file = not (url or env.get("RECOTRACK_URL")) or not (token or env.get("RECOTRACK_TOKEN"))
    if path is not None and (needs_file or config):
        file_values, warnings = read_file(path, required=config is not None)
    where = f"url in {path}" if path is not None else "a config file"
    chosen_url, url_from = next(
        (
            (value, origin)
            for value, origin in (
                (url, "--url"),
                (env.get("RECOTRACK_URL"), "RECOTRACK_URL"),
                (file_values.get("url"), str(path)),
            )
            if value
        ),
        (None, ""),
    )
    if not chosen_url:
        raise ConfigError(f"no server given: use --url, set RECOTRACK_URL, or put {where}")
    try:
        parts = urlsplit(chosen_url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        valid = False
    if not valid:
        raise ConfigError(f"{url_from}: not an http(s) URL: {redact(chosen_url)!r}")
    chosen_url = service_address(chosen_url, url_from)
    chosen_token = token or env.get("RECOTRACK_TOKEN") or file_values.get("token")
    if not chosen_token:
        token_where = f"token in {path}" if path is not None else "a config file"
        raise MissingToken(
            f"no token given: set RECOTRACK_TOKEN, put {token_where}, or use --token"
        )
    return Settings(chosen_url, chosen_token, url_from, warnings)


def service_address(url: str, origin: str) -> str:
    """The service's address from what was given: `https://host`, or the same with the API's
    `/v1` after it (which the SDK adds itself); any other path is refused, saying what to give."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if path in ("", "/v1") and not parts.query and not parts.fragment:
        return urlunsplit(parts._replace(path="", query="", fragment=""))
    root = redact(urlunsplit((parts.scheme, parts.netloc, "", "", "")))
    raise ConfigError(
        f"{origin}: give the service's address without a path, e.g. {root} "
        f"(not {redact(url)}: the CLI adds /v1/… itself)"
    )


def redact(url: str) -> str:
    """The URL without a user name or password in it."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


class MissingToken(ConfigError):
    """No token anywhere: an authentication failure before any request."""
