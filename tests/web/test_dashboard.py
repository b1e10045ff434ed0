"""The dashboard over plain HTTP: sign-in and its cookie, scoping, revocation, expiry,
sign-out, language, filters, the overview's numbers against /v1/stats, exports."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar.testing import AsyncTestClient

from recotrack.app import create_app
from recotrack.settings import Settings
from tests.conftest import as_service
from tests.helpers import secrets_key_file, signing_key_file
from tests.web.conftest import Demo
from tests.web.html import Element, parse

BASE = "https://testserver.local"
COOKIE = "__Host-recotrack-session"


@pytest.fixture
async def client(demo: Demo) -> AsyncIterator[AsyncTestClient[Any]]:
    """The app with its default settings (Secure cookies: so the client speaks HTTPS)."""
    url = as_service(demo.url)  # the app as the service's restricted role
    settings = Settings.from_env(
        {
            "DATABASE_URL": url,
            "RECOTRACK_LOG_LEVEL": "warning",
            "RECOTRACK_SIGNING_KEY_FILE": signing_key_file(),
            "RECOTRACK_SECRETS_KEY_FILE": secrets_key_file(),
        }
    )
    async with AsyncTestClient(create_app(settings, url), base_url=BASE) as client:
        yield client


async def sign_in(client: AsyncTestClient[Any], token: str, **extra: str) -> httpx.Response:
    return await client.post(
        "/dashboard/sign-in", data={"token": token, **extra}, follow_redirects=False
    )


async def page(client: AsyncTestClient[Any], url: str, status: int = 200) -> Element:
    r = await client.get(url, follow_redirects=False)
    assert r.status_code == status, (r.status_code, r.headers.get("location"), r.text[:500])
    assert r.headers["content-type"].startswith("text/html")
    return parse(r.text)


async def api(demo: Demo, client: AsyncTestClient[Any], who: str, url: str) -> httpx.Response:
    """The same app's API, with a bearer token (and without the dashboard's cookie)."""
    r = await client.get(url, headers={"Authorization": f"Bearer {demo.tokens[who]}", "Cookie": ""})
    assert r.status_code == 200, r.text
    return r


def redirected_to_sign_in(r: httpx.Response) -> dict[str, list[str]]:
    assert r.status_code == 303, r.text[:300]
    target = urlsplit(r.headers["location"])
    assert target.path == "/dashboard/sign-in"
    return parse_qs(target.query)


# --- signing in ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/",
        "/dashboard/recommendations?state=closed",
        "/dashboard/recommendations/00000000-0000-0000-0000-000000000000",
        "/dashboard/exports/recommendations.csv",
        "/dashboard/benchmarks?agency=skatteverket",
        "/dashboard/good-examples?area=governance",
    ],
)
async def test_every_page_needs_a_session(client: AsyncTestClient[Any], path: str) -> None:
    r = await client.get(path, follow_redirects=False)
    query = redirected_to_sign_in(r)
    assert query["next"][0].rstrip("/") == path.rstrip("/")
    assert "ended" not in query
    assert "set-cookie" not in r.headers


async def test_sign_in_makes_a_secure_httponly_session_bound_to_the_token(
    client: AsyncTestClient[Any], demo: Demo
) -> None:
    r = await sign_in(client, demo.tokens["secretariat"])
    assert r.status_code == 303
    assert r.headers["location"] == "/dashboard/"
    cookie = r.headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert cookie.startswith(f"{COOKIE}=")
    assert {"httponly", "secure", "path", "samesite", "max-age"} <= attributes
    assert "samesite=lax" in cookie.lower()
    assert "Path=/;" in cookie + ";"
    assert "Max-Age=28800" in cookie  # the default eight hours
    session_id = cookie.split(";")[0].split("=", 1)[1]

    # only the hash is kept, with the token it stands for
    row = await demo.db.fetchrow(
        "select s.token_id::text, t.role from web_session s join token t on t.id = s.token_id "
        "where s.id_hash = $1",
        hashlib.sha256(session_id.encode()).digest(),
    )
    assert row is not None
    assert row["role"] == "secretariat"
    raw = await demo.db.fetchval(
        "select count(*) from web_session where id_hash = $1", session_id.encode()
    )
    assert raw == 0

    overview = await page(client, "/dashboard/")
    assert overview.one("h1").full_text == "Översikt"


async def test_a_wrong_token_is_refused_without_a_session(
    client: AsyncTestClient[Any], demo: Demo
) -> None:
    before = await demo.db.fetchval("select count(*) from web_session")
    r = await sign_in(client, "rt_not-a-real-token")
    assert r.status_code == 422
    assert "set-cookie" not in r.headers
    assert "Token är okänd eller återkallad" in r.text
    assert await demo.db.fetchval("select count(*) from web_session") == before
    redirected_to_sign_in(await client.get("/dashboard/", follow_redirects=False))


async def test_only_the_cookie_opens_the_dashboard_and_only_a_token_the_api(
    client: AsyncTestClient[Any], demo: Demo
) -> None:
    bearer = {"Authorization": f"Bearer {demo.tokens['secretariat']}"}
    redirected_to_sign_in(await client.get("/dashboard/", headers=bearer, follow_redirects=False))
    await sign_in(client, demo.tokens["secretariat"])
    assert (await client.get("/v1/stats")).status_code == 401  # the cookie is no API credential


async def test_after_sign_in_the_page_asked_for_opens(
    client: AsyncTestClient[Any], demo: Demo
) -> None:
    r = await sign_in(
        client, demo.tokens["auditor"], next="/dashboard/recommendations?area=results"
    )
    assert r.headers["location"] == "/dashboard/recommendations?area=results"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/dashboard/",
        "//evil.example/dashboard/",
        "/\\evil.example",
        "/v1/tokens",
        "javascript:alert(1)",
    ],
)
async def test_sign_in_never_sends_one_elsewhere(
    client: AsyncTestClient[Any], demo: Demo, target: str
) -> None:
    r = await sign_in(client, demo.tokens["auditor"], next=target)
    assert r.headers["location"] == "/dashboard/"


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
    ],
)
async def test_a_cross_site_sign_in_is_refused(
    client: AsyncTestClient[Any], demo: Demo, headers: dict[str, str]
) -> None:
    r = await client.post(
        "/dashboard/sign-in",
        data={"token": demo.tokens["secretariat"]},
        headers=headers,
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert "set-cookie" not in r.headers


# --- ending a session ------------------------------------------------------------------------


async def _own_token(client: AsyncTestClient[Any], demo: Demo) -> tuple[str, str]:
    r = await client.post(
        "/v1/tokens",
        json={"role": "agency", "agency_id": "skatteverket", "label": "dashboard test"},
        headers={"Authorization": f"Bearer {demo.tokens['secretariat']}"},
    )
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["token"]


async def test_revoking_the_token_ends_its_sessions(
    client: AsyncTestClient[Any], demo: Demo
) -> None:
    token_id, token = await _own_token(client, demo)
    assert (await sign_in(client, token)).status_code == 303
    await page(client, "/dashboard/")

    r = await client.delete(
        f"/v1/tokens/{token_id}",
        headers={"Authorization": f"Bearer {demo.tokens['secretariat']}", "Cookie": ""},
    )
    assert r.status_code == 200, r.text

    r = await client.get("/dashboard/recommendations", follow_redirects=False)
    assert redirected_to_sign_in(r)["ended"] == ["true"]
    assert f'{COOKIE}=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]
    assert (await sign_in(client, token)).status_code == 422  # nor can it sign in again


async def test_a_session_expires(client: AsyncTestClient[Any], demo: Demo) -> None:
    _, token = await _own_token(client, demo)
    session_id = (await sign_in(client, token)).cookies[COOKIE]
    await page(client, "/dashboard/")
    await demo.db.execute(
        "update web_session set created_at = now() - interval '9 hours', "
        "expires_at = now() - interval '1 hour' where id_hash = $1",
        hashlib.sha256(session_id.encode()).digest(),
    )
    assert redirected_to_sign_in(await client.get("/dashboard/", follow_redirects=False))["ended"]


async def test_sign_out_ends_the_session_and_needs_a_same_origin_post(
    client: AsyncTestClient[Any], demo: Demo
) -> None:
    session_id = (await sign_in(client, demo.tokens["auditor"])).cookies[COOKIE]
    digest = hashlib.sha256(session_id.encode()).digest()

    forged = await client.post(
        "/dashboard/sign-out", headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert await demo.db.fetchval("select count(*) from web_session where id_hash = $1", digest)
    assert (await client.get("/dashboard/sign-out", follow_redirects=False)).status_code == 405

    r = await client.post(
        "/dashboard/sign-out",
        headers={"Sec-Fetch-Site": "same-origin", "Origin": BASE},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"].startswith("/dashboard/sign-in")
    assert "Max-Age=0" in r.headers["set-cookie"]
    assert not await demo.db.fetchval("select count(*) from web_session where id_hash = $1", digest)
    client.cookies.set(COOKIE, session_id)  # a copy of the old cookie opens nothing
    redirected_to_sign_in(await client.get("/dashboard/", follow_redirects=False))


def _has_navigation_and_sign_out(doc: Element) -> None:
    nav = doc.one("nav", aria_label="Huvudmeny")
    assert [a.attrs["href"] for a in nav.all("a")] == [
        "/dashboard/",
        "/dashboard/recommendations",
        "/dashboard/benchmarks",
        "/dashboard/good-examples",
    ]
    form = doc.one("form", action="/dashboard/sign-out")
    assert form.attrs["method"] == "post"
    assert form.one("button").full_text == "Logga ut"


@pytest.mark.parametrize(
    ("method", "url", "status", "headers"),
    [
        ("GET", "/dashboard/recommendations/00000000-0000-0000-0000-000000000000", 404, {}),
        ("GET", "/dashboard/recommendations/not-an-id", 404, {}),
        ("GET", "/dashboard/no/such/page", 404, {}),
        ("GET", "/dashboard/recommendations?state=nonsense", 400, {}),
        ("GET", "/dashboard/recommendations?cursor=garbage", 400, {}),
        ("GET", "/dashboard/benchmarks?agency=forsakringskassan", 404, {}),
        ("GET", "/dashboard/good-examples?area=nonsense", 400, {}),
        ("GET", "/dashboard/good-examples?cursor=garbage", 400, {}),
        ("POST", "/dashboard/sign-out", 403, {"Sec-Fetch-Site": "cross-site"}),
    ],
)
async def test_error_pages_keep_the_navigation_and_sign_out(
    client: AsyncTestClient[Any],
    demo: Demo,
    method: str,
    url: str,
    status: int,
    headers: dict[str, str],
) -> None:
    await sign_in(client, demo.tokens["skatteverket"])
    r = await client.request(method, url, headers=headers, follow_redirects=False)
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    doc = parse(r.text)
    assert (
        doc.one("h1").full_text
        == {
            400: "Felaktig begäran",
            403: "Inte tillåtet",
            404: "Hittades inte",
        }[status]
    )
    _has_navigation_and_sign_out(doc)
    if status != 403:  # the request got as far as finding who it is
        assert "myndighet" in doc.one("span", **{"class": "who"}).full_text


async def test_an_unknown_page_needs_a_session_like_any_other(
    client: AsyncTestClient[Any],
) -> None:
    redirected_to_sign_in(await client.get("/dashboard/no/such/page", follow_redirects=False))


async def test_the_dashboard_says_its_times_are_swedish(
    client: AsyncTestClient[Any], demo: Demo
) -> None:
    await sign_in(client, demo.tokens["secretariat"])
    rec_id = await demo.db.fetchval("select id::text from recommendation order by code limit 1")
    for url in (
        "/dashboard/",
        "/dashboard/recommendations",
        f"/dashboard/recommendations/{rec_id}",
    ):
        doc = await page(client, f"{url}?lang=sv")
        assert "Tider i svensk tid (Europe/Stockholm)" in doc.one("p", id="time-zone").full_text
        doc = await page(client, f"{url}?lang=en")
        assert "Times in Swedish time (Europe/Stockholm)" in doc.one("p", id="time-zone").full_text


def test_the_cookie_is_not_secure_only_when_configured_so() -> None:
    from recotrack.web.session import CookiePolicy

    secure = CookiePolicy.from_settings(Settings.from_env({}))
    assert secure.name == COOKIE
    assert secure.session_cookie("x").secure
    plain = CookiePolicy.from_settings(Settings.from_env({"RECOTRACK_WEB_COOKIE_SECURE": "false"}))
    assert plain.name == "recotrack-session"
    assert not plain.session_cookie("x").secure
    assert plain.session_cookie("x").httponly
    assert plain.session_cookie("x").samesite == "lax"
    with pytest.raises(ValueError, match="RECOTRACK_WEB_COOKIE_SECURE"):
        Settings.from_env({"RECOTRACK_WEB_COOKIE_SECURE": "maybe"})
    with pytest.raises(ValueError, match="RECOTRACK_WEB_SESSION_HOURS"):
        Settings.from_env({"RECOTRACK_WEB_SESSION_HOURS": "0"})


# --- what a session sees ---------------------------------------------------------------------


def _chart(doc: Element, chart: str) -> dict[str, dict[str, int]]:
    """A stacked chart's numbers: bar label → series → count (rects' data, and their text)."""
    bars: dict[str, dict[str, int]] = {}
    for bar in doc.one("svg", data_chart=chart).all("g", **{"class": "bar"}):
        counts = {r.attrs["data-series"]: int(r.attrs["data-count"]) for r in bar.all("rect")}
        assert sum(counts.values()) == int(bar.attrs["data-total"])
        assert bar.one("text", **{"class": "total"}).full_text == bar.attrs["data-total"]
        bars[bar.attrs["data-label"]] = counts
    return bars


async def test_the_overview_shows_the_apis_numbers(
    client: AsyncTestClient[Any], demo: Demo
) -> None:
    await sign_in(client, demo.tokens["secretariat"])
    doc = await page(client, "/dashboard/")
    stats = (await api(demo, client, "secretariat", "/v1/stats")).json()
    names = {
        a["id"]: a["name"]
        for a in (await api(demo, client, "secretariat", "/v1/agencies")).json()["items"]
    }

    expected: dict[str, Counter[str]] = defaultdict(Counter)
    by_area: dict[str, Counter[str]] = defaultdict(Counter)
    for c in stats["counts"]:
        expected[c["agency_id"]][c["state"]] += c["count"]
        by_area[c["area"]][c["state"]] += c["count"]
    overdue = {o["agency_id"]: o["overdue"] for o in stats["overdue_by_agency"]}

    table = doc.one("table", id="agency-table")
    rows = table.all("tr", data_agency="*")
    assert {r.attrs["data-agency"] for r in rows} == set(names)
    for row in rows:
        agency = row.attrs["data-agency"]
        cells = {td.attrs["data-state"]: int(td.full_text) for td in row.all("td")}
        assert cells.pop("total") == sum(expected[agency].values())
        assert cells.pop("overdue") == overdue.get(agency, 0)
        assert cells == {s: expected[agency][s] for s in cells}
        assert sum(cells.values()) == sum(expected[agency].values())

    chart = _chart(doc, "chart-agencies")
    assert chart == {names[a]: {s: n for s, n in expected[a].items() if n} for a in names}
    areas = _chart(doc, "chart-areas")
    assert sum(sum(v.values()) for v in areas.values()) == stats["total"]
    assert areas["Styrning och ledning"] == {s: n for s, n in by_area["governance"].items() if n}

    assert doc.one("dd", data_figure="total").full_text == str(stats["total"])
    assert doc.one("dd", data_figure="overdue").full_text == str(stats["overdue"])

    # issued and closed per quarter: every issue and every closure counted once
    quarters = doc.one("svg", data_chart="chart-quarters")
    issued = sum(int(r.attrs["data-count"]) for r in quarters.all("rect", data_series="issued_q"))
    closed = sum(int(r.attrs["data-count"]) for r in quarters.all("rect", data_series="closed_q"))
    assert issued == await demo.db.fetchval(
        "select count(*) from recommendation where issued_on is not null"
    )
    assert closed == await demo.db.fetchval("select count(*) from closure")
    assert issued > 0
    assert closed > 0


async def test_an_agency_sees_only_itself(client: AsyncTestClient[Any], demo: Demo) -> None:
    await sign_in(client, demo.tokens["skatteverket"])
    doc = await page(client, "/dashboard/")
    assert [r.attrs["data-agency"] for r in doc.all("tr", data_agency="*")] == ["skatteverket"]
    assert list(_chart(doc, "chart-agencies")) == ["Skatteverket"]
    assert "Försäkringskassan" not in doc.full_text
    assert "Utkast" not in {th.full_text for th in doc.all("th")}  # an agency sees no drafts
    own = (await api(demo, client, "skatteverket", "/v1/stats")).json()
    assert doc.one("dd", data_figure="total").full_text == str(own["total"])

    listing = await page(client, "/dashboard/recommendations")
    assert {r.attrs["data-agency"] for r in listing.all("tr", data_agency="*")} == {"skatteverket"}
    assert listing.all("select", id="f-agency") == []  # nothing else to choose
    other = await page(client, "/dashboard/recommendations?agency=forsakringskassan")
    assert other.all("tr", data_agency="*") == []
    assert other.one("p", id="no-results")

    theirs = await demo.db.fetchval(
        "select id::text from recommendation where agency_id = 'forsakringskassan' limit 1"
    )
    draft = await demo.db.fetchval(
        "select id::text from recommendation where agency_id = 'skatteverket' "
        "and issued_on is null limit 1"
    )
    for hidden in (theirs, draft, "not-an-id"):
        r = await client.get(f"/dashboard/recommendations/{hidden}", follow_redirects=False)
        assert r.status_code == 404
        assert "Hittades inte" in r.text
        assert "forsakringskassan" not in r.text

    export = await client.get(
        "/dashboard/exports/recommendations.csv?agency=forsakringskassan&agency=skatteverket"
    )
    assert export.status_code == 200
    lines = export.content.decode("utf-8-sig").splitlines()
    header = lines[0].split(";")
    agencies = {line.split(";")[header.index("agency_id")] for line in lines[1:]}
    assert agencies == {"skatteverket"}


async def test_every_agencys_benchmarks_name_no_other_agency(
    client: AsyncTestClient[Any], demo: Demo
) -> None:
    """With the demo's ten agencies: each agency's page of benchmarks, as the agency and as the
    secretariat sees it, shows its own name and no other agency's name or id."""
    listed = (await api(demo, client, "secretariat", "/v1/agencies")).json()["items"]
    names = {a["id"]: a["name"] for a in listed}
    assert len(names) == 10
    views: dict[str, dict[str, str]] = {"secretariat": {}}
    for agency_id in ("skatteverket", "forsakringskassan"):  # the two with a token
        await sign_in(client, demo.tokens[agency_id])
        r = await client.get("/dashboard/benchmarks")
        assert r.status_code == 200, r.text
        views[agency_id] = {agency_id: r.text}
    await sign_in(client, demo.tokens["secretariat"])
    for agency_id in names:
        r = await client.get(f"/dashboard/benchmarks?agency={agency_id}")
        assert r.status_code == 200, r.text
        views["secretariat"][agency_id] = r.text
    for who, seen in views.items():
        for agency_id, html in seen.items():
            doc = parse(html)
            assert doc.one("h1").full_text == f"Jämförelser: {names[agency_id]}"
            assert len(doc.all("table")) == 4
            if who == "secretariat":
                doc.one("form", method="get").children.clear()  # the picker names them all
            text = (doc.full_text if who == "secretariat" else html).casefold()
            for other, name in names.items():
                if other != agency_id:
                    assert other not in text, (who, agency_id, other)
                    assert name.casefold() not in text, (who, agency_id, other)
    # an agency's own view is the secretariat's view of it
    for agency_id in ("skatteverket", "forsakringskassan"):
        ours = parse(views[agency_id][agency_id]).all("table")
        theirs = parse(views["secretariat"][agency_id]).all("table")
        assert [t.full_text for t in ours] == [t.full_text for t in theirs]


