"""`AgencySync` and `sync_progress` with a report sent again with other content: a `conflict`
the tool can see (and count), with the fields that differ; the correction is a new report."""

from __future__ import annotations

from recotrack_sdk.models import SyncProgressItem
from tests.sdk.conftest import Sdk, make_recommendation


async def test_a_changed_report_under_its_old_ref_is_a_conflict_and_a_new_ref_corrects_it(
    sdk: Sdk,
) -> None:
    rec = await make_recommendation(sdk.as_("secretariat"))
    agency = sdk.as_("skatteverket")
    first = SyncProgressItem(
        recommendation_id=rec.id, external_ref="C-1", status="implemented", note="Klart"
    )
    sent = await agency.agency_sync(None, [first])
    assert sent.created == 1

    changed = SyncProgressItem(
        recommendation_id=rec.id, external_ref="C-1", status="in_progress", note="Inte klart"
    )
    result = await agency.agency_sync(sent.cursor, [first, changed])
    assert [o.outcome for o in result.outcomes] == ["unchanged", "conflict"]
    assert (result.created, result.unchanged, result.rejected) == (0, 1, [])
    [conflict] = result.conflicts
    assert conflict.index == 1
    assert conflict.external_ref == "C-1"
    assert conflict.progress_report_id == sent.outcomes[0].progress_report_id
    assert conflict.problem is not None
    assert conflict.problem.status == 409
    assert [e.pointer for e in conflict.problem.errors] == ["/status", "/note"]
    assert result.changes == []  # nothing was written

    # the correction: a new report, with a ref of its own, is the latest
    correction = SyncProgressItem(
        recommendation_id=rec.id,
        external_ref="C-1.2",
        status="in_progress",
        note="Rättelse av C-1: inte klart",
    )
    corrected = await agency.agency_sync(result.cursor, [correction])
    assert corrected.created == 1
    [snapshot] = corrected.recommendations
    assert snapshot.reported_status == "in_progress"

    counted = await agency.sync_progress([changed])
    assert (counted.created, counted.unchanged, counted.conflict, counted.rejected) == (0, 0, 1, 0)
