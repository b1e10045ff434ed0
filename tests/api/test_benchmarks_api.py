"""Benchmarks: an agency's figures beside the other agencies' together, by the rule of
domain/benchmarks.py: with two other agencies a figure is withheld, with three it is not, and
no answer names, or lets an agency work out, another agency's figure."""

from __future__ import annotations

from typing import Any

import asyncpg

from recotrack.domain.orgnr import luhn_check_digit
from tests import flow
from tests.api.support import assert_problem
from tests.helpers import Api

OTHERS = {
    "trafikverket": "Trafikverket",
    "kronofogden": "Kronofogden",
    "lantmateriet": "Lantmäteriet",
}


def org_number(n: int) -> str:
    digits = f"2021{n:05d}"
    return f"{digits[:6]}-{digits[6:]}{luhn_check_digit([int(c) for c in digits])}"


async def agency(api: Api, agency_id: str, name: str, n: int) -> None:
    body = {"id": agency_id, "name": name, "org_number": org_number(n)}
    r = await api.call("secretariat", "POST", "/v1/agencies", json=body)
    assert r.status_code == 201, r.text


async def implemented(api: Api, agency_id: str, how_many: int, of: int) -> None:
    """`of` governance recommendations issued to the agency, `how_many` closed implemented."""
    for n in range(of):
        rec = await flow.recommendation(api, agency_id, area="governance")
        if n < how_many:
            r = await api.call(
                "secretariat",
                "PUT",
                f"/v1/recommendations/{rec['id']}/closure",
                json={"outcome": "implemented"},
            )
            assert r.status_code == 201, r.text


async def benchmarks(api: Api, who: str, agency: str = "skatteverket") -> dict[str, Any]:
    r = await api.call(who, "GET", "/v1/benchmarks", params={"agency": agency})
    assert r.status_code == 200, r.text
    return dict(r.json())


def governance(answer: dict[str, Any]) -> dict[str, Any]:
    return dict(next(a for a in answer["areas"] if a["area"] == "governance"))


async def test_two_other_agencies_are_too_few_three_are_enough(
    api: Api, db: asyncpg.Connection
) -> None:
    await implemented(api, "skatteverket", 1, of=2)  # 0.5
    await implemented(api, "forsakringskassan", 1, of=1)  # 1.0
    await agency(api, "trafikverket", "Trafikverket", 1)
    await implemented(api, "trafikverket", 0, of=1)  # 0.0

    two = governance(await benchmarks(api, "skatteverket"))
    share = two["implemented_share"]
    assert share["own"] == 0.5
    assert share["others"] == {
        "agencies": None,
        "median": None,
        "lower_quartile": None,
        "upper_quartile": None,
        "suppressed": True,
        "reason": share["others"]["reason"],
    }
    assert "fewer than 3" in share["others"]["reason"]

    await agency(api, "kronofogden", "Kronofogden", 2)
    await implemented(api, "kronofogden", 3, of=4)  # 0.75
    three = governance(await benchmarks(api, "skatteverket"))
    others = three["implemented_share"]["others"]
    assert (others["suppressed"], others["agencies"], others["median"]) == (False, 3, 0.75)
    assert (others["lower_quartile"], others["upper_quartile"]) == (0.375, 0.875)
    # the other agencies' extremes (0.0 and 1.0), their sum and mean, appear nowhere
    values = {v for v in others.values() if isinstance(v, float)}
    assert values.isdisjoint({0.0, 1.0, 1.75, 1.75 / 3})
    assert three["open_count"]["own"] == 1.0
    # an area where no one has anything: nothing of anyone
    results = next(
        a for a in (await benchmarks(api, "skatteverket"))["areas"] if a["area"] == "results"
    )
    assert results["implemented_share"]["own"] is None
    assert results["implemented_share"]["others"]["suppressed"] is True


async def test_no_other_agency_is_named(api: Api, db: asyncpg.Connection) -> None:
    for n, (agency_id, name) in enumerate(OTHERS.items(), 1):
        await agency(api, agency_id, name, n)
        await implemented(api, agency_id, 1, of=2)
    await implemented(api, "forsakringskassan", 1, of=1)
    await implemented(api, "skatteverket", 0, of=1)
    r = await api.call("skatteverket", "GET", "/v1/benchmarks", params={"agency": "skatteverket"})
    assert r.status_code == 200, r.text
    text = r.text.lower()
    for agency_id, name in [*OTHERS.items(), ("forsakringskassan", "Försäkringskassan")]:
        assert agency_id not in text
        assert name.lower() not in text
    assert r.json()["agency_id"] == "skatteverket"
    # the secretariat and the auditor see any agency's view, and the same one
    for who in ("secretariat", "auditor"):
        assert await benchmarks(api, who) == r.json()


async def test_whose_view_is_asked_for(api: Api, db: asyncpg.Connection) -> None:
    assert (await benchmarks(api, "skatteverket"))["agency_id"] == "skatteverket"
    r = await api.call(
        "skatteverket", "GET", "/v1/benchmarks", params={"agency": "forsakringskassan"}
    )
    assert_problem(r, 404, "not-found")
    r = await api.call("secretariat", "GET", "/v1/benchmarks")
    problem = assert_problem(r, 400, "invalid-parameter")
    assert problem["errors"] == [
        {"parameter": "agency", "detail": "the query parameter agency is required"}
    ]
    r = await api.call("secretariat", "GET", "/v1/benchmarks", params={"agency": "nobody"})
    assert_problem(r, 404, "not-found")
