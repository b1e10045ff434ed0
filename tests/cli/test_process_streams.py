"""`main()` with no arguments uses the process's own streams. In a module of its own: the
other failure tests share a live service, whose log lines would land in its captured stdout."""

from __future__ import annotations

import pytest

from recotrack_sdk._cli import main


def test_main_uses_the_process_streams_by_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RECOTRACK_URL", raising=False)
    monkeypatch.setenv("HOME", "/nonexistent")
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("RECOTRACK_CONFIG", raising=False)
    monkeypatch.setattr("sys.argv", ["recotrack-cli", "status"])
    assert main() == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("recotrack-cli: no server given")
