"""The filters of `GET /v1/recommendations`, over one catalogue of recommendations in every
state, and what an agency sees of it (its own, issued ones: never a draft)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.api.conftest import Shared
from tests.api.support import assert_problem, today
from tests.helpers import Api


@dataclass(frozen=True)
class Catalogue:
    ids: dict[str, str]
    """Short name → id."""
    recs: dict[str, dict[str, Any]]
    today: dt.date
    ignore: str
    """The shared world's recommendation, which is not part of the catalogue."""

    def names(self, items: list[dict[str, Any]]) -> list[str]:
        by_id = {v: k for k, v in self.ids.items()}
        return [by_id[item["id"]] for item in items if item["id"] != self.ignore]


async def _create(api: Api, review_id: str, code: str, **fields: Any) -> dict[str, Any]:
    body = {"review_id": review_id, "code": code, "title": "Rekommendation", **fields}
    r = await api.call("secretariat", "POST", "/v1/recommendations", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _review(api: Api, agency: str) -> dict[str, Any]:
    r = await api.call(
        "secretariat", "POST", "/v1/investments", json={"agency_id": agency, "title": "Plattform"}
    )
    assert r.status_code == 201, r.text
    r = await api.call(
        "secretariat", "POST", "/v1/reviews", json={"investment_id": r.json()["id"], "title": "G"}
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.fixture(scope="module")
async def catalogue(shared: Shared) -> Catalogue:
    api = shared.api
    t = await today(shared.db)

    def d(days: int) -> str:
        return (t + dt.timedelta(days=days)).isoformat()

    skv, skv2, fk = (
        await _review(api, "skatteverket"),
        await _review(api, "skatteverket"),
        await _review(api, "forsakringskassan"),
    )
    recs = {
        "late_response": await _create(
            api,
            skv["id"],
            "2026-SKV-001",
            title="Förbättra ÅTERRAPPORTERINGEN till ledningen",
            area="governance",
            priority="high",
            issued_on=d(-60),
            response_due=d(-30),
        ),
        "on_time": await _create(
            api,
            skv2["id"],
            "2026-SKV-002",
            body="En samlad översikt över systemförvaltningen; minst 100% av ärendena.",
            area="results",
            priority="low",
            issued_on=d(-10),
            response_due=d(30),
            implementation_due=d(200),
        ),
        "late_implementation": await _create(
            api,
            fk["id"],
            "2026-FK-001",
            area="competence",
            priority="medium",
            issued_on=d(-100),
            implementation_due=d(-5),
        ),
        "draft": await _create(
            api,
            skv["id"],
            "2026-SKV-003",
            title="Utkast om ÅTGÄRDSPLAN",
            area="governance",
            priority="high",
        ),
        "closed": await _create(
            api,
            fk["id"],
            "2026-FK-002",
            area="ways_of_working",
            priority="low",
            issued_on=d(-50),
            implementation_due=d(-1),
        ),
        "responded": await _create(
            api,
            skv["id"],
            "2026-SKV-004",
            area="enabling_conditions",
            priority="medium",
            issued_on=d(-20),
            response_due=d(-1),
        ),
        "implemented": await _create(
            api,
            skv2["id"],
            "2026-SKV-005",
            area="results",
            priority="high",
            issued_on=d(-40),
            implementation_due=d(-3),
        ),
    }
    ids = {name: rec["id"] for name, rec in recs.items()}

    async def call(who: str, method: str, path: str, body: dict[str, Any]) -> None:
        name, sub = path.split("/")
        r = await api.call(who, method, f"/v1/recommendations/{ids[name]}/{sub}", json=body)
        assert r.status_code == 201, r.text

    await call(
        "forsakringskassan", "POST", "late_implementation/progress", {"status": "in_progress"}
    )
    await call("secretariat", "PUT", "closed/closure", {"outcome": "withdrawn"})
    await call(
        "skatteverket", "PUT", "responded/response", {"decision": "accepted", "responded_by": "Å"}
    )
    await call("skatteverket", "POST", "implemented/progress", {"status": "implemented"})
    final = {}
    for name, rec_id in ids.items():
        r = await api.call("secretariat", "GET", f"/v1/recommendations/{rec_id}")
        final[name] = r.json()
    return Catalogue(ids=ids, recs=final, today=t, ignore=shared.world.rec)


ALL = [
    "late_response",
    "on_time",
    "late_implementation",
    "draft",
    "closed",
    "responded",
    "implemented",
]


async def listed(
    shared: Shared, catalogue: Catalogue, query: str, who: str = "secretariat"
) -> list[str]:
    r = await shared.api.call(who, "GET", f"/v1/recommendations?{query}")
    assert r.status_code == 200, r.text
    assert r.json()["next_cursor"] is None
    return catalogue.names(r.json()["items"])


async def test_the_catalogue_is_in_the_states_it_is_named_for(catalogue: Catalogue) -> None:
    states = {name: rec["state"] for name, rec in catalogue.recs.items()}
    assert states == {
        "late_response": "issued",
        "on_time": "issued",
        "late_implementation": "in_progress",
        "draft": "draft",
        "closed": "closed",
        "responded": "responded",
        "implemented": "implemented",
    }
    overdue = {name for name, rec in catalogue.recs.items() if rec["overdue"]}
    assert overdue == {"late_response", "late_implementation"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL),
        ("agency=skatteverket", ["late_response", "on_time", "draft", "responded", "implemented"]),
        ("agency=forsakringskassan", ["late_implementation", "closed"]),
        ("agency=skatteverket&agency=forsakringskassan", ALL),
        ("agency=nosuchagency", []),
        ("area=governance", ["late_response", "draft"]),
        ("area=governance&area=results", ["late_response", "on_time", "draft", "implemented"]),
        ("priority=high", ["late_response", "draft", "implemented"]),
        ("priority=low&priority=medium", ["on_time", "late_implementation", "closed", "responded"]),
        ("state=draft", ["draft"]),
        ("state=issued", ["late_response", "on_time"]),
        ("state=issued&state=responded", ["late_response", "on_time", "responded"]),
        ("state=in_progress", ["late_implementation"]),
        ("state=implemented", ["implemented"]),
        ("state=closed", ["closed"]),
        ("overdue=true", ["late_response", "late_implementation"]),
        ("overdue=false", ["on_time", "draft", "closed", "responded", "implemented"]),
        ("agency=skatteverket&area=governance&state=issued", ["late_response"]),
        ("agency=forsakringskassan&overdue=true", ["late_implementation"]),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
async def test_filters(
    shared: Shared, catalogue: Catalogue, query: str, expected: list[str]
) -> None:
    assert await listed(shared, catalogue, query) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("återrapporteringen", {"late_response"}),  # the title has ÅTERRAPPORTERINGEN
        ("ÖVERSIKT", {"on_time"}),  # the body has översikt
        ("Åtgärdsplan", {"draft"}),  # the title has ÅTGÄRDSPLAN
        ("förbättra återrapporteringen", {"late_response"}),
        ("systemförvaltningen", {"on_time"}),
        ("2026-fk", {"late_implementation", "closed"}),  # codes, in any case
        ("2026-SKV-004", {"responded"}),
        ("finns inte", set()),
    ],
)
async def test_text_search_in_code_title_and_body(
    shared: Shared, catalogue: Catalogue, q: str, expected: set[str]
) -> None:
    r = await shared.api.call("secretariat", "GET", f"/v1/recommendations?{urlencode({'q': q})}")
    assert r.status_code == 200, r.text
    names = catalogue.names(r.json()["items"])
    assert len(names) == len(set(names))
    assert set(names) == expected