async def test_the_list_filters_and_searches_like_the_api(
    client: AsyncTestClient[Any], demo: Demo
) -> None:
    await sign_in(client, demo.tokens["auditor"])
    query = "q=styrning&state=in_progress&state=responded&area=governance&area=competence"
    doc = await page(
        client, f"/dashboard/recommendations?{query}&issued_from=&due_before=&overdue="
    )
    codes = [r.one("td", **{"class": "code"}).full_text for r in doc.all("tr", data_id="*")]
    expected = (await api(demo, client, "auditor", f"/v1/recommendations?{query}")).json()["items"]
    assert codes == [item["code"] for item in expected]
    assert codes  # the demo has some
    assert doc.one("input", id="f-q").attrs["value"] == "styrning"
    assert "checked" in doc.one("input", id="f-state-in_progress").attrs

    # the downloads are of this selection: the API's export, byte for byte
    link = doc.one("a", id="export-csv").attrs["href"]
    assert parse_qs(urlsplit(link).query)["state"] == ["in_progress", "responded"]
    mine = await client.get(link)
    assert mine.status_code == 200
    assert mine.headers["content-disposition"].startswith("attachment;")
    theirs = await api(demo, client, "auditor", f"/v1/exports/recommendations?{query}")
    assert mine.content == theirs.content
    assert len(mine.content.decode("utf-8-sig").splitlines()) == len(codes) + 1
    xlsx = await client.get(doc.one("a", id="export-xlsx").attrs["href"])
    assert xlsx.status_code == 200
    assert xlsx.content.startswith(b"PK")


