"""The dashboard's benchmarks and good examples, over HTTP with a real service: an agency sees
its own figures beside the others' together and nothing that names another agency, a
withheld figure says why, the secretariat picks an agency; every reader sees every good
example, linked to its recommendation only where the reader may open that, with secrecy
applied. Each test has its own database (the demo has no examples, and no withheld figure
that a test could count on)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from recotrack.app import create_app
from recotrack.settings import Settings
from tests import flow
from tests.api.test_benchmarks_api import agency
from tests.conftest import as_service
from tests.helpers import Api, secrets_key_file, signing_key_file
from tests.web.html import Element, parse
from tests.web.test_dashboard import BASE, page, sign_in

OTHERS = {
    "forsakringskassan": "Försäkringskassan",
    "trafikverket": "Trafikverket",
    "kronofogden": "Kronofogden",
    "lantmateriet": "Lantmäteriet",
}
"""Every agency but Skatteverket (the first two are seeded; the others made by `figures`)."""
SECRET_TITLE = "Byt brandväggsleverantör före avtalets slut"
NOTICE = "[Uppgiften omfattas av sekretess enligt 18 kap. 8 § OSL]"
NBSP = "\u00a0"


@pytest.fixture
async def client(api: Api, db_url: str) -> AsyncIterator[AsyncTestClient[Any]]:
    """The dashboard on the test's database (HTTPS: its cookies are Secure); `api` writes."""
    url = as_service(db_url)
    settings = Settings.from_env(
        {
            "DATABASE_URL": url,
            "RECOTRACK_LOG_LEVEL": "warning",
            "RECOTRACK_SIGNING_KEY_FILE": signing_key_file(),
            "RECOTRACK_SECRETS_KEY_FILE": secrets_key_file(),
            "RECOTRACK_WORKER": "false",
        }
    )
    async with AsyncTestClient(create_app(settings, url), base_url=BASE) as client:
        yield client


async def as_reader(client: AsyncTestClient[Any], api: Api, who: str) -> None:
    r = await sign_in(client, api.tokens[who])
    assert r.status_code == 303, r.text


async def recommendations(api: Api, agency_id: str, area: str, *, of: int, closed: int) -> None:
    """`of` recommendations issued to the agency in `area`, `closed` of them implemented."""
    for n in range(of):
        rec = await flow.recommendation(api, agency_id, area=area)
        if n < closed:
            url = f"/v1/recommendations/{rec['id']}/closure"
            r = await api.call("secretariat", "PUT", url, json={"outcome": "implemented"})
            assert r.status_code == 201, r.text


async def figures(api: Api) -> None:
    """Governance: Skatteverket 1 of 3 implemented (2 open), and three others (0 of 1, 1 of 2,
    1 of 1: open 1, 1, 0). Competence: Skatteverket's and Försäkringskassan's one each, too few
    others to compare."""
    for n, agency_id in enumerate(("trafikverket", "kronofogden", "lantmateriet"), 1):
        await agency(api, agency_id, OTHERS[agency_id], n)
    await recommendations(api, "skatteverket", "governance", of=3, closed=1)
    await recommendations(api, "trafikverket", "governance", of=1, closed=0)
    await recommendations(api, "kronofogden", "governance", of=2, closed=1)
    await recommendations(api, "lantmateriet", "governance", of=1, closed=1)
    await recommendations(api, "skatteverket", "competence", of=1, closed=0)
    await recommendations(api, "forsakringskassan", "competence", of=1, closed=0)


def cells(doc: Element, figure: str, area: str) -> dict[str, str]:
    row = doc.one("table", id=f"bm-{figure}").one("tr", data_area=area)
    return {td.attrs["data-figure"]: td.full_text for td in row.all("td")}


def names_none_of(html: str, agencies: dict[str, str]) -> None:
    text = html.casefold()
    for agency_id, name in agencies.items():
        assert agency_id not in text
        assert name.casefold() not in text


# --- benchmarks ------------------------------------------------------------------------------


