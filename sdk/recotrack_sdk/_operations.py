"""Every operation of the API as a `Call`, named after its OpenAPI `operation_id`.

Pure functions: arguments in, a request and how to read its answer out. A POST gets its
`Idempotency-Key` here, once per logical call, so every retry of that call carries the same.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import TypeVar
from urllib.parse import quote

import msgspec

from recotrack_sdk._base import (
    NO_MATCH,
    Call,
    NoMatch,
    Reconcile,
    Request,
    Response,
    parse_bytes,
    parse_json,
    parse_nothing,
    parse_versioned,
)
from recotrack_sdk._query import filter_params, query
from recotrack_sdk._types import Health, IfMatch, Versioned, etag_of
from recotrack_sdk.audit import encode_checkpoint
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
    CheckpointCreate,
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
    RecommendationQuery,
    RecommendationSort,
    Redelivery,
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
    SyncProgressBatch,
    SyncProgressItem,
    SyncProgressResult,
    Token,
    TokenCreate,
    TokenCreated,
    Webhook,
    WebhookCreate,
    WebhookPatch,
    WebhookSecretRotation,
    WebhookWithSecret,
    version_of,
)

T = TypeVar("T")

_encoder = msgspec.json.Encoder()


def _path(*segments: str) -> str:
    return "/v1/" + "/".join(quote(segment, safe="") for segment in segments)


def _public_path(*segments: str) -> str:
    """A path of the public catalogue's API, which asks for no token."""
    return "/public/v1/" + "/".join(quote(segment, safe="") for segment in segments)


def _get(
    path: str, parse: Callable[[Response], T], params: list[tuple[str, str]] | None = None
) -> Call[T]:
    return Call(Request("GET", path, params or []), parse)


def _post(
    path: str, body: msgspec.Struct, parse: Callable[[Response], T], key: str | None
) -> Call[T]:
    headers = {"Content-Type": "application/json", "Idempotency-Key": key or str(uuid.uuid4())}
    return Call(Request("POST", path, headers=headers, body=_encoder.encode(body)), parse)


def _our_write(
    sent: msgspec.Struct, expected_version: int
) -> Callable[[Versioned[T] | None], Versioned[T] | NoMatch]:
    """Whether the current resource is the result of our write: exactly one version after the
    one we changed (none: the first), with every field we sent as we sent it."""
    fields = {
        name: value
        for name in sent.__struct_fields__
        if (value := getattr(sent, name)) is not msgspec.UNSET
    }

    def conclude(current: Versioned[T] | None) -> Versioned[T] | NoMatch:
        if current is None or getattr(current.value, "version", None) != expected_version + 1:
            return NO_MATCH
        for name, value in fields.items():
            if hasattr(current.value, name) and getattr(current.value, name) != value:
                return NO_MATCH
        return current

    return conclude


def _write(
    method: str,
    path: str,
    body: msgspec.Struct,
    type_: type[T],
    if_match: IfMatch | None,
) -> Call[Versioned[T]]:
    """A conditional change (PATCH, PUT). Safe to retry: If-Match makes a second application
    impossible. A retry that is refused because the first attempt did apply is recognised by
    reading the resource again (see `Reconcile`)."""
    headers = {"Content-Type": "application/json"}
    expected: int | None = 0
    if if_match is not None:
        headers["If-Match"] = etag_of(if_match)
        expected = version_of(headers["If-Match"])
    parse = parse_versioned(type_)
    reconcile = (
        Reconcile(
            statuses=frozenset({412, 428}),
            read=Call(Request("GET", path), parse),
            conclude=_our_write(body, expected),
        )
        if expected is not None
        else None
    )
    request = Request(method, path, headers=headers, body=_encoder.encode(body))
    return Call(request, parse, reconcile=reconcile)


# --- agencies ------------------------------------------------------------------------------


def list_agencies(*, limit: int | None, cursor: str | None) -> Call[Page[Agency]]:
    return _get(_path("agencies"), parse_json(Page[Agency]), query(limit=limit, cursor=cursor))


def create_agency(agency: AgencyCreate, *, idempotency_key: str | None) -> Call[Versioned[Agency]]:
    return _post(_path("agencies"), agency, parse_versioned(Agency), idempotency_key)


def get_agency(agency_id: str) -> Call[Versioned[Agency]]:
    return _get(_path("agencies", agency_id), parse_versioned(Agency))


def update_agency(
    agency_id: str, patch: AgencyPatch, *, if_match: IfMatch
) -> Call[Versioned[Agency]]:
    return _write("PATCH", _path("agencies", agency_id), patch, Agency, if_match)


