# Generated from _async_client.py by scripts/unasync: edit that file, not this one.
"""`Client`: the API from blocking code.

Generated from `AsyncClient` (`_async_client.py`) by `scripts/unasync`: method for
method the same.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any, BinaryIO, TypeVar

from recotrack_sdk import _exports as exports
from recotrack_sdk import _operations as ops
from recotrack_sdk._arguments import (
    ExportRecommendations,
    IterRecommendations,
    ListRecommendations,
    keywords,
)
from recotrack_sdk._base import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    Call,
    Download,
    NoMatch,
    Options,
    Reconcile,
    Request,
    Response,
    maybe_applied,
    retry_delay,
)
from recotrack_sdk._changes import ChangeStream
from recotrack_sdk._errors import (
    APIError,
    ConnectionError,
    NotFoundError,
    PreconditionFailedError,
    RecotrackError,
    error_for,
)
from recotrack_sdk._exports import Dialect, EventFormat, Export
from recotrack_sdk._transport import SyncTransport
from recotrack_sdk._types import Health, IfMatch, Versioned
from recotrack_sdk.models import (
    Agency,
    AgencyCreate,
    AgencyPatch,
    AgencyResponse,
    Area,
    Assessment,
    AssessmentCreate,
    Benchmarks,
    ChainVerification,
    ChangePage,
    Checkpoint,
    Closure,
    ClosureWrite,
    DeliveryAttempt,
    Disclosure,
    DisclosureCreate,
    DocumentFormat,
    GoodExample,
    GoodExampleCreate,
    GoodExamplePatch,
    HistoryEntry,
    Investment,
    InvestmentCreate,
    InvestmentPatch,
    Lineage,
    Link,
    LinkCreate,
    Page,
    ProgressReport,
    ProgressReportCreate,
    Recommendation,
    RecommendationCreate,
    RecommendationPatch,
    ReleasedRecommendation,
    ResponseWrite,
    Review,
    ReviewCreate,
    ReviewPatch,
    SecrecyGround,
    SecrecyMarks,
    SecrecyWrite,
    SigningKey,
    Stats,
    SyncProgressItem,
    SyncProgressResult,
    Token,
    TokenCreate,
    TokenCreated,
    Webhook,
    WebhookCreate,
    WebhookPatch,
    WebhookWithSecret,
)

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger("recotrack_sdk")


class Client:
    """The recotrack API, over HTTP, from blocking code.

    Args:
        base_url: The service, e.g. `https://recotrack.example.se`; default `RECOTRACK_URL`.
        token: A bearer token (`rt_…`); default `RECOTRACK_TOKEN`.
        timeout: Seconds for each attempt to connect, send and read (a long poll adds its wait).
        max_retries: Attempts after the first, for failures that are safe to retry.
        user_agent: Put before `recotrack-sdk/<version>` in `User-Agent` (name your tool).

    Use it as a context manager, or `close()` it, to release its connections.
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        user_agent: str | None = None,
    ) -> None:
        self._options = Options.make(
            base_url, token, timeout=timeout, max_retries=max_retries, user_agent=user_agent
        )
        self._transport = SyncTransport(self._options)

    @property
    def base_url(self) -> str:
        return self._options.base_url

    @property
    def timeout(self) -> float:
        return self._options.timeout

    @property
    def max_retries(self) -> int:
        return self._options.max_retries

    def with_options(
        self, *, timeout: float | None = None, max_retries: int | None = None
    ) -> Client:
        """A client like this one (sharing its connections) with another timeout or retries."""
        copy = object.__new__(Client)
        copy._options = Options(
            self._options.base_url,
            self._options.token,
            self._options.timeout if timeout is None else timeout,
            self._options.max_retries if max_retries is None else max_retries,
            self._options.headers,
        )
        copy._transport = self._transport
        return copy

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- sending, with retries ---------------------------------------------------------------

    def _run(self, call: Call[T]) -> T:
        retries = 0
        applied = False  # an earlier attempt may have done the work
        while True:
            error: RecotrackError
            try:
                response = self._send(call)
            except ConnectionError as exc:
                if call.download is not None and call.download.written:
                    raise  # part of the body is written: a retry would repeat it
                error = exc
            else:
                if response.status < 400 or response.status in call.success:
                    return call.parse(response)
                error = error_for(response.status, response.headers, response.content)
            if (
                applied
                and call.reconcile is not None
                and isinstance(error, APIError)
                and error.status in call.reconcile.statuses
            ):
                return self._reconcile(call.reconcile, error)
            delay = retry_delay(call, error, retries, self._options.max_retries)
            if delay is None:
                raise error
            applied = applied or maybe_applied(error)
            retries += 1
            log.info(
                "retry %d of %s %s in %.2f s: %s",
                retries,
                call.request.method,
                call.request.path,
                delay,
                error,
            )
            time.sleep(delay)

    def _send(self, call: Call[T]) -> Response:
        if call.download is None:
            return self._transport.send(call.request, self._options)
        return self._transport.download(call.request, self._options, call.download.write)

    def _reconcile(self, reconcile: Reconcile[Any, T], error: APIError) -> T:
        try:
            current = self._run(reconcile.read)
        except NotFoundError:
            current = None
        result = reconcile.conclude(current)
        if isinstance(result, NoMatch):
            raise error
        log.info("an earlier attempt had done it: %s", error)
        return result

    def _pages(self, make: Callable[[str | None], Call[Page[T]]]) -> Iterator[T]:
        cursor: str | None = None
        while True:
            page = self._run(make(cursor))
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    # --- optimistic concurrency --------------------------------------------------------------

    def read_modify_write(
        self,
        read: Callable[[], Versioned[T]],
        write: Callable[[Versioned[T]], R],
        *,
        attempts: int = 3,
    ) -> R:
        """Read the current version, `write` a change to it; when someone else changed it in
        between (412), read again and write again, up to `attempts` times.

        `write` gets what `read` returned and must pass it on as `if_match=`.
        """
        for attempt in range(1, attempts + 1):
            current = read()
            try:
                return write(current)
            except PreconditionFailedError:
                if attempt == attempts:
                    raise
                log.info("%s changed since it was read: reading it again", current.etag)
        raise ValueError("attempts must be 1 or more")

    # --- agencies ----------------------------------------------------------------------------

    def list_agencies(self, *, limit: int | None = None, cursor: str | None = None) -> Page[Agency]:
        """One page of agencies (an agency token sees its own)."""
        return self._run(ops.list_agencies(limit=limit, cursor=cursor))

    def iter_agencies(self, *, page_size: int | None = None) -> Iterator[Agency]:
        """Every agency, following the cursor page by page."""
        return self._pages(lambda cursor: ops.list_agencies(limit=page_size, cursor=cursor))

    def create_agency(
        self, agency: AgencyCreate, *, idempotency_key: str | None = None
    ) -> Versioned[Agency]:
        return self._run(ops.create_agency(agency, idempotency_key=idempotency_key))

    def get_agency(self, agency_id: str) -> Versioned[Agency]:
        return self._run(ops.get_agency(agency_id))

    def update_agency(
        self, agency_id: str, patch: AgencyPatch, *, if_match: IfMatch
    ) -> Versioned[Agency]:
        return self._run(ops.update_agency(agency_id, patch, if_match=if_match))

    # --- investments -------------------------------------------------------------------------

    def list_investments(
        self,
        *,
        agency: str | Sequence[str] | None = None,
        external_ref: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Investment]:
        return self._run(
            ops.list_investments(
                agency=agency, external_ref=external_ref, limit=limit, cursor=cursor
            )
        )

    def iter_investments(
        self,
        *,
        agency: str | Sequence[str] | None = None,
        external_ref: str | None = None,
        page_size: int | None = None,
    ) -> Iterator[Investment]:
        return self._pages(
            lambda cursor: ops.list_investments(
                agency=agency, external_ref=external_ref, limit=page_size, cursor=cursor
            )
        )

    def create_investment(
        self, investment: InvestmentCreate, *, idempotency_key: str | None = None
    ) -> Versioned[Investment]:
        return self._run(ops.create_investment(investment, idempotency_key=idempotency_key))

    def get_investment(self, investment_id: str) -> Versioned[Investment]:
        return self._run(ops.get_investment(investment_id))

    def update_investment(
        self, investment_id: str, patch: InvestmentPatch, *, if_match: IfMatch
    ) -> Versioned[Investment]:
        return self._run(ops.update_investment(investment_id, patch, if_match=if_match))

    # --- reviews -----------------------------------------------------------------------------

    def list_reviews(
        self,
        *,
        agency: str | Sequence[str] | None = None,
        investment_id: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Review]:
        return self._run(
            ops.list_reviews(agency=agency, investment_id=investment_id, limit=limit, cursor=cursor)
        )

    def iter_reviews(
        self,
        *,
        agency: str | Sequence[str] | None = None,
        investment_id: str | None = None,
        page_size: int | None = None,
    ) -> Iterator[Review]:
        return self._pages(
            lambda cursor: ops.list_reviews(
                agency=agency, investment_id=investment_id, limit=page_size, cursor=cursor
            )
        )

    def create_review(
        self, review: ReviewCreate, *, idempotency_key: str | None = None
    ) -> Versioned[Review]:
        return self._run(ops.create_review(review, idempotency_key=idempotency_key))

    def get_review(self, review_id: str) -> Versioned[Review]:
        return self._run(ops.get_review(review_id))

    def update_review(
        self, review_id: str, patch: ReviewPatch, *, if_match: IfMatch
    ) -> Versioned[Review]:
        return self._run(ops.update_review(review_id, patch, if_match=if_match))

    # --- recommendations ---------------------------------------------------------------------

    @keywords(ListRecommendations)
    def list_recommendations(self, args: ListRecommendations) -> Page[Recommendation]:
        """One page of recommendations; every filter given must hold (a sequence: any of)."""
        return self._run(
            ops.list_recommendations(args, sort=args.sort, limit=args.limit, cursor=args.cursor)
        )

    @keywords(IterRecommendations)
    def iter_recommendations(self, args: IterRecommendations) -> Iterator[Recommendation]:
        """Every recommendation that the filters select, page after page."""
        return self._pages(
            lambda cursor: ops.list_recommendations(
                args, sort=args.sort, limit=args.page_size, cursor=cursor
            )
        )

    def create_recommendation(
        self, recommendation: RecommendationCreate, *, idempotency_key: str | None = None
    ) -> Versioned[Recommendation]:
        return self._run(ops.create_recommendation(recommendation, idempotency_key=idempotency_key))

    def get_recommendation(self, recommendation_id: str) -> Versioned[Recommendation]:
        return self._run(ops.get_recommendation(recommendation_id))

    def get_recommendation_by_code(self, code: str) -> Versioned[Recommendation]:
        """The recommendation with this code (`2026-SKV-003`); as people write it, case aside,
        when none has it exactly. NotFoundError when the caller may not see one."""
        return self._run(ops.get_recommendation_by_code(code))

    def update_recommendation(
        self, recommendation_id: str, patch: RecommendationPatch, *, if_match: IfMatch
    ) -> Versioned[Recommendation]:
        return self._run(ops.update_recommendation(recommendation_id, patch, if_match=if_match))

    def get_history(
        self, recommendation_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[HistoryEntry]:
        """One page of the recommendation's timeline: every event, with who did it."""
        return self._run(ops.get_history(recommendation_id, limit=limit, cursor=cursor))

    def iter_history(
        self, recommendation_id: str, *, page_size: int | None = None
    ) -> Iterator[HistoryEntry]:
        return self._pages(
            lambda cursor: ops.get_history(recommendation_id, limit=page_size, cursor=cursor)
        )

    def get_stats(self) -> Stats:
        """Counts by agency, area and state, and overdue counts, over what the token may see."""
        return self._run(ops.get_stats())

    # --- the audit log -----------------------------------------------------------------------

    def verify_audit_chain(
        self,
        *,
        expected_head: str | None = None,
        checkpoint: Checkpoint | tuple[int, str] | None = None,
    ) -> ChainVerification:
        """Check the whole event log's hash chain, against every checkpoint the service keeps
        and `checkpoint`: one you kept (as issued), or `(seq, hash)`; the chain up to its
        `seq` must still hash to it. With `expected_head` the chain must also end there. To
        check an export offline, see `recotrack_sdk.audit.verify_ndjson`."""
        call = ops.verify_audit_chain(expected_head=expected_head, checkpoint=checkpoint)
        return self._run(call)

    def create_checkpoint(self, *, idempotency_key: str | None = None) -> Checkpoint:
        """Have the service sign the chain's head now; keep the answer outside the database."""
        return self._run(ops.create_checkpoint(idempotency_key=idempotency_key))

    def list_checkpoints(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Checkpoint]:
        return self._run(ops.list_checkpoints(limit=limit, cursor=cursor))

    def iter_checkpoints(self, *, page_size: int | None = None) -> Iterator[Checkpoint]:
        """Every signed checkpoint, oldest first."""
        return self._pages(lambda cursor: ops.list_checkpoints(limit=page_size, cursor=cursor))

    def list_signing_keys(self) -> list[SigningKey]:
        """The public keys that sign checkpoints, rotated-away ones too: keep them with your
        checkpoints, to check signatures offline (`recotrack_sdk.audit.verify_ndjson`)."""
        return self._run(ops.list_signing_keys())

    # --- the agency's response ---------------------------------------------------------------

    def get_response(self, recommendation_id: str) -> Versioned[AgencyResponse]:
        return self._run(ops.get_response(recommendation_id))

    def put_response(
        self, recommendation_id: str, response: ResponseWrite, *, if_match: IfMatch | None
    ) -> Versioned[AgencyResponse]:
        """Respond (`if_match=None`: there is no response yet), or change the response
        (`if_match=` the version you read)."""
        return self._run(ops.put_response(recommendation_id, response, if_match=if_match))

    # --- progress and assessments ------------------------------------------------------------

    def list_progress(
        self, recommendation_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[ProgressReport]:
        return self._run(ops.list_progress(recommendation_id, limit=limit, cursor=cursor))

    def iter_progress(
        self, recommendation_id: str, *, page_size: int | None = None
    ) -> Iterator[ProgressReport]:
        return self._pages(
            lambda cursor: ops.list_progress(recommendation_id, limit=page_size, cursor=cursor)
        )

    def create_progress(
        self,
        recommendation_id: str,
        report: ProgressReportCreate,
        *,
        idempotency_key: str | None = None,
    ) -> ProgressReport:
        return self._run(
            ops.create_progress(recommendation_id, report, idempotency_key=idempotency_key)
        )

    def get_progress(self, recommendation_id: str, report_id: str) -> ProgressReport:
        return self._run(ops.get_progress(recommendation_id, report_id))

    def list_assessments(
        self, recommendation_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Assessment]:
        return self._run(ops.list_assessments(recommendation_id, limit=limit, cursor=cursor))

    def iter_assessments(
        self, recommendation_id: str, *, page_size: int | None = None
    ) -> Iterator[Assessment]:
        return self._pages(
            lambda cursor: ops.list_assessments(recommendation_id, limit=page_size, cursor=cursor)
        )

    def create_assessment(
        self,
        recommendation_id: str,
        assessment: AssessmentCreate,
        *,
        idempotency_key: str | None = None,
    ) -> Assessment:
        return self._run(
            ops.create_assessment(recommendation_id, assessment, idempotency_key=idempotency_key)
        )

    def get_assessment(self, recommendation_id: str, assessment_id: str) -> Assessment:
        return self._run(ops.get_assessment(recommendation_id, assessment_id))

    # --- closure -----------------------------------------------------------------------------

    def get_closure(self, recommendation_id: str) -> Versioned[Closure]:
        return self._run(ops.get_closure(recommendation_id))

    def put_closure(
        self, recommendation_id: str, closure: ClosureWrite, *, if_match: IfMatch | None
    ) -> Versioned[Closure]:
        """Close (`if_match=None`: not closed yet), or amend the closure (`if_match=` it)."""
        return self._run(ops.put_closure(recommendation_id, closure, if_match=if_match))

    def reopen(self, recommendation_id: str, *, if_match: IfMatch) -> None:
        """Remove the closure you read (`if_match=`); the event log keeps both."""
        return self._run(ops.reopen(recommendation_id, if_match=if_match))

    # --- links and lineage -------------------------------------------------------------------

    def create_link(
        self, recommendation_id: str, link: LinkCreate, *, idempotency_key: str | None = None
    ) -> Versioned[Link]:
        """Link the recommendation to `link.target_id` by `link.kind` (it supersedes, refines,
        splits or repeats the target): the secretariat's."""
        return self._run(ops.create_link(recommendation_id, link, idempotency_key=idempotency_key))

    def get_link(self, recommendation_id: str, link_id: str) -> Versioned[Link]:
        return self._run(ops.get_link(recommendation_id, link_id))

    def delete_link(self, recommendation_id: str, link_id: str, *, if_match: IfMatch) -> None:
        """Remove the link you read (`if_match=`); the event log keeps it."""
        return self._run(ops.delete_link(recommendation_id, link_id, if_match=if_match))

    def get_lineage(self, recommendation_id: str) -> Lineage:
        """Every recommendation reachable through links in either direction, and the links."""
        return self._run(ops.get_lineage(recommendation_id))

    # --- secrecy marks -----------------------------------------------------------------------

    def get_secrecy(self, recommendation_id: str) -> Versioned[SecrecyMarks]:
        """The fields marked secret, each with its legal ground (NotFound: none is)."""
        return self._run(ops.get_secrecy(recommendation_id))

    def put_secrecy(
        self, recommendation_id: str, marks: SecrecyWrite, *, if_match: IfMatch | None
    ) -> Versioned[SecrecyMarks]:
        """Set the marks as a whole (`if_match=None` for the first ones; `[]` clears them)."""
        return self._run(ops.put_secrecy(recommendation_id, marks, if_match=if_match))

    def list_secrecy_grounds(self) -> list[SecrecyGround]:
        """The legal grounds commonly given; a mark may give any other."""
        return self._run(ops.list_secrecy_grounds())

    # --- good examples ---------------------------------------------------------------------

    def list_good_examples(
        self, *, area: Area | None = None, limit: int | None = None, cursor: str | None = None
    ) -> Page[GoodExample]:
        """Every agency reads every good example (the agency named only if it agreed)."""
        return self._run(ops.list_good_examples(area=area, limit=limit, cursor=cursor))

    def iter_good_examples(
        self, *, area: Area | None = None, page_size: int | None = None
    ) -> Iterator[GoodExample]:
        return self._pages(
            lambda cursor: ops.list_good_examples(area=area, limit=page_size, cursor=cursor)
        )

    # --- the public catalogue (no token needed) ---

    @keywords(ListRecommendations)
    def list_public_recommendations(
        self, args: ListRecommendations
    ) -> Page[ReleasedRecommendation]:
        """One page of the published recommendations, as anyone may read them: secrecy
        applied as in a release. The list's filters; no order by relevance."""
        return self._run(
            ops.list_public_recommendations(
                args, sort=args.sort, limit=args.limit, cursor=args.cursor
            )
        )

    @keywords(IterRecommendations)
    def iter_public_recommendations(
        self, args: IterRecommendations
    ) -> Iterator[ReleasedRecommendation]:
        return self._pages(
            lambda cursor: ops.list_public_recommendations(
                args, sort=args.sort, limit=args.page_size, cursor=cursor
            )
        )

    def get_public_recommendation(self, recommendation_id: str) -> ReleasedRecommendation:
        return self._run(ops.get_public_recommendation(recommendation_id))

    def list_public_good_examples(
        self, *, area: Area | None = None, limit: int | None = None, cursor: str | None = None
    ) -> Page[GoodExample]:
        """The good examples of published recommendations."""
        return self._run(ops.list_public_good_examples(area=area, limit=limit, cursor=cursor))

    def create_good_example(
        self, example: GoodExampleCreate, *, idempotency_key: str | None = None
    ) -> Versioned[GoodExample]:
        return self._run(ops.create_good_example(example, idempotency_key=idempotency_key))

    def get_good_example(self, example_id: str) -> Versioned[GoodExample]:
        return self._run(ops.get_good_example(example_id))

    def update_good_example(
        self, example_id: str, patch: GoodExamplePatch, *, if_match: IfMatch
    ) -> Versioned[GoodExample]:
        return self._run(ops.update_good_example(example_id, patch, if_match=if_match))

    def delete_good_example(self, example_id: str, *, if_match: IfMatch) -> None:
        return self._run(ops.delete_good_example(example_id, if_match=if_match))

    def get_benchmarks(self, agency: str) -> Benchmarks:
        """The agency's figures by area beside all other agencies' (median and quartiles over
        at least three; fewer: suppressed). An agency token may ask for its own only."""
        return self._run(ops.get_benchmarks(agency))

    # --- disclosures: releases of public records --------------------------------------------

    def create_disclosure(
        self, disclosure: DisclosureCreate, *, idempotency_key: str | None = None
    ) -> Disclosure:
        """Release the recommendations asked for, with what secrecy covers left out; the
        answer holds each document's SHA-256 (`get_disclosure_document` gives the bytes)."""
        return self._run(ops.create_disclosure(disclosure, idempotency_key=idempotency_key))

    def list_disclosures(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Disclosure]:
        return self._run(ops.list_disclosures(limit=limit, cursor=cursor))

    def iter_disclosures(self, *, page_size: int | None = None) -> Iterator[Disclosure]:
        return self._pages(lambda cursor: ops.list_disclosures(limit=page_size, cursor=cursor))

    def get_disclosure(self, disclosure_id: str) -> Disclosure:
        return self._run(ops.get_disclosure(disclosure_id))

    def get_disclosure_document(
        self, disclosure_id: str, *, format: DocumentFormat = "pdf"
    ) -> bytes:
        """A document of the release exactly as it was handed out: its SHA-256 is the one
        the disclosure lists."""
        return self._run(ops.get_disclosure_document(disclosure_id, format=format))

    # --- tokens ------------------------------------------------------------------------------

    def list_tokens(self, *, limit: int | None = None, cursor: str | None = None) -> Page[Token]:
        return self._run(ops.list_tokens(limit=limit, cursor=cursor))

    def iter_tokens(self, *, page_size: int | None = None) -> Iterator[Token]:
        return self._pages(lambda cursor: ops.list_tokens(limit=page_size, cursor=cursor))

    def create_token(self, token: TokenCreate) -> TokenCreated:
        """The secret is in the answer, this once. Never replayed, so no idempotency key: it
        is retried only when the request surely did not reach the service."""
        return self._run(ops.create_token(token))

    def revoke_token(self, token_id: str) -> Token:
        return self._run(ops.revoke_token(token_id))

    # --- webhooks ----------------------------------------------------------------------------

    def list_webhooks(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Webhook]:
        """One page of webhook subscriptions (an agency token sees its own agency's)."""
        return self._run(ops.list_webhooks(limit=limit, cursor=cursor))

    def iter_webhooks(self, *, page_size: int | None = None) -> Iterator[Webhook]:
        return self._pages(lambda cursor: ops.list_webhooks(limit=page_size, cursor=cursor))

    def create_webhook(self, webhook: WebhookCreate) -> Versioned[WebhookWithSecret]:
        """Subscribe a URL. The signing secret is in the answer, this once: keep it where the
        receiver finds it. Never replayed, so no idempotency key: it is retried only when the
        request surely did not reach the service."""
        return self._run(ops.create_webhook(webhook))

    def get_webhook(self, webhook_id: str) -> Versioned[Webhook]:
        return self._run(ops.get_webhook(webhook_id))

    def update_webhook(
        self, webhook_id: str, patch: WebhookPatch, *, if_match: IfMatch
    ) -> Versioned[Webhook]:
        return self._run(ops.update_webhook(webhook_id, patch, if_match=if_match))

    def delete_webhook(self, webhook_id: str, *, if_match: IfMatch) -> None:
        return self._run(ops.delete_webhook(webhook_id, if_match=if_match))

    def rotate_webhook_secret(self, webhook_id: str) -> Versioned[WebhookWithSecret]:
        """A new secret, in the answer this once; the previous one keeps signing beside it
        until `previous_secret_expires_at` (24 hours)."""
        return self._run(ops.rotate_webhook_secret(webhook_id))

    def list_webhook_deliveries(
        self, webhook_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[DeliveryAttempt]:
        """One page of a subscription's delivery log, newest first."""
        return self._run(ops.list_webhook_deliveries(webhook_id, limit=limit, cursor=cursor))

    def iter_webhook_deliveries(
        self, webhook_id: str, *, page_size: int | None = None
    ) -> Iterator[DeliveryAttempt]:
        return self._pages(
            lambda cursor: ops.list_webhook_deliveries(webhook_id, limit=page_size, cursor=cursor)
        )

    def redeliver(
        self, webhook_id: str, delivery_id: str, *, idempotency_key: str | None = None
    ) -> DeliveryAttempt:
        """Send that delivery's change once more, soon (out of order, same `webhook-id`):
        the queued delivery; its outcome appears in the log."""
        return self._run(ops.redeliver(webhook_id, delivery_id, idempotency_key=idempotency_key))

    # --- sync --------------------------------------------------------------------------------

    def list_changes(
        self, *, cursor: str | None = None, limit: int | None = None, wait: int | None = None
    ) -> ChangePage:
        """One page of the changes feed; `wait` (≤ 30 s) long-polls while it is empty."""
        return self._run(ops.list_changes(cursor=cursor, limit=limit, wait=wait))

    def changes(
        self, cursor: str | None = None, *, page_size: int | None = None, follow: bool = False
    ) -> ChangeStream:
        """Every change after `cursor` (None: from the start): to the end of the feed, or on
        and on with `follow=True`. Store the stream's `.cursor` as you go."""

        def fetch(position: str | None, wait: int) -> ChangePage:
            return self.list_changes(cursor=position, limit=page_size, wait=wait or None)

        return ChangeStream(fetch, cursor, follow=follow)

    def sync_progress(
        self, items: Sequence[SyncProgressItem], *, idempotency_key: str | None = None
    ) -> SyncProgressResult:
        """Push up to 10,000 progress reports keyed by `external_ref`: one outcome per item,
        in order; an item sent before is `unchanged`. `AgencySync` splits larger sets."""
        return self._run(ops.sync_progress(items, idempotency_key=idempotency_key))

    # --- operations --------------------------------------------------------------------------

    def healthz(self) -> Health:
        return self._run(ops.healthz())

    def readyz(self) -> Health:
        """`ok`, or `unavailable` (not an exception, not retried) when the database is not."""
        return self._run(ops.readyz())

    # --- exports -----------------------------------------------------------------------------

    def export_events(
        self,
        fp: BinaryIO,
        *,
        format: EventFormat = "ndjson",
        dialect: Dialect | None = None,
        agency: str | Sequence[str] | None = None,
        since: dt.date | dt.datetime | None = None,
        until: dt.date | dt.datetime | None = None,
    ) -> Export:
        """Download the event log the token may see into `fp` (a binary file), streamed: NDJSON
        (one event a line) or CSV. `since` (inclusive) and `until` (exclusive; a date: to its
        end) bound `occurred_at`. Returns the chain head at the time of the export."""
        request = exports.export_events(
            format=format, dialect=dialect, agency=agency, since=since, until=until
        )
        return self._download(request, fp)

    @keywords(ExportRecommendations)
    def export_recommendations(self, fp: BinaryIO, args: ExportRecommendations) -> Export:
        """Download one row per recommendation (the filters of `list_recommendations`) with
        its response, latest progress, assessment and closure into `fp`: CSV for Excel
        (default), NDJSON or XLSX."""
        request = exports.export_recommendations(args, format=args.format, dialect=args.dialect)
        return self._download(request, fp)

    def _download(self, request: Request, fp: BinaryIO) -> Export:
        """Stream a download into `fp`; retried like a read while nothing has been written."""
        download = Download(fp)

        def parse(response: Response) -> Export:
            return exports.export_result(response.headers, download.written)

        return self._run(Call(request, parse, download=download))