async def test_an_agency_sees_its_figures_beside_the_others_and_no_other_agency(
    client: AsyncTestClient[Any], api: Api
) -> None:
    await figures(api)
    await as_reader(client, api, "skatteverket")
    r = await client.get("/dashboard/benchmarks")
    assert r.status_code == 200, r.text
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "<script" not in r.text
    names_none_of(r.text, OTHERS)
    doc = parse(r.text)
    assert doc.one("h1").full_text == "Jämförelser: Skatteverket"
    assert doc.all("select") == []  # no picker: an agency has one view, its own
    assert doc.one("a", aria_current="page").full_text == "Jämförelser"

    # the store's figures, said the Swedish way
    share = cells(doc, "implemented_share", "governance")
    assert share == {  # (text as read: its no-break spaces as spaces)
        "own": "33 %",
        "agencies": "3",
        "lower_quartile": "25 %",
        "median": "50 %",
        "upper_quartile": "75 %",
    }
    assert f">33{NBSP}%<" in r.text
    open_count = cells(doc, "open_count", "governance")
    assert open_count == {
        "own": "2",
        "agencies": "3",
        "lower_quartile": "0,5",
        "median": "1",
        "upper_quartile": "1",
    }
    table = doc.one("table", id="bm-open_count")
    assert "Öppna rekommendationer per område" in table.one("caption").full_text
    assert {th.attrs.get("scope") for th in table.all("th")} == {"col", "row"}

    # withheld where the API withholds, saying why, and with no number of the others
    answer = await api.call("skatteverket", "GET", "/v1/benchmarks?agency=skatteverket")
    assert answer.status_code == 200, answer.text
    withheld = {
        (figure, a["area"])
        for a in answer.json()["areas"]
        for figure, found in a.items()
        if figure != "area" and found["others"]["suppressed"]
    }
    assert ("open_count", "competence") in withheld
    assert ("median_days_to_response", "governance") in withheld  # no responses yet
    for table in doc.all("table", id="*"):
        figure = table.attrs["id"].removeprefix("bm-")
        for row in table.one("tbody").all("tr"):
            shown = {td.attrs["data-figure"]: td.full_text for td in row.all("td")}
            if (figure, row.attrs["data-area"]) in withheld:
                assert set(shown) == {"own", "withheld"}
                assert "Visas inte:" in shown["withheld"]
                assert "färre än 3 andra myndigheter har den här siffran" in shown["withheld"]
            else:
                assert "withheld" not in shown
    assert cells(doc, "open_count", "competence")["own"] == "1"

    english = parse((await client.get("/dashboard/benchmarks?lang=en")).text)
    assert english.one("h1").full_text == "Benchmarks: Skatteverket"
    assert cells(english, "open_count", "governance")["lower_quartile"] == "0.5"
    withheld_en = cells(english, "open_count", "competence")["withheld"]
    assert "Withheld:" in withheld_en
    assert "fewer than 3 other agencies have this figure" in withheld_en

    # another agency's view is not found, as in the API
    await page(client, "/dashboard/benchmarks?agency=forsakringskassan", 404)


async def test_the_secretariat_and_the_auditor_choose_an_agency(
    client: AsyncTestClient[Any], api: Api
) -> None:
    await figures(api)
    await as_reader(client, api, "skatteverket")
    own = (await page(client, "/dashboard/benchmarks")).all("table")

    for who in ("secretariat", "auditor"):
        await as_reader(client, api, who)
        doc = await page(client, "/dashboard/benchmarks")
        assert doc.one("h1").full_text == "Jämförelser"
        assert doc.one("p", id="choose-first").full_text.startswith("Välj en myndighet")
        assert doc.all("table") == []
        form = doc.one("form", method="get")
        assert form.attrs["action"] == "/dashboard/benchmarks"
        options = {o.attrs["value"]: o.full_text for o in form.one("select", name="agency").all()}
        assert options == {"": "Välj myndighet", "skatteverket": "Skatteverket", **OTHERS}

        chosen = await page(client, "/dashboard/benchmarks?agency=skatteverket")
        assert chosen.one("h1").full_text == "Jämförelser: Skatteverket"
        assert chosen.one("option", selected="").attrs["value"] == "skatteverket"
        # the same figures as the agency's own view of itself
        assert [t.full_text for t in chosen.all("table")] == [t.full_text for t in own]

        other = await page(client, "/dashboard/benchmarks?agency=forsakringskassan")
        assert other.one("h1").full_text == "Jämförelser: Försäkringskassan"
        governance = cells(other, "implemented_share", "governance")
        assert (governance["own"], governance["agencies"]) == ("–", "4")
        assert "withheld" in cells(other, "implemented_share", "competence")

        await page(client, "/dashboard/benchmarks?agency=no-such-agency", 404)


# --- good examples ---------------------------------------------------------------------------