# --- investments ---------------------------------------------------------------------------


def list_investments(
    *,
    agency: str | Sequence[str] | None,
    external_ref: str | None,
    limit: int | None,
    cursor: str | None,
) -> Call[Page[Investment]]:
    params = query(agency=agency, external_ref=external_ref, limit=limit, cursor=cursor)
    return _get(_path("investments"), parse_json(Page[Investment]), params)


def create_investment(
    investment: InvestmentCreate, *, idempotency_key: str | None
) -> Call[Versioned[Investment]]:
    return _post(_path("investments"), investment, parse_versioned(Investment), idempotency_key)


def get_investment(investment_id: str) -> Call[Versioned[Investment]]:
    return _get(_path("investments", investment_id), parse_versioned(Investment))


def update_investment(
    investment_id: str, patch: InvestmentPatch, *, if_match: IfMatch
) -> Call[Versioned[Investment]]:
    return _write("PATCH", _path("investments", investment_id), patch, Investment, if_match)


# --- reviews -------------------------------------------------------------------------------


def list_reviews(
    *,
    agency: str | Sequence[str] | None,
    investment_id: str | None,
    limit: int | None,
    cursor: str | None,
) -> Call[Page[Review]]:
    params = query(agency=agency, investment_id=investment_id, limit=limit, cursor=cursor)
    return _get(_path("reviews"), parse_json(Page[Review]), params)


def create_review(review: ReviewCreate, *, idempotency_key: str | None) -> Call[Versioned[Review]]:
    return _post(_path("reviews"), review, parse_versioned(Review), idempotency_key)


def get_review(review_id: str) -> Call[Versioned[Review]]:
    return _get(_path("reviews", review_id), parse_versioned(Review))


def update_review(
    review_id: str, patch: ReviewPatch, *, if_match: IfMatch
) -> Call[Versioned[Review]]:
    return _write("PATCH", _path("reviews", review_id), patch, Review, if_match)


# --- recommendations -----------------------------------------------------------------------


def list_recommendations(
    filters: RecommendationQuery,
    *,
    sort: RecommendationSort | None,
    limit: int | None,
    cursor: str | None,
) -> Call[Page[Recommendation]]:
    params = [*filter_params(filters), *query(sort=sort, limit=limit, cursor=cursor)]
    return _get(_path("recommendations"), parse_json(Page[Recommendation]), params)


def create_recommendation(
    recommendation: RecommendationCreate, *, idempotency_key: str | None
) -> Call[Versioned[Recommendation]]:
    return _post(
        _path("recommendations"), recommendation, parse_versioned(Recommendation), idempotency_key
    )


def get_recommendation(recommendation_id: str) -> Call[Versioned[Recommendation]]:
    return _get(_path("recommendations", recommendation_id), parse_versioned(Recommendation))


def get_recommendation_by_code(code: str) -> Call[Versioned[Recommendation]]:
    path = _path("recommendations", "by-code", code)
    return _get(path, parse_versioned(Recommendation))


def update_recommendation(
    recommendation_id: str, patch: RecommendationPatch, *, if_match: IfMatch
) -> Call[Versioned[Recommendation]]:
    path = _path("recommendations", recommendation_id)
    return _write("PATCH", path, patch, Recommendation, if_match)


def get_history(
    recommendation_id: str, *, limit: int | None, cursor: str | None
) -> Call[Page[HistoryEntry]]:
    return _get(
        _path("recommendations", recommendation_id, "history"),
        parse_json(Page[HistoryEntry]),
        query(limit=limit, cursor=cursor),
    )


def get_stats() -> Call[Stats]:
    return _get(_path("stats"), parse_json(Stats))


def verify_audit_chain(
    *,
    expected_head: str | None,
    checkpoint: Checkpoint | tuple[int, str] | None,
) -> Call[ChainVerification]:
    signed = checkpoint if isinstance(checkpoint, Checkpoint) else None
    at_seq, expected_hash = checkpoint if isinstance(checkpoint, tuple) else (None, None)
    return _get(
        _path("audit", "verify"),
        parse_json(ChainVerification),
        query(
            expected_head=expected_head,
            at_seq=at_seq,
            expected_hash=expected_hash,
            checkpoint=None if signed is None else encode_checkpoint(signed).decode(),
        ),
    )


def create_checkpoint(*, idempotency_key: str | None) -> Call[Checkpoint]:
    path = _path("audit", "checkpoints")
    return _post(path, CheckpointCreate(), parse_json(Checkpoint), idempotency_key)