async def test_the_list_pages_on(client: AsyncTestClient[Any], demo: Demo) -> None:
    await sign_in(client, demo.tokens["secretariat"])
    seen: list[str] = []
    url: str | None = "/dashboard/recommendations?sort=code"
    for _ in range(10):
        assert url is not None
        doc = await page(client, url)
        seen.extend(r.attrs["data-id"] for r in doc.all("tr", data_id="*"))
        nxt = doc.all("a", rel="next")
        url = nxt[0].attrs["href"] if nxt else None
        if url is None:
            break
    assert len(seen) == len(set(seen)) == 200


async def _pages(
    client: AsyncTestClient[Any], url: str, rel: str
) -> tuple[list[list[str]], list[str], Element]:
    """The rows of each page from `url` on, following `rel` links; each page's count; the
    last page."""
    pages: list[list[str]] = []
    counts: list[str] = []
    next_url: str | None = url
    for _ in range(10):
        assert next_url is not None
        doc = await page(client, next_url)
        pages.append([r.attrs["data-id"] for r in doc.all("tr", data_id="*")])
        counts.append(doc.one("p", id="result-count").full_text)
        links = doc.all("a", rel=rel)
        next_url = links[0].attrs["href"] if links else None
        if next_url is None:
            return pages, counts, doc
    raise AssertionError("more pages than expected")


