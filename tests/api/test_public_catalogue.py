"""The public catalogue: published, issued recommendations for anyone, with secrecy applied as
in a release; its API, pages and feed; 404 everywhere when it is off; limited per address."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import pytest

from tests import flow
from tests.api.conftest import Shared, shared_service
from tests.api.support import assert_problem
from tests.flow import SECRET_ACTION, SECRET_BODY, SECRET_NOTE, followed_up, ok
from tests.helpers import Api

NOTICE = "[Uppgiften omfattas av sekretess enligt 18 kap. 8 § OSL]"
SECRET_TITLE = "Avveckla stordatorn i Sundsvall före 2027"
SECRETS = (SECRET_BODY, SECRET_ACTION, SECRET_NOTE, SECRET_TITLE, "Klart")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
async def public(shared: Shared) -> Shared:
    return shared  # the app under test serves the catalogue (tests/helpers.py, EVERY_ROUTE)


async def published(api: Api, rec: dict[str, Any]) -> dict[str, Any]:
    url = f"/v1/recommendations/{rec['id']}"
    current = await api.call("secretariat", "GET", url)
    r = await api.call(
        "secretariat",
        "PATCH",
        url,
        json={"published": True},
        headers={"If-Match": current.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


async def secret_and_published(api: Api) -> dict[str, Any]:
    """A followed-up recommendation with secrecy on five fields (its title too), published."""
    rec = await followed_up(api, title=SECRET_TITLE)
    url = f"/v1/recommendations/{rec['id']}/secrecy"
    marks = (await api.call("secretariat", "GET", url)).json()
    marks["fields"].append({"field": "title", "ground": "18 kap. 8 § OSL"})
    etag = (await api.call("secretariat", "GET", url)).headers["etag"]
    await ok(
        api, "secretariat", "PUT", url, {"fields": marks["fields"]}, headers={"If-Match": etag}
    )
    # closed already: a title can no longer be changed, but it can be published
    return await published(api, rec)


async def anyone(api: Api, path: str, **params: Any) -> Any:
    r = await api.client.get(path, params=params or None)
    assert r.status_code == 200, (path, r.text)
    return r


async def test_only_published_issued_recommendations_are_public(public: Shared) -> None:
    api = public.api
    shown = await published(api, await flow.recommendation(api, area="competence"))
    hidden = await flow.recommendation(api, area="competence")
    draft = await published(api, await flow.recommendation(api, area="competence", issued=False))
    listed = (await anyone(api, "/public/v1/recommendations", limit=1000)).json()
    ids = {item["id"] for item in listed["items"]}
    assert shown["id"] in ids
    assert not ids & {hidden["id"], draft["id"]}
    one = (await anyone(api, f"/public/v1/recommendations/{shown['id']}")).json()
    assert (one["code"], one["agency_name"], one["withheld"]) == (
        shown["code"],
        "Skatteverket",
        [],
    )
    for other in (hidden["id"], draft["id"], "not-an-id"):
        r = await api.client.get(f"/public/v1/recommendations/{other}")
        assert_problem(r, 404, "not-found")


async def test_a_secret_text_is_in_no_public_answer_page_or_feed(public: Shared) -> None:
    api = public.api
    rec = await secret_and_published(api)
    example = await ok(
        api,
        "secretariat",
        "POST",
        "/v1/good-examples",
        {"recommendation_id": rec["id"], "title": "Ett gott exempel", "summary": "Så gick det"},
    )
    paths = [
        "/public/v1/recommendations?limit=1000",
        f"/public/v1/recommendations/{rec['id']}",
        "/public/v1/good-examples?limit=1000",
        "/public/",
        "/public/?lang=en",
        f"/public/recommendations/{rec['id']}",
        f"/public/recommendations/{rec['id']}?lang=en",
        "/public/good-examples",
        "/public/feed.atom",
        "/public/feed.atom?lang=en",
        f"/public/?q={rec['code']}",
    ]
    for path in paths:
        r = await anyone(api, path)
        for secret in SECRETS[:4]:
            assert secret not in r.text, (path, secret)
    got = (await anyone(api, f"/public/v1/recommendations/{rec['id']}")).json()
    assert got["title"] == NOTICE
    assert got["body"] == NOTICE
    assert got["response"]["planned_actions"] == [
        "[Uppgiften omfattas av sekretess enligt 19 kap. 3 § OSL]"
    ]
    assert got["closure"]["note"] == "[Uppgiften omfattas av sekretess enligt 31 kap. 16 § OSL]"
    assert {w["field"] for w in got["withheld"]} == {
        "title",
        "body",
        "response.planned_actions",
        "progress.note",
        "closure.note",
    }
    page = (await anyone(api, f"/public/recommendations/{rec['id']}")).text
    assert "19 kap. 3 § OSL" in page
    assert "Planerade åtgärder" in page
    examples = (await anyone(api, "/public/v1/good-examples", limit=1000)).json()["items"]
    assert [e["recommendation_title"] for e in examples if e["id"] == example["id"]] == [NOTICE]


async def test_a_search_finds_only_by_what_is_shown(public: Shared) -> None:
    api = public.api
    rec = await secret_and_published(api)
    secret_word = "Brandväggen"  # in the body, which is withheld
    public_word = "bedömningen"  # in the response's rationale, which is not
    for q, found in ((secret_word, False), ("intrång", False), (public_word, True)):
        listed = (await anyone(api, "/public/v1/recommendations", q=q, limit=1000)).json()
        assert (rec["id"] in {i["id"] for i in listed["items"]}) is found, q
    # the secretariat's own search still finds it by every word
    mine = await api.call("secretariat", "GET", "/v1/recommendations", params={"q": secret_word})
    assert rec["id"] in {i["id"] for i in mine.json()["items"]}
    # marks lifted: the text is shown, and found
    url = f"/v1/recommendations/{rec['id']}/secrecy"
    etag = (await api.call("secretariat", "GET", url)).headers["etag"]
    await ok(api, "secretariat", "PUT", url, {"fields": []}, headers={"If-Match": etag})
    listed = (await anyone(api, "/public/v1/recommendations", q=secret_word, limit=1000)).json()
    assert rec["id"] in {i["id"] for i in listed["items"]}
    r = await api.client.get("/public/v1/recommendations", params={"q": "x", "sort": "relevance"})
    assert_problem(r, 400, "invalid-parameter")
    assert "relevance" in r.json()["detail"]


async def test_the_catalogue_takes_the_lists_filters_and_pages(public: Shared) -> None:
    api = public.api
    made = [
        await published(api, await flow.recommendation(api, agency, area="results"))
        for agency in ("skatteverket", "forsakringskassan", "skatteverket")
    ]
    got = (
        await anyone(
            api, "/public/v1/recommendations", area="results", agency="skatteverket", limit=1000
        )
    ).json()
    ids = [i["id"] for i in got["items"]]
    assert made[0]["id"] in ids
    assert made[2]["id"] in ids
    assert made[1]["id"] not in ids
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        params = {"area": "results", "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = (await anyone(api, "/public/v1/recommendations", **params)).json()
        seen.extend(i["id"] for i in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert {m["id"] for m in made} <= set(seen)
    r = await api.client.get("/public/v1/recommendations", params={"agencyy": "x"})
    assert_problem(r, 400, "invalid-parameter")
    html = await api.client.get("/public/", params={"area": "nonsense"})
    assert html.status_code == 400
    assert "nonsense" in html.text


async def test_the_pages_are_plain_html_in_both_languages(public: Shared) -> None:
    api = public.api
    rec = await published(api, await flow.recommendation(api, title="Mät nyttan varje kvartal"))
    sv = await anyone(api, "/public/")
    en = await anyone(api, "/public/", lang="en")
    assert '<html lang="sv">' in sv.text
    assert '<html lang="en">' in en.text
    assert "Publicerade rekommendationer" in sv.text
    assert "Published recommendations" in en.text
    for r in (sv, en, await anyone(api, f"/public/recommendations/{rec['id']}")):
        assert "<script" not in r.text
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert "Logga in" not in r.text
        assert "sign-out" not in r.text
    assert "Mät nyttan varje kvartal" in sv.text
    missing = await api.client.get("/public/recommendations/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert "inte publicerad" in missing.text
    assert (await api.client.get("/public/nothing-here")).status_code == 404


async def test_the_feed_is_atom_of_the_newest(public: Shared) -> None:
    api = public.api
    rec = await published(api, await flow.recommendation(api, title="Flöde & <ordning>"))
    r = await anyone(api, "/public/feed.atom")
    assert r.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(r.content)  # noqa: S314  # our own service's feed
    assert feed.tag == f"{ATOM}feed"
    entries = {e.findtext(f"{ATOM}id"): e for e in feed.iter(f"{ATOM}entry")}
    entry = entries[f"urn:uuid:{rec['id']}"]
    assert entry.findtext(f"{ATOM}title") == f"{rec['code']} Flöde & <ordning>"
    link = entry.find(f"{ATOM}link")
    assert link is not None
    assert link.get("href", "").endswith(f"/public/recommendations/{rec['id']}")
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Skatteverket"


async def test_anyone_reads_it_without_a_token_and_a_token_changes_nothing(public: Shared) -> None:
    api = public.api
    rec = await published(api, await flow.recommendation(api))
    bare = await anyone(api, f"/public/v1/recommendations/{rec['id']}")
    with_token = await api.call(
        "forsakringskassan", "GET", f"/public/v1/recommendations/{rec['id']}"
    )
    assert with_token.status_code == 200
    assert with_token.json() == bare.json()


async def test_off_every_public_path_is_404(server_url: str, template_db: str) -> None:
    off = {"RECOTRACK_PUBLIC_CATALOGUE": "false"}
    async with shared_service(server_url, template_db, off) as without:
        await _all_404(without.api)


async def _all_404(api: Api) -> None:
    rec = await published(api, await flow.recommendation(api))
    for path in (
        "/public",
        "/public/",
        "/public/v1/recommendations",
        f"/public/v1/recommendations/{rec['id']}",
        "/public/v1/good-examples",
        "/public/feed.atom",
        "/public/good-examples",
        f"/public/recommendations/{rec['id']}",
    ):
        r = await api.client.get(path)
        assert r.status_code == 404, (path, r.status_code)


async def test_the_catalogue_is_limited_per_address(server_url: str, template_db: str) -> None:
    env = {
        "RECOTRACK_PUBLIC_CATALOGUE": "true",
        "RECOTRACK_PUBLIC_RATE_LIMIT": "0.01",
        "RECOTRACK_PUBLIC_RATE_BURST": "3",
    }
    async with shared_service(server_url, template_db, env) as limited:
        api = limited.api
        for _ in range(3):
            assert (await api.client.get("/public/v1/good-examples")).status_code == 200
        r = await api.client.get("/public/")
        assert_problem(r, 429, "rate-limited")
        assert int(r.headers["retry-after"]) >= 1
        assert "from each address" in r.json()["detail"]
        # the API's callers are not the catalogue's readers: their budget is their own
        assert (await api.call("secretariat", "GET", "/v1/agencies")).status_code == 200


def test_the_public_api_is_in_the_contract_under_its_own_tag_without_security() -> None:
    import json

    from recotrack.cli.openapi import openapi_json
    from recotrack.settings import Settings

    document = json.loads(openapi_json(Settings.from_env({})))
    public_paths = {p: ops for p, ops in document["paths"].items() if p.startswith("/public/")}
    assert set(public_paths) == {
        "/public/v1/recommendations",
        "/public/v1/recommendations/{recommendation_id}",
        "/public/v1/good-examples",
    }
    for ops in public_paths.values():
        for op in ops.values():
            assert op["tags"] == ["public"]
            assert not op.get("security")
            assert "401" not in op["responses"]
    listed = document["paths"]["/v1/recommendations"]["get"]
    assert listed["security"] == [{"bearer": []}]
