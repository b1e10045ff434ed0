"""The dashboard in a real headless browser (Debian's Chromium through Playwright), against the
live service with the demo data: sign in, the overview and its charts with the API's numbers,
keyboard use, filters, a recommendation, a download, and an agency that sees only itself; and
the benchmarks and good examples on a database of their own.

Skipped, with the reason, where no Chromium is installed (`apt-get install chromium`);
`RECOTRACK_CHROMIUM` names another binary. One browser for the module, a context per test.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.helpers import Api
from tests.live import serve
from tests.web.conftest import ARTIFACTS, Demo
from tests.web.test_dashboard_learning import example, figures, three_examples

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

CHROMIUM = Path(os.environ.get("RECOTRACK_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
# Chromium's rendering, keyboard and layout: the same on any PostgreSQL (the pages' data is
# checked on each by tests/web/test_dashboard*.py), so .ci/run's second run leaves them out.
pytestmark = pytest.mark.once


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():  # noqa: ASYNC240  # once, before anything runs
        pytest.skip(
            f"no Chromium at {CHROMIUM}: install it (apt-get install chromium) to run these"
        )
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture(scope="module")
async def site(demo: Demo) -> AsyncIterator[str]:
    """The service on a loopback port, with its default settings (Secure cookies: Chromium
    treats http://127.0.0.1 as a secure context)."""
    async with serve(demo.url) as url:
        yield url


async def new_page(browser: Browser) -> Page:
    context = await browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="sv-SE"
    )
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


async def sign_in(page: Page, site: str, token: str) -> None:
    await page.goto(f"{site}/dashboard/")
    assert "/dashboard/sign-in" in page.url
    await page.get_by_label("API-token").fill(token)
    await page.get_by_role("button", name="Logga in").click()
    await page.wait_for_url(lambda url: "/sign-in" not in url)


async def api(site: str, token: str, path: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=site, timeout=30) as client:
        r = await client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return r


_CHART_JS = """svg => [...svg.querySelectorAll('g.bar, g.group')].map(g => ({
    label: g.dataset.label,
    total: g.querySelector('text.total')?.textContent ?? null,
    parts: [...g.querySelectorAll('rect')].map(r => ({
        series: r.dataset.series,
        count: Number(r.dataset.count),
        width: r.getBBox().width,
        height: r.getBBox().height,
    })),
    numbers: [...g.querySelectorAll('text.count')].map(t => Number(t.textContent)),
}))"""


async def chart(page: Page, chart_id: str) -> list[dict[str, Any]]:
    svg = page.locator(f"svg#{chart_id}")
    assert await svg.is_visible()
    box = await svg.bounding_box()
    assert box is not None
    assert box["width"] > 500
    assert box["height"] > 40
    bars: list[dict[str, Any]] = await svg.evaluate(_CHART_JS)
    return bars


def _one_scale(sizes: list[tuple[int, float]]) -> None:
    """Drawn sizes proportional to the numbers: one scale for every part of a chart."""
    scales = [size / count for count, size in sizes if count]
    assert scales
    assert max(scales) - min(scales) < 0.01 * max(scales)