def list_checkpoints(*, limit: int | None, cursor: str | None) -> Call[Page[Checkpoint]]:
    return _get(
        _path("audit", "checkpoints"),
        parse_json(Page[Checkpoint]),
        query(limit=limit, cursor=cursor),
    )


def list_signing_keys() -> Call[list[SigningKey]]:
    return _get(_path("audit", "keys"), parse_json(list[SigningKey]))


# --- follow-up: response, progress, assessments, closure ----------------------------------


def get_response(recommendation_id: str) -> Call[Versioned[AgencyResponse]]:
    return _get(
        _path("recommendations", recommendation_id, "response"), parse_versioned(AgencyResponse)
    )


def put_response(
    recommendation_id: str, response: ResponseWrite, *, if_match: IfMatch | None
) -> Call[Versioned[AgencyResponse]]:
    path = _path("recommendations", recommendation_id, "response")
    return _write("PUT", path, response, AgencyResponse, if_match)


def list_progress(
    recommendation_id: str, *, limit: int | None, cursor: str | None
) -> Call[Page[ProgressReport]]:
    return _get(
        _path("recommendations", recommendation_id, "progress"),
        parse_json(Page[ProgressReport]),
        query(limit=limit, cursor=cursor),
    )


def create_progress(
    recommendation_id: str, report: ProgressReportCreate, *, idempotency_key: str | None
) -> Call[ProgressReport]:
    path = _path("recommendations", recommendation_id, "progress")
    return _post(path, report, parse_json(ProgressReport), idempotency_key)


def get_progress(recommendation_id: str, report_id: str) -> Call[ProgressReport]:
    path = _path("recommendations", recommendation_id, "progress", report_id)
    return _get(path, parse_json(ProgressReport))


def list_assessments(
    recommendation_id: str, *, limit: int | None, cursor: str | None
) -> Call[Page[Assessment]]:
    return _get(
        _path("recommendations", recommendation_id, "assessments"),
        parse_json(Page[Assessment]),
        query(limit=limit, cursor=cursor),
    )


def create_assessment(
    recommendation_id: str, assessment: AssessmentCreate, *, idempotency_key: str | None
) -> Call[Assessment]:
    path = _path("recommendations", recommendation_id, "assessments")
    return _post(path, assessment, parse_json(Assessment), idempotency_key)


def get_assessment(recommendation_id: str, assessment_id: str) -> Call[Assessment]:
    path = _path("recommendations", recommendation_id, "assessments", assessment_id)
    return _get(path, parse_json(Assessment))


def get_closure(recommendation_id: str) -> Call[Versioned[Closure]]:
    return _get(_path("recommendations", recommendation_id, "closure"), parse_versioned(Closure))


def put_closure(
    recommendation_id: str, closure: ClosureWrite, *, if_match: IfMatch | None
) -> Call[Versioned[Closure]]:
    path = _path("recommendations", recommendation_id, "closure")
    return _write("PUT", path, closure, Closure, if_match)


# --- links and lineage --------------------------------------------------------------------


def create_link(
    recommendation_id: str, link: LinkCreate, *, idempotency_key: str | None
) -> Call[Versioned[Link]]:
    path = _path("recommendations", recommendation_id, "links")
    return _post(path, link, parse_versioned(Link), idempotency_key)


def get_link(recommendation_id: str, link_id: str) -> Call[Versioned[Link]]:
    return _get(
        _path("recommendations", recommendation_id, "links", link_id), parse_versioned(Link)
    )


def delete_link(recommendation_id: str, link_id: str, *, if_match: IfMatch) -> Call[None]:
    """A retry after a removal that did apply finds nothing (404): that is our success."""
    path = _path("recommendations", recommendation_id, "links", link_id)
    request = Request("DELETE", path, headers={"If-Match": etag_of(if_match)})
    reconcile = Reconcile(
        statuses=frozenset({404, 412}),
        read=Call(Request("GET", path), parse_versioned(Link)),
        conclude=_gone,
    )
    return Call(request, parse_nothing, reconcile=reconcile)


def get_lineage(recommendation_id: str) -> Call[Lineage]:
    return _get(_path("recommendations", recommendation_id, "lineage"), parse_json(Lineage))


def get_secrecy(recommendation_id: str) -> Call[Versioned[SecrecyMarks]]:
    path = _path("recommendations", recommendation_id, "secrecy")
    return _get(path, parse_versioned(SecrecyMarks))