@pytest.mark.parametrize(
    "query",
    [
        "sort=code",
        "sort=-issued_on",
        "sort=implementation_due&overdue=false",
        "q=nytta&state=in_progress&state=responded&state=issued&state=closed",
        "q=nytta",  # by relevance
    ],
)
async def test_the_list_pages_both_ways(
    client: AsyncTestClient[Any], demo: Demo, query: str
) -> None:
    await sign_in(client, demo.tokens["secretariat"])
    listed = (
        await api(demo, client, "secretariat", f"/v1/recommendations?limit=1000&{query}")
    ).json()["items"]
    assert len(listed) > 50, "more than a page"
    forward, counts, last = await _pages(client, f"/dashboard/recommendations?{query}", "next")
    assert [i for p in forward for i in p] == [r["id"] for r in listed]  # the API's order
    assert set(counts) == {f"{len(listed)} rekommendationer matchar"}
    doc = await page(client, f"/dashboard/recommendations?{query}")
    assert doc.all("a", rel="prev") == []  # the first page has none before it
    # from the last page back to the first: the same pages, in the same order within each
    [back] = last.all("a", rel="prev")
    backward, counts, first = await _pages(client, back.attrs["href"], "prev")
    assert backward == forward[-2::-1]
    assert set(counts) == {f"{len(listed)} rekommendationer matchar"}
    # and forward again from a page reached backwards
    [on] = first.all("a", rel="next")
    assert (await _pages(client, on.attrs["href"], "next"))[0] == forward[1:]


