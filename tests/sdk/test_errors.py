"""Problem documents from the real service become the SDK's typed exceptions."""

from __future__ import annotations

import datetime as dt
import email.utils

import pytest

from recotrack_sdk import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    IdempotencyKeyMismatchError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    PreconditionRequiredError,
    RateLimitedError,
    RecotrackError,
    RuleViolationError,
    ServerError,
    TransitionNotAllowedError,
    ValidationError,
)
from recotrack_sdk._errors import error_for, parse_retry_after
from recotrack_sdk.models import (
    AgencyCreate,
    AgencyPatch,
    ClosureWrite,
    ProgressReportCreate,
    ResponseWrite,
)
from tests.sdk.conftest import Sdk, make_recommendation

PROBLEMS = "https://recotrack.se/problems/"


async def test_not_found(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    with pytest.raises(NotFoundError) as caught:
        await c.get_agency("finns-inte")
    error = caught.value
    assert isinstance(error, APIError)
    assert isinstance(error, RecotrackError)
    assert (error.status, error.type) == (404, PROBLEMS + "not-found")
    assert error.problem.slug == "not-found"
    assert error.request_id  # X-Request-ID, to quote when asking for help
    assert error.request_id in str(error)
    assert str(error).startswith("404 not-found: ")

    # another agency's recommendation is not there, as far as this agency can tell
    other = await make_recommendation(c, "forsakringskassan")
    with pytest.raises(NotFoundError):
        await sdk.as_("skatteverket").get_recommendation(other.id)


async def test_unauthenticated_and_forbidden(sdk: Sdk) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await sdk.as_("nobody").list_agencies()
    assert caught.value.status == 401
    with pytest.raises(AuthenticationError):
        await sdk.as_("forged", token="rt_" + "x" * 40).list_agencies()
    with pytest.raises(PermissionDeniedError) as denied:
        await sdk.as_("skatteverket").create_agency(
            AgencyCreate(id="vinnova", name="Vinnova", org_number="202100-5216")
        )
    assert (denied.value.status, denied.value.problem.slug) == (403, "forbidden")


async def test_conflicts(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    with pytest.raises(ConflictError) as caught:
        await c.create_agency(
            AgencyCreate(id="skatteverket", name="Skatteverket igen", org_number="202100-5216")
        )
    assert caught.value.status == 409
    assert not isinstance(caught.value, TransitionNotAllowedError)

    rec = await make_recommendation(c)
    await c.put_closure(rec.id, ClosureWrite(outcome="implemented"), if_match=None)
    with pytest.raises(TransitionNotAllowedError) as refused:
        await sdk.as_("skatteverket").create_progress(
            rec.id, ProgressReportCreate(status="in_progress")
        )
    assert isinstance(refused.value, ConflictError)
    assert refused.value.type == PROBLEMS + "transition-not-allowed"


async def test_preconditions(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    first = await c.get_agency("skatteverket")
    await c.update_agency("skatteverket", AgencyPatch(name="Skatteverket (SKV)"), if_match=first)
    with pytest.raises(PreconditionFailedError) as stale:
        await c.update_agency("skatteverket", AgencyPatch(name="Skatteverket"), if_match=first)
    assert stale.value.status == 412
    assert stale.value.current_etag == '"2"'

    rec = await make_recommendation(c)
    agency = sdk.as_("skatteverket")
    await agency.put_response(
        rec.id, ResponseWrite(decision="accepted", responded_by="Anna"), if_match=None
    )
    with pytest.raises(PreconditionRequiredError) as required:
        await agency.put_response(
            rec.id, ResponseWrite(decision="rejected", responded_by="Anna"), if_match=None
        )
    assert required.value.status == 428


async def test_validation(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    with pytest.raises(ValidationError) as caught:
        await c.create_agency(AgencyCreate(id="Ogiltig Slug", name="X", org_number="202100-5216"))
    error = caught.value
    assert (error.status, error.problem.slug) == (422, "validation")
    assert [e.pointer for e in error.errors] == ["/id"]
    assert "/id" in str(error)

    with pytest.raises(RuleViolationError) as rule:
        await c.create_agency(AgencyCreate(id="vinnova", name="Vinnova", org_number="202100-5217"))
    assert isinstance(rule.value, ValidationError)
    assert [e.pointer for e in rule.value.errors] == ["/org_number"]

    rec = await make_recommendation(c)
    with pytest.raises(RuleViolationError) as rationale:
        await sdk.as_("skatteverket").put_response(
            rec.id, ResponseWrite(decision="rejected", responded_by="Anna"), if_match=None
        )
    assert rationale.value.errors[0].pointer == "/rationale"


async def test_idempotency_key_reused_for_another_request(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    agency = AgencyCreate(id="vinnova", name="Vinnova", org_number="202100-5216")
    first = await c.create_agency(agency, idempotency_key="my-key-1")
    replayed = await c.create_agency(agency, idempotency_key="my-key-1")
    assert replayed == first
    with pytest.raises(IdempotencyKeyMismatchError) as caught:
        await c.create_agency(
            AgencyCreate(id="formas", name="Formas", org_number="202100-5208"),
            idempotency_key="my-key-1",
        )
    assert isinstance(caught.value, ValidationError)
    assert caught.value.status == 422
    assert [a.id for a in await c.collect("iter_agencies")] == [
        "skatteverket",
        "forsakringskassan",
        "vinnova",
    ]


async def test_bad_requests(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    with pytest.raises(BadRequestError) as cursor:
        await c.list_agencies(cursor="not-a-cursor")
    assert cursor.value.problem.slug == "invalid-cursor"
    with pytest.raises(BadRequestError) as limit:
        await c.list_agencies(limit=0)
    assert limit.value.problem.slug == "invalid-parameter"
    assert [e.parameter for e in limit.value.errors] == ["limit"]


# --- mapping without a service: bodies that are not problems, Retry-After ---------------------


def test_mapping_of_statuses_and_bodies() -> None:
    html = error_for(502, {"content-type": "text/html"}, b"<html>Bad Gateway</html>")
    assert isinstance(html, ServerError)
    assert (html.status, html.type, html.detail) == (502, "about:blank", "<html>Bad Gateway</html>")
    assert isinstance(error_for(500, {}, b""), ServerError)
    assert type(error_for(418, {}, b"{}")) is APIError
    limited = error_for(429, {"retry-after": "7"}, b'{"type": "about:blank", "status": 429}')
    assert isinstance(limited, RateLimitedError)
    assert limited.retry_after == 7.0
    # the type decides before the status does
    mismatch = error_for(422, {}, b'{"type": "' + PROBLEMS.encode() + b'idempotency-key-mismatch"}')
    assert isinstance(mismatch, IdempotencyKeyMismatchError)


def test_retry_after() -> None:
    assert parse_retry_after(None) is None
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("inf") is None
    assert parse_retry_after("soon") is None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90)
    seconds = parse_retry_after(email.utils.format_datetime(later, usegmt=True))
    assert seconds is not None
    assert 80 < seconds <= 90
    past = email.utils.format_datetime(dt.datetime(2020, 1, 1, tzinfo=dt.UTC), usegmt=True)
    assert parse_retry_after(past) == 0.0
