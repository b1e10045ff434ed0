"""Full-text search in Swedish, and every sort order paging exactly."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest

from tests import flow
from tests.helpers import Api


async def _ids(api: Api, query: str, who: str = "secretariat") -> list[str]:
    r = await api.call(who, "GET", f"/v1/recommendations?{query}")
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]]


async def test_search_is_stemmed_swedish_over_text_rationale_and_notes(api: Api) -> None:
    investering = await flow.recommendation(
        api, title="Säkra finansieringen av investeringen", body="Lånefinansiering i steg."
    )
    other = await flow.recommendation(api, title="Stärk kompetensen", body="Rekrytera arkitekter.")
    noted = await flow.recommendation(api, title="Följ upp nyttor", body="Mät löpande.")
    r = await api.call(
        "skatteverket",
        "POST",
        f"/v1/recommendations/{noted['id']}/progress",
        json={"status": "in_progress", "note": "Upphandlingen överprövades i förvaltningsrätten"},
    )
    assert r.status_code == 201
    r = await api.call(
        "skatteverket",
        "PUT",
        f"/v1/recommendations/{other['id']}/response",
        json={
            "decision": "rejected",
            "rationale": "Budgetramen medger inga nyanställningar.",
            "responded_by": "Åsa",
        },
    )
    assert r.status_code == 201

    assert await _ids(api, "q=investeringar") == [investering["id"]]  # plural finds singular
    assert await _ids(api, "q=upphandling") == [noted["id"]]  # progress notes count
    assert await _ids(api, "q=nyanställning") == [other["id"]]  # so does the rationale
    assert await _ids(api, f"q={investering['code']}") == [investering["id"]]
    assert await _ids(api, "q=investering -lånefinansiering") == []
    assert await _ids(api, "q=investering", who="forsakringskassan") == []


async def test_results_are_ranked_when_searching(api: Api) -> None:
    weak = await flow.recommendation(api, title="Allmän styrning", body="Se även arkitektur.")
    strong = await flow.recommendation(api, title="Arkitektur och arkitekter", body="Arkitektur.")
    assert await _ids(api, "q=arkitektur") == [strong["id"], weak["id"]]
    bad = await api.call("secretariat", "GET", "/v1/recommendations?sort=relevance")
    assert bad.status_code == 400


@pytest.mark.parametrize(
    "sort",
    [
        "created",
        "issued_on",
        "-issued_on",
        "response_due",
        "-response_due",
        "implementation_due",
        "-implementation_due",
        "code",
        "-code",
    ],
)
async def test_every_sort_pages_exactly(api: Api, sort: str) -> None:
    made: list[dict[str, Any]] = []
    for n in range(11):
        fields: dict[str, Any] = {"code": f"S-{(n * 7) % 11:02d}-{n:02d}"}
        if n % 3:  # some dates missing, some equal
            fields["response_due"] = f"2026-0{1 + n % 4}-1{n % 2}"
            fields["implementation_due"] = f"2027-0{1 + n % 3}-01"
        made.append(await flow.recommendation(api, issued=n % 4 != 0, **fields))
    everything = await api.call("secretariat", "GET", f"/v1/recommendations?sort={sort}&limit=1000")
    expected = [item["id"] for item in everything.json()["items"]]
    assert set(expected) >= {m["id"] for m in made}
    seen: list[str] = []
    cursor = ""
    while True:
        page = (
            await api.call("secretariat", "GET", f"/v1/recommendations?sort={sort}&limit=3{cursor}")
        ).json()
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == expected
    if sort.lstrip("-") != "created":
        field = sort.lstrip("-")
        values = [item[field] for item in everything.json()["items"]]
        present = [v for v in values if v is not None]
        assert present == sorted(present, reverse=sort.startswith("-"))
        assert values[len(present) :] == [None] * (len(values) - len(present))  # missing last


async def test_a_cursor_is_bound_to_its_sort_and_filters(api: Api) -> None:
    for _ in range(3):
        await flow.recommendation(api)
    page = (await api.call("secretariat", "GET", "/v1/recommendations?limit=1")).json()
    cursor = page["next_cursor"]
    r = await api.call(
        "secretariat", "GET", f"/v1/recommendations?limit=1&sort=code&cursor={cursor}"
    )
    assert r.status_code == 400
    r = await api.call(
        "secretariat", "GET", f"/v1/recommendations?limit=1&area=results&cursor={cursor}"
    )
    assert r.status_code == 400


async def _walk(api: Api, query: str, limit: int) -> list[str]:
    seen: list[str] = []
    cursor = ""
    for _ in range(200):
        url = f"/v1/recommendations?{query}&limit={limit}{cursor}"
        r = await api.call("secretariat", "GET", url)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= limit
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            return seen
        assert len(page["items"]) == limit, "only the last page may be short"
        cursor = f"&cursor={page['next_cursor']}"
    raise AssertionError("the cursor does not advance")


@pytest.mark.parametrize("limit", [1, 2, 5])
@pytest.mark.parametrize(
    ("query", "where", "order"),
    [
        ("state=responded", "state = 'responded'", "created_at, id"),
        ("state=issued&state=closed", "state in ('issued', 'closed')", "created_at, id"),
        ("overdue=true&sort=-code", "overdue", "code desc, id desc"),
        (
            "state=responded&sort=response_due",
            "state = 'responded'",
            "coalesce(response_due, '9999-12-31'), id",
        ),
        ("q=styrning&state=responded", "state = 'responded' and title like '%styrning%'", None),
    ],
)
async def test_pages_filtered_by_derived_state_are_exact_when_matches_are_sparse(
    api: Api, db: asyncpg.Connection, query: str, where: str, order: str | None, limit: int
) -> None:
    """The state is derived per candidate, in chunks, until a page is full: pages must stay
    exact when few candidates match, so that several chunks are needed for one page."""
    rev = await flow.review(api)
    await db.execute(
        """
        insert into recommendation (code, review_id, agency_id, title, area, priority,
            issued_on, response_due, implementation_due, created_at)
        select 'C-' || lpad(n::text, 3, '0'), $1, 'skatteverket',
            case when n % 2 = 0 then 'Stärk styrningen' else 'Stärk kompetensen' end,
            'governance', 'high', date '2025-01-01', date '2025-02-01' + (n * 7) % 30,
            date '2030-01-01', now() + n * interval '1 second'
        from generate_series(1, 90) n
        """,
        uuid.UUID(rev["id"]),
    )
    await db.execute(
        """
        insert into response (recommendation_id, decision, responded_by)
        select id, 'accepted', 'Handläggare' from recommendation
        where code like 'C-%' and substr(code, 3)::int % 13 in (0, 4);
        insert into closure (recommendation_id, outcome)
        select id, 'implemented' from recommendation
        where code like 'C-%' and substr(code, 3)::int % 17 = 0;
        """
    )
    expected = [
        str(row["id"])
        for row in await db.fetch(
            f"select id from recommendation_view where {where} order by {order or 'id'}"
        )
    ]
    assert expected
    seen = await _walk(api, query, limit)
    if order is None:  # ranked: equal ranks, so only the set and uniqueness are fixed
        assert sorted(seen) == sorted(expected)
        assert len(seen) == len(set(seen))
    else:
        assert seen == expected