def put_secrecy(
    recommendation_id: str, marks: SecrecyWrite, *, if_match: IfMatch | None
) -> Call[Versioned[SecrecyMarks]]:
    path = _path("recommendations", recommendation_id, "secrecy")
    return _write("PUT", path, marks, SecrecyMarks, if_match)


def list_secrecy_grounds() -> Call[list[SecrecyGround]]:
    return _get(_path("secrecy-grounds"), parse_json(list[SecrecyGround]))


# --- good examples -----------------------------------------------------------------------


def list_good_examples(
    *, area: Area | None, limit: int | None, cursor: str | None
) -> Call[Page[GoodExample]]:
    params = query(area=area, limit=limit, cursor=cursor)
    return _get(_path("good-examples"), parse_json(Page[GoodExample]), params)


def list_public_recommendations(
    filters: RecommendationQuery,
    *,
    sort: RecommendationSort | None,
    limit: int | None,
    cursor: str | None,
) -> Call[Page[ReleasedRecommendation]]:
    params = [*filter_params(filters), *query(sort=sort, limit=limit, cursor=cursor)]
    return _get(_public_path("recommendations"), parse_json(Page[ReleasedRecommendation]), params)


def get_public_recommendation(recommendation_id: str) -> Call[ReleasedRecommendation]:
    path = _public_path("recommendations", recommendation_id)
    return _get(path, parse_json(ReleasedRecommendation))


def list_public_good_examples(
    *, area: Area | None, limit: int | None, cursor: str | None
) -> Call[Page[GoodExample]]:
    params = query(area=area, limit=limit, cursor=cursor)
    return _get(_public_path("good-examples"), parse_json(Page[GoodExample]), params)


def create_good_example(
    example: GoodExampleCreate, *, idempotency_key: str | None
) -> Call[Versioned[GoodExample]]:
    return _post(_path("good-examples"), example, parse_versioned(GoodExample), idempotency_key)


def get_good_example(example_id: str) -> Call[Versioned[GoodExample]]:
    return _get(_path("good-examples", example_id), parse_versioned(GoodExample))


def update_good_example(
    example_id: str, patch: GoodExamplePatch, *, if_match: IfMatch
) -> Call[Versioned[GoodExample]]:
    return _write("PATCH", _path("good-examples", example_id), patch, GoodExample, if_match)


def delete_good_example(example_id: str, *, if_match: IfMatch) -> Call[None]:
    path = _path("good-examples", example_id)
    request = Request("DELETE", path, headers={"If-Match": etag_of(if_match)})
    reconcile = Reconcile(
        statuses=frozenset({404, 412}),
        read=Call(Request("GET", path), parse_versioned(GoodExample)),
        conclude=_gone,
    )
    return Call(request, parse_nothing, reconcile=reconcile)


def get_benchmarks(agency: str) -> Call[Benchmarks]:
    return _get(_path("benchmarks"), parse_json(Benchmarks), query(agency=agency))


# --- disclosures -----------------------------------------------------------------------------


def create_disclosure(
    disclosure: DisclosureCreate, *, idempotency_key: str | None
) -> Call[Disclosure]:
    return _post(_path("disclosures"), disclosure, parse_json(Disclosure), idempotency_key)


def list_disclosures(*, limit: int | None, cursor: str | None) -> Call[Page[Disclosure]]:
    params = query(limit=limit, cursor=cursor)
    return _get(_path("disclosures"), parse_json(Page[Disclosure]), params)


def get_disclosure(disclosure_id: str) -> Call[Disclosure]:
    return _get(_path("disclosures", disclosure_id), parse_json(Disclosure))


def get_disclosure_document(disclosure_id: str, *, format: DocumentFormat) -> Call[bytes]:
    path = _path("disclosures", disclosure_id, "document")
    return _get(path, parse_bytes, query(format=format))


def _gone(current: object | None) -> NoMatch | None:
    """A deletion retried after it did apply finds nothing: that is our success."""
    return None if current is None else NO_MATCH


def reopen(recommendation_id: str, *, if_match: IfMatch) -> Call[None]:
    """Remove the closure. A retry after a reopening that did apply is refused (no closure,
    or the state is no longer closed): if the closure is gone, that is our success."""
    path = _path("recommendations", recommendation_id, "closure")
    request = Request("DELETE", path, headers={"If-Match": etag_of(if_match)})
    reconcile = Reconcile(
        statuses=frozenset({404, 409, 412}),
        read=Call(Request("GET", path), parse_versioned(Closure)),
        conclude=_gone,
    )
    return Call(request, parse_nothing, reconcile=reconcile)


# --- tokens --------------------------------------------------------------------------------


