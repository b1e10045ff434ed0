"""A refused filter of the dashboard's list says what it takes, in Swedish and in English: a
date's form, the values of a choice (with their labels), the limits."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from recotrack.web.filters import BadFilter, parse_list_query
from recotrack.web.i18n import Words
from tests.web.conftest import Demo
from tests.web.test_dashboard import client, page, sign_in

__all__ = ["client"]  # the fixture, used by the page's tests

SAID = [
    (
        {"issued_to": ["31/12/2025"]},
        "inte ett datum; skriv ÅÅÅÅ-MM-DD, till exempel 2026-01-15",
        "not a date; write YYYY-MM-DD, such as 2026-01-15",
    ),
    (
        {"due_before": ["2026-02-30"]},
        "inte ett datum; skriv ÅÅÅÅ-MM-DD, till exempel 2026-01-15",
        "not a date; write YYYY-MM-DD, such as 2026-01-15",
    ),
    (
        {"priority": ["high", "urgent"]},
        "okänt värde 'urgent'; välj ett av high (Hög), medium (Medel), low (Låg)",
        "unknown value 'urgent'; choose one of high (High), medium (Medium), low (Low)",
    ),
    (
        {"overdue": ["perhaps"]},
        "skriv true (ja) eller false (nej)",
        "write true (yes) or false (no)",
    ),
    ({"q": ["a" * 201]}, "högst 200 tecken", "at most 200 characters"),
    ({"agency": ["x"] * 51}, "högst 50 värden", "at most 50 values"),
    ({"q": ["a", "b"]}, "ange bara ett värde", "give one value only"),
]


@pytest.mark.parametrize(("query", "sv", "en"), SAID, ids=[next(iter(q)) for q, _, _ in SAID])
def test_a_bad_filter_says_what_it_takes_in_both_languages(
    query: dict[str, list[str]], sv: str, en: str
) -> None:
    with pytest.raises(BadFilter) as caught:
        parse_list_query(query)
    assert caught.value.said(Words("sv")) == sv
    assert caught.value.said(Words("en")) == en


def test_a_bad_state_or_order_lists_every_choice() -> None:
    with pytest.raises(BadFilter) as caught:
        parse_list_query({"state": ["open"]})
    said = caught.value.said(Words("sv"))
    assert said.startswith("okänt värde 'open'; välj ett av draft (Utkast), issued (Utfärdad)")
    assert said.endswith("closed (Avslutad)")
    with pytest.raises(BadFilter) as caught:
        parse_list_query({"sort": ["random"]})
    said = caught.value.said(Words("en"))
    assert said.startswith("unknown value 'random'; choose one of created (As created), ")
    assert "-code (Code, reversed)" in said


@pytest.mark.parametrize(
    ("lang", "detail"),
    [
        ("sv", "issued_from: inte ett datum; skriv ÅÅÅÅ-MM-DD, till exempel 2026-01-15"),
        ("en", "issued_from: not a date; write YYYY-MM-DD, such as 2026-01-15"),
    ],
)
async def test_the_error_page_says_it_in_the_readers_language(
    client: AsyncTestClient[Any], demo: Demo, lang: str, detail: str
) -> None:
    await sign_in(client, demo.tokens["secretariat"])
    doc = await page(
        client, f"/dashboard/recommendations?issued_from=2026-13-45&lang={lang}", status=400
    )
    assert doc.one("p", **{"class": "detail"}).full_text == detail
