"""Every method of the SDK against the real service, with `Client` and with `AsyncClient`."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib

import pytest

from recotrack_sdk import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    Versioned,
)
from recotrack_sdk.models import (
    Agency,
    AgencyCreate,
    AgencyPatch,
    AssessmentCreate,
    ClosureWrite,
    Contact,
    ContactWrite,
    DisclosureCreate,
    GoodExampleCreate,
    GoodExamplePatch,
    InvestmentCreate,
    InvestmentPatch,
    LinkCreate,
    ProgressReportCreate,
    RecommendationPatch,
    ResponseWrite,
    ReviewCreate,
    ReviewPatch,
    SecrecyMarkWrite,
    SecrecyWrite,
    SyncProgressItem,
    TokenCreate,
)
from tests.sdk.conftest import Sdk, make_recommendation


async def test_agencies(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    created = await c.create_agency(
        AgencyCreate(id="vinnova", name="Vinnova", org_number="202100-5216")
    )
    assert isinstance(created, Versioned)
    assert created.value.id == "vinnova"
    assert created.etag == '"1"'

    got = await c.get_agency("vinnova")
    assert got == created
    agency, etag = got  # a Versioned unpacks
    assert isinstance(agency, Agency)
    assert etag == '"1"'

    renamed = await c.update_agency(
        "vinnova", AgencyPatch(name="Verket för innovationssystem"), if_match=got
    )
    assert renamed.value.name == "Verket för innovationssystem"
    assert renamed.etag == '"2"'
    # If-Match from an ETag string, and from a resource (its version)
    again = await c.update_agency("vinnova", AgencyPatch(name="Vinnova"), if_match=renamed.etag)
    last = await c.update_agency("vinnova", AgencyPatch(name="VINNOVA"), if_match=again.value)
    assert last.value.version == 4

    page = await c.list_agencies(limit=2)
    assert len(page.items) == 2
    assert page.next_cursor is not None
    rest = await c.list_agencies(limit=2, cursor=page.next_cursor)
    all_ids = ["skatteverket", "forsakringskassan", "vinnova"]
    assert [a.id for a in page.items + rest.items] == all_ids
    assert rest.next_cursor is None
    everything = await c.collect("iter_agencies", page_size=1)
    assert [a.id for a in everything] == all_ids

    own = await sdk.as_("skatteverket").collect("iter_agencies")
    assert [a.id for a in own] == ["skatteverket"]


async def test_agency_contacts(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    created = await c.create_agency(
        AgencyCreate(
            id="vinnova",
            name="Vinnova",
            org_number="202100-5216",
            contacts=[ContactWrite(email="registrator@vinnova.se", name="Åsa Ström")],
        )
    )
    assert created.value.contacts == [
        Contact(email="registrator@vinnova.se", name="Åsa Ström", role="contact")
    ]
    boss = ContactWrite(email="gd@vinnova.se", name="GD", role="management")
    changed = await c.update_agency("vinnova", AgencyPatch(contacts=[boss]), if_match=created)
    assert changed.value.contacts == [Contact(email="gd@vinnova.se", name="GD", role="management")]
    # a name change leaves the contacts as they are
    renamed = await c.update_agency("vinnova", AgencyPatch(name="VINNOVA"), if_match=changed)
    assert renamed.value.contacts == changed.value.contacts


async def test_investments(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    made = [
        await c.create_investment(
            InvestmentCreate(agency_id=agency, title=f"Plattform {n}", external_ref=f"P-{n}")
        )
        for n, agency in enumerate(["skatteverket", "skatteverket", "forsakringskassan"])
    ]
    first = made[0].value
    assert (await c.get_investment(first.id)) == made[0]

    changed = await c.update_investment(
        first.id, InvestmentPatch(phase="execution", budget_sek=12_000_000), if_match=made[0]
    )
    assert (changed.value.phase, changed.value.budget_sek, changed.value.version) == (
        "execution",
        12_000_000,
        2,
    )

    page = await c.list_investments(agency="skatteverket", limit=1)
    assert len(page.items) == 1
    assert page.next_cursor is not None
    by_agency = await c.collect("iter_investments", agency="skatteverket", page_size=1)
    assert {i.id for i in by_agency} == {made[0].value.id, made[1].value.id}
    both = await c.collect("iter_investments", agency=["skatteverket", "forsakringskassan"])
    assert len(both) == 3
    by_ref = await c.list_investments(external_ref="P-2")
    assert [i.id for i in by_ref.items] == [made[2].value.id]

    # an agency sets its own external_ref, and sees only its own investments
    agency = sdk.as_("skatteverket")
    mine = await agency.collect("iter_investments")
    assert {i.agency_id for i in mine} == {"skatteverket"}
    current = await agency.get_investment(first.id)
    relabelled = await agency.update_investment(
        first.id, InvestmentPatch(external_ref="SKV-77"), if_match=current
    )
    assert relabelled.value.external_ref == "SKV-77"


async def test_reviews(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    investment = await c.create_investment(
        InvestmentCreate(agency_id="skatteverket", title="Ny beskattningsplattform")
    )
    reviews = [
        await c.create_review(
            ReviewCreate(investment_id=investment.value.id, title=f"Granskning {n}")
        )
        for n in range(3)
    ]
    assert (await c.get_review(reviews[0].value.id)) == reviews[0]
    delivered = await c.update_review(
        reviews[0].value.id,
        ReviewPatch(delivered_on=dt.date(2026, 3, 1), report_ref="R-2026-1"),
        if_match=reviews[0],
    )
    assert delivered.value.delivered_on == dt.date(2026, 3, 1)
    assert delivered.value.version == 2

    page = await c.list_reviews(investment_id=investment.value.id, limit=2)
    assert len(page.items) == 2
    listed = await c.collect("iter_reviews", investment_id=investment.value.id, page_size=2)
    assert [r.id for r in listed] == [r.value.id for r in reviews]
    assert len(await c.collect("iter_reviews", agency="forsakringskassan")) == 0


async def test_recommendations(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    high = [await make_recommendation(c) for _ in range(3)]
    low = await make_recommendation(c, area="competence", priority="low", title="Kompetens")
    draft = await make_recommendation(c, issued=False)
    other = await make_recommendation(c, "forsakringskassan")

    got = await c.get_recommendation(high[0].id)
    assert got.value == high[0]
    assert got.etag == f'"{high[0].version}"'
    patched = await c.update_recommendation(
        high[0].id, RecommendationPatch(priority="medium", body="Ny text"), if_match=got
    )
    assert (patched.value.priority, patched.value.body) == ("medium", "Ny text")

    page = await c.list_recommendations(agency="skatteverket", limit=2)
    assert len(page.items) == 2
    assert page.next_cursor is not None
    everything = await c.collect("iter_recommendations", page_size=2)
    assert {r.id for r in everything} == {r.id for r in [*high, low, draft, other]}

    async def ids(**filters: object) -> set[str]:
        return {r.id for r in await c.collect("iter_recommendations", **filters)}

    assert await ids(area="competence") == {low.id}
    assert await ids(area=["competence", "governance"], agency="skatteverket") == {
        *(r.id for r in high),
        low.id,
        draft.id,
    }
    assert await ids(priority="low") == {low.id}
    assert await ids(state="draft") == {draft.id}
    assert await ids(q="Kompetens") == {low.id}
    assert await ids(agency="forsakringskassan") == {other.id}
    assert await ids(issued_from=dt.date(2026, 1, 1), issued_to=dt.date(2026, 1, 31)) == {
        *(r.id for r in high),
        low.id,
        other.id,
    }
    assert await ids(overdue=True) == set()
    assert len(await ids(overdue=False)) == 6
    assert await ids(due_before=dt.date(2026, 1, 1)) == set()
    assert await ids(review_id=low.review_id) == {low.id}
    assert await ids(investment_id=other.investment_id) == {other.id}

    agency = await sdk.as_("skatteverket").collect("iter_recommendations")
    assert {r.id for r in agency} == {*(r.id for r in high), low.id}  # no draft, no other's


async def test_response(sdk: Sdk) -> None:
    rec = await make_recommendation(sdk.as_("secretariat"))
    agency = sdk.as_("skatteverket")
    with pytest.raises(NotFoundError):
        await agency.get_response(rec.id)

    first = await agency.put_response(
        rec.id,
        ResponseWrite(
            decision="accepted",
            planned_actions=["Inrätta ett produktråd"],
            target_date=dt.date(2026, 12, 31),
            responded_by="Anna Berg",
        ),
        if_match=None,
    )
    assert (first.value.version, first.etag) == (1, '"1"')
    assert (await agency.get_response(rec.id)) == first

    slipped = await agency.put_response(
        rec.id,
        ResponseWrite(
            decision="accepted",
            planned_actions=["Inrätta ett produktråd"],
            target_date=dt.date(2027, 6, 30),
            target_date_reason="Upphandlingen drog ut på tiden",
            responded_by="Anna Berg",
        ),
        if_match=first,
    )
    assert slipped.value.target_date == dt.date(2027, 6, 30)
    assert [(h.previous, h.target_date, h.reason) for h in slipped.value.target_date_history] == [
        (None, dt.date(2026, 12, 31), None),
        (dt.date(2026, 12, 31), dt.date(2027, 6, 30), "Upphandlingen drog ut på tiden"),
    ]
    assert slipped.value.version == 2


async def test_progress(sdk: Sdk) -> None:
    rec = await make_recommendation(sdk.as_("secretariat"))
    agency = sdk.as_("skatteverket")
    reports = [
        await agency.create_progress(
            rec.id,
            ProgressReportCreate(
                status="in_progress",
                note=f"Steg {n}",
                percent_complete=10 * n,
                evidence=["https://skatteverket.se/rapport"],
                external_ref=f"PT-{n}",
            ),
        )
        for n in range(5)
    ]
    assert [r.note for r in reports] == [f"Steg {n}" for n in range(5)]
    page = await agency.list_progress(rec.id, limit=2)
    assert len(page.items) == 2
    assert page.next_cursor is not None
    listed = await agency.collect("iter_progress", rec.id, page_size=2)
    assert sorted(r.id for r in listed) == sorted(r.id for r in reports)
    # the same external_ref again: the first report, not a second one
    again = await agency.create_progress(
        rec.id,
        ProgressReportCreate(
            status="in_progress",
            note="Steg 0",
            percent_complete=0,
            evidence=["https://skatteverket.se/rapport"],
            external_ref="PT-0",
        ),
    )
    assert again.id == reports[0].id
    assert len(await agency.collect("iter_progress", rec.id)) == 5
    assert (await agency.get_progress(rec.id, reports[3].id)) == reports[3]
    with pytest.raises(NotFoundError):
        await sdk.as_("forsakringskassan").get_progress(rec.id, reports[3].id)


async def test_assessments(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    rec = await make_recommendation(c)
    made = [
        await c.create_assessment(rec.id, AssessmentCreate(status="in_progress", note=f"Bed {n}"))
        for n in range(3)
    ]
    page = await c.list_assessments(rec.id, limit=2)
    assert len(page.items) == 2
    listed = await sdk.as_("skatteverket").collect("iter_assessments", rec.id, page_size=1)
    assert sorted(a.id for a in listed) == sorted(a.id for a in made)
    assert (await sdk.as_("skatteverket").get_assessment(rec.id, made[1].id)) == made[1]


async def test_closure_and_reopen(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    rec = await make_recommendation(c)
    with pytest.raises(NotFoundError):
        await c.get_closure(rec.id)
    closed = await c.put_closure(rec.id, ClosureWrite(outcome="withdrawn"), if_match=None)
    assert (closed.value.outcome, closed.etag) == ("withdrawn", '"1"')
    assert (await c.get_closure(rec.id)) == closed
    assert (await c.get_recommendation(rec.id)).value.state == "closed"

    amended = await c.put_closure(
        rec.id, ClosureWrite(outcome="not_implemented", note="Inte genomförd"), if_match=closed
    )
    assert amended.value.version == 2
    with pytest.raises(PreconditionFailedError):
        await c.reopen(rec.id, if_match=closed)
    assert await c.reopen(rec.id, if_match=amended) is None
    with pytest.raises(NotFoundError):
        await c.get_closure(rec.id)
    assert (await c.get_recommendation(rec.id)).value.state != "closed"


async def test_tokens(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    created = await c.create_token(TokenCreate(role="auditor", label="Revisionen"))
    assert created.token.startswith("rt_")
    listed = await c.collect("iter_tokens", page_size=2)
    assert created.id in {t.id for t in listed}
    assert all(not hasattr(t, "token") for t in listed)
    page = await c.list_tokens(limit=1)
    assert len(page.items) == 1

    auditor = sdk.as_("new auditor", token=created.token)
    assert (await auditor.get_agency("skatteverket")).value.id == "skatteverket"

    revoked = await c.revoke_token(created.id)
    assert revoked.revoked_at is not None
    with pytest.raises(AuthenticationError):
        await auditor.get_agency("skatteverket")


async def test_changes(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    agency = sdk.as_("skatteverket")
    start = await agency.list_changes()
    assert start.items == []
    assert start.next_cursor

    rec = await make_recommendation(c)
    page = await agency.list_changes(cursor=start.next_cursor, limit=2)
    assert [ch.entity for ch in page.items] == ["investment", "review"]

    seen, cursor = await agency.changes(start.next_cursor, page_size=1)
    assert [ch.entity for ch in seen] == ["investment", "review", "recommendation"]
    assert seen[-1].recommendation_id == rec.id
    assert cursor is not None

    # from the stored cursor: nothing new, then exactly what came after
    nothing, same = await agency.changes(cursor)
    assert nothing == []
    await agency.create_progress(rec.id, ProgressReportCreate(status="in_progress"))
    after, _ = await agency.changes(same)
    assert [(ch.entity, ch.action) for ch in after] == [("progress_report", "created")]

    # a long poll: the page waits for the change
    waiting = asyncio.ensure_future(agency.list_changes(cursor=_, wait=20))
    await asyncio.sleep(0)
    await agency.create_progress(rec.id, ProgressReportCreate(status="in_progress", note="2"))
    woken = await asyncio.wait_for(waiting, 25)
    assert [ch.entity for ch in woken.items] == ["progress_report"]


async def test_sync_progress(sdk: Sdk) -> None:
    rec = await make_recommendation(sdk.as_("secretariat"))
    draft = await make_recommendation(sdk.as_("secretariat"), issued=False)
    agency = sdk.as_("skatteverket")
    items = [
        SyncProgressItem(recommendation_id=rec.id, external_ref="A-1", status="in_progress"),
        SyncProgressItem(recommendation_id=draft.id, external_ref="A-2", status="in_progress"),
        SyncProgressItem(recommendation_id=rec.id, external_ref="A-3", status="implemented"),
    ]
    result = await agency.sync_progress(items)
    assert [o.outcome for o in result.items] == ["created", "rejected", "created"]
    assert (result.created, result.unchanged, result.rejected) == (2, 0, 1)
    problem = result.items[1].problem
    assert problem is not None
    assert problem.type.endswith("/not-found")
    again = await agency.sync_progress(items)
    assert [o.outcome for o in again.items] == ["unchanged", "rejected", "unchanged"]
    assert [o.progress_report_id for o in again.items] == [
        o.progress_report_id for o in result.items
    ]


async def test_stats_and_history(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    rec = await make_recommendation(c)
    await make_recommendation(c, "forsakringskassan")
    stats = await c.get_stats()
    assert stats.total == 2
    assert {(n.agency_id, n.state, n.count) for n in stats.counts} == {
        ("skatteverket", "issued", 1),
        ("forsakringskassan", "issued", 1),
    }
    assert (await sdk.as_("skatteverket").get_stats()).total == 1

    agency = sdk.as_("skatteverket")
    await agency.put_response(
        rec.id, ResponseWrite(decision="accepted", responded_by="Anna"), if_match=None
    )
    await agency.create_progress(rec.id, ProgressReportCreate(status="in_progress"))
    page = await c.get_history(rec.id, limit=2)
    assert len(page.items) == 2
    assert page.next_cursor is not None
    history = await c.collect("iter_history", rec.id, page_size=2)
    assert [(h.entity, h.action) for h in history] == [
        ("recommendation", "created"),
        ("response", "created"),
        ("progress_report", "created"),
    ]
    assert history[1].actor_role == "agency"


async def test_health(sdk: Sdk) -> None:
    anonymous = sdk.as_("nobody")
    assert (await anonymous.healthz()).status == "ok"
    assert (await anonymous.readyz()).status == "ok"


async def test_secrecy_marks(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    rec = await make_recommendation(c)
    with pytest.raises(NotFoundError):
        await c.get_secrecy(rec.id)
    ground = (await c.list_secrecy_grounds())[0].reference
    marks = SecrecyWrite(fields=[SecrecyMarkWrite(field="body", ground=ground)])
    made = await c.put_secrecy(rec.id, marks, if_match=None)
    assert (made.value.fields[0].field, made.value.fields[0].ground, made.etag) == (
        "body",
        ground,
        '"1"',
    )
    assert (await sdk.as_("skatteverket").get_secrecy(rec.id)) == made
    cleared = await c.put_secrecy(rec.id, SecrecyWrite(fields=[]), if_match=made)
    assert (cleared.value.fields, cleared.value.version) == ([], 2)
    with pytest.raises(PreconditionFailedError):
        await c.put_secrecy(rec.id, marks, if_match=made)


async def test_disclosures(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    rec = await make_recommendation(c)
    made = await c.create_disclosure(
        DisclosureCreate(request_ref="SR 2026/0100", recommendation_ids=[rec.id])
    )
    assert made.recommendation_ids == [rec.id]
    auditor = sdk.as_("auditor")
    assert (await auditor.get_disclosure(made.id)) == made
    assert made.id in {d.id for d in await auditor.collect("iter_disclosures", page_size=1)}
    for listed in made.documents:
        content = await auditor.get_disclosure_document(made.id, format=listed.format)
        assert hashlib.sha256(content).hexdigest() == listed.sha256
    with pytest.raises(PermissionDeniedError):
        await sdk.as_("skatteverket").list_disclosures()


async def test_good_examples(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    rec = await make_recommendation(c)
    made = await c.create_good_example(
        GoodExampleCreate(recommendation_id=rec.id, title="Tre produktområden", summary="**Ja**")
    )
    other = sdk.as_("forsakringskassan")
    assert (await other.get_good_example(made.value.id)) == made
    assert made.value.agency_name is None
    listed = await other.collect("iter_good_examples", area=rec.area, page_size=1)
    assert made.value.id in {e.id for e in listed}
    changed = await c.update_good_example(
        made.value.id, GoodExamplePatch(agency_named=True), if_match=made
    )
    assert changed.value.agency_id == rec.agency_id
    assert await c.delete_good_example(made.value.id, if_match=changed) is None
    with pytest.raises(NotFoundError):
        await other.get_good_example(made.value.id)


async def test_links_and_lineage(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    earlier, later, successor = [await make_recommendation(c) for _ in range(3)]
    made = await c.create_link(later.id, LinkCreate(kind="repeats", target_id=earlier.id))
    assert (made.etag, made.value.kind, made.value.target_code) == ('"1"', "repeats", earlier.code)
    agency = sdk.as_("skatteverket")
    assert await agency.get_link(later.id, made.value.id) == made
    lineage = await agency.get_lineage(earlier.id)
    assert [(e.code, e.distance) for e in lineage.recommendations] == [(later.code, 1)]
    assert [(k.id, k.direction) for k in lineage.links] == [(made.value.id, "incoming")]
    page = await agency.list_recommendations(code=[earlier.code, later.code], repeats=True)
    assert [r.id for r in page.items] == [later.id]
    with pytest.raises(ConflictError):
        await c.create_link(later.id, LinkCreate(kind="repeats", target_id=earlier.id))

    closed = await c.put_closure(
        earlier.id, ClosureWrite(outcome="superseded", superseded_by=successor.id), if_match=None
    )
    assert closed.value.outcome == "superseded"
    found = await c.get_lineage(successor.id)
    assert [(k.kind, k.target_id) for k in found.links if k.source_id == successor.id] == [
        ("supersedes", earlier.id)
    ]

    assert await c.delete_link(later.id, made.value.id, if_match=made) is None
    with pytest.raises(NotFoundError):
        await c.get_link(later.id, made.value.id)
    with pytest.raises(NotFoundError):
        await sdk.as_("forsakringskassan").get_lineage(earlier.id)


async def test_benchmarks(sdk: Sdk) -> None:
    agency = sdk.as_("skatteverket")
    await make_recommendation(sdk.as_("secretariat"))
    mine = await agency.get_benchmarks("skatteverket")
    assert mine.agency_id == "skatteverket"
    assert {a.area for a in mine.areas} == {
        "ways_of_working",
        "governance",
        "competence",
        "results",
        "enabling_conditions",
    }
    assert all(a.implemented_share.others.suppressed for a in mine.areas)  # one other agency
    assert (await sdk.as_("auditor").get_benchmarks("skatteverket")) == mine


async def test_the_public_catalogue_without_a_token(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    rec = await make_recommendation(c, area="results")
    current = await c.get_recommendation(rec.id)
    await c.update_recommendation(rec.id, RecommendationPatch(published=True), if_match=current)
    example = await c.create_good_example(
        GoodExampleCreate(recommendation_id=rec.id, title="Mätt nytta", summary="Varje kvartal")
    )
    anyone = sdk.as_("nobody")  # no token at all
    got = await anyone.get_public_recommendation(rec.id)
    assert (got.code, got.title, got.withheld) == (rec.code, rec.title, [])
    listed = await anyone.collect("iter_public_recommendations", area="results", page_size=1)
    assert rec.id in {r.id for r in listed}
    page = await anyone.list_public_recommendations(code=rec.code)
    assert [r.id for r in page.items] == [rec.id]
    examples = await anyone.list_public_good_examples(area="results", limit=1000)
    assert example.value.id in {e.id for e in examples.items}
    with pytest.raises(NotFoundError):
        await anyone.get_public_recommendation("00000000-0000-4000-8000-000000000000")
