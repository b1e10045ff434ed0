"""Failures: an exit status and one line on stderr, never a traceback, never the token; and
where the URL and token come from (flags, then the environment, then the config file)."""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, Ran, Shared

COMMANDS = [["status"], ["list"], ["show", "2025-SKV-001"], ["overdue"], ["stats"]]


@pytest.fixture
def cli(shared_service: Shared, tmp_path: Path) -> Cli:
    """One live service for this module (the CLI only reads from it), with no data; each test
    has a home directory of its own."""
    return shared_service.fresh_home(tmp_path)


@pytest.fixture
def demo(shared_demo: Shared, tmp_path: Path) -> Cli:
    return shared_demo.fresh_home(tmp_path)


def _one_line_error(ran: Ran, status: int, starts: str) -> str:
    assert ran.status == status, ran
    assert ran.stdout == ""
    assert ran.stderr.endswith("\n"), ran.stderr
    assert ran.stderr.count("\n") == 1, ran.stderr
    assert "Traceback" not in ran.stderr
    assert ran.stderr.startswith(f"recotrack-cli: {starts}"), ran.stderr
    return ran.stderr


@contextlib.contextmanager
def _closed_port() -> Iterator[str]:
    """A loopback URL where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def _silent_server() -> Iterator[str]:
    """A loopback URL that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextlib.contextmanager