async def test_review_and_investment_filters(shared: Shared, catalogue: Catalogue) -> None:
    rec = catalogue.recs["late_response"]
    same_review = ["late_response", "draft", "responded"]
    assert await listed(shared, catalogue, f"review_id={rec['review_id']}") == same_review
    assert await listed(shared, catalogue, f"investment_id={rec['investment_id']}") == same_review
    assert await listed(shared, catalogue, "review_id=00000000-0000-4000-8000-000000000000") == []
    assert await listed(shared, catalogue, "review_id=not-an-id") == []
    assert await listed(shared, catalogue, "investment_id=not-an-id") == []


async def test_date_filters(shared: Shared, catalogue: Catalogue) -> None:
    t = catalogue.today

    def d(days: int) -> str:
        return (t + dt.timedelta(days=days)).isoformat()

    # inclusive at both ends; drafts have no issue date
    assert await listed(shared, catalogue, f"issued_from={d(-60)}&issued_to={d(-20)}") == [
        "late_response",
        "closed",
        "responded",
        "implemented",
    ]
    assert await listed(shared, catalogue, f"issued_from={d(-10)}") == ["on_time"]
    assert await listed(shared, catalogue, f"issued_to={d(-100)}") == ["late_implementation"]
    assert await listed(shared, catalogue, f"issued_from={d(1)}") == []
    # response or implementation due before the date (exclusive)
    assert await listed(shared, catalogue, f"due_before={d(0)}") == [
        "late_response",
        "late_implementation",
        "closed",
        "responded",
        "implemented",
    ]
    assert await listed(shared, catalogue, f"due_before={d(-5)}") == ["late_response"]
    assert await listed(shared, catalogue, f"due_before={d(-4)}") == [
        "late_response",
        "late_implementation",
    ]


