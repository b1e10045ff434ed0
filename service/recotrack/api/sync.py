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
from recotrack.api.problems import CREATES, PROBLEM_BASE, BodyError
from recotrack.domain.access import Principal
from recotrack.domain.rules import Action
from recotrack.store import sync as store
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
        raise BodyError(detail, pointer=pointer, malformed=False) from None
    decoded: list[SyncProgressItem | ItemProblem] = []
    for item in envelope.items:
        try:
            report = _item.decode(item)
            check_text(bytes(item))
            decoded.append(report)
        except BodyError as exc:
            decoded.append(
                ItemProblem(
                    type=PROBLEM_BASE + "validation",
                    status=422,
                    detail=exc.detail,
                    pointer=exc.pointer,
                )
            )
        except msgspec.ValidationError as exc:
            pointer, detail = json_pointer(str(exc))
            decoded.append(
                ItemProblem(
                    type=PROBLEM_BASE + "validation", status=422, detail=detail, pointer=pointer
                )
            )
    return decoded


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
                        problem=ItemProblem(
                            type=PROBLEM_BASE + result.slug,
                            status=result.status,
                            detail=result.detail,
                            pointer=result.pointer,
                        ),
                    )
                )
        counts = {
            kind: sum(o.outcome == kind for o in outcomes)
            for kind in ("created", "unchanged", "rejected")
        }
        record_sync_batch(**counts)
        return Response(SyncProgressResult(items=outcomes, **counts))