async def test_the_list_says_how_many_match(client: AsyncTestClient[Any], demo: Demo) -> None:
    await sign_in(client, demo.tokens["secretariat"])
    total = await demo.db.fetchval("select count(*) from recommendation")
    doc = await page(client, "/dashboard/recommendations")
    assert doc.one("p", id="result-count").full_text == f"{total} rekommendationer matchar"

    # a filter's count is the filter's: the same rows as the API lists
    for query, expected in (
        ("state=closed", "select count(*) from closure"),
        ("agency=skatteverket&priority=high", None),
        ("q=styrning&overdue=true", None),
    ):
        listed = (
            await api(demo, client, "secretariat", f"/v1/recommendations?limit=1000&{query}")
        ).json()["items"]
        doc = await page(client, f"/dashboard/recommendations?{query}")
        n = len(listed)
        words = "1 rekommendation matchar" if n == 1 else f"{n} rekommendationer matchar"
        assert doc.one("p", id="result-count").full_text == words, query
        if expected is not None:
            assert n == await demo.db.fetchval(expected)
    doc = await page(client, "/dashboard/recommendations?state=closed&lang=en")
    assert doc.one("p", id="result-count").full_text.endswith("recommendations match")


@pytest.mark.parametrize(
    "query",
    ["state=nonsense", "issued_from=2026-13-45", "overdue=perhaps", "cursor=garbage", "sort=x"],
)
async def test_a_bad_filter_is_a_page_that_says_so(
    client: AsyncTestClient[Any], demo: Demo, query: str
) -> None:
    await sign_in(client, demo.tokens["secretariat"])
    doc = await page(client, f"/dashboard/recommendations?{query}", status=400)
    assert doc.one("h1").full_text == "Felaktig begäran"


