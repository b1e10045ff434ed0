"""One live service for a whole fuzzing module: its own database, tokens and some data.

A fresh service per test would cost a database and a server start for each of the ~70
parametrized operations; the fuzzers only need one that answers, with real objects in it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from litestar.testing import AsyncTestClient
from schemathesis import Case

from recotrack.app import create_app
from tests import flow
from tests.conftest import as_service, copy_of_template, test_settings
from tests.fuzz.profile import PROFILE, TALLY
from tests.helpers import Api, seed_tokens
from tests.live import serve

CALLERS = {"secretariat": "secretariat", "agency": "skatteverket"}
"""Who the fuzzers call as: the role, and the token (of `seed_tokens`) it calls with."""


@dataclass(frozen=True)
class Service:
    url: str
    db_url: str
    tokens: dict[str, str]
    ids: dict[str, list[str]]
    """Path parameter → ids of real objects (Skatteverket's, Försäkringskassan's, drafts)."""
    callers: frozenset[str]
    """The ids of the tokens the fuzzers call with: theirs to keep (see `spare_callers`)."""

    def spare_callers(self, case: Case[Any]) -> None:
        """A revocation of a token the fuzzers call with revokes another (real) one instead:
        a revoked caller would make every later case a 401, and test nothing more."""
        token = (case.path_parameters or {}).get("token_id")
        if case.operation.label == "DELETE /v1/tokens/{token_id}" and token in self.callers:
            spare = [i for i in self.ids["token_id"] if i not in self.callers]
            case.path_parameters["token_id"] = spare[0]


async def _seed(api: Api) -> dict[str, list[str]]:
    """Both agencies' recommendations, issued and draft, with a response, a progress report,
    an assessment, secrecy marks, a good example, a release and a link from the draft; a
    webhook subscription of each agency and one of the secretariat's; and the tokens' ids."""
    ids: dict[str, list[str]] = {"agency_id": ["skatteverket", "forsakringskassan"]}

    def note(name: str, value: str) -> None:
        ids.setdefault(name, []).append(value)

    for agency in ("skatteverket", "forsakringskassan"):
        for issued in (True, False):
            rec = await flow.recommendation(api, agency, issued=issued)
            note("recommendation_id", rec["id"])
            note("review_id", rec["review_id"])
            note("investment_id", rec["investment_id"])
            if not issued:
                # a link from the draft to the agency's issued one (made just before it)
                link = {"kind": "refines", "target_id": ids["recommendation_id"][-2]}
                url = f"/v1/recommendations/{rec['id']}/links"
                r = await api.call("secretariat", "POST", url, json=link)
                assert r.status_code == 201, r.text
                note("link_id", r.json()["id"])
                continue
            url = f"/v1/recommendations/{rec['id']}"
            body = {"decision": "accepted", "responded_by": "GD"}
            r = await api.call(agency, "PUT", url + "/response", json=body)
            assert r.status_code == 201, r.text
            r = await api.call(agency, "POST", url + "/progress", json={"status": "in_progress"})
            assert r.status_code == 201, r.text
            note("report_id", r.json()["id"])
            r = await api.call(
                "secretariat", "POST", url + "/assessments", json={"status": "not_started"}
            )
            assert r.status_code == 201, r.text
            note("assessment_id", r.json()["id"])
            marks = {"fields": [{"field": "body", "ground": "18 kap. 8 § OSL"}]}
            r = await api.call("secretariat", "PUT", url + "/secrecy", json=marks)
            assert r.status_code == 201, r.text
            example = {"recommendation_id": rec["id"], "title": "Exempel", "summary": "Så gick"}
            r = await api.call("secretariat", "POST", "/v1/good-examples", json=example)
            assert r.status_code == 201, r.text
            note("example_id", r.json()["id"])
            release = {"request_ref": "SR 2026/1", "recommendation_ids": [rec["id"]]}
            r = await api.call("secretariat", "POST", "/v1/disclosures", json=release)
            assert r.status_code == 201, r.text
            note("disclosure_id", r.json()["id"])
    for who in ("skatteverket", "forsakringskassan", "secretariat"):
        # a global address written as a literal: it resolves without DNS
        body = {"url": "https://93.184.216.34/hook"}
        r = await api.call(who, "POST", "/v1/webhooks", json=body)
        assert r.status_code == 201, r.text
        note("webhook_id", r.json()["id"])
    r = await api.call("secretariat", "GET", "/v1/tokens")
    ids["token_id"] = [token["id"] for token in r.json()["items"]]
    return ids


async def _callers(api: Api) -> frozenset[str]:
    r = await api.call("secretariat", "GET", "/v1/tokens")
    labels = {f"test {CALLERS['secretariat']}", CALLERS["agency"]}
    callers = frozenset(token["id"] for token in r.json()["items"] if token["label"] in labels)
    assert len(callers) == len(CALLERS), r.text
    return callers


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def service(server_url: str, template_db: str) -> AsyncIterator[Service]:
    async with copy_of_template(server_url, template_db, "rt_fuzz") as db_url:
        tokens = await seed_tokens(db_url)
        service_url = as_service(db_url)  # the app as the service's restricted role
        app = create_app(test_settings(service_url), service_url)
        async with serve(service_url) as url, AsyncTestClient(app) as client:
            api = Api(client, db_url, tokens)
            ids = await _seed(api)
            yield Service(url, db_url, tokens, ids, await _callers(api))
            for token in CALLERS.values():
                # the fuzzers kept their own tokens: their cases were not all 401s
                r = await api.call(token, "GET", "/v1/agencies")
                assert r.status_code == 200, f"{token}'s token was lost: {r.text}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY:
        terminalreporter.section(f"fuzzing ({PROFILE.name} profile)")
        for kind, count in sorted(TALLY.items()):
            terminalreporter.write_line(f"{count:>8}  {kind}")
