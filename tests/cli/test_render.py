"""Tables, CSV, JSON and the progress bar, on their own: widths of Swedish (and other) text,
quoting, and what the bar draws."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata

from recotrack_sdk._cli._progress import Progress
from recotrack_sdk._cli._render import (
    CsvWriter,
    clean,
    csv_cell,
    fields,
    json_array,
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
    writer = CsvWriter(out, ["a", "b", "c"])
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