async def test_the_secretariat_reads_the_overview_filters_and_downloads(
    browser: Browser, site: str, demo: Demo, tmp_path_factory: pytest.TempPathFactory
) -> None:
    page = await new_page(browser)
    token = demo.tokens["secretariat"]
    await sign_in(page, site, token)
    assert await page.get_by_role("heading", level=1).inner_text() == "Översikt"
    assert await page.evaluate("document.documentElement.lang") == "sv"

    # the charts, as drawn, carry the API's numbers
    stats = (await api(site, token, "/v1/stats")).json()
    agencies = (await api(site, token, "/v1/agencies")).json()["items"]
    names = {a["id"]: a["name"] for a in agencies}
    expected: dict[str, Counter[str]] = defaultdict(Counter)
    for c in stats["counts"]:
        expected[names[c["agency_id"]]][c["state"]] += c["count"]

    bars = await chart(page, "chart-agencies")
    assert {b["label"] for b in bars} == set(expected)
    for bar in bars:
        drawn = {p["series"]: p["count"] for p in bar["parts"]}
        assert drawn == {s: n for s, n in expected[bar["label"]].items() if n}
        assert bar["total"] == str(sum(expected[bar["label"]].values()))
        assert set(bar["numbers"]) <= set(drawn.values())  # labels inside say the same
    _one_scale([(p["count"], p["width"]) for b in bars for p in b["parts"]])

    areas = await chart(page, "chart-areas")
    assert len(areas) == 5
    assert sum(int(b["total"]) for b in areas) == stats["total"]

    quarters = await chart(page, "chart-quarters")
    issued = sum(p["count"] for g in quarters for p in g["parts"] if p["series"] == "issued_q")
    closed = sum(p["count"] for g in quarters for p in g["parts"] if p["series"] == "closed_q")
    assert issued == await demo.db.fetchval(
        "select count(*) from recommendation where issued_on is not null"
    )
    assert closed == await demo.db.fetchval("select count(*) from closure")
    _one_scale([(p["count"], p["height"]) for g in quarters for p in g["parts"]])
    for group in quarters:  # every bar's number is written over it, zeros too
        assert group["numbers"] == [p["count"] for p in group["parts"]]

    shot = tmp_path_factory.getbasetemp() / "dashboard-overview.png"
    await page.screenshot(path=str(shot), full_page=True)
    ARTIFACTS.append(("overview screenshot", shot))
    print(f"overview screenshot: {shot}")

    # the keyboard: the first Tab reaches the skip link, which leads into the content
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "Hoppa till huvudinnehållet"
    outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"

    # filter through the form
    await page.get_by_role("link", name="Rekommendationer", exact=True).click()
    await page.get_by_label("Sök i text").fill("styrning")
    await page.get_by_label("Pågår", exact=True).check()
    await page.get_by_role("button", name="Filtrera").click()
    await page.wait_for_url(lambda url: "q=styrning" in url)
    codes = await page.locator("#results td.code a").all_inner_texts()
    states = set(await page.locator("#results span.state").all_inner_texts())
    listed = (await api(site, token, "/v1/recommendations?q=styrning&state=in_progress")).json()
    assert codes == [item["code"] for item in listed["items"]]
    assert codes
    assert states == {"Pågår"}

    # download this selection: the API's export of it
    async with page.expect_download() as event:
        await page.locator("#export-csv").click()
    download = await event.value
    assert download.suggested_filename.endswith(".csv")
    saved = await download.path()
    content = await asyncio.to_thread(Path(saved).read_bytes)
    theirs = await api(site, token, "/v1/exports/recommendations?q=styrning&state=in_progress")
    assert content == theirs.content

    # open one
    await page.get_by_role("link", name=codes[0]).click()
    await page.wait_for_url(lambda url: "/dashboard/recommendations/" in url)
    assert codes[0] in await page.get_by_role("heading", level=1).inner_text()
    assert await page.locator("ol.timeline li").count() >= 1
    assert await page.get_by_role("heading", name="Myndighetens svar").is_visible()
    await page.context.close()


async def test_an_agency_sees_only_itself_and_can_read_english(
    browser: Browser, site: str, demo: Demo
) -> None:
    page = await new_page(browser)
    await sign_in(page, site, demo.tokens["skatteverket"])
    rows = await page.locator("#agency-table tbody tr").all_inner_texts()
    assert len(rows) == 1
    assert rows[0].startswith("Skatteverket")
    assert [b["label"] for b in await chart(page, "chart-agencies")] == ["Skatteverket"]
    assert "Försäkringskassan" not in await page.content()

    theirs = await demo.db.fetchval(
        "select id::text from recommendation where agency_id = 'forsakringskassan' limit 1"
    )
    response = await page.goto(f"{site}/dashboard/recommendations/{theirs}")
    assert response is not None
    assert response.status == 404
    assert await page.get_by_role("heading", level=1).inner_text() == "Hittades inte"

    await page.goto(f"{site}/dashboard/recommendations?agency=forsakringskassan")
    assert await page.locator("#results tbody tr").count() == 0
    assert await page.locator("#no-results").is_visible()
    await page.goto(f"{site}/dashboard/recommendations")
    shown = await page.locator("#results tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.agency)"
    )
    assert shown
    assert set(shown) == {"skatteverket"}

    async with page.expect_navigation():  # read the new page, not the one being left
        await page.get_by_role("link", name="In English").click()
    assert await page.evaluate("document.documentElement.lang") == "en"
    assert await page.get_by_role("heading", level=1).inner_text() == "Recommendations"
    await page.context.close()