async def example(api: Api, rec_id: str, title: str, **fields: Any) -> dict[str, Any]:
    body = {
        "recommendation_id": rec_id,
        "title": title,
        "summary": "Myndigheten **samlade** förvaltningen i tre produktområden.",
        **fields,
    }
    r = await api.call("secretariat", "POST", "/v1/good-examples", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def three_examples(api: Api) -> dict[str, dict[str, Any]]:
    """`unnamed` (Försäkringskassan's, competence), `named` (Skatteverket's, governance) and
    `secret` (Försäkringskassan's, results, its recommendation's title secret, unnamed)."""
    theirs = await flow.recommendation(api, "forsakringskassan", area="competence")
    ours = await flow.recommendation(api, "skatteverket", area="governance")
    secret = await flow.recommendation(api, "forsakringskassan", area="results", title=SECRET_TITLE)
    marks = {"fields": [{"field": "title", "ground": "18 kap. 8 § OSL"}]}
    r = await api.call(
        "secretariat", "PUT", f"/v1/recommendations/{secret['id']}/secrecy", json=marks
    )
    assert r.status_code == 201, r.text
    return {
        "unnamed": await example(api, theirs["id"], "Samlad kompetensförsörjning"),
        "named": await example(api, ours["id"], "Produktstyrning som fungerar", agency_named=True),
        "secret": await example(api, secret["id"], "Säkrare leverantörsbyten"),
    }


def articles(doc: Element) -> dict[str, Element]:
    return {a.attrs["data-id"]: a for a in doc.all("article")}


def field(article: Element, name: str) -> Element:
    return article.one("dd", data_field=name)


async def test_every_reader_sees_every_example_linked_only_where_it_may_read(
    client: AsyncTestClient[Any], api: Api
) -> None:
    made = await three_examples(api)
    ids = {key: e["id"] for key, e in made.items()}
    links = {e["id"]: f"/dashboard/recommendations/{e['recommendation_id']}" for e in made.values()}
    may_open = {
        "skatteverket": {ids["named"]},
        "forsakringskassan": {ids["unnamed"], ids["secret"]},  # its own, named or not
        "secretariat": set(ids.values()),
        "auditor": set(ids.values()),
    }
    for who, readable in may_open.items():
        await as_reader(client, api, who)
        r = await client.get("/dashboard/good-examples")
        assert r.status_code == 200, r.text
        assert "<script" not in r.text
        assert SECRET_TITLE not in r.text
        doc = parse(r.text)
        assert doc.one("h1").full_text == "Goda exempel"
        assert doc.one("a", aria_current="page").full_text == "Goda exempel"
        shown = articles(doc)
        assert set(shown) == set(ids.values()), who
        for example_id, article in shown.items():
            hrefs = [a.attrs["href"] for a in article.all("a")]
            assert hrefs == ([links[example_id]] if example_id in readable else []), who

        unnamed = shown[ids["unnamed"]]
        assert field(unnamed, "agency").full_text == "en myndighet"
        assert "försäkringskassan" not in unnamed.full_text.casefold()
        assert field(unnamed, "area").full_text == "Kompetens"
        assert made["unnamed"]["recommendation_code"] in field(unnamed, "recommendation").full_text
        summary = unnamed.one("div", data_field="summary")
        assert summary.one("strong").full_text == "samlade"  # the summary's Markdown
        assert field(shown[ids["named"]], "agency").full_text == "Skatteverket"
        assert NOTICE in field(shown[ids["secret"]], "recommendation").full_text
        if who == "skatteverket":
            # nothing on the page says whose the other two are
            names_none_of(r.text, {"forsakringskassan": "Försäkringskassan"})
            own_link = shown[ids["named"]].one("a").attrs["href"]
            await page(client, own_link)

    english = parse((await client.get("/dashboard/good-examples?lang=en")).text)
    assert english.one("h1").full_text == "Good examples"
    unnamed = articles(english)[ids["unnamed"]]
    assert field(unnamed, "agency").full_text == "an agency"
    assert field(unnamed, "area").full_text == "Competence"


async def test_the_examples_by_area_and_page_by_page(
    client: AsyncTestClient[Any], api: Api
) -> None:
    made = await three_examples(api)
    await as_reader(client, api, "skatteverket")
    competence = await page(client, "/dashboard/good-examples?area=competence")
    assert set(articles(competence)) == {made["unnamed"]["id"]}
    assert competence.one("option", selected="").attrs["value"] == "competence"
    none = await page(client, "/dashboard/good-examples?area=ways_of_working")
    assert none.one("p", id="no-examples").full_text == "Inga goda exempel inom det här området."
    bad = await page(client, "/dashboard/good-examples?area=everything", 400)
    assert "area: okänt värde 'everything'" in bad.full_text

    more = [
        await example(api, made["named"]["recommendation_id"], f"Exempel {n}") for n in range(21)
    ]
    governance = [made["named"]["id"], *(e["id"] for e in more)]  # oldest first, as the API
    first = await page(client, "/dashboard/good-examples?area=governance")
    assert list(articles(first)) == governance[:20]
    pager = first.one("nav", aria_label="Sidor")
    assert [a.full_text for a in pager.all("a")] == ["Nästa sida →"]
    second = await page(client, pager.one("a", rel="next").attrs["href"])
    assert list(articles(second)) == governance[20:]
    pager = second.one("nav", aria_label="Sidor")
    assert [a.attrs["href"] for a in pager.all("a")] == ["/dashboard/good-examples?area=governance"]
