"""`/v1/sync/progress`: an agency's tool pushes a batch of progress reports, safely repeatable."""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, SkipValidation

from recotrack.api.auth import performs
from recotrack.api.body import check_text, json_pointer
from recotrack.api.metrics import record_sync_batch
from recotrack.api.problem_responses import CREATES
from recotrack.api.problems import InvalidBody, kind_of
from recotrack.domain.access import Principal
from recotrack.domain.errors import DomainError
from recotrack.domain.rules import Action
from recotrack.store import sync as store
from recotrack.store.errors import StoreError
from recotrack_sdk import PROBLEM_BASE
from recotrack_sdk.models import (
    ItemProblem,
    SyncOutcome,
    SyncProgressBatch,
    SyncProgressItem,
    SyncProgressResult,
)

BATCH_MAX_BODY_BYTES = 64 * 1024 * 1024
"""Room for 10,000 reports with long notes; other bodies stay under RECOTRACK_MAX_BODY_BYTES."""


class _Envelope(msgspec.Struct, forbid_unknown_fields=True):
    """The batch with its items still raw: each is decoded on its own, so one bad item is that
    item's problem, not the whole batch's."""

    items: Annotated[list[msgspec.Raw], msgspec.Meta(min_length=1, max_length=10_000)]


_envelope = msgspec.json.Decoder(_Envelope)
_item = msgspec.json.Decoder(SyncProgressItem)


def _decode(raw: bytes) -> list[SyncProgressItem | ItemProblem]:
    try:
        envelope = _envelope.decode(raw)
    except msgspec.ValidationError as exc:
        pointer, detail = json_pointer(str(exc))
        raise InvalidBody(detail, pointer=pointer) from None
    decoded: list[SyncProgressItem | ItemProblem] = []
    for item in envelope.items:
        try:
            report = _item.decode(item)
            check_text(bytes(item))
            decoded.append(report)
        except InvalidBody as exc:
            decoded.append(_item_problem(exc, exc.pointer))
        except msgspec.ValidationError as exc:
            pointer, detail = json_pointer(str(exc))
            decoded.append(_item_problem(InvalidBody(detail), pointer))
    return decoded


def _item_problem(
    error: InvalidBody | DomainError | StoreError, pointer: str | None
) -> ItemProblem:
    """One item's problem: of the kind its error is, as a whole request's would be."""
    kind = kind_of(error)
    assert kind is not None, f"no kind of problem for {error!r}"
    return ItemProblem(
        type=PROBLEM_BASE + kind.slug, status=kind.status, detail=error.detail, pointer=pointer
    )


class SyncController(Controller):
    path = "/sync"
    tags = ["sync"]  # noqa: RUF012

    @post(
        "/progress",
        responses=CREATES,
        operation_id="sync_progress",
        summary="Push a batch of progress reports",
        description="Up to 10,000 reports, each keyed by `external_ref` (the id in the agency's "
        "own tool). Sending an item again is a no-op (`unchanged`); an invalid item gets its "
        "own problem and does not stop the others. One outcome per item, in input order.",
        status_code=200,
        opt=performs(Action.REPORT_PROGRESS),
        request_max_body_size=BATCH_MAX_BODY_BYTES,
    )
    async def sync_progress(
        self,
        request: Request[Any, Any, Any],
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        data: SkipValidation[JSONBody[SyncProgressBatch]],
    ) -> Response[SyncProgressResult]:
        del data  # decoded item by item below; declared for the OpenAPI document
        assert principal.agency_id is not None  # only agencies respond
        decoded = _decode(await request.body())
        valid = [item for item in decoded if isinstance(item, SyncProgressItem)]
        results = iter(
            await store.sync_progress(
                conn, valid, agency_id=principal.agency_id, actor=principal.actor
            )
        )
        outcomes = []
        for index, item in enumerate(decoded):
            if isinstance(item, ItemProblem):
                outcomes.append(
                    SyncOutcome(index=index, external_ref=None, outcome="rejected", problem=item)
                )
                continue
            result = next(results)
            if isinstance(result, store.Applied):
                outcomes.append(
                    SyncOutcome(
                        index=index,
                        external_ref=item.external_ref,
                        outcome="created" if result.created else "unchanged",
                        progress_report_id=result.report_id,
                    )
                )
            else:
                outcomes.append(
                    SyncOutcome(
                        index=index,
                        external_ref=item.external_ref,
                        outcome="rejected",
                        problem=_item_problem(result.error, result.pointer),
                    )
                )
        counts = {
            kind: sum(o.outcome == kind for o in outcomes)
            for kind in ("created", "unchanged", "rejected")
        }
        record_sync_batch(**counts)
        return Response(SyncProgressResult(items=outcomes, **counts))