async def test_the_api_reference_renders_from_our_own_origin(browser: Browser, site: str) -> None:
    """Offline, as a browser sees it: the page draws the reference with no request to another
    origin and nothing refused by its own policy."""
    page = await new_page(browser)
    origin = site.rstrip("/")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    await page.goto(f"{origin}/schema")
    title = page.locator(".swagger-ui .info .title")
    await title.wait_for()
    assert "recotrack" in await title.inner_text()
    assert await page.locator(".swagger-ui .opblock").count() > 20  # the operations, drawn
    assert requested
    assert [url for url in requested if not url.startswith(f"{origin}/")] == []
    assert problems == []
    await page.context.close()


# Every element whose right edge is past the viewport, and every box whose content does not
# fit it (scrolled or clipped sideways): what a person at a laptop would not see.
_CUT_OFF_JS = """() => {
    const width = document.documentElement.clientWidth;
    const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '');
    const past = [], clipped = [];
    for (const e of document.body.querySelectorAll('*')) {
        const box = e.getBoundingClientRect();
        if (box.width === 0 && box.height === 0) continue;
        if (e.closest('.visually-hidden, .skip')) continue;
        if (box.right > width + 0.5) past.push(name(e) + ' ' + Math.round(box.right));
        const overflow = getComputedStyle(e).overflowX;
        if (overflow !== 'visible' && e.scrollWidth > e.clientWidth + 1)
            clipped.push(name(e) + ' ' + e.scrollWidth + '>' + e.clientWidth);
    }
    // a select shows its chosen option in its own box, which cuts a long one off
    const measure = document.createElement('canvas').getContext('2d');
    for (const e of document.body.querySelectorAll('select')) {
        const style = getComputedStyle(e);
        measure.font = style.font;
        const text = e.options[e.selectedIndex]?.text ?? '';
        const room = e.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
            - 20;  // the arrow
        if (measure.measureText(text).width > room) clipped.push(name(e) + ' ' + text);
    }
    return {
        width, scroll: document.documentElement.scrollWidth, past, clipped,
    };
}"""


async def test_nothing_is_cut_off_on_a_laptop(browser: Browser, site: str, demo: Demo) -> None:
    """At 1366 × 768, the most common laptop screen: no sideways scrolling, nothing clipped,
    on the overview, the list (its widest page: every column, an agency's long name), a
    recommendation with a long history, an agency's benchmarks and the good examples."""
    context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="sv-SE")
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    await sign_in(page, site, demo.tokens["secretariat"])
    busiest = await demo.db.fetchval(
        """
        select r.id::text from recommendation r
        left join progress_report p on p.recommendation_id = r.id
        group by r.id order by count(p.*) desc, r.code limit 1
        """
    )
    for lang in ("sv", "en"):
        for path in (
            "/dashboard/",
            "/dashboard/recommendations",
            "/dashboard/recommendations?sort=-code&overdue=true",
            f"/dashboard/recommendations/{busiest}",
            "/dashboard/benchmarks?agency=forsakringskassan",
            "/dashboard/good-examples",
        ):
            await page.goto(f"{site}{path}{'&' if '?' in path else '?'}lang={lang}")
            found = await page.evaluate(_CUT_OFF_JS)
            assert found["scroll"] <= found["width"], (path, lang, found)
            assert found["past"] == [], (path, lang)
            assert found["clipped"] == [], (path, lang)
    await context.close()


