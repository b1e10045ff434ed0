"""Links between recommendations and their lineage, through the API: made, read and removed by
the secretariat, events of the chain, the rules (each refusal changing nothing), what an agency
is shown, closing as superseded, and the recurring themes (`repeats=`)."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from tests import flow
from tests.api.conftest import Shared
from tests.api.support import assert_problem, unchanged
from tests.helpers import Api

REC = "/v1/recommendations/{}"


async def link(api: Api, source: dict[str, Any], kind: str, target: dict[str, Any]) -> Any:
    body = {"kind": kind, "target_id": target["id"]}
    r = await api.call("secretariat", "POST", REC.format(source["id"]) + "/links", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def lineage(api: Api, who: str, rec: dict[str, Any]) -> Any:
    r = await api.call(who, "GET", REC.format(rec["id"]) + "/lineage")
    assert r.status_code == 200, r.text
    return r.json()


async def link_events(db: asyncpg.Connection, link_id: str) -> list[tuple[str, str, bool]]:
    rows = await db.fetch(
        "select action, recommendation_id::text, agency_visible from event"
        " where entity = 'link' and entity_id = $1 order by seq",
        link_id,
    )
    return [(r["action"], r["recommendation_id"], r["agency_visible"]) for r in rows]


async def test_a_link_is_made_read_and_removed_as_events_of_the_chain(shared: Shared) -> None:
    api, db = shared.api, shared.db
    earlier = await flow.recommendation(api)
    later = await flow.recommendation(api)
    url = REC.format(later["id"]) + "/links"
    r = await api.call(
        "secretariat", "POST", url, json={"kind": "repeats", "target_id": earlier["id"]}
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert r.headers["etag"] == '"1"'
    assert r.headers["location"] == f"{url}/{made['id']}"
    assert {
        k: made[k] for k in ("kind", "source_id", "source_code", "target_id", "target_code")
    } == {
        "kind": "repeats",
        "source_id": later["id"],
        "source_code": later["code"],
        "target_id": earlier["id"],
        "target_code": earlier["code"],
    }
    assert made["created_by"].startswith("token:")
    assert made["version"] == 1
    for who in ("secretariat", "auditor", "skatteverket"):
        got = await api.call(who, "GET", f"{url}/{made['id']}")
        assert (got.status_code, got.json()) == (200, made), (who, got.text)

    seen_from_later = await lineage(api, "skatteverket", later)
    assert seen_from_later["recommendation_id"] == later["id"]
    assert [(e["id"], e["code"], e["distance"]) for e in seen_from_later["recommendations"]] == [
        (earlier["id"], earlier["code"], 1)
    ]
    assert seen_from_later["links"] == [{**made, "direction": "outgoing"}]
    seen_from_earlier = await lineage(api, "secretariat", earlier)
    assert [e["id"] for e in seen_from_earlier["recommendations"]] == [later["id"]]
    assert seen_from_earlier["links"] == [{**made, "direction": "incoming"}]

    # the event is the source's: in its history, for its agency (which may read both ends)
    history = await api.call("skatteverket", "GET", REC.format(later["id"]) + "/history")
    assert ("link", "created", made["id"]) in [
        (e["entity"], e["action"], e["entity_id"]) for e in history.json()["items"]
    ]

    one = f"{url}/{made['id']}"
    async with unchanged(db):
        assert_problem(await api.call("secretariat", "DELETE", one), 428, "precondition-required")
        r = await api.call("secretariat", "DELETE", one, headers={"If-Match": '"2"'})
        assert_problem(r, 412, "precondition-failed")
        elsewhere = REC.format(earlier["id"]) + f"/links/{made['id']}"  # not its source
        r = await api.call("secretariat", "DELETE", elsewhere, headers={"If-Match": '"1"'})
        assert_problem(r, 404, "not-found")
    r = await api.call("secretariat", "DELETE", one, headers={"If-Match": '"1"'})
    assert r.status_code == 204, r.text
    assert_problem(await api.call("secretariat", "GET", one), 404, "not-found")
    assert (await lineage(api, "secretariat", later))["links"] == []
    assert await link_events(db, made["id"]) == [
        ("created", later["id"], True),
        ("deleted", later["id"], True),
    ]


async def test_the_rules_refuse_and_change_nothing(shared: Shared) -> None:
    api, db = shared.api, shared.db
    issued = await flow.recommendation(api)
    other = await flow.recommendation(api)
    draft = await flow.recommendation(api, issued=False)
    await link(api, issued, "refines", other)
    url = REC.format(issued["id"]) + "/links"
    async with unchanged(db):
        for kind in ("supersedes", "refines", "splits", "repeats"):
            body = {"kind": kind, "target_id": issued["id"]}
            r = await api.call("secretariat", "POST", url, json=body)
            body_ = assert_problem(r, 422, "rule-violation", pointer="/target_id")
            assert "itself" in body_["detail"], body_

            body = {"kind": kind, "target_id": draft["id"]}
            r = await api.call("secretariat", "POST", url, json=body)
            body_ = assert_problem(r, 422, "rule-violation", pointer="/target_id")
            assert f"{issued['code']} is issued and {draft['code']} is a draft" in body_["detail"]

        for target in ("00000000-0000-4000-8000-000000000000", "nope"):
            body = {"kind": "refines", "target_id": target}
            r = await api.call("secretariat", "POST", url, json=body)
            assert_problem(r, 422, "rule-violation", pointer="/target_id")
        r = await api.call(
            "secretariat", "POST", url, json={"kind": "refines", "target_id": other["id"]}
        )
        assert_problem(r, 409, "conflict", pointer="/target_id")
        r = await api.call(
            "secretariat", "POST", url, json={"kind": "cites", "target_id": other["id"]}
        )
        assert_problem(r, 422, "validation", pointer="/kind")
        missing = REC.format("00000000-0000-4000-8000-000000000000") + "/links"
        r = await api.call(
            "secretariat", "POST", missing, json={"kind": "refines", "target_id": other["id"]}
        )
        assert_problem(r, 404, "not-found")
    # another kind between the same two is another link; and a draft may name an issued one
    await link(api, issued, "repeats", other)
    await link(api, draft, "refines", issued)


async def test_a_cycle_of_supersedes_or_of_splits_is_refused_naming_its_path(
    shared: Shared,
) -> None:
    api, db = shared.api, shared.db
    for kind in ("supersedes", "splits"):
        a, b, c = [await flow.recommendation(api) for _ in range(3)]
        await link(api, b, kind, a)
        await link(api, c, kind, b)
        async with unchanged(db):
            for source, target, circle in (
                (a, c, [a, c, b, a]),
                (a, b, [a, b, a]),
            ):
                body = {"kind": kind, "target_id": target["id"]}
                r = await api.call(
                    "secretariat", "POST", REC.format(source["id"]) + "/links", json=body
                )
                problem = assert_problem(r, 422, "rule-violation", pointer="/target_id")
                named = " → ".join(rec["code"] for rec in circle)
                assert problem["detail"].endswith(f"a cycle of `{kind}`: {named}"), problem
        # the other kinds are no order: back the other way is allowed
        await link(api, a, "refines", c)
        await link(api, a, "repeats", b)
        # nor is a mix of the two orders a cycle of either
        await link(api, a, "splits" if kind == "supersedes" else "supersedes", c)


async def test_an_agency_is_shown_only_links_between_what_it_may_read(shared: Shared) -> None:
    api, db = shared.api, shared.db
    mine = await flow.recommendation(api)
    also_mine = await flow.recommendation(api)
    draft = await flow.recommendation(api, issued=False)
    theirs = await flow.recommendation(api, "forsakringskassan")
    beyond = await flow.recommendation(api)  # Skatteverket's, reached only through theirs
    shown = await link(api, mine, "repeats", also_mine)
    from_draft = await link(api, draft, "refines", mine)
    across = await link(api, theirs, "supersedes", mine)
    onward = await link(api, theirs, "refines", beyond)

    everything = await lineage(api, "secretariat", mine)
    assert {e["id"]: e["distance"] for e in everything["recommendations"]} == {
        also_mine["id"]: 1,
        draft["id"]: 1,
        theirs["id"]: 1,
        beyond["id"]: 2,
    }
    assert {k["id"] for k in everything["links"]} == {
        shown["id"],
        from_draft["id"],
        across["id"],
        onward["id"],
    }
    assert await lineage(api, "auditor", mine) == everything

    own = await lineage(api, "skatteverket", mine)
    assert [e["id"] for e in own["recommendations"]] == [also_mine["id"]]
    assert [k["id"] for k in own["links"]] == [shown["id"]]
    for text in (draft["id"], theirs["id"], beyond["id"], draft["code"], theirs["code"]):
        assert text not in str(own)
    assert (await lineage(api, "forsakringskassan", theirs))["links"] == []

    # a lineage, or a link, of what the agency may not read is not found, as nothing is
    for who, rec in (
        ("forsakringskassan", mine),
        ("skatteverket", draft),
        ("skatteverket", theirs),
    ):
        r = await api.call(who, "GET", REC.format(rec["id"]) + "/lineage")
        assert_problem(r, 404, "not-found")
    for who, source, made in (
        ("skatteverket", draft, from_draft),
        ("skatteverket", theirs, across),
        ("forsakringskassan", theirs, across),  # its own source, but the target is not its
        ("forsakringskassan", mine, shown),
    ):
        r = await api.call(who, "GET", REC.format(source["id"]) + f"/links/{made['id']}")
        assert_problem(r, 404, "not-found")

    # and so is their event: the feed and the history show the agency only the link it sees
    assert (await link_events(db, shown["id"]))[0][2] is True
    for hidden in (from_draft, across, onward):
        assert (await link_events(db, hidden["id"]))[0][2] is False
    feed = await api.call("forsakringskassan", "GET", "/v1/changes?limit=1000")
    assert not {across["id"], onward["id"]} & {c["entity_id"] for c in feed.json()["items"]}


async def close(api: Api, rec: dict[str, Any], **body: Any) -> Any:
    return await api.call("secretariat", "PUT", REC.format(rec["id"]) + "/closure", json=body)


async def test_closing_as_superseded_needs_the_successors_link(shared: Shared) -> None:
    api, db = shared.api, shared.db
    old = await flow.recommendation(api)
    new = await flow.recommendation(api)
    draft = await flow.recommendation(api, issued=False)
    async with unchanged(db):
        problem = assert_problem(
            await close(api, old, outcome="superseded"),
            422,
            "rule-violation",
            pointer="/superseded_by",
        )
        assert "needs its successor" in problem["detail"]
        r = await close(api, old, outcome="withdrawn", superseded_by=new["id"])
        assert_problem(r, 422, "rule-violation", pointer="/superseded_by")
        for nobody in ("00000000-0000-4000-8000-000000000000", "nope", old["id"]):
            r = await close(api, old, outcome="superseded", superseded_by=nobody)
            assert_problem(r, 422, "rule-violation", pointer="/superseded_by")
    # a link already there does: the closure needs no more
    await link(api, new, "supersedes", old)
    r = await close(api, old, outcome="superseded")
    assert r.status_code == 201, r.text

    # named in the closure, the link is made in the same transaction, its event first
    older = await flow.recommendation(api)
    r = await close(api, older, outcome="superseded", note="Ersatt", superseded_by=new["id"])
    assert r.status_code == 201, r.text
    events = await db.fetch(
        "select entity, action, entity_id, recommendation_id::text, occurred_at from event"
        " where seq > (select max(seq) - 2 from event) order by seq"
    )
    assert [(e["entity"], e["action"]) for e in events] == [
        ("link", "created"),
        ("closure", "closed"),
    ]
    assert events[0]["occurred_at"] == events[1]["occurred_at"]  # one transaction's time
    assert events[0]["recommendation_id"] == new["id"]
    linked = await lineage(api, "secretariat", older)
    # new supersedes both: old is two links away, through new
    assert [
        (k["kind"], k["source_id"], k["target_id"], k["direction"]) for k in linked["links"]
    ] == [
        ("supersedes", new["id"], older["id"], "incoming"),
        ("supersedes", new["id"], old["id"], "outgoing"),
    ]
    assert [(e["id"], e["distance"]) for e in linked["recommendations"]] == [
        (new["id"], 1),
        (old["id"], 2),
    ]
    # naming the successor already linked makes no second link (amending the closure)
    closure = await api.call("secretariat", "GET", REC.format(older["id"]) + "/closure")
    r = await api.call(
        "secretariat",
        "PUT",
        REC.format(older["id"]) + "/closure",
        json={"outcome": "superseded", "note": "Ersatt av", "superseded_by": new["id"]},
        headers={"If-Match": closure.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    assert len((await lineage(api, "secretariat", older))["links"]) == 2

    # the successor named must be one that may be linked: no cycle made
    prior = await flow.recommendation(api)
    cyclic = await flow.recommendation(api)
    await link(api, cyclic, "supersedes", prior)
    async with unchanged(db):
        r = await close(api, cyclic, outcome="superseded", superseded_by=prior["id"])
        problem = assert_problem(r, 422, "rule-violation", pointer="/superseded_by")
        assert f"{prior['code']} → {cyclic['code']} → {prior['code']}" in problem["detail"]
    # a draft may be the successor (it names an issued one): its agency is shown no link
    r = await close(api, prior, outcome="superseded", superseded_by=draft["id"])
    assert r.status_code == 201, r.text
    for who, sees in (("secretariat", True), ("skatteverket", False)):
        found = (await lineage(api, who, prior))["recommendations"]
        assert (draft["id"] in {e["id"] for e in found}) is sees, who


async def test_the_only_successor_of_a_superseded_closure_stays_linked(shared: Shared) -> None:
    api, db = shared.api, shared.db
    old = await flow.recommendation(api)
    new = await flow.recommendation(api)
    r = await close(api, old, outcome="superseded", superseded_by=new["id"])
    assert r.status_code == 201, r.text
    (made,) = (await lineage(api, "secretariat", old))["links"]
    one = REC.format(new["id"]) + f"/links/{made['id']}"
    async with unchanged(db):
        r = await api.call("secretariat", "DELETE", one, headers={"If-Match": '"1"'})
        problem = assert_problem(r, 409, "transition-not-allowed")
        assert f"{old['code']} is closed as superseded by {new['code']}" in problem["detail"]
    # with a second successor, or once reopened, it goes
    closure = await api.call("secretariat", "GET", REC.format(old["id"]) + "/closure")
    r = await api.call(
        "secretariat",
        "DELETE",
        REC.format(old["id"]) + "/closure",
        headers={"If-Match": closure.headers["etag"]},
    )
    assert r.status_code == 204, r.text
    r = await api.call("secretariat", "DELETE", one, headers={"If-Match": '"1"'})
    assert r.status_code == 204, r.text


async def codes(api: Api, who: str, query: str) -> list[str]:
    r = await api.call(who, "GET", f"/v1/recommendations?{query}&limit=1000")
    assert r.status_code == 200, r.text
    return sorted(item["code"] for item in r.json()["items"])


async def test_repeats_lists_the_recurring_themes(shared: Shared) -> None:
    api = shared.api
    first = await flow.recommendation(api)
    again = await flow.recommendation(api)
    third = await flow.recommendation(api)
    theirs = await flow.recommendation(api, "forsakringskassan")
    repeats_theirs = await flow.recommendation(api)
    await link(api, again, "repeats", first)
    await link(api, third, "repeats", again)
    await link(api, third, "refines", first)  # no repeat
    await link(api, repeats_theirs, "repeats", theirs)
    recs = (first, again, third, repeats_theirs)
    among = "&".join(f"code={r['code']}" for r in recs)
    assert await codes(api, "secretariat", f"repeats=true&{among}") == sorted(
        [again["code"], third["code"], repeats_theirs["code"]]
    )
    assert await codes(api, "secretariat", f"repeats=false&{among}") == [first["code"]]
    # an agency: only repeats of what it may read itself
    assert await codes(api, "skatteverket", f"repeats=true&{among}") == sorted(
        [again["code"], third["code"]]
    )
    assert await codes(api, "skatteverket", f"repeats=false&{among}") == sorted(
        [first["code"], repeats_theirs["code"]]
    )
    # with the other filters, a search, and in the export, alike
    assert await codes(api, "secretariat", f"repeats=true&state=issued&{among}") == sorted(
        [again["code"], third["code"], repeats_theirs["code"]]
    )
    assert await codes(api, "secretariat", "q=produktstyrning&sort=relevance") != []
    r = await api.call(
        "secretariat", "GET", f"/v1/exports/recommendations?format=ndjson&repeats=true&{among}"
    )
    assert r.status_code == 200, r.text
    assert sorted(
        line.split('"code":"')[1].split('"')[0] for line in r.text.splitlines()
    ) == sorted([again["code"], third["code"], repeats_theirs["code"]])
    assert_problem(
        await api.call("secretariat", "GET", "/v1/recommendations?repeats=maybe"),
        400,
        "invalid-parameter",
    )


async def test_the_public_catalogue_shows_a_repeat_of_what_it_shows(shared: Shared) -> None:
    api = shared.api
    shown = await flow.recommendation(api, published=True)
    unpublished = await flow.recommendation(api)
    again = await flow.recommendation(api, published=True)
    also = await flow.recommendation(api, published=True)
    await link(api, again, "repeats", shown)
    await link(api, also, "repeats", unpublished)
    among = "&".join(f"code={r['code']}" for r in (shown, again, also))
    r = await api.call("nobody", "GET", f"/public/v1/recommendations?repeats=true&{among}")
    assert r.status_code == 200, r.text
    assert [item["code"] for item in r.json()["items"]] == [again["code"]]


async def test_two_links_made_at_once_make_no_cycle(shared: Shared) -> None:
    """Each link is checked against every link committed before it (the links' lock): of two
    that would close a circle together, the second is refused."""
    api = shared.api
    a, b = await flow.recommendation(api), await flow.recommendation(api)
    answers = await asyncio.gather(
        api.call(
            "secretariat",
            "POST",
            REC.format(a["id"]) + "/links",
            json={"kind": "supersedes", "target_id": b["id"]},
        ),
        api.call(
            "secretariat",
            "POST",
            REC.format(b["id"]) + "/links",
            json={"kind": "supersedes", "target_id": a["id"]},
        ),
    )
    assert sorted(r.status_code for r in answers) == [201, 422], [r.text for r in answers]
    assert len((await lineage(api, "secretariat", a))["links"]) == 1
