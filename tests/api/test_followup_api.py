"""What follows a recommendation: the agency's response and progress reports, the secretariat's
assessments and closure, with their rules and the transitions they may not make."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests import flow
from tests.api.conftest import Shared
from tests.api.support import assert_problem, count, today, unchanged
from tests.helpers import Api


async def ok(api: Api, who: str, method: str, url: str, body: Any = None, **kw: Any) -> Any:
    r = await api.call(who, method, url, json=body, **kw)
    assert r.status_code in (200, 201, 204), r.text
    return r


async def issued(api: Api, agency: str = "skatteverket", **fields: Any) -> str:
    rec = await flow.recommendation(api, agency, **fields)
    return f"/v1/recommendations/{rec['id']}"


async def closed(api: Api) -> str:
    url = await issued(api)
    await ok(api, "secretariat", "PUT", f"{url}/closure", {"outcome": "implemented"})
    return url


async def draft(api: Api) -> str:
    rec = await flow.recommendation(api, issued=False)
    return f"/v1/recommendations/{rec['id']}"


# --- response ------------------------------------------------------------------------------

RESPONSE_FIELDS = {
    "recommendation_id",
    "decision",
    "rationale",
    "planned_actions",
    "target_date",
    "responded_by",
    "target_date_history",
    "version",
    "created_at",
    "updated_at",
}


async def test_respond_and_read_the_response(shared: Shared) -> None:
    api, db = shared.api, shared.db
    url = await issued(api)
    assert_problem(await api.call("skatteverket", "GET", f"{url}/response"), 404, "not-found")
    events = await count(db, "event")
    body = {
        "decision": "rejected",
        "rationale": "Styrningen finns redan i linjen.",
        "planned_actions": ["Redovisa styrmodellen", "Återkom i årsredovisningen"],
        "target_date": "2027-06-30",
        "responded_by": "Generaldirektör Åsa Öberg",
    }
    r = await api.call("skatteverket", "PUT", f"{url}/response", json=body)
    assert r.status_code == 201, r.text
    assert r.headers["etag"] == '"1"'
    response = r.json()
    assert set(response) == RESPONSE_FIELDS
    assert {k: response[k] for k in body} == body
    assert response["recommendation_id"] == url.rsplit("/", 1)[1]
    assert response["version"] == 1
    [first] = response["target_date_history"]
    assert (first["previous"], first["target_date"]) == (None, "2027-06-30")
    assert await count(db, "event") == events + 1

    for who in ("skatteverket", "secretariat", "auditor"):
        got = await api.call(who, "GET", f"{url}/response")
        assert got.status_code == 200, got.text
        assert got.headers["etag"] == '"1"'
        assert got.json() == response
    assert_problem(await api.call("forsakringskassan", "GET", f"{url}/response"), 404, "not-found")

    rec = (await api.call("secretariat", "GET", url)).json()
    assert (rec["state"], rec["decision"]) == ("responded", "rejected")


@pytest.mark.parametrize("decision", ["rejected", "partially_accepted"])
@pytest.mark.parametrize("rationale", [None, "", "   \n"], ids=repr)
async def test_rejecting_in_whole_or_part_needs_a_rationale(
    shared: Shared, decision: str, rationale: str | None
) -> None:
    body: dict[str, Any] = {"decision": decision, "responded_by": "Åsa Öberg"}
    if rationale is not None:
        body["rationale"] = rationale
    async with unchanged(shared.db):
        r = await shared.api.call(
            "skatteverket", "PUT", shared.world.url("/v1/recommendations/{rec}/response"), json=body
        )
        assert_problem(r, 422, "rule-violation", pointer="/rationale")


@pytest.mark.parametrize("decision", ["accepted", "under_consideration"])
async def test_accepting_needs_no_rationale(shared: Shared, decision: str) -> None:
    api = shared.api
    url = await issued(api)
    r = await api.call(
        "skatteverket",
        "PUT",
        f"{url}/response",
        json={"decision": decision, "responded_by": "Åsa Öberg"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["rationale"] is None


@pytest.mark.parametrize(
    ("new_target", "reason"),
    [("2027-07-01", None), (None, None), ("2027-07-01", "  ")],
    ids=["later", "removed", "blank-reason"],
)
async def test_a_slipping_target_date_needs_a_reason(
    shared: Shared, new_target: str | None, reason: str | None
) -> None:
    api, db = shared.api, shared.db
    url = await issued(api)
    first = {"decision": "accepted", "target_date": "2027-06-30", "responded_by": "Å"}
    await ok(api, "skatteverket", "PUT", f"{url}/response", first)
    body: dict[str, Any] = {**first, "target_date": new_target}
    if reason is not None:
        body["target_date_reason"] = reason
    async with unchanged(db):
        r = await api.call(
            "skatteverket", "PUT", f"{url}/response", json=body, headers={"If-Match": '"1"'}
        )
        assert_problem(r, 422, "rule-violation", pointer="/target_date_reason")


async def test_every_target_date_stays_in_the_history(shared: Shared) -> None:
    api = shared.api
    url = await issued(api)
    put = f"{url}/response"
    base = {"decision": "accepted", "responded_by": "Å"}
    await ok(api, "skatteverket", "PUT", put, {**base, "target_date": "2027-06-30"})
    # earlier needs no reason
    r = await ok(
        api,
        "skatteverket",
        "PUT",
        put,
        {**base, "target_date": "2027-03-31"},
        headers={"If-Match": '"1"'},
    )
    r = await ok(
        api,
        "skatteverket",
        "PUT",
        put,
        {**base, "target_date": "2027-12-31", "target_date_reason": "Upphandlingen överklagades."},
        headers={"If-Match": '"2"'},
    )
    # the same date again is no change of date
    r = await ok(
        api,
        "skatteverket",
        "PUT",
        put,
        {**base, "target_date": "2027-12-31", "rationale": "Oförändrat."},
        headers={"If-Match": '"3"'},
    )
    history = [
        (h["previous"], h["target_date"], h["reason"]) for h in r.json()["target_date_history"]
    ]
    assert history == [
        (None, "2027-06-30", None),
        ("2027-06-30", "2027-03-31", None),
        ("2027-03-31", "2027-12-31", "Upphandlingen överklagades."),
    ]
    assert r.json()["version"] == 4


async def test_no_response_on_a_draft_or_after_closure(shared: Shared) -> None:
    api, db = shared.api, shared.db
    body = {"decision": "accepted", "responded_by": "Å"}
    hidden, done, other = await draft(api), await closed(api), await issued(api)
    async with unchanged(db):
        r = await api.call("skatteverket", "PUT", f"{hidden}/response", json=body)
        assert_problem(r, 404, "not-found")
        r = await api.call("skatteverket", "PUT", f"{done}/response", json=body)
        assert_problem(r, 409, "transition-not-allowed")
        r = await api.call("forsakringskassan", "PUT", f"{other}/response", json=body)
        assert_problem(r, 404, "not-found")


# --- progress ------------------------------------------------------------------------------

PROGRESS_FIELDS = {
    "id",
    "recommendation_id",
    "status",
    "note",
    "percent_complete",
    "evidence",
    "reported_on",
    "external_ref",
    "created_at",
}


async def test_report_progress_and_list_it(shared: Shared) -> None:
    api, db = shared.api, shared.db
    url = await issued(api)
    events = await count(db, "event")
    body = {
        "status": "partially_implemented",
        "note": "Produktägare tillsatt; styrmodellen återstår.",
        "percent_complete": 60,
        "evidence": ["https://skatteverket.se/beslut/2026-17.pdf"],
        "reported_on": "2026-03-01",
        "external_ref": "PPM-UPD-1",
    }
    r = await api.call("skatteverket", "POST", f"{url}/progress", json=body)
    assert r.status_code == 201, r.text
    report = r.json()
    assert set(report) == PROGRESS_FIELDS
    assert {k: report[k] for k in body} == body
    assert await count(db, "event") == events + 1

    r = await api.call("skatteverket", "POST", f"{url}/progress", json={"status": "in_progress"})
    assert r.status_code == 201, r.text
    second = r.json()
    assert second["reported_on"] == (await today(db)).isoformat()
    assert (second["note"], second["percent_complete"], second["evidence"]) == ("", None, [])
    assert second["external_ref"] is None

    for who in ("skatteverket", "secretariat", "auditor"):
        listed = await api.call(who, "GET", f"{url}/progress")
        assert listed.status_code == 200, listed.text
        assert listed.json() == {"items": [report, second], "next_cursor": None}
    rec = (await api.call("secretariat", "GET", url)).json()
    assert (rec["state"], rec["reported_status"]) == ("in_progress", "in_progress")


async def test_resending_a_report_with_the_same_external_ref_changes_nothing(
    shared: Shared,
) -> None:
    api, db = shared.api, shared.db
    url = await issued(api)
    first = await ok(
        api,
        "skatteverket",
        "POST",
        f"{url}/progress",
        {"status": "in_progress", "external_ref": "A"},
    )
    async with unchanged(db):
        again = await api.call(
            "skatteverket",
            "POST",
            f"{url}/progress",
            json={"status": "in_progress", "external_ref": "A"},
        )
        assert again.status_code == 200, again.text
    assert again.json() == first.json()

    # the agency's ref names one report: on another recommendation it is a conflict
    other = await issued(api)
    async with unchanged(db):
        r = await api.call(
            "skatteverket",
            "POST",
            f"{other}/progress",
            json={"status": "in_progress", "external_ref": "A"},
        )
        assert_problem(r, 409, "conflict", pointer="/external_ref")


@pytest.mark.parametrize(
    ("body", "slug", "pointer"),
    [
        ({"percent_complete": 101}, "validation", "/percent_complete"),
        ({"percent_complete": -1}, "validation", "/percent_complete"),
        ({"evidence": ["not a link"]}, "validation", "/evidence/0"),
        ({"evidence": ["https://a.se/1", "ftp://a.se/2"]}, "validation", "/evidence/1"),
        ({"evidence": ["https://a.se/x"] * 21}, "validation", "/evidence"),
        ({"external_ref": ""}, "validation", "/external_ref"),
        ({"reported_on": "future"}, "rule-violation", "/reported_on"),
    ],
)
async def test_bad_progress_is_refused(
    shared: Shared, body: dict[str, Any], slug: str, pointer: str
) -> None:
    if body.get("reported_on") == "future":
        body = {"reported_on": (await today(shared.db) + dt.timedelta(days=3)).isoformat()}
    async with unchanged(shared.db):
        r = await shared.api.call(
            "skatteverket",
            "POST",
            shared.world.url("/v1/recommendations/{rec}/progress"),
            json={"status": "in_progress", **body},
        )
        assert_problem(r, 422, slug, pointer=pointer)


async def test_no_progress_on_a_draft_or_after_closure(shared: Shared) -> None:
    api, db = shared.api, shared.db
    hidden, done = await draft(api), await closed(api)
    async with unchanged(db):
        r = await api.call(
            "skatteverket", "POST", f"{hidden}/progress", json={"status": "in_progress"}
        )
        assert_problem(r, 404, "not-found")
        r = await api.call(
            "skatteverket", "POST", f"{done}/progress", json={"status": "in_progress"}
        )
        assert_problem(r, 409, "transition-not-allowed")


# --- assessments ---------------------------------------------------------------------------


async def test_assess_and_list_assessments(shared: Shared) -> None:
    api, db = shared.api, shared.db
    url = await issued(api)
    await ok(api, "skatteverket", "POST", f"{url}/progress", {"status": "implemented"})
    events = await count(db, "event")
    body = {
        "status": "partially_implemented",
        "note": "Inte i linjen än.",
        "assessed_on": "2026-04-01",
    }
    r = await api.call("secretariat", "POST", f"{url}/assessments", json=body)
    assert r.status_code == 201, r.text
    assessment = r.json()
    assert set(assessment) == {
        "id",
        "recommendation_id",
        "status",
        "note",
        "assessed_on",
        "created_at",
    }
    assert {k: assessment[k] for k in body} == body
    assert await count(db, "event") == events + 1

    for who in ("skatteverket", "auditor"):
        listed = await api.call(who, "GET", f"{url}/assessments")
        assert listed.json() == {"items": [assessment], "next_cursor": None}
    rec = (await api.call("skatteverket", "GET", url)).json()
    # both voices side by side
    assert (rec["reported_status"], rec["assessed_status"]) == (
        "implemented",
        "partially_implemented",
    )
    assert rec["state"] == "implemented"


async def test_an_assessment_cannot_be_in_the_future(shared: Shared) -> None:
    tomorrow = await today(shared.db) + dt.timedelta(days=3)
    async with unchanged(shared.db):
        r = await shared.api.call(
            "secretariat",
            "POST",
            shared.world.url("/v1/recommendations/{rec}/assessments"),
            json={"status": "in_progress", "assessed_on": tomorrow.isoformat()},
        )
        assert_problem(r, 422, "rule-violation", pointer="/assessed_on")


async def test_no_assessment_of_a_draft_or_after_closure(shared: Shared) -> None:
    api, db = shared.api, shared.db
    for url in (await draft(api), await closed(api)):
        async with unchanged(db):
            r = await api.call(
                "secretariat", "POST", f"{url}/assessments", json={"status": "in_progress"}
            )
            assert_problem(r, 409, "transition-not-allowed")


# --- closure -------------------------------------------------------------------------------


async def test_close_read_and_reopen(shared: Shared) -> None:
    api, db = shared.api, shared.db
    url = await issued(api, response_due="2026-01-20")
    assert (await api.call("secretariat", "GET", url)).json()["overdue"] is True
    assert_problem(await api.call("secretariat", "GET", f"{url}/closure"), 404, "not-found")
    events = await count(db, "event")

    r = await api.call(
        "secretariat", "PUT", f"{url}/closure", json={"outcome": "withdrawn", "note": "Inaktuell."}
    )
    assert r.status_code == 201, r.text
    assert r.headers["etag"] == '"1"'
    closure = r.json()
    assert set(closure) == {"recommendation_id", "outcome", "note", "closed_at", "version"}
    assert (closure["outcome"], closure["note"], closure["version"]) == (
        "withdrawn",
        "Inaktuell.",
        1,
    )
    assert await count(db, "event") == events + 1

    for who in ("skatteverket", "auditor"):
        got = await api.call(who, "GET", f"{url}/closure")
        assert got.status_code == 200, got.text
        assert got.headers["etag"] == '"1"'
        assert got.json() == closure
    rec = (await api.call("secretariat", "GET", url)).json()
    assert (rec["state"], rec["overdue"]) == ("closed", False)

    r = await api.call("secretariat", "DELETE", f"{url}/closure", headers={"If-Match": '"1"'})
    assert r.status_code == 204, r.text
    assert await count(db, "event") == events + 2
    rec = (await api.call("secretariat", "GET", url)).json()
    assert (rec["state"], rec["overdue"]) == ("issued", True)


async def test_a_draft_cannot_be_closed(shared: Shared) -> None:
    api, db = shared.api, shared.db
    url = await draft(api)
    async with unchanged(db):
        r = await api.call("secretariat", "PUT", f"{url}/closure", json={"outcome": "withdrawn"})
        assert_problem(r, 409, "transition-not-allowed")


@pytest.mark.parametrize("if_match", ['"1"', '"2"'])
async def test_an_open_recommendation_cannot_be_reopened(shared: Shared, if_match: str) -> None:
    async with unchanged(shared.db):
        r = await shared.api.call(
            "secretariat",
            "DELETE",
            shared.world.url("/v1/recommendations/{rec}/closure"),
            headers={"If-Match": if_match},
        )
        assert_problem(r, 409, "transition-not-allowed")


# --- where the new thing is ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sub", "body"),
    [
        ("skatteverket", "progress", {"status": "in_progress"}),
        ("secretariat", "assessments", {"status": "in_progress"}),
    ],
)
async def test_a_201_create_says_where_the_new_report_is(
    shared: Shared, who: str, sub: str, body: dict[str, Any]
) -> None:
    api = shared.api
    url = f"{await issued(api)}/{sub}"
    r = await api.call(who, "POST", url, json=body)
    assert r.status_code == 201, r.text
    assert r.headers.get("location"), f"POST {url} answered 201 without a Location"
    assert r.json()["id"] in r.headers["location"]
