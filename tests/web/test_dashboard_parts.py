"""The dashboard's pure parts: filters from a form, where sign-in may lead, chart arithmetic,
colour contrast of the charts' labels, Swedish dates and numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from recotrack.web.charts import SERIES, grouped_bars, nice_ticks, stacked_bars
from recotrack.web.filters import BadFilter, parse_list_query
from recotrack.web.i18n import TEXTS, Words, pick_lang
from recotrack.web.overview import swedish_key
from recotrack.web.pages import timeline_of
from recotrack.web.session import local_target
from recotrack_sdk.models import ProgressReport


def test_an_empty_form_filters_nothing() -> None:
    asked = parse_list_query(
        {"q": [""], "agency": [""], "overdue": [""], "issued_from": [""], "sort": [""]}
    )
    assert asked.filters.q is None
    assert asked.filters.agency is None
    assert asked.filters.overdue is None
    assert asked.filters.issued_from is None
    assert asked.sort is None
    assert asked.cursor is None


def test_a_filled_form_is_the_apis_filter() -> None:
    asked = parse_list_query(
        {
            "q": [" styrning "],
            "state": ["closed", "issued", "closed"],
            "area": ["results"],
            "priority": ["high"],
            "overdue": ["true"],
            "issued_from": ["2025-01-01"],
            "due_before": ["2026-06-30"],
            "sort": ["-issued_on"],
        }
    )
    f = asked.filters
    assert f.q == "styrning"
    assert f.state == ["closed", "issued"]
    assert f.area == ["results"]
    assert f.priority == ["high"]
    assert f.overdue is True
    assert f.issued_from == dt.date(2025, 1, 1)
    assert f.due_before == dt.date(2026, 6, 30)
    assert asked.sort == "-issued_on"


def test_relevance_without_a_search_is_the_default_order() -> None:
    assert parse_list_query({"sort": ["relevance"]}).sort is None
    assert parse_list_query({"sort": ["relevance"], "q": ["x"]}).sort == "relevance"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"state": ["open"]}, "state"),
        ({"area": ["everything"]}, "area"),
        ({"overdue": ["yes"]}, "overdue"),
        ({"issued_to": ["31/12/2025"]}, "issued_to"),
        ({"sort": ["random"]}, "sort"),
        ({"q": ["a" * 201]}, "q"),
        ({"q": ["a", "b"]}, "q"),
        ({"agency": ["x"] * 51}, "agency"),
    ],
)
def test_a_bad_filter_names_its_parameter(query: dict[str, list[str]], parameter: str) -> None:
    with pytest.raises(BadFilter) as caught:
        parse_list_query(query)
    assert caught.value.parameter == parameter


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/dashboard/recommendations?state=closed", "/dashboard/recommendations?state=closed"),
        ("/dashboard", "/dashboard"),
        ("", "/dashboard/"),
        ("/dashboard/sign-in", "/dashboard/"),
        ("/dashboard/sign-out", "/dashboard/"),
        ("https://evil.example/dashboard/", "/dashboard/"),
        ("//evil.example/dashboard", "/dashboard/"),
        ("/\\evil.example", "/dashboard/"),
        ("/dashboard\r\nSet-Cookie: x=y", "/dashboard/"),
        ("/v1/stats", "/dashboard/"),
    ],
)
def test_sign_in_leads_only_to_the_dashboard(target: str, expected: str) -> None:
    assert local_target(target) == expected


def test_ticks_are_round_and_reach_the_maximum() -> None:
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(20) == [0, 5, 10, 15, 20]
    assert nice_ticks(43) == [0, 10, 20, 30, 40, 50]
    assert nice_ticks(62) == [0, 20, 40, 60, 80]
    assert nice_ticks(3) == [0, 1, 2, 3]
    for maximum in range(200):
        ticks = nice_ticks(maximum)
        assert ticks[-1] >= maximum
        assert len(ticks) <= 7


def test_stacked_bars_share_one_scale_and_skip_empty_parts() -> None:
    chart = stacked_bars(
        [
            ("Skatteverket", [("issued", "Utfärdad", 3), ("closed", "Avslutad", 0)]),
            ("Centrala studiestödsnämnden", [("issued", "Utfärdad", 1), ("closed", "Avslutad", 9)]),
        ]
    )
    first, second = chart.bars
    assert [s.key for s in first.segments] == ["issued"]
    assert [s.count for s in second.segments] == [1, 9]
    scale = first.segments[0].width / 3
    assert second.segments[1].width == pytest.approx(9 * scale)
    assert second.segments[1].x == pytest.approx(second.segments[0].x + scale)
    assert chart.label_width >= len("Centrala studiestödsnämnden") * 7
    assert all(b.total_x <= chart.width for b in chart.bars)


def test_grouped_bars_stand_on_one_baseline() -> None:
    chart = grouped_bars([("2026 K1", "K1", "2026", [("issued_q", "Utfärdade", 4)])] * 3)
    for group in chart.groups:
        (column,) = group.columns
        assert column.y + column.height == pytest.approx(chart.baseline)
        assert chart.plot_left <= column.x <= chart.plot_right


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("key", sorted(SERIES))
def test_numbers_on_bars_meet_wcag_contrast(key: str) -> None:
    series = SERIES[key]
    assert contrast(series.text, series.fill) >= 4.5  # the number on the bar's colour
    assert contrast(series.text, series.halo) >= 4.5  # and on its halo, over any pattern
    assert contrast("#1f2937", "#ffffff") >= 3  # every part's outline against the page


def test_every_text_has_both_languages() -> None:
    assert all(len(pair) == 2 and all(pair) for pair in TEXTS.values())


def test_dates_and_numbers_the_swedish_way() -> None:
    sv, en = Words("sv"), Words("en")
    day = dt.date(2026, 3, 14)
    assert sv.date(day) == en.date(day) == "2026-03-14"
    assert sv.long_date(day) == "14 mars 2026"
    assert en.long_date(day) == "14 March 2026"
    late = dt.datetime(2026, 3, 14, 23, 30, tzinfo=dt.UTC)  # already the 15th in Stockholm
    assert sv.long_date(late) == "15 mars 2026"
    assert sv.moment(late) == "2026-03-15 00:30"
    assert sv.number(12345.5, 1) == "12\u00a0345,5"
    assert en.number(12345.5, 1) == "12,345.5"
    assert sv.percent(0.214) == "21\u00a0%"
    assert sv.quarter(dt.date(2026, 4, 1)) == "2026 K2"
    assert en.quarter(dt.date(2026, 10, 1)) == "2026 Q4"
    assert sv.label("area", "governance") == "Styrning och ledning"
    assert en.label("state", "in_progress") == "In progress"


def test_swedish_is_the_default_language() -> None:
    assert pick_lang(None, None) == "sv"
    assert pick_lang("en", "sv") == "en"
    assert pick_lang(None, "en") == "en"
    assert pick_lang("de", "fr") == "sv"


def test_agencies_sort_in_swedish_alphabetical_order() -> None:
    names = ["Örebro", "Ängelholm", "Åklagarmyndigheten", "Zeta", "arbetsförmedlingen"]
    assert sorted(names, key=swedish_key) == [
        "arbetsförmedlingen",
        "Zeta",
        "Åklagarmyndigheten",
        "Ängelholm",
        "Örebro",
    ]


def test_the_timeline_runs_in_the_order_of_writing() -> None:
    """A batch's reports share their moment and may be dated in any order; one sent later but
    dated earlier is still the last: the timeline is in the order written, as "latest" is."""
    batch = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

    def report(n: int, day: int, at: dt.datetime) -> ProgressReport:
        return ProgressReport(
            id=str(n),
            recommendation_id="r",
            status="in_progress",
            note=f"steg {n}",
            percent_complete=None,
            evidence=[],
            reported_on=dt.date(2026, 2, day),
            external_ref=None,
            created_at=at,
        )

    written = [
        report(0, 20, batch),
        report(1, 10, batch),
        report(2, 25, batch),
        report(3, 1, batch + dt.timedelta(days=5)),
    ]
    entries = timeline_of(dt.date(2026, 1, 15), None, written, [], None)
    assert [e.kind for e in entries] == ["issued", "progress", "progress", "progress", "progress"]
    assert [e.note for e in entries[1:]] == ["steg 0", "steg 1", "steg 2", "steg 3"]