def _answering(status: int, body: bytes, content_type: str) -> Iterator[str]:
    """A loopback HTTP server that answers every GET with `status` and `body`."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- the service says no -------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
async def test_a_bad_token_is_an_authentication_failure(cli: Cli, command: list[str]) -> None:
    token = "rt_this-is-not-a-token-SECRET"
    ran = await cli.run(*command, "--json", env={"RECOTRACK_TOKEN": token})
    line = _one_line_error(ran, 3, "authentication failed: ")
    assert token not in line
    assert "SECRET" not in line
    assert "[request " in line  # the request id, to quote when asking for help


async def test_a_token_given_as_a_flag_is_not_printed_either(cli: Cli) -> None:
    token = "rt_flag-SECRET-token"
    ran = await cli.run("stats", "--token", token, who=None)
    assert token not in _one_line_error(ran, 3, "authentication failed: ")


async def test_no_token_at_all(cli: Cli) -> None:
    ran = await cli.run("status", who=None)
    line = _one_line_error(ran, 3, "authentication failed: no token given")
    assert "RECOTRACK_TOKEN" in line


async def test_a_filter_the_service_refuses_is_a_usage_error(cli: Cli) -> None:
    ran = await cli.run("list", "--sort", "relevance")
    line = _one_line_error(ran, 2, "refused by the service: ")
    assert "sort=relevance needs a search: give q (sort: relevance needs q)" in line
    too_long = await cli.run("list", "-q", "x" * 201)
    assert "(q: " in _one_line_error(too_long, 2, "refused by the service: ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--issued-from", "2026-13-01"], "argument --issued-from: not a date"),
        (["list", "--area", "governance,nope"], "argument --area: invalid choice 'nope'"),
        (["list", "--state", "open"], "argument --state: invalid choice 'open'"),
        (["list", "--limit", "0"], "argument --limit: not a positive whole number"),
        (["list", "--sort", "title"], "argument --sort: invalid choice: 'title'"),
        (["list", "--json", "--csv"], "argument --csv: not allowed with argument --json"),
        (["overdue", "--overdue"], "unrecognized arguments: --overdue"),
        (["show"], "the following arguments are required: CODE"),
        (["lsit"], "argument COMMAND: invalid choice: 'lsit'"),
        ([], "the following arguments are required: COMMAND"),
        (["status", "--timeout", "0"], "argument --timeout: not a positive number"),
        (["status", "--retries", "²"], "argument --retries: not a whole number 0 or more"),
    ],
)
async def test_bad_arguments_are_one_line_and_exit_2(
    cli: Cli, args: list[str], message: str
) -> None:
    ran = await cli.run(*args)
    assert ran.status == 2
    assert ran.stdout == ""
    assert ran.stderr.count("\n") == 1, ran.stderr
    assert ran.stderr.startswith("recotrack-cli")
    assert message in ran.stderr, ran.stderr
    assert "--help)" in ran.stderr


async def test_help_and_version(cli: Cli) -> None:
    for args in (["--help"], ["status", "--help"], ["list", "-h"]):
        ran = await cli.run(*args)
        assert ran.status == 0
        assert ran.stdout.startswith("usage: recotrack-cli")
    status_help = (await cli.run("status", "--help")).stdout
    assert "Worst first: the most overdue" in status_help
    assert "exit status:" in status_help
    version = await cli.run("--version")
    assert (version.status, version.stdout) == (0, "recotrack-cli 0.1.0\n")


# --- the service is not there, or not itself -----------------------------------------------


async def test_a_server_that_is_down(cli: Cli) -> None:
    with _closed_port() as url:
        for retries in ("0", "1"):
            ran = await cli.run("status", "--retries", retries, env={"RECOTRACK_URL": url})
            line = _one_line_error(ran, 5, f"cannot reach {url}: ")
            assert "refused" in line.lower()


async def test_a_server_that_does_not_answer(cli: Cli) -> None:
    with _silent_server() as url:
        ran = await cli.run(
            "list", "--timeout", "0.3", "--retries", "0", env={"RECOTRACK_URL": url}
        )
        assert _one_line_error(ran, 5, "cannot reach ") == (
            f"recotrack-cli: cannot reach {url}: no answer in time\n"
        )


async def test_a_password_in_the_url_is_not_printed(cli: Cli) -> None:
    with _closed_port() as url:
        secret_url = url.replace("http://", "http://admin:hunter2@")
        ran = await cli.run("stats", "--retries", "0", "--url", secret_url)
        line = _one_line_error(ran, 5, f"cannot reach {url}: ")
        assert "hunter2" not in line


async def test_a_server_error_and_a_server_that_is_not_recotrack(cli: Cli) -> None:
    problem = json.dumps(
        {
            "type": "https://recotrack.se/problems/internal",
            "title": "Internal",
            "status": 500,
            "detail": "the database\nis gone",
        }
    ).encode()
    with _answering(500, problem, "application/problem+json") as url:
        ran = await cli.run("stats", "--retries", "0", env={"RECOTRACK_URL": url})
        line = _one_line_error(ran, 1, "the service failed: 500 ")
        assert "the database is gone" in line  # one line, whatever the service sent
    page = b"<html>\n<body>Welcome to nginx!</body>\n</html>\n"
    with _answering(200, page, "text/html") as url:
        ran = await cli.run("stats", env={"RECOTRACK_URL": url})
        _one_line_error(ran, 1, f"unexpected answer from {url} (is it recotrack?): ")
    with _answering(404, page, "text/html") as url:
        ran = await cli.run("list", env={"RECOTRACK_URL": url})
        assert "Welcome to nginx!" in _one_line_error(ran, 4, "not found: ")


async def test_a_closed_pipe_ends_quietly(demo: Cli) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, s: str) -> int:
            raise BrokenPipeError

    ran = await demo.run("list", "--json", stdout=ClosedPipe())
    assert (ran.status, ran.stderr) == (141, "")


# --- configuration -------------------------------------------------------------------------


def _config(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


async def test_the_config_file_in_the_home_directory(cli: Cli) -> None:
    _config(
        cli.home / ".config" / "recotrack" / "cli.toml",
        f'url = "{cli.url}"\ntoken = "{cli.tokens["auditor"]}"\n',
    )
    ran = await cli.run("stats", "--json", who=None, env={"RECOTRACK_URL": ""})
    assert (ran.status, ran.stderr) == (0, "")
    assert json.loads(ran.stdout)["total"] == 0


async def test_flags_win_then_the_environment_then_the_file(cli: Cli, tmp_path: Path) -> None:
    with _closed_port() as nowhere:
        config = _config(
            tmp_path / "xdg" / "recotrack" / "cli.toml",
            f'url = "{nowhere}"\ntoken = "rt_from-the-file"\n',
        )
        env = {"XDG_CONFIG_HOME": str(config.parents[1]), "RECOTRACK_URL": ""}
        # the file alone: its (unreachable) URL
        ran = await cli.run("stats", "--retries", "0", who=None, env=env)
        _one_line_error(ran, 5, f"cannot reach {nowhere}")
        # the environment's URL wins over the file's; the file's token is used, and is bad
        ran = await cli.run("stats", who=None, env={**env, "RECOTRACK_URL": cli.url})
        _one_line_error(ran, 3, "authentication failed")
        # the environment's token wins over the file's
        ran = await cli.run("stats", env={**env, "RECOTRACK_URL": cli.url})
        assert ran.status == 0
        # a flag wins over the environment
        ran = await cli.run(
            "stats", "--token", "rt_from-the-flag", env={**env, "RECOTRACK_URL": cli.url}
        )
        _one_line_error(ran, 3, "authentication failed")
        ran = await cli.run("stats", "--retries", "0", "--url", nowhere)
        _one_line_error(ran, 5, f"cannot reach {nowhere}")
        # --config names another file, and RECOTRACK_CONFIG too
        other = _config(
            tmp_path / "other.toml", f'url = "{cli.url}"\ntoken = "{cli.tokens["secretariat"]}"'
        )
        for how in (["--config", str(other)], []):
            ran = await cli.run(
                "stats", *how, who=None, env={**env, "RECOTRACK_CONFIG": str(other)}
            )
            assert (ran.status, ran.stderr) == (0, "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('url = "http://x"\ntokne = "rt_x"\n', "unknown key 'tokne'"),
        ("url = http://x\n", "not valid TOML"),
        ("url = 42\n", "url must be a non-empty string"),
        ('url = "ftp://x"\ntoken = "rt_x"\n', "not an http(s) URL: 'ftp://x'"),
        ('url = "http://me:pw@x:port"\ntoken = "rt_x"\n', "not an http(s) URL: 'http://x:port'"),
        ('url = "https://"\ntoken = "rt_x"\n', "not an http(s) URL: 'https://'"),
    ],
)
async def test_a_bad_config_file(cli: Cli, tmp_path: Path, text: str, message: str) -> None:
    path = _config(tmp_path / "cli.toml", text)
    ran = await cli.run("status", "--config", str(path), who=None, env={"RECOTRACK_URL": ""})
    assert message in _one_line_error(ran, 2, "")
    assert "rt_x" not in ran.stderr
    assert "pw" not in ran.stderr


async def test_a_missing_config_file_or_url(cli: Cli, tmp_path: Path) -> None:
    ran = await cli.run("status", "--config", str(tmp_path / "nope.toml"))
    _one_line_error(ran, 2, f"config file {tmp_path / 'nope.toml'}: not found")
    ran = await cli.run("status", env={"RECOTRACK_URL": ""})
    line = _one_line_error(ran, 2, "no server given: use --url, set RECOTRACK_URL, or put url in")
    assert str(cli.home / ".config" / "recotrack" / "cli.toml") in line


async def test_a_token_file_others_may_read_is_warned_about(cli: Cli) -> None:
    path = _config(
        cli.home / ".config" / "recotrack" / "cli.toml",
        f'token = "{cli.tokens["secretariat"]}"\n',
        mode=0o644,
    )
    ran = await cli.run("stats", "--json", who=None)
    assert ran.status == 0
    assert ran.stderr == (
        f"warning: config file {path} holds a token and others may read it (chmod 600 {path})\n"
    )
    assert cli.tokens["secretariat"] not in ran.stderr
