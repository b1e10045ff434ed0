"""Schemathesis over every operation of the committed contract, against the live service, as
the secretariat and as an agency: no 5xx, and every answer as the contract says (status,
content type, headers, schema). Then chains of calls that follow the contract's links
(create → get → change with the `ETag` as `If-Match`, list → follow-up), with the same checks
and the stateful ones (a created resource can be read; a removed one is gone)."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis.errors import Flaky
from schemathesis import Case, Response
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.generation.stateful.state_machine import APIStateMachine
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from tests.fuzz.conftest import CALLERS, Service
from tests.fuzz.profile import PROFILE, TALLY, examples

CONTRACT = Path(__file__).parents[2] / "openapi" / "openapi.json"
PROBLEM = "https://recotrack.se/problems/"
PARAMETER_RULES = {
    "relevance needs q",  # one parameter that needs another
    "not a date or moment",  # a day its month has not (2026-02-30)
    "not a checkpoint as issued",  # a checkpoint is a signed document the service issued
}
"""Refusals of valid parameters (400 `invalid-parameter`) for what no schema can say, by the
first words of their detail (up to a colon, after which it says what was wrong)."""
BEYOND_A_SCHEMA = {
    (400, "invalid-cursor"),  # a cursor this API did not hand out
    (412, "precondition-failed"),  # an ETag that is not the current version's
    (422, "rule-violation"),  # a rule: a check digit, a reference to an object that exists
}
"""Refusals of valid data for what no schema can say. Any other refusal of data valid by the
contract (a 400 or 422 of its shape, a 428) is the contract saying less than the service
enforces, and fails."""


def valid_data_is_accepted(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Schemathesis's `positive_data_acceptance`, but for the refusals of `BEYOND_A_SCHEMA`,
    and two that the contract says in words: a PUT of a response or closure that exists needs
    `If-Match` (the first, which creates it, does not); an integer is written without a
    fraction (JSON Schema's `integer` cannot tell 5.0 from 5)."""
    if response.status_code < 400 or not response.headers.get("content-type", [""])[0].startswith(
        "application/problem+json"
    ):
        return positive_data_acceptance(ctx, response, case)
    document = response.json()
    slug = str(document.get("type", "")).removeprefix(PROBLEM)
    details = [str(error.get("detail", "")) for error in document.get("errors") or []]
    if (response.status_code, slug) in BEYOND_A_SCHEMA:
        return None
    if (response.status_code, slug, case.method) == (428, "precondition-required", "PUT"):
        return None
    if slug == "validation" and details and all("got `float`" in d for d in details):
        return None
    if (
        slug == "invalid-parameter"
        and details
        and all(d.split(":")[0] in PARAMETER_RULES for d in details)
    ):
        return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    valid_data_is_accepted,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
STATEFUL_CHECKS = [*CHECKS, use_after_free, ensure_resource_availability]

schema = schemathesis.openapi.from_path(
    CONTRACT,
    config=schemathesis.Config.from_dict(
        {"phases": {"coverage": {"enabled": PROFILE.coverage_phase}}}
    ),
)
linked = schemathesis.openapi.from_path(
    CONTRACT, config=schemathesis.Config.from_dict({"generation": {"mode": "positive"}})
)
"""For chains of calls: valid data only, so that a chain goes on past its first step (the
operations one by one get invalid data too)."""


def _headers(service: Service, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {service.tokens[CALLERS[role]]}"}


def _real_ids(case: Case[Any], service: Service) -> None:
    """Half of the cases name real objects in their path (chosen by the generated value, so a
    run stays reproducible), to reach the handlers' logic past a 404; the other half keep
    their generated ids."""
    for name, value in (case.path_parameters or {}).items():
        ids = service.ids.get(name)
        draw = zlib.crc32(str(value).encode("utf-8", "surrogatepass"))
        if ids and draw % 2:
            case.path_parameters[name] = ids[draw // 2 % len(ids)]


def _call(case: Case[Any], service: Service, role: str) -> None:
    _real_ids(case, service)
    service.spare_callers(case)
    TALLY[f"schemathesis cases as {role}"] += 1
    response = case.call(base_url=service.url, headers=_headers(service, role))
    TALLY[f"schemathesis cases as {role}: {response.status_code // 100}xx"] += 1
    case.validate_response(response, checks=CHECKS, headers=_headers(service, role))


@schema.parametrize()
@examples(PROFILE.operation_examples)
def test_every_operation_as_secretariat(case: Case[Any], service: Service) -> None:
    _call(case, service, "secretariat")


@schema.parametrize()
@examples(PROFILE.operation_examples)
def test_every_operation_as_agency(case: Case[Any], service: Service) -> None:
    _call(case, service, "agency")


def _workflow(service: Service, role: str, failures: list[Exception]) -> type[APIStateMachine]:
    """The state machine over the contract's links, calling as `role`; each failed check also
    goes to `failures`."""
    base = linked.as_state_machine()

    class Workflow(base):  # type: ignore[valid-type,misc]  # a class schemathesis builds at run time
        def get_call_kwargs(self, case: Case[Any]) -> dict[str, Any]:
            return {"base_url": service.url, "headers": _headers(service, role)}

        def setup(self) -> None:
            TALLY[f"schemathesis stateful scenarios as {role}"] += 1
            super().setup()

        def before_call(self, case: Case[Any]) -> None:
            service.spare_callers(case)
            super().before_call(case)

        def after_call(self, response: Response, case: Case[Any]) -> None:
            TALLY[f"schemathesis stateful steps as {role}"] += 1
            TALLY[f"schemathesis stateful steps as {role}: {response.status_code // 100}xx"] += 1
            super().after_call(response, case)

        def validate_response(
            self, response: Response, case: Case[Any], additional_checks: Any = None, **kwargs: Any
        ) -> None:
            try:
                case.validate_response(
                    response,
                    checks=STATEFUL_CHECKS,
                    transport_kwargs=kwargs,
                    recorder=self.recorder,
                )
            except Exception as exc:
                failures.append(exc)
                raise

    return Workflow


@pytest.mark.parametrize("role", sorted(CALLERS))
def test_linked_calls(service: Service, role: str) -> None:
    failures: list[Exception] = []
    try:
        _workflow(service, role, failures).run(
            settings=examples(PROFILE.stateful_examples, stateful_step_count=10)
        )
    except Flaky:
        # The service keeps its state from one scenario to the next, so Hypothesis may find
        # the same choices leading elsewhere (a code is taken now, a token revoked) and stop,
        # as schemathesis's own runner does: only a failed check is a failure.
        if failures:
            raise failures[0] from None
        TALLY[f"schemathesis stateful runs ended early by the service's state, as {role}"] += 1
    TALLY[f"schemathesis stateful runs as {role}"] += 1