async def test_a_recommendations_page(client: AsyncTestClient[Any], demo: Demo) -> None:
    rec_id = await demo.db.fetchval(
        """
        select r.id::text from recommendation r
        join closure c on c.recommendation_id = r.id
        join response resp on resp.recommendation_id = r.id
        where exists (select from progress_report p where p.recommendation_id = r.id)
        order by r.code limit 1
        """
    )
    await sign_in(client, demo.tokens["secretariat"])
    doc = await page(client, f"/dashboard/recommendations/{rec_id}")
    rec = (await api(demo, client, "secretariat", f"/v1/recommendations/{rec_id}")).json()
    response = (
        await api(demo, client, "secretariat", f"/v1/recommendations/{rec_id}/response")
    ).json()
    reports = (
        await api(demo, client, "secretariat", f"/v1/recommendations/{rec_id}/progress")
    ).json()["items"]
    assert rec["code"] in doc.one("h1").full_text
    assert doc.one("span", **{"class": f"state state-{rec['state']}"}).full_text == "Avslutad"
    text = doc.full_text
    assert response["responded_by"] in text
    for action in response["planned_actions"]:
        assert action in text
    timeline = doc.one("ol", **{"class": "timeline"})
    assert len(timeline.all("li", **{"class": "event event-progress"})) == len(reports)
    assert len(timeline.all("li", **{"class": "event event-closure"})) == 1
    assert "<strong>" not in rec["body"]
    assert "**" not in doc.one("div", **{"class": "markdown"}).full_text


