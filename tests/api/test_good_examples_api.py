"""Good examples: the secretariat lifts them out; every role and every agency reads them, with
the agency named only when it agreed, and secrecy applied to the recommendation's title."""

from __future__ import annotations

from typing import Any

from tests import flow
from tests.api.conftest import Shared
from tests.api.support import assert_problem, unchanged
from tests.helpers import Api

SECRET_TITLE = "Byt brandväggsleverantör före avtalets slut"


async def example(api: Api, rec_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "recommendation_id": rec_id,
        "title": "Produktstyrning som fungerar",
        "summary": "Myndigheten **samlade** förvaltningen i tre produktområden.",
        **fields,
    }
    r = await api.call("secretariat", "POST", "/v1/good-examples", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_every_agency_reads_an_example_without_learning_whose_it_is(shared: Shared) -> None:
    api = shared.api
    rec = await flow.recommendation(api, area="competence")
    made = await example(api, rec["id"])
    assert (made["agency_named"], made["agency_id"], made["agency_name"]) == (False, None, None)
    assert (made["recommendation_code"], made["area"]) == (rec["code"], "competence")
    for who in ("forsakringskassan", "skatteverket", "auditor", "secretariat"):
        got = await api.call(who, "GET", f"/v1/good-examples/{made['id']}")
        assert got.status_code == 200, (who, got.text)
        assert got.json() == made
        assert "skatteverket" not in got.text.lower()
        listed = await api.call(who, "GET", "/v1/good-examples?area=competence&limit=1000")
        assert made in listed.json()["items"]

    named = await example(api, rec["id"], agency_named=True)
    got = (await api.call("forsakringskassan", "GET", f"/v1/good-examples/{named['id']}")).json()
    assert (got["agency_id"], got["agency_name"]) == ("skatteverket", "Skatteverket")


async def test_a_secret_title_stays_out_of_every_example(shared: Shared) -> None:
    api = shared.api
    rec = await flow.recommendation(api, title=SECRET_TITLE)
    url = f"/v1/recommendations/{rec['id']}/secrecy"
    marks = {"fields": [{"field": "title", "ground": "18 kap. 8 § OSL"}]}
    assert (await api.call("secretariat", "PUT", url, json=marks)).status_code == 201
    made = await example(api, rec["id"], agency_named=True)
    assert (
        made["recommendation_title"] == "[Uppgiften omfattas av sekretess enligt 18 kap. 8 § OSL]"
    )
    for path in (f"/v1/good-examples/{made['id']}", "/v1/good-examples?limit=1000"):
        r = await api.call("forsakringskassan", "GET", path)
        assert SECRET_TITLE not in r.text


async def test_only_the_secretariat_lifts_out_changes_and_removes(shared: Shared) -> None:
    api, db = shared.api, shared.db
    rec = await flow.recommendation(api)
    made = await example(api, rec["id"])
    url = f"/v1/good-examples/{made['id']}"
    async with unchanged(db):
        for who in ("skatteverket", "forsakringskassan", "auditor"):
            body = {"recommendation_id": rec["id"], "title": "x", "summary": "y"}
            assert_problem(
                await api.call(who, "POST", "/v1/good-examples", json=body), 403, "forbidden"
            )
            r = await api.call(who, "PATCH", url, json={"title": "x"}, headers={"If-Match": '"1"'})
            assert_problem(r, 403, "forbidden")
            assert_problem(
                await api.call(who, "DELETE", url, headers={"If-Match": '"1"'}), 403, "forbidden"
            )
        r = await api.call("secretariat", "PATCH", url, json={"title": "x"})
        assert_problem(r, 428, "precondition-required")

    r = await api.call(
        "secretariat", "PATCH", url, json={"agency_named": True}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["agency_name"]) == (2, "Skatteverket")
    r = await api.call("secretariat", "DELETE", url, headers={"If-Match": '"2"'})
    assert r.status_code == 204, r.text
    assert_problem(await api.call("secretariat", "GET", url), 404, "not-found")
    actions = [
        e["action"]
        for e in await db.fetch(
            "select action from event where entity = 'good_example' and entity_id = $1"
            " order by seq",
            made["id"],
        )
    ]
    assert actions == ["created", "updated", "deleted"]


async def test_an_example_needs_an_issued_recommendation(shared: Shared) -> None:
    api, db = shared.api, shared.db
    draft = await flow.recommendation(api, issued=False)
    async with unchanged(db):
        for rec_id in (draft["id"], "00000000-0000-4000-8000-000000000000", "nope"):
            body = {"recommendation_id": rec_id, "title": "x", "summary": "y"}
            r = await api.call("secretariat", "POST", "/v1/good-examples", json=body)
            assert_problem(r, 422, "rule-violation", pointer="/recommendation_id")
        r = await api.call("secretariat", "GET", "/v1/good-examples?area=budget")
        assert r.status_code == 400, r.text
