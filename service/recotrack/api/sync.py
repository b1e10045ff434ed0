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
from recotrack.api.progress import LATEST_REPORT_COUNTS
from recotrack.domain.access import Principal
from recotrack.domain.errors import DomainError
from recotrack.domain.rules import Action
from recotrack.store import sync as store
from recotrack.store.errors import StoreError
from recotrack.store.progress import ReportDiffers
from recotrack_sdk import PROBLEM_BASE, FieldError
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


class _Ref(msgspec.Struct):
    """Only an item's `external_ref`, for the outcome of one that is not valid otherwise."""

    external_ref: str | None = None


_envelope = msgspec.json.Decoder(_Envelope)
_item = msgspec.json.Decoder(SyncProgressItem)
_ref = msgspec.json.Decoder(_Ref)


def _external_ref(item: msgspec.Raw) -> str | None:
    """The item's `external_ref` when it has one that is text: a rejected item's outcome
    names it too, so that the tool can tell which of its updates it was."""
    try:
        return _ref.decode(item).external_ref
    except msgspec.DecodeError:  # not an object, or its ref not text
        return None


def _decode(raw: bytes) -> list[tuple[SyncProgressItem | ItemProblem, str | None]]:
    try:
        envelope = _envelope.decode(raw)
    except msgspec.ValidationError as exc:
        pointer, detail = json_pointer(str(exc), _Envelope)
        raise InvalidBody(detail, pointer=pointer) from None
    decoded: list[tuple[SyncProgressItem | ItemProblem, str | None]] = []
    for item in envelope.items:
        try:
            report = _item.decode(item)
            check_text(bytes(item))
            decoded.append((report, report.external_ref))
        except InvalidBody as exc:
            decoded.append((_item_problem(exc, exc.pointer), _external_ref(item)))
        except msgspec.ValidationError as exc:
            pointer, detail = json_pointer(str(exc), SyncProgressItem)
            decoded.append((_item_problem(InvalidBody(detail), pointer), _external_ref(item)))
    return decoded


def _item_problem(
    error: InvalidBody | DomainError | StoreError, pointer: str | None
) -> ItemProblem:
    """One item's problem: of the kind its error is, as a whole request's would be."""
    kind = kind_of(error)
    assert kind is not None, f"no kind of problem for {error!r}"
    errors = (
        [
            FieldError(pointer=f"/{name}", detail=f"stored {stored!r}, sent {sent!r}")
            for name, stored, sent in error.fields
        ]
        if isinstance(error, ReportDiffers)
        else []
    )
    return ItemProblem(
        type=PROBLEM_BASE + kind.slug,
        status=kind.status,
        detail=error.detail,
        pointer=pointer,
        errors=errors,
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
        "own tool). One outcome per item, in input order, each with the item's `external_ref`:\n\n"
        "- `created`: stored now, in input order.\n"
        "- `unchanged`: the `external_ref` names a report stored before (or earlier in the "
        "batch) that says the same: sending again is harmless. Every field counts, one left "
        "out as its default; only a `reported_on` left out (the day of receipt) is no "
        "difference.\n"
        "- `conflict`: the `external_ref` names a report that says otherwise. Nothing is "
        "changed: a report is never edited, so what the agency reported stays on record. "
        "`problem` (409) names each differing field in `errors`, with the stored and the "
        "sent value. To correct a report, send a new report with a new `external_ref` (its "
        "`note` can say which one it corrects): the history keeps both, and the new one, "
        "written last, is the latest.\n"
        "- `rejected`: invalid or not allowed; `problem` says why, and the item does not stop "
        "the others.\n\n" + LATEST_REPORT_COUNTS,
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
        valid = [item for item, _ in decoded if isinstance(item, SyncProgressItem)]
        results = iter(
            await store.sync_progress(
                conn, valid, agency_id=principal.agency_id, actor=principal.actor
            )
        )
        outcomes = []
        for index, (item, external_ref) in enumerate(decoded):
            result = item if isinstance(item, ItemProblem) else next(results)
            match result:
                case ItemProblem():
                    outcome = SyncOutcome(
                        index=index, external_ref=external_ref, outcome="rejected", problem=result
                    )
                case store.Applied(report_id=report_id, created=created):
                    outcome = SyncOutcome(
                        index=index,
                        external_ref=external_ref,
                        outcome="created" if created else "unchanged",
                        progress_report_id=report_id,
                    )
                case store.Differs(report_id=report_id, error=error):
                    outcome = SyncOutcome(
                        index=index,
                        external_ref=external_ref,
                        outcome="conflict",
                        progress_report_id=report_id,
                        problem=_item_problem(error, error.pointer),
                    )
                case store.Refused(error=error, pointer=pointer):
                    outcome = SyncOutcome(
                        index=index,
                        external_ref=external_ref,
                        outcome="rejected",
                        problem=_item_problem(error, pointer),
                    )
            outcomes.append(outcome)
        counts = {
            kind: sum(o.outcome == kind for o in outcomes)
            for kind in ("created", "unchanged", "conflict", "rejected")
        }
        record_sync_batch(**counts)
        return Response(SyncProgressResult(items=outcomes, **counts))