async def test_the_first_target_date_is_not_a_move_from_nothing(
    client: AsyncTestClient[Any], demo: Demo
) -> None:
    rec_id = await demo.db.fetchval(
        """
        select recommendation_id::text from target_date_change
        group by recommendation_id having count(*) >= 2 and count(previous) >= 1
        order by recommendation_id limit 1
        """
    )
    first, moved = await demo.db.fetch(
        """
        select previous, target_date from target_date_change
        where recommendation_id = $1 order by id limit 2
        """,
        rec_id,
    )
    assert first["previous"] is None
    await sign_in(client, demo.tokens["secretariat"])
    doc = await page(client, f"/dashboard/recommendations/{rec_id}?lang=sv")

    timeline = doc.one("ol", **{"class": "timeline"})
    [given] = timeline.all("li", **{"class": "event event-target_set"})
    assert given.one("p", **{"class": "what"}).full_text == (
        f"Måldatum satt: {first['target_date'].day} "
        f"{_SV_MONTHS_LIST[first['target_date'].month - 1]} {first['target_date'].year}"
    )
    moves = timeline.all("li", **{"class": "event event-target"})
    assert moves
    assert moves[0].one("p", **{"class": "what"}).full_text == (
        f"Måldatum flyttat: {moved['previous']} → {moved['target_date']}"
    )
    assert "–" not in " ".join(m.full_text for m in [given, *moves])

    history = doc.one("section", id="response").one("tbody").all("tr")
    assert history[0].all("td")[1].full_text == "Första måldatum"
    assert history[1].all("td")[1].full_text == str(moved["previous"])

    doc = await page(client, f"/dashboard/recommendations/{rec_id}?lang=en")
    history = doc.one("section", id="response").one("tbody").all("tr")
    assert history[0].all("td")[1].full_text == "First target date"
    given = doc.one("li", **{"class": "event event-target_set"})
    assert given.one("p", **{"class": "what"}).full_text.startswith("Target date set: ")


