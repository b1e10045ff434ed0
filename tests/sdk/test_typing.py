"""What a type checker sees of the SDK: mypy (strict) checks every `assert_type` below.

The functions are never called; `test_the_checks_are_here` only keeps this file in the run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import assert_type

from recotrack_sdk import (
    AgencySync,
    AsyncAgencySync,
    AsyncChangeStream,
    AsyncClient,
    ChangeStream,
    Client,
    PreconditionFailedError,
    SyncResult,
    Versioned,
)
from recotrack_sdk.models import (
    Agency,
    AgencyPatch,
    AgencyResponse,
    Change,
    ChangePage,
    Page,
    ProgressReport,
    Recommendation,
    RecommendationPatch,
    SyncProgressResult,
)


def _sync_types(client: Client) -> None:
    current = client.get_agency("skatteverket")
    assert_type(current, Versioned[Agency])
    assert_type(current.value, Agency)
    assert_type(current.etag, str)
    agency, etag = current
    assert_type(agency, Agency)
    assert_type(etag, str)
    assert_type(
        client.update_agency("skatteverket", AgencyPatch(name="x"), if_match=current),
        Versioned[Agency],
    )
    assert_type(client.list_recommendations(area="governance"), Page[Recommendation])
    assert_type(client.iter_recommendations(state=["issued"]), Iterator[Recommendation])
    assert_type(client.iter_progress("id"), Iterator[ProgressReport])
    assert_type(client.get_response("id"), Versioned[AgencyResponse])
    assert_type(client.reopen("id", if_match='"1"'), None)
    assert_type(client.list_changes(), ChangePage)
    stream = client.changes(None)
    assert_type(stream, ChangeStream)
    assert_type(next(stream), Change)
    assert_type(stream.cursor, str | None)
    assert_type(client.sync_progress([]), SyncProgressResult)
    assert_type(AgencySync(client).run(None), SyncResult)
    rec = next(client.iter_recommendations())
    updated = client.read_modify_write(
        lambda: client.get_recommendation(rec.id),
        lambda cur: client.update_recommendation(
            rec.id, RecommendationPatch(priority="low"), if_match=cur
        ),
    )
    assert_type(updated, Versioned[Recommendation])
    client.update_recommendation(rec.id, RecommendationPatch(), if_match=rec)  # by its version
    try:
        client.update_recommendation(rec.id, RecommendationPatch(), if_match=updated)
    except PreconditionFailedError as exc:
        assert_type(exc.current_etag, str | None)


async def _async_types(client: AsyncClient) -> None:
    current = await client.get_agency("skatteverket")
    assert_type(current, Versioned[Agency])
    assert_type(client.iter_recommendations(), AsyncIterator[Recommendation])
    stream = client.changes(None, follow=True)
    assert_type(stream, AsyncChangeStream)
    assert_type(await anext(stream), Change)
    assert_type(await AsyncAgencySync(client).run(None), SyncResult)


def test_the_checks_are_here() -> None:
    assert callable(_sync_types)
    assert callable(_async_types)
