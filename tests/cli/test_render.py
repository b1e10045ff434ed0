"""Tables, CSV, JSON and the progress bar, on their own: widths of Swedish (and other) text,
quoting, and what the bar draws."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
import unicodedata

import pytest

from recotrack_sdk._cli._export import safe_filename
from recotrack_sdk._cli._progress import Progress, byte_count
from recotrack_sdk._cli._render import (
    CsvWriter,
    clean,
    csv_cell,
    display,
    fields,
    json_array,
    local_time,
    table,
    truncate,
    width,
)
from tests.cli.conftest import Terminal

NFD = unicodedata.normalize("NFD", "Lantmäteriet")  # 'a' + U+0308: 13 code points


def test_width_counts_columns_not_code_points() -> None:
    assert len(NFD) == 13
    assert width(NFD) == width("Lantmäteriet") == 12
    assert width("Försäkringskassan") == 17
    assert width("東京") == 4  # wide
    assert width("a\u200bb") == 2  # zero-width space


def test_a_table_aligns_swedish_letters_however_they_are_written() -> None:
    rows = [
        [NFD, "1"],
        ["Försäkringskassan", "12"],
        [unicodedata.normalize("NFD", "Åsa Öberg"), "123"],
        ["東京都", "4"],
    ]
    lines = table(["agency", "count"], rows, align=["<", ">"])
    assert len({width(line) for line in lines}) == 1, lines
    assert lines[2] == "Lantmäteriet           1"  # NFC in the output
    assert lines[1] == "─────────────────  ─────"


def test_cells_are_one_line_and_cut_to_fit() -> None:
    assert clean("två\nrader\toch\x1b[31m") == "två rader och [31m"
    lines = table(["code", "title"], [["A-1", "Ett mycket långt namn på något"]], fit=20)
    assert lines[2] == "A-1   Ett mycket lå…"
    assert all(width(line) <= 20 for line in lines)
    assert truncate("åäö" * 5, 4) == "åäö…"
    assert truncate("東京都", 4) == "東…"
    assert truncate("kort", 10) == "kort"


def test_fields_align_labels_and_indent_more_lines() -> None:
    lines = fields([("decision", "accepted"), ("planned actions", "- a\n- b"), ("empty", None)])
    assert lines == [
        "decision         accepted",
        "planned actions  - a",
        "                 - b",
    ]


def test_csv_is_rfc_4180() -> None:
    out = io.StringIO(newline="")
    writer = CsvWriter(out, ["a", "b", "c"], "rfc4180")
    writer.row(['kommatecken, och "citat"', "två\nrader", None])
    writer.row([True, dt.date(2026, 3, 1), ["x", "y"]])
    text = out.getvalue()
    assert text == (
        'a,b,c\r\n"kommatecken, och ""citat""","två\nrader",\r\ntrue,2026-03-01,x; y\r\n'
    )
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["a", "b", "c"],
        ['kommatecken, och "citat"', "två\nrader", ""],
        ["true", "2026-03-01", "x; y"],
    ]
    when = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    assert csv_cell(when) == "2026-03-01T12:00:00Z"  # as the API writes it


def test_a_json_array_is_valid_however_long() -> None:
    for n in (0, 1, 3):
        text = "".join(json_array({"n": i, "namn": "Göran"} for i in range(n)))
        assert json.loads(text) == [{"n": i, "namn": "Göran"} for i in range(n)]
        assert "\\u" not in text  # UTF-8, not escapes
        assert text.endswith("\n")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_progress_bar_draws_on_a_terminal_and_wipes_itself() -> None:
    err, clock = Terminal(), Clock()
    with Progress(err, "list", total=200, clock=clock) as bar:
        assert list(bar.track(range(50))) == list(range(50))
        assert bar.line() == "list " + "█" * 8 + "░" * 22 + " 50/200  25%"
        clock.now += 2
        bar.advance(150)
        assert bar.line().endswith("200/200 100% 100/s")
    drawn = err.getvalue()
    assert drawn.startswith("\rlist ░")  # drawn at once
    assert "200/200 100%" in drawn
    last = drawn.rsplit("\r", 2)
    assert last[-1] == ""
    assert set(last[-2]) == {" "}


def test_the_progress_bar_without_a_total_counts() -> None:
    err, clock = Terminal(), Clock()
    bar = Progress(err, "overdue", clock=clock)
    bar.advance(1500)
    assert bar.line() == "overdue 1 500"
    bar.close()
    grown = Progress(Terminal(), "list", total=10, clock=clock)
    grown.advance(12)  # more came than the figures said
    assert grown.line().endswith("12/12 100%")


def test_the_progress_bar_is_silent_when_disabled() -> None:
    err = Terminal()
    with Progress(err, "list", total=10, enabled=False) as bar:
        bar.advance(10)
    assert err.getvalue() == ""


def test_csv_opens_in_swedish_excel_like_the_apis() -> None:
    """The default dialect: the API's exports' BOM, separator and line ends, decimal commas."""
    from recotrack.exports.csv import header, rows

    out = io.StringIO(newline="")
    writer = CsvWriter(out, ["kod", "andel", "område"])
    writer.row(["2026-SKV-003", 0.25, "förutsättningskapande; och mer"])
    text = out.getvalue()
    api = header(["kod", "andel", "område"], "excel") + rows(
        [["2026-SKV-003", "0,25", "förutsättningskapande; och mer"]], "excel"
    )
    assert text.encode() == api
    assert text.startswith("\ufeffkod;andel;område\r\n")
    assert "0,25" in text
    assert csv_cell(0.25, "rfc4180") == "0.25"


def test_times_are_shown_in_stockholm_and_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")  # the machine's own zone does not matter
    time.tzset()
    try:
        winter = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
        summer = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
        assert display(winter) == "2026-03-01 13:00 CET"
        assert display(summer) == "2026-07-01 14:00 CEST"
        assert local_time(winter) == "2026-03-01 13:00"
        assert csv_cell(winter) == "2026-03-01T12:00:00Z"  # scripts get the API's UTC
    finally:
        monkeypatch.undo()
        time.tzset()


def test_an_exports_file_name_from_the_service_is_a_plain_name() -> None:
    fallback = "recotrack-recommendations.csv"
    assert safe_filename("recotrack-recommendations-2026-12-03.csv", fallback) == (
        "recotrack-recommendations-2026-12-03.csv"
    )
    assert safe_filename("../../etc/passwd", fallback) == "passwd"
    assert safe_filename("..\\..\\autoexec.bat", fallback) == "autoexec.bat"
    assert safe_filename("/srv/data/x.csv", fallback) == "x.csv"
    assert safe_filename(".bashrc", fallback) == "bashrc"
    assert safe_filename("rad\nbrytning\x00.csv", fallback) == "rad_brytning_.csv"
    assert safe_filename("..", fallback) == fallback
    assert safe_filename(None, fallback) == fallback
    assert safe_filename("åtgärder.csv", fallback) == "åtgärder.csv"


def test_a_download_counts_bytes() -> None:
    assert [byte_count(n) for n in (0, 999, 1000, 12_345, 4_100_000, 7 * 10**12)] == [
        "0 B",
        "999 B",
        "1,0 kB",
        "12,3 kB",
        "4,1 MB",
        "7000,0 GB",
    ]
    clock = iter([0.0, 0.0, 2.0]).__next__
    bar = Progress(Terminal(), "export", render=byte_count, clock=clock)
    bar.advance(5_000)
    assert bar.line(2.0) == "export 5,0 kB 2,5 kB/s"
