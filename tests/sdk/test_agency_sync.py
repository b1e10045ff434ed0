"""`AgencySync`: push reports, pull current snapshots of what changed, hand back the cursor."""

from __future__ import annotations

import datetime as dt

import pytest

import recotrack_sdk._agency_sync as agency_sync
from recotrack_sdk.models import RecommendationPatch, SyncProgressItem
from tests.sdk.conftest import Sdk, make_recommendation


async def test_pull_push_and_pull_again(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    recs = [await make_recommendation(c) for _ in range(3)]
    draft = await make_recommendation(c, issued=False)
    await make_recommendation(c, "forsakringskassan")
    agency = sdk.as_("skatteverket")

    first = await agency.agency_sync(None)
    assert [r.id for r in first.recommendations] == [r.id for r in recs]  # no draft, no other's
    assert first.gone == []
    assert first.outcomes == []
    assert first.cursor

    # push two reports; the pull that follows shows their effect
    reports = [
        SyncProgressItem(recommendation_id=recs[0].id, external_ref="T-1", status="in_progress"),
        SyncProgressItem(recommendation_id=recs[1].id, external_ref="T-2", status="implemented"),
    ]
    second = await agency.agency_sync(first.cursor, reports)
    assert [o.outcome for o in second.outcomes] == ["created", "created"]
    assert (second.created, second.unchanged, second.rejected) == (2, 0, [])
    by_id = {r.id: r for r in second.recommendations}
    assert set(by_id) == {recs[0].id, recs[1].id}
    assert by_id[recs[0].id].reported_status == "in_progress"
    assert by_id[recs[1].id].reported_status == "implemented"

    # nothing new: nothing pulled; the same reports again: unchanged
    third = await agency.agency_sync(second.cursor, reports)
    assert [o.outcome for o in third.outcomes] == ["unchanged", "unchanged"]
    assert third.recommendations == []
    assert third.changes == []

    # the secretariat edits one, issues the draft, retracts another
    current = await c.get_recommendation(recs[0].id)
    await c.update_recommendation(recs[0].id, RecommendationPatch(priority="low"), if_match=current)
    current = await c.get_recommendation(draft.id)
    await c.update_recommendation(
        draft.id, RecommendationPatch(issued_on=dt.date(2026, 2, 1)), if_match=current
    )
    current = await c.get_recommendation(recs[2].id)
    await c.update_recommendation(recs[2].id, RecommendationPatch(issued_on=None), if_match=current)
    fourth = await agency.agency_sync(third.cursor)
    assert {r.id: r.priority for r in fourth.recommendations} == {
        recs[0].id: "low",
        draft.id: "high",
    }
    assert fourth.gone == [recs[2].id]


async def test_many_changes_are_listed_not_read_one_by_one(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    recs = [await make_recommendation(c) for _ in range(agency_sync.LIST_THRESHOLD + 3)]
    agency = sdk.as_("skatteverket")
    pulled = await agency.agency_sync(None)
    assert [r.id for r in pulled.recommendations] == [r.id for r in recs]
    for rec in pulled.recommendations[:3]:
        assert (await agency.get_recommendation(rec.id)).value == rec


async def test_reports_go_in_batches(sdk: Sdk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(agency_sync, "BATCH_SIZE", 3)
    rec = await make_recommendation(sdk.as_("secretariat"))
    draft = await make_recommendation(sdk.as_("secretariat"), issued=False)
    reports = [
        SyncProgressItem(
            recommendation_id=draft.id if n == 4 else rec.id,
            external_ref=f"B-{n}",
            status="in_progress",
        )
        for n in range(7)
    ]
    result = await sdk.as_("skatteverket").agency_sync(None, reports)
    assert [o.index for o in result.outcomes] == list(range(7))
    assert [o.external_ref for o in result.outcomes] == [f"B-{n}" for n in range(7)]
    assert [o.index for o in result.rejected] == [4]
    assert result.created == 6