def list_tokens(*, limit: int | None, cursor: str | None) -> Call[Page[Token]]:
    return _get(_path("tokens"), parse_json(Page[Token]), query(limit=limit, cursor=cursor))


def create_token(token: TokenCreate) -> Call[TokenCreated]:
    """No Idempotency-Key (the service refuses one: the secret is never stored to replay), so
    it is retried only when the request surely did not arrive."""
    request = Request(
        "POST",
        _path("tokens"),
        headers={"Content-Type": "application/json"},
        body=_encoder.encode(token),
    )
    return Call(request, parse_json(TokenCreated), retry="unsent")


def revoke_token(token_id: str) -> Call[Token]:
    return Call(Request("DELETE", _path("tokens", token_id)), parse_json(Token))


# --- webhooks ------------------------------------------------------------------------------


def list_webhooks(*, limit: int | None, cursor: str | None) -> Call[Page[Webhook]]:
    return _get(_path("webhooks"), parse_json(Page[Webhook]), query(limit=limit, cursor=cursor))


def _unreplayed_post(path: str, body: msgspec.Struct) -> Call[Versioned[WebhookWithSecret]]:
    """No Idempotency-Key (the service refuses one: a stored answer would hold the secret in
    the clear), so it is retried only when the request surely did not arrive."""
    request = Request(
        "POST", path, headers={"Content-Type": "application/json"}, body=_encoder.encode(body)
    )
    return Call(request, parse_versioned(WebhookWithSecret), retry="unsent")


def create_webhook(webhook: WebhookCreate) -> Call[Versioned[WebhookWithSecret]]:
    return _unreplayed_post(_path("webhooks"), webhook)


def get_webhook(webhook_id: str) -> Call[Versioned[Webhook]]:
    return _get(_path("webhooks", webhook_id), parse_versioned(Webhook))


def update_webhook(
    webhook_id: str, patch: WebhookPatch, *, if_match: IfMatch
) -> Call[Versioned[Webhook]]:
    return _write("PATCH", _path("webhooks", webhook_id), patch, Webhook, if_match)


def delete_webhook(webhook_id: str, *, if_match: IfMatch) -> Call[None]:
    """A retry after a deletion that did apply finds nothing (404): that is our success."""
    path = _path("webhooks", webhook_id)
    request = Request("DELETE", path, headers={"If-Match": etag_of(if_match)})
    reconcile = Reconcile(
        statuses=frozenset({404, 412}),
        read=Call(Request("GET", path), parse_versioned(Webhook)),
        conclude=_gone,
    )
    return Call(request, parse_nothing, reconcile=reconcile)


def rotate_webhook_secret(webhook_id: str) -> Call[Versioned[WebhookWithSecret]]:
    return _unreplayed_post(_path("webhooks", webhook_id, "rotate-secret"), WebhookSecretRotation())


def list_webhook_deliveries(
    webhook_id: str, *, limit: int | None, cursor: str | None
) -> Call[Page[DeliveryAttempt]]:
    return _get(
        _path("webhooks", webhook_id, "deliveries"),
        parse_json(Page[DeliveryAttempt]),
        query(limit=limit, cursor=cursor),
    )


def redeliver(
    webhook_id: str, delivery_id: str, *, idempotency_key: str | None
) -> Call[DeliveryAttempt]:
    path = _path("webhooks", webhook_id, "deliveries", delivery_id, "redeliver")
    return _post(path, Redelivery(), parse_json(DeliveryAttempt), idempotency_key)


# --- sync ----------------------------------------------------------------------------------


def list_changes(*, cursor: str | None, limit: int | None, wait: int | None) -> Call[ChangePage]:
    params = query(cursor=cursor, limit=limit, wait=wait)
    request = Request("GET", _path("changes"), params, extra_timeout=float(wait or 0))
    return Call(request, parse_json(ChangePage))


def sync_progress(
    items: Sequence[SyncProgressItem], *, idempotency_key: str | None
) -> Call[SyncProgressResult]:
    batch = SyncProgressBatch(items=list(items))
    return _post(_path("sync", "progress"), batch, parse_json(SyncProgressResult), idempotency_key)


# --- operations ----------------------------------------------------------------------------


def healthz() -> Call[Health]:
    return Call(Request("GET", "/healthz"), parse_json(Health))


def readyz() -> Call[Health]:
    """Answers 503 `unavailable` when the database does not: an answer, not retried."""
    return Call(
        Request("GET", "/readyz"), parse_json(Health), retry="never", success=frozenset({503})
    )