_SV_MONTHS_LIST = [
    *("januari", "februari", "mars", "april", "maj", "juni"),
    *("juli", "augusti", "september", "oktober", "november", "december"),
]


async def test_swedish_first_english_on_request(client: AsyncTestClient[Any], demo: Demo) -> None:
    await sign_in(client, demo.tokens["secretariat"])
    doc = await page(client, "/dashboard/")
    assert doc.one("html").attrs["lang"] == "sv"
    switch = doc.one("a", **{"class": "lang"})
    assert switch.attrs["lang"] == "en"
    assert switch.full_text == "In English"

    r = await client.get(switch.attrs["href"])
    english = parse(r.text)
    assert english.one("html").attrs["lang"] == "en"
    assert english.one("h1").full_text == "Overview"
    assert "recotrack-lang=en" in r.headers["set-cookie"]
    again = await page(client, "/dashboard/recommendations")  # the choice stays
    assert again.one("html").attrs["lang"] == "en"
    assert (await page(client, "/dashboard/?lang=sv")).one("h1").full_text == "Översikt"


async def test_pages_are_not_cached_and_load_nothing_from_elsewhere(
    client: AsyncTestClient[Any], demo: Demo
) -> None:
    await sign_in(client, demo.tokens["secretariat"])
    r = await client.get("/dashboard/")
    assert r.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "<script" not in r.text
    css = await client.get("/dashboard/static/dashboard.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


async def test_the_root_leads_to_the_dashboard(client: AsyncTestClient[Any]) -> None:
    r = await client.get("/", follow_redirects=False)
    assert r.status_code == 302
    assert r.headers["location"] == "/dashboard/"


async def test_pages_have_what_assistive_technology_needs(
    client: AsyncTestClient[Any], demo: Demo
) -> None:
    """Checks of WCAG 2.1 that can be read from the markup: language, skip link, one h1,
    every field labelled, every table with headers and a caption, every chart named."""
    sign_in_page = await page(client, "/dashboard/sign-in")
    await sign_in(client, demo.tokens["secretariat"])
    rec_id = await demo.db.fetchval("select id::text from recommendation order by code limit 1")
    pages = [
        sign_in_page,
        await page(client, "/dashboard/"),
        await page(client, "/dashboard/recommendations?q=styrning"),
        await page(client, f"/dashboard/recommendations/{rec_id}"),
        await page(client, "/dashboard/benchmarks"),
        await page(client, "/dashboard/benchmarks?agency=csn"),
        await page(client, "/dashboard/good-examples"),
    ]
    for doc in pages:
        assert doc.one("html").attrs["lang"] == "sv"
        assert doc.one("a", **{"class": "skip"}).attrs["href"] == "#main"
        assert doc.one("main").attrs["id"] == "main"
        assert len(doc.all("h1")) == 1
        labels = {label.attrs.get("for") for label in doc.all("label")}
        for field in doc.all("input") + doc.all("select"):
            if field.attrs.get("type") != "hidden":
                assert field.attrs["id"] in labels, field.attrs
        for table in doc.all("table"):
            assert table.all("caption"), table.attrs
            headers = table.all("th")
            assert headers
            assert all(th.attrs.get("scope") in ("col", "row") for th in headers)
        for svg in doc.all("svg", role="img"):
            named = svg.attrs["aria-labelledby"].split()
            assert all(doc.all(id=name) for name in named)