@pytest.mark.parametrize(
    "query",
    [
        "area=nope",
        "area=governance&area=Governance",
        "priority=urgent",
        "state=open",
        "state=overdue",
        "overdue=maybe",
        "issued_from=2026-02-30",
        "issued_to=tomorrow",
        "due_before=15/01/2026",
        "q=",
        "q=" + "x" * 201,
    ],
)
async def test_a_bad_filter_value_is_400(shared: Shared, query: str) -> None:
    r = await shared.api.call("secretariat", "GET", f"/v1/recommendations?{query}")
    body = assert_problem(r, 400, "invalid-parameter")
    name = query.split("=")[0]
    assert any(e.get("parameter") == name for e in body["errors"]), body


# --- what an agency sees ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "query", "expected"),
    [
        ("skatteverket", "", ["late_response", "on_time", "responded", "implemented"]),
        ("skatteverket", "state=draft", []),
        ("skatteverket", "q=åtgärdsplan", []),
        ("skatteverket", "area=governance", ["late_response"]),
        ("skatteverket", "agency=forsakringskassan", []),
        ("forsakringskassan", "", ["late_implementation", "closed"]),
        ("auditor", "", ALL),
        ("auditor", "state=draft", ["draft"]),
    ],
)
async def test_what_each_caller_sees(
    shared: Shared, catalogue: Catalogue, who: str, query: str, expected: list[str]
) -> None:
    assert await listed(shared, catalogue, query, who=who) == expected


@pytest.mark.parametrize(
    "suffix", ["", "/response", "/progress", "/assessments", "/closure"], ids=repr
)
async def test_a_draft_is_invisible_to_its_agency(
    shared: Shared, catalogue: Catalogue, suffix: str
) -> None:
    url = f"/v1/recommendations/{catalogue.ids['draft']}{suffix}"
    assert_problem(await shared.api.call("skatteverket", "GET", url), 404, "not-found")
    if suffix == "":
        for who in ("secretariat", "auditor"):
            r = await shared.api.call(who, "GET", url)
            assert r.status_code == 200, r.text
            assert r.json()["state"] == "draft"


async def test_another_agencys_recommendation_is_invisible(
    shared: Shared, catalogue: Catalogue
) -> None:
    for suffix in ("", "/response", "/progress", "/assessments", "/closure"):
        url = f"/v1/recommendations/{catalogue.ids['closed']}{suffix}"
        assert_problem(await shared.api.call("skatteverket", "GET", url), 404, "not-found")