async def test_the_public_catalogue_reads_in_a_browser_without_signing_in(
    browser: Browser, site: str, demo: Demo, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Anyone's pages: the list, a search, one recommendation with a withheld field, the good
    examples; in both languages, at a laptop's width and a phone's, without sideways
    scrolling; a screenshot of each kept for a person to look at."""
    published = await demo.db.fetchval(
        "select count(*) from recommendation where published and issued_on is not null"
    )
    marked = await demo.db.fetchval(
        "select r.id::text from recommendation r join secrecy s on s.recommendation_id = r.id"
        " where r.published and jsonb_array_length(s.fields) > 0 order by r.code limit 1"
    )
    assert published > 0
    assert marked is not None
    for width, height in ((1366, 768), (390, 844)):
        context = await browser.new_context(
            viewport={"width": width, "height": height}, locale="sv-SE"
        )
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        for lang in ("sv", "en"):
            for name, path in (
                ("list", "/public/"),
                ("recommendation", f"/public/recommendations/{marked}"),
                ("good-examples", "/public/good-examples"),
            ):
                await page.goto(f"{site}{path}?lang={lang}")
                found = await page.evaluate(_CUT_OFF_JS)
                assert found["scroll"] <= found["width"], (path, lang, width, found)
                shot = tmp_path_factory.getbasetemp() / f"public-{name}-{lang}-{width}.png"
                await page.screenshot(path=str(shot), full_page=True)
                ARTIFACTS.append((f"public {name} ({lang}, {width} px)", shot))
        await page.goto(f"{site}/public/?lang=sv")  # the last page asked for English
        count = page.locator("#result-count")
        assert f"{published} rekommendationer" in (await count.text_content() or "")
        await page.get_by_label("Sök i text").fill("styrning")
        await page.get_by_role("button", name="Filtrera").click()
        await page.wait_for_url(lambda url: "q=styrning" in url)
        await page.goto(f"{site}/public/recommendations/{marked}")
        withheld = page.locator("#withheld")
        assert "OSL" in (await withheld.text_content() or "")
        assert "Uppgiften omfattas av sekretess" in await page.content()
        await context.close()


async def test_benchmarks_and_good_examples_in_the_browser(
    browser: Browser, api: Api, live_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """On a database of their own (figures to compare, some withheld, and good examples, one
    with a long address in its summary): the secretariat picks an agency with the form, both
    pages fit a laptop in both languages, and an agency opens its own example's
    recommendation from the list."""
    await figures(api)
    made = await three_examples(api)
    long_summary = (
        "Så här gick det till:\n\n- ett gemensamt **produktråd**\n- en plan per kvartal\n\n"
        "Läs mer: <https://www.example.se/rapporter/2026/produktstyrning-i-forvaltningen-"
        "en-utvardering-av-de-forsta-tre-aren-med-gemensamma-prioriteringar.pdf>"
    )
    await example(api, made["named"]["recommendation_id"], "Ett produktråd", summary=long_summary)
    context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="sv-SE")
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    await sign_in(page, live_url, api.tokens["secretariat"])

    await page.get_by_role("link", name="Jämförelser", exact=True).click()
    await page.wait_for_url(lambda url: url.endswith("/dashboard/benchmarks"))
    assert await page.locator("#choose-first").is_visible()
    await page.get_by_label("Myndighet", exact=True).select_option("skatteverket")
    await page.get_by_role("button", name="Visa").click()
    await page.wait_for_url(lambda url: "agency=skatteverket" in url)
    assert await page.get_by_role("heading", level=1).inner_text() == "Jämförelser: Skatteverket"
    row = page.locator("#bm-open_count tr[data-area='governance']")
    assert await row.locator("td[data-figure='lower_quartile']").inner_text() == "0,5"
    withheld = page.locator("#bm-open_count tr[data-area='competence'] td.withheld")
    assert await withheld.is_visible()
    assert "färre än 3 andra myndigheter" in await withheld.inner_text()

    for path, name in (
        ("/dashboard/benchmarks?agency=skatteverket", "benchmarks"),
        ("/dashboard/good-examples", "good-examples"),
    ):
        for lang in ("sv", "en"):
            await page.goto(f"{live_url}{path}{'&' if '?' in path else '?'}lang={lang}")
            found = await page.evaluate(_CUT_OFF_JS)
            assert found["scroll"] <= found["width"], (path, lang, found)
            assert found["past"] == [], (path, lang)
            assert found["clipped"] == [], (path, lang)
        shot = tmp_path_factory.getbasetemp() / f"dashboard-{name}.png"
        await page.goto(f"{live_url}{path}{'&' if '?' in path else '?'}lang=sv")
        await page.screenshot(path=str(shot), full_page=True)
        ARTIFACTS.append((f"{name} screenshot", shot))
    await context.close()

    page = await new_page(browser)
    await sign_in(page, live_url, api.tokens["skatteverket"])
    await page.get_by_role("link", name="Goda exempel", exact=True).click()
    await page.wait_for_url(lambda url: url.endswith("/dashboard/good-examples"))
    assert await page.locator("article.example").count() == 4
    links = page.locator("article.example dd[data-field='recommendation'] a")
    assert await links.count() == 2  # to its own recommendation, of its two examples
    code = made["named"]["recommendation_code"]
    await links.first.click()
    await page.wait_for_url(lambda url: "/dashboard/recommendations/" in url)
    assert code in await page.get_by_role("heading", level=1).inner_text()
    await page.context.close()
