"""The agency's common job in one call: push progress reports, pull what changed since a stored
cursor as current snapshots of the recommendations, and hand back the cursor to store.

```python
result = AgencySync(client).run(stored_cursor, unsent_reports)
# store result.recommendations, drop result.gone, mark result.outcomes as sent,
# and, in the same local transaction, store result.cursor
```

It pushes before it pulls, so the snapshots already show the reports just sent. It computes
the new cursor before it reads the snapshots: a snapshot is as new as or newer than the
cursor, never older, so whatever changes after the cursor comes again next time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import msgspec

from recotrack_sdk._async_client import AsyncClient
from recotrack_sdk._client import Client
from recotrack_sdk._errors import NotFoundError
from recotrack_sdk.models import Change, Recommendation, SyncOutcome, SyncProgressItem

__all__ = ["AgencySync", "AsyncAgencySync", "PullResult", "SyncResult"]

BATCH_SIZE = 10_000
"""Progress reports per request (the service's maximum)."""
LIST_THRESHOLD = 25
"""More changed recommendations than this: list them instead of reading one by one."""
CONCURRENT_READS = 8


@dataclass(frozen=True, slots=True)
class PullResult:
    recommendations: list[Recommendation]
    """The current snapshot of every recommendation that changed since the cursor (each once)."""
    gone: list[str]
    """Ids of recommendations that changed but are no longer visible (e.g. retracted): drop
    them from a local copy."""
    changes: list[Change]
    """Every change since the cursor, in commit order."""
    cursor: str
    """Store this (with the data above, in one local transaction) and pass it next time."""


@dataclass(frozen=True, slots=True)
class SyncResult(PullResult):
    outcomes: list[SyncOutcome]
    """One per report pushed, in input order (`index` counts across batches)."""

    @property
    def created(self) -> int:
        return sum(o.outcome == "created" for o in self.outcomes)

    @property
    def unchanged(self) -> int:
        return sum(o.outcome == "unchanged" for o in self.outcomes)

    @property
    def conflicts(self) -> list[SyncOutcome]:
        """Reports sent again under an `external_ref` the service holds with other content: not
        applied (a report is never changed); `problem.errors` names the fields that differ.
        Sending one again changes nothing: correct it with a new report under a new ref."""
        return [o for o in self.outcomes if o.outcome == "conflict"]

    @property
    def rejected(self) -> list[SyncOutcome]:
        return [o for o in self.outcomes if o.outcome == "rejected"]


def _batches(reports: Iterable[SyncProgressItem]) -> Iterator[list[SyncProgressItem]]:
    batch: list[SyncProgressItem] = []
    for report in reports:
        batch.append(report)
        if len(batch) == BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _shifted(outcomes: Sequence[SyncOutcome], offset: int) -> list[SyncOutcome]:
    return [msgspec.structs.replace(o, index=o.index + offset) for o in outcomes]


def _changed_recommendations(changes: Sequence[Change]) -> list[str]:
    """Ids of the recommendations the changes touch, each once, in order of first change."""
    ids: dict[str, None] = {}
    for change in changes:
        rec_id = change.recommendation_id or (
            change.entity_id if change.entity == "recommendation" else None
        )
        if rec_id is not None:
            ids[rec_id] = None
    return list(ids)


def _agencies(changes: Sequence[Change]) -> list[str] | None:
    """The agencies to list recommendations of (None: all the token may see)."""
    agencies = {change.agency_id for change in changes}
    return None if None in agencies else sorted(a for a in agencies if a is not None)


def _result(
    ids: list[str], found: dict[str, Recommendation], changes: list[Change], cursor: str
) -> PullResult:
    return PullResult(
        recommendations=[found[i] for i in ids if i in found],
        gone=[i for i in ids if i not in found],
        changes=changes,
        cursor=cursor,
    )


class AgencySync:
    """Sync an agency's tool with recotrack through a `Client`."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def run(self, cursor: str | None, reports: Iterable[SyncProgressItem] = ()) -> SyncResult:
        """Push `reports`, then pull everything that changed after `cursor` (None: all)."""
        outcomes = self.push(reports)
        pulled = self.pull(cursor)
        return SyncResult(
            recommendations=pulled.recommendations,
            gone=pulled.gone,
            changes=pulled.changes,
            cursor=pulled.cursor,
            outcomes=outcomes,
        )

    def push(self, reports: Iterable[SyncProgressItem]) -> list[SyncOutcome]:
        """Send the reports in batches of 10,000; one outcome each, in order. Sending one
        again (same `external_ref`, same content) is harmless: it comes back `unchanged`; with
        other content it is a `conflict`, and the report stored stays as it was."""
        outcomes: list[SyncOutcome] = []
        for batch in _batches(reports):
            result = self.client.sync_progress(batch)
            outcomes.extend(_shifted(result.items, len(outcomes)))
        return outcomes

    def pull(self, cursor: str | None) -> PullResult:
        """The feed from `cursor` to its end, and the current state of what it touched."""
        stream = self.client.changes(cursor, page_size=1000)
        changes = list(stream)
        assert stream.cursor is not None  # the service always sends one
        ids = _changed_recommendations(changes)
        found: dict[str, Recommendation] = {}
        if len(ids) > LIST_THRESHOLD:
            wanted = set(ids)
            for rec in self.client.iter_recommendations(agency=_agencies(changes), page_size=1000):
                if rec.id in wanted:
                    found[rec.id] = rec
        else:
            for rec_id in ids:
                with contextlib.suppress(NotFoundError):
                    found[rec_id] = self.client.get_recommendation(rec_id).value
        return _result(ids, found, changes, stream.cursor)


class AsyncAgencySync:
    """`AgencySync` for an `AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client

    async def run(self, cursor: str | None, reports: Iterable[SyncProgressItem] = ()) -> SyncResult:
        """Push `reports`, then pull everything that changed after `cursor` (None: all)."""
        outcomes = await self.push(reports)
        pulled = await self.pull(cursor)
        return SyncResult(
            recommendations=pulled.recommendations,
            gone=pulled.gone,
            changes=pulled.changes,
            cursor=pulled.cursor,
            outcomes=outcomes,
        )

    async def push(self, reports: Iterable[SyncProgressItem]) -> list[SyncOutcome]:
        """Send the reports in batches of 10,000; one outcome each, in order (see
        `AgencySync.push`)."""
        outcomes: list[SyncOutcome] = []
        for batch in _batches(reports):
            result = await self.client.sync_progress(batch)
            outcomes.extend(_shifted(result.items, len(outcomes)))
        return outcomes

    async def pull(self, cursor: str | None) -> PullResult:
        """The feed from `cursor` to its end, and the current state of what it touched."""
        stream = self.client.changes(cursor, page_size=1000)
        changes = [change async for change in stream]
        assert stream.cursor is not None  # the service always sends one
        ids = _changed_recommendations(changes)
        found: dict[str, Recommendation] = {}
        if len(ids) > LIST_THRESHOLD:
            wanted = set(ids)
            async for rec in self.client.iter_recommendations(
                agency=_agencies(changes), page_size=1000
            ):
                if rec.id in wanted:
                    found[rec.id] = rec
        else:
            limit = asyncio.Semaphore(CONCURRENT_READS)

            async def read(rec_id: str) -> None:
                async with limit:
                    with contextlib.suppress(NotFoundError):
                        found[rec_id] = (await self.client.get_recommendation(rec_id)).value

            await asyncio.gather(*(read(rec_id) for rec_id in ids))
        return _result(ids, found, changes, stream.cursor)
