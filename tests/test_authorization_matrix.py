"""Who may do what (DESIGN: "Who may do what"): every `/v1` endpoint × every kind of caller.

The cells are generated from the app's own route table, so an endpoint cannot be added
without an entry in `EXPECTED` below: the test of an unlisted (method, path) fails, and so
does an entry for a (method, path) the app does not have.

The table is written by hand from DESIGN.md:

- the secretariat reads everything and writes agencies, investments, reviews,
  recommendations, assessments, closures and tokens;
- an agency reads its own agency's data only: another agency's objects, and its own drafts,
  are not found (404, never 403, so ids leak nothing); it writes its responses, its progress
  reports and its investments' `external_ref`, nothing else (403);
- an agency and the secretariat manage webhook subscriptions (the agency its own agency's);
- the auditor reads everything and writes nothing (403), but for asking the service to sign
  a checkpoint of the audit log (which appends no event);
- without a token: 401.

Each cell is a real request on a fresh database, with path ids of existing objects and a
valid body, so that the only reason for a refusal is who is asking. A refused request
changes nothing (the event table, which every write appends to, keeps its count); an
allowed write appends exactly one event. For the other agency, a request on an object that
does not exist at all must be answered exactly as the one on the object it may not see.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest
from litestar.routes import HTTPRoute

from recotrack.app import create_app
from recotrack.settings import Settings
from tests import flow
from tests.helpers import Api, connection

# --- who asks ------------------------------------------------------------------------------

SECRETARIAT = "secretariat"
AUDITOR = "auditor"
OWN = "agency-own"
"""Skatteverket's token, on Skatteverket's objects."""
OTHER = "agency-other"
"""Försäkringskassan's token, on Skatteverket's objects."""
ANONYMOUS = "no-token"
ROLES = (SECRETARIAT, AUDITOR, OWN, OTHER, ANONYMOUS)

_REFS = itertools.count(4711)

_CALLER = {
    SECRETARIAT: "secretariat",
    AUDITOR: "auditor",
    OWN: "skatteverket",
    OTHER: "forsakringskassan",
    ANONYMOUS: "nobody",  # no token of that name: the request goes without Authorization
}

# --- the objects the requests name --------------------------------------------------------


@dataclass
class World:
    """Skatteverket's objects, created through the API before each cell's request."""

    agency: str = "skatteverket"
    investment: str = ""
    review: str = ""
    recommendation: str = ""
    """Issued: visible to Skatteverket."""
    draft: str = ""
    """Not issued: the secretariat's own until it is."""
    code: str = ""
    """The issued recommendation's code."""
    draft_code: str = ""
    token: str = ""
    """A Skatteverket token that is not used to call (only `spare_token` creates one)."""
    progress: str = ""
    assessment: str = ""
    webhook: str = ""
    """Skatteverket's subscription (made by its token: only `webhook` makes one)."""
    disclosure: str = ""
    """A release of the recommendation (only `disclosed` makes one)."""
    example: str = ""
    """A good example from the recommendation (only `example` makes one)."""
    delivery: str = ""
    """An attempt in the subscription's delivery log (only `delivery` makes one)."""
    earlier: str = ""
    """Another issued recommendation of Skatteverket's, which the recommendation repeats
    (only `linked` makes them)."""
    link: str = ""
    """The link: the recommendation repeats `earlier`."""


# --- what each cell expects --------------------------------------------------------------

Body = Callable[[World], dict[str, Any]]
Check = Callable[["Api", str, httpx.Response, World], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    """One request on one endpoint, and the status each kind of caller must get for it."""

    expect: dict[str, int]
    variant: str = "usual"
    body: Body | None = None
    if_match: bool = False
    """Send `If-Match` with the current `ETag` (read by the secretariat from the same URL)."""
    ids: dict[str, str] = field(default_factory=dict)
    """Path parameter → World attribute, where not the parameter's own name."""
    setup: tuple[str, ...] = ()
    """Extra facts before the request: responded, closed, spare_token, progress, assessment."""
    shows: tuple[str, ...] = ()
    """A list: World attributes whose ids the secretariat, the auditor and the owning
    agency see in it, and the other agency does not."""
    hides: tuple[str, ...] = ()
    """A list: World attributes the secretariat and the auditor see, no agency does."""
    appends: dict[str, int] = field(default_factory=dict)
    """Events the request appends, where not 1 for an allowed write and 0 otherwise."""
    check: Check | None = None
    """More to hold the answer to, beyond its status."""

    def __post_init__(self) -> None:
        assert set(self.expect) == set(ROLES), f"{self.variant}: every role needs a status"


def reads(*, own: int = 200, other: int = 404, **kwargs: Any) -> Case:
    """Everyone with a token reads; the other agency does not find Skatteverket's objects."""
    return Case({SECRETARIAT: 200, AUDITOR: 200, OWN: own, OTHER: other, ANONYMOUS: 401}, **kwargs)


def list_read(**kwargs: Any) -> Case:
    """A list: everyone with a token gets one, an agency with its own items only."""
    return reads(other=200, **kwargs)


def secretariat_writes(status: int, **kwargs: Any) -> Case:
    """The secretariat's records: only it writes them; no agency, whoever's object."""
    return Case({SECRETARIAT: status, AUDITOR: 403, OWN: 403, OTHER: 403, ANONYMOUS: 401}, **kwargs)


def agency_writes(status: int, **kwargs: Any) -> Case:
    """The agency's own voice: only the owning agency writes it; the other does not find it."""
    return Case({SECRETARIAT: 403, AUDITOR: 403, OWN: status, OTHER: 404, ANONYMOUS: 401}, **kwargs)


def managed(status: int, **kwargs: Any) -> Case:
    """A webhook subscription of Skatteverket's: it and the secretariat manage it."""
    return Case(
        {SECRETARIAT: status, AUDITOR: 403, OWN: status, OTHER: 404, ANONYMOUS: 401}, **kwargs
    )


def _disclosures_read(**kwargs: Any) -> Case:
    """What was released, to whom: the secretariat and the auditor read it, no agency."""
    return Case({SECRETARIAT: 200, AUDITOR: 200, OWN: 403, OTHER: 403, ANONYMOUS: 401}, **kwargs)


REC = "/v1/recommendations/{recommendation_id:str}"
SHARED_WITH_EVERY_AGENCY = ("/v1/good-examples",)
"""The one deliberate exception to per-agency isolation: every agency reads every good
example (tests/api/test_good_examples_api.py holds what an example may show of its agency)."""
HOOK = "/v1/webhooks/{webhook_id:str}"
ON_DRAFT = {"recommendation_id": "draft"}


def _recommendation_body(w: World) -> dict[str, Any]:
    return {
        "review_id": w.review,
        "code": f"2026-M-{uuid.uuid4().hex[:6]}",
        "title": "Inför en portföljstyrning",
        "area": "governance",
        "priority": "medium",
        "issued_on": "2026-02-01",
    }


def _sync_batch(recommendation_id: str) -> dict[str, Any]:
    item = {
        "recommendation_id": recommendation_id,
        "external_ref": "PPM-77",
        "status": "in_progress",
    }
    return {"items": [item]}


async def _check_sync(api: Api, role: str, r: httpx.Response, world: World) -> None:
    """The owner's report on an issued recommendation is created; a report on another
    agency's recommendation, or on a draft, is rejected exactly as one on no recommendation."""
    if r.status_code != 200:
        return
    [outcome] = r.json()["items"]
    sent = r.request.content
    if role == OWN and world.recommendation.encode() in sent:
        assert outcome["outcome"] == "created", outcome
        return
    assert outcome["outcome"] == "rejected", outcome
    nowhere = await api.call(
        _CALLER[role], "POST", "/v1/sync/progress", json=_sync_batch(str(uuid.uuid4()))
    )
    [missing] = nowhere.json()["items"]
    shown = {k: outcome["problem"].get(k) for k in ("type", "status", "pointer")}
    assert shown == {k: missing["problem"].get(k) for k in ("type", "status", "pointer")}, (
        f"a recommendation it may not see is told apart from a missing one: {outcome} {missing}"
    )
    assert shown["status"] == 404, outcome


async def _check_stats(api: Api, role: str, r: httpx.Response, world: World) -> None:
    """Counted over what the caller may see: all of it, or its own issued recommendations."""
    if r.status_code != 200:
        return
    stats = r.json()
    counted = {(c["agency_id"], c["state"]): c["count"] for c in stats["counts"]}
    agencies = {agency for agency, _ in counted} | {
        o["agency_id"] for o in stats["overdue_by_agency"]
    }
    if role in (SECRETARIAT, AUDITOR):
        assert counted.get(("skatteverket", "draft")) == 1, counted
        assert counted.get(("skatteverket", "issued")) == 1, counted
    elif role == OWN:
        assert counted == {("skatteverket", "issued"): 1}, counted
        assert agencies == {"skatteverket"}
    else:
        assert agencies <= {"forsakringskassan"}, f"another agency's figures: {stats}"
        assert stats["total"] == 0, stats


async def _check_event_export(api: Api, role: str, r: httpx.Response, world: World) -> None:
    """The events of the export (NDJSON): all of them, or the agency's own agency-visible
    ones (none of the draft's, none of another agency's)."""
    if r.status_code != 200:
        return
    events = [json.loads(line) for line in r.text.splitlines()]
    seen = {str(e["entity_id"]) for e in events}
    agencies = {e["agency_id"] for e in events}
    if role in (SECRETARIAT, AUDITOR):
        assert {world.recommendation, world.draft} <= seen, seen
    elif role == OWN:
        assert world.recommendation in seen, seen
        assert world.draft not in seen, seen
        assert agencies == {"skatteverket"}, agencies
    else:
        assert not events, f"the other agency sees Skatteverket's events: {events}"


async def _check_recommendation_export(
    api: Api, role: str, r: httpx.Response, world: World
) -> None:
    """One row per recommendation the caller may see (CSV for Excel)."""
    if r.status_code != 200:
        return
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    ids = {row["id"] for row in rows}
    if role in (SECRETARIAT, AUDITOR):
        assert {world.recommendation, world.draft} <= ids, ids
    elif role == OWN:
        assert ids == {world.recommendation}, ids
    else:
        assert not rows, f"the other agency sees Skatteverket's recommendations: {rows}"


async def _check_lineage(api: Api, role: str, r: httpx.Response, world: World) -> None:
    """The link's other end, which the owning agency may read too, with the link."""
    if r.status_code != 200 or not world.link:
        return
    lineage = r.json()
    assert [e["id"] for e in lineage["recommendations"]] == [world.earlier], lineage
    assert [k["id"] for k in lineage["links"]] == [world.link], lineage


EXPECTED: dict[tuple[str, str], list[Case]] = {
    # agencies
    ("GET", "/v1/agencies"): [list_read(shows=("agency",))],
    ("POST", "/v1/agencies"): [
        secretariat_writes(
            201,
            body=lambda w: {
                "id": "lantmateriet",
                "name": "Lantmäteriet",
                "org_number": "202100-4888",
            },
        )
    ],
    ("GET", "/v1/agencies/{agency_id:str}"): [reads()],
    ("PATCH", "/v1/agencies/{agency_id:str}"): [
        secretariat_writes(200, body=lambda w: {"name": "Skatteverket (SKV)"}, if_match=True)
    ],
    # investments
    ("GET", "/v1/investments"): [list_read(shows=("investment",))],
    ("POST", "/v1/investments"): [
        secretariat_writes(201, body=lambda w: {"agency_id": w.agency, "title": "Ny e-tjänst"})
    ],
    ("GET", "/v1/investments/{investment_id:str}"): [reads()],
    ("PATCH", "/v1/investments/{investment_id:str}"): [
        Case(
            {SECRETARIAT: 200, AUDITOR: 403, OWN: 200, OTHER: 404, ANONYMOUS: 401},
            variant="external_ref",
            # a ref of its own each time: setting the one stored would change nothing
            body=lambda w: {"external_ref": f"PPM-{next(_REFS)}"},
            if_match=True,
        ),
        # an agency changes only external_ref, of its own investments; any other field is
        # refused for what it is, before (and whether or not) the investment is looked up
        secretariat_writes(
            200,
            variant="title",
            body=lambda w: {"title": "Omdöpt", "external_ref": "PPM-4712"},
            if_match=True,
        ),
    ],
    # reviews
    ("GET", "/v1/reviews"): [list_read(shows=("review",))],
    ("POST", "/v1/reviews"): [
        secretariat_writes(
            201, body=lambda w: {"investment_id": w.investment, "title": "Uppföljning 2027"}
        )
    ],
    ("GET", "/v1/reviews/{review_id:str}"): [reads()],
    ("PATCH", "/v1/reviews/{review_id:str}"): [
        secretariat_writes(200, body=lambda w: {"report_ref": "RAP-2026-1"}, if_match=True)
    ],
    # recommendations
    ("GET", "/v1/recommendations"): [list_read(shows=("recommendation",), hides=("draft",))],
    ("POST", "/v1/recommendations"): [secretariat_writes(201, body=_recommendation_body)],
    ("GET", REC): [reads(), reads(variant="draft", own=404, ids=ON_DRAFT)],
    ("GET", "/v1/recommendations/by-code/{code:str}"): [
        reads(),
        reads(variant="draft", own=404, ids={"code": "draft_code"}),
    ],
    ("PATCH", REC): [
        secretariat_writes(200, body=lambda w: {"title": "Skärpt rekommendation"}, if_match=True),
        secretariat_writes(
            200,
            variant="issue draft",
            body=lambda w: {"issued_on": "2026-03-01"},
            if_match=True,
            ids=ON_DRAFT,
        ),
    ],
    # the agency's response
    ("GET", REC + "/response"): [reads(setup=("responded",))],
    ("PUT", REC + "/response"): [
        agency_writes(
            201, body=lambda w: {"decision": "accepted", "responded_by": "Generaldirektören"}
        ),
        agency_writes(
            404,
            variant="draft",
            body=lambda w: {"decision": "accepted", "responded_by": "Generaldirektören"},
            ids=ON_DRAFT,
        ),
    ],
    # progress
    ("GET", REC + "/progress"): [
        reads(setup=("progress",), shows=("progress",)),
        reads(variant="draft", own=404, ids=ON_DRAFT),
    ],
    ("GET", REC + "/progress/{report_id:str}"): [
        reads(setup=("progress",), ids={"report_id": "progress"})
    ],
    ("POST", REC + "/progress"): [
        agency_writes(201, body=lambda w: {"status": "in_progress", "note": "Påbörjat"}),
        agency_writes(404, variant="draft", body=lambda w: {"status": "in_progress"}, ids=ON_DRAFT),
    ],
    # assessments
    ("GET", REC + "/assessments"): [
        reads(setup=("assessment",), shows=("assessment",)),
        reads(variant="draft", own=404, ids=ON_DRAFT),
    ],
    ("GET", REC + "/assessments/{assessment_id:str}"): [reads(setup=("assessment",))],
    ("POST", REC + "/assessments"): [
        secretariat_writes(201, body=lambda w: {"status": "not_started", "note": "Inget syns"})
    ],
    # closure
    ("GET", REC + "/closure"): [reads(setup=("closed",))],
    ("PUT", REC + "/closure"): [
        secretariat_writes(201, body=lambda w: {"outcome": "withdrawn", "note": "Inaktuell"})
    ],
    ("DELETE", REC + "/closure"): [secretariat_writes(204, setup=("closed",), if_match=True)],
    # secrecy marks: the secretariat marks; whoever reads the recommendation reads them
    ("GET", REC + "/secrecy"): [
        reads(setup=("marked",)),
        reads(variant="draft", own=404, ids=ON_DRAFT, setup=("marked",)),
    ],
    ("PUT", REC + "/secrecy"): [
        secretariat_writes(
            201, body=lambda w: {"fields": [{"field": "body", "ground": "18 kap. 8 § OSL"}]}
        )
    ],
    ("GET", "/v1/secrecy-grounds"): [reads(other=200)],
    # links between recommendations: the secretariat's; read by whoever reads both ends
    ("POST", REC + "/links"): [
        secretariat_writes(
            201, ids=ON_DRAFT, body=lambda w: {"kind": "refines", "target_id": w.recommendation}
        )
    ],
    ("GET", REC + "/links/{link_id:str}"): [reads(setup=("linked",))],
    ("DELETE", REC + "/links/{link_id:str}"): [
        secretariat_writes(204, setup=("linked",), if_match=True)
    ],
    ("GET", REC + "/lineage"): [
        reads(setup=("linked",), check=_check_lineage),
        reads(variant="draft", own=404, ids=ON_DRAFT),
    ],
    # good examples: the secretariat's, read by every agency (the one exception to isolation)
    ("GET", "/v1/good-examples"): [list_read(setup=("example",))],
    ("POST", "/v1/good-examples"): [
        secretariat_writes(
            201,
            body=lambda w: {"recommendation_id": w.recommendation, "title": "T", "summary": "S"},
        )
    ],
    ("GET", "/v1/good-examples/{example_id:str}"): [reads(other=200, setup=("example",))],
    ("PATCH", "/v1/good-examples/{example_id:str}"): [
        secretariat_writes(
            200, setup=("example",), if_match=True, body=lambda w: {"title": "Ny rubrik"}
        )
    ],
    ("DELETE", "/v1/good-examples/{example_id:str}"): [
        secretariat_writes(204, setup=("example",), if_match=True)
    ],
    # benchmarks: every caller names the agency (`?agency=`, which this table cannot send:
    # tests/api/test_benchmarks_api.py holds who sees whose view)
    ("GET", "/v1/benchmarks"): [
        Case({SECRETARIAT: 400, AUDITOR: 400, OWN: 400, OTHER: 400, ANONYMOUS: 401})
    ],
    # releases of public records: the secretariat's, and the auditor reads what was released
    ("POST", "/v1/disclosures"): [
        secretariat_writes(
            201,
            body=lambda w: {"request_ref": "SR 2026/1", "recommendation_ids": [w.recommendation]},
        )
    ],
    ("GET", "/v1/disclosures"): [_disclosures_read(setup=("disclosed",))],
    ("GET", "/v1/disclosures/{disclosure_id:str}"): [_disclosures_read(setup=("disclosed",))],
    ("GET", "/v1/disclosures/{disclosure_id:str}/document"): [
        _disclosures_read(setup=("disclosed",))
    ],
    ("GET", REC + "/history"): [
        reads(shows=("recommendation",)),
        reads(variant="draft", own=404, ids=ON_DRAFT),
    ],
    # the secretariat's figures: everyone reads them over what it may see
    ("GET", "/v1/stats"): [list_read(check=_check_stats)],
    # the audit log's hash chain: the auditor's and the secretariat's, every agency at once
    ("GET", "/v1/audit/verify"): [
        Case({SECRETARIAT: 200, AUDITOR: 200, OWN: 403, OTHER: 403, ANONYMOUS: 401})
    ],
    # its signed checkpoints and their public keys; signing one appends no event
    ("POST", "/v1/audit/checkpoints"): [
        Case(
            {SECRETARIAT: 201, AUDITOR: 201, OWN: 403, OTHER: 403, ANONYMOUS: 401},
            body=lambda w: {},
            appends={SECRETARIAT: 0, AUDITOR: 0},
        )
    ],
    ("GET", "/v1/audit/checkpoints"): [
        Case({SECRETARIAT: 200, AUDITOR: 200, OWN: 403, OTHER: 403, ANONYMOUS: 401})
    ],
    ("GET", "/v1/audit/keys"): [
        Case({SECRETARIAT: 200, AUDITOR: 200, OWN: 403, OTHER: 403, ANONYMOUS: 401})
    ],
    # exports: everyone with a token, over what it may see (an agency: its own, no drafts)
    ("GET", "/v1/audit/events"): [list_read(check=_check_event_export)],
    ("GET", "/v1/exports/recommendations"): [list_read(check=_check_recommendation_export)],
    # the changes feed
    ("GET", "/v1/changes"): [
        list_read(shows=("investment", "review", "recommendation"), hides=("draft",))
    ],
    # batch sync of progress: an agency's own recommendations only, one outcome per item
    ("POST", "/v1/sync/progress"): [
        Case(
            {SECRETARIAT: 403, AUDITOR: 403, OWN: 200, OTHER: 200, ANONYMOUS: 401},
            body=lambda w: _sync_batch(w.recommendation),
            appends={OTHER: 0},
            check=_check_sync,
        ),
        Case(
            {SECRETARIAT: 403, AUDITOR: 403, OWN: 200, OTHER: 200, ANONYMOUS: 401},
            variant="draft",
            body=lambda w: _sync_batch(w.draft),
            appends={OWN: 0, OTHER: 0},
            check=_check_sync,
        ),
    ],
    # tokens: the auditor reads everything (DESIGN), though only the secretariat manages them
    ("GET", "/v1/tokens"): [
        Case({SECRETARIAT: 200, AUDITOR: 200, OWN: 403, OTHER: 403, ANONYMOUS: 401})
    ],
    ("POST", "/v1/tokens"): [
        secretariat_writes(
            201, body=lambda w: {"role": "agency", "agency_id": w.agency, "label": "PPM"}
        )
    ],
    ("DELETE", "/v1/tokens/{token_id:str}"): [secretariat_writes(200, setup=("spare_token",))],
    # webhooks: an agency manages its own agency's, the secretariat every one; the auditor reads
    ("GET", "/v1/webhooks"): [list_read(setup=("webhook",), shows=("webhook",))],
    ("POST", "/v1/webhooks"): [
        Case(
            # the other agency makes one too: its own agency's
            {SECRETARIAT: 201, AUDITOR: 403, OWN: 201, OTHER: 201, ANONYMOUS: 401},
            body=lambda w: {"url": "https://93.184.216.34/hook"},
        )
    ],
    ("GET", HOOK): [reads(setup=("webhook",))],
    ("PATCH", HOOK): [
        # a description of its own each time: setting the one stored would change nothing
        managed(
            200,
            setup=("webhook",),
            body=lambda w: {"description": f"PPM {next(_REFS)}"},
            if_match=True,
        )
    ],
    ("POST", HOOK + "/rotate-secret"): [managed(200, setup=("webhook",), body=lambda w: {})],
    ("GET", HOOK + "/deliveries"): [reads(setup=("webhook", "delivery"))],
    # a redelivery is queued for the worker: no event
    ("POST", HOOK + "/deliveries/{delivery_id:str}/redeliver"): [
        managed(
            202,
            setup=("webhook", "delivery"),
            body=lambda w: {},
            appends={SECRETARIAT: 0, OWN: 0},
        )
    ],
    # one allowed delete per case (it is gone for the next cell): the secretariat's own
    # subscription, for every agency, which no agency finds; an agency deleting its own is
    # in tests/api/test_webhooks_api.py
    ("DELETE", HOOK): [
        Case(
            {SECRETARIAT: 204, AUDITOR: 403, OWN: 404, OTHER: 404, ANONYMOUS: 401},
            variant="every agency's",
            setup=("everyone_webhook",),
            if_match=True,
        ),
    ],
}

# --- the app's routes ----------------------------------------------------------------------


def _is_generated_options(method: str, handler: Any) -> bool:
    """Litestar adds an OPTIONS handler to every path; `test_options_…` covers those."""
    fn = getattr(handler, "fn", None)
    return method == "OPTIONS" and getattr(fn, "__name__", "") == "options_handler"


def app_routes() -> list[tuple[str, str]]:
    """Every (method, path) under /v1 of the app as `create_app` builds it."""
    app = create_app(Settings.from_env({}), "postgresql://unused@localhost/unused")
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/v1"):
            continue
        for method, entry in route.route_handler_map.items():
            handler = entry[0] if isinstance(entry, tuple) else entry
            if not _is_generated_options(str(method), handler):
                found.add((str(method), route.path))
    return sorted(found)


def v1_paths() -> list[str]:
    return sorted({path for _, path in app_routes()})


ROUTES = app_routes()


def _cases() -> list[Any]:
    """One test per endpoint and variant: its five cells share a fresh database."""
    params = []
    for method, path in ROUTES:
        for case in EXPECTED.get((method, path), [None]):
            variant = case.variant if case is not None else "UNLISTED"
            params.append(pytest.param(method, path, case, id=f"{method} {path} [{variant}]"))
    return params


# --- the test ------------------------------------------------------------------------------


def test_the_table_lists_only_endpoints_the_app_has() -> None:
    missing = sorted(set(EXPECTED) - set(ROUTES))
    assert not missing, f"expected endpoints the app does not have: {missing}"


def test_every_endpoint_of_the_app_is_in_the_table() -> None:
    unlisted = sorted(set(ROUTES) - set(EXPECTED))
    assert not unlisted, f"endpoints without an authorisation expectation: {unlisted}"


@pytest.mark.parametrize(("method", "path", "case"), _cases())
async def test_authorization(
    api: Api, db: asyncpg.Connection, method: str, path: str, case: Case | None
) -> None:
    """Every caller on one endpoint. The refused go first, so each of them meets the objects
    as they were built; then the allowed, each with the current `ETag`."""
    assert case is not None, (
        f"{method} {path} has no row in EXPECTED: say who may call it before adding it"
    )
    world = await _build(api, case.setup)
    url = _url(path, case, world)
    failures: list[str] = []
    for role in sorted(ROLES, key=lambda role: case.expect[role] < 300):
        try:
            await _cell(api, db, method, path, url, case, world, role)
        except AssertionError as exc:
            failures.append(f"{role}: {exc}")
    assert not failures, f"{method} {url}\n" + "\n".join(failures)


async def _cell(
    api: Api,
    db: asyncpg.Connection,
    method: str,
    path: str,
    url: str,
    case: Case,
    world: World,
    role: str,
) -> None:
    before = await _events(db)
    r = await _request(api, role, method, url, case, world)

    expected = case.expect[role]
    assert r.status_code == expected, f"expected {expected}, got {r.status_code}: {r.text}"
    appended = await _events(db) - before
    writes = 200 <= r.status_code < 300 and method != "GET"
    expected_events = case.appends.get(role, 1 if writes else 0)
    assert appended == expected_events, (
        f"answered {r.status_code}, appended {appended} events, not {expected_events}"
    )
    if case.check is not None:
        await case.check(api, role, r, world)
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json"), r.text
        assert r.json()["status"] == r.status_code
    if r.status_code == 401:
        assert r.headers["www-authenticate"].lower().startswith("bearer")

    is_json = r.headers.get("content-type", "").startswith("application/json")
    if method == "GET" and r.status_code == 200 and is_json and "items" in r.json():
        _check_list(path, role, case, world, r.json()["items"])

    if role == OTHER and "{" in path and not path.startswith(SHARED_WITH_EVERY_AGENCY):
        # ids leak nothing: another agency's object is answered as one that does not exist
        nowhere = _url(path, case, World(**{k: _absent(k) for k in World.__dataclass_fields__}))
        probe = await _request(api, role, method, nowhere, case, world)
        assert (probe.status_code, _type(probe)) == (r.status_code, _type(r)), (
            f"another agency's object is told apart from a missing one: {nowhere} answers "
            f"{probe.status_code} {_type(probe)}, {url} {r.status_code} {_type(r)}"
        )
        assert await _events(db) == before


def _check_list(
    path: str, role: str, case: Case, world: World, items: list[dict[str, Any]]
) -> None:
    ids = {str(item["entity_id"] if "entity_id" in item else item["id"]) for item in items}
    for name in case.shows:
        wanted = getattr(world, name)
        if role == OTHER:
            assert wanted not in ids, f"the other agency sees Skatteverket's {name}"
        else:
            assert wanted in ids, f"{role} does not see the {name}"
    for name in case.hides:
        wanted = getattr(world, name)
        if role in (SECRETARIAT, AUDITOR):
            assert wanted in ids, f"{role} does not see the {name}"
        else:
            assert wanted not in ids, f"{role} sees the {name}"
    if role in (OWN, OTHER) and not path.startswith(SHARED_WITH_EVERY_AGENCY):
        mine = "skatteverket" if role == OWN else "forsakringskassan"
        key = "id" if path == "/v1/agencies" else "agency_id"
        owners = {str(item[key]) for item in items if key in item}
        assert owners <= {mine}, f"{role} sees other agencies' items: {owners - {mine}}"


# --- building the world and the requests --------------------------------------------------


async def _build(api: Api, setup: tuple[str, ...]) -> World:
    rec = await flow.recommendation(api, response_due="2026-06-30")
    draft = await flow.recommendation(api, issued=False)
    world = World(
        investment=rec["investment_id"],
        review=rec["review_id"],
        recommendation=rec["id"],
        draft=draft["id"],
        code=rec["code"],
        draft_code=draft["code"],
    )
    url = f"/v1/recommendations/{world.recommendation}"
    for fact in setup:
        if fact == "responded":
            r = await api.call(
                "skatteverket",
                "PUT",
                f"{url}/response",
                json={"decision": "accepted", "responded_by": "GD"},
            )
            assert r.status_code == 201, r.text
        elif fact == "closed":
            r = await api.call(
                "secretariat", "PUT", f"{url}/closure", json={"outcome": "implemented"}
            )
            assert r.status_code == 201, r.text
        elif fact == "marked":  # the recommendation and the draft alike
            for rec_id in (world.recommendation, world.draft):
                r = await api.call(
                    "secretariat",
                    "PUT",
                    f"/v1/recommendations/{rec_id}/secrecy",
                    json={"fields": [{"field": "title", "ground": "19 kap. 1 § OSL"}]},
                )
                assert r.status_code == 201, r.text
        elif fact == "spare_token":
            r = await api.call(
                "secretariat",
                "POST",
                "/v1/tokens",
                json={"role": "agency", "agency_id": "skatteverket", "label": "spare"},
            )
            assert r.status_code == 201, r.text
            world.token = r.json()["id"]
        elif fact == "progress":
            r = await api.call(
                "skatteverket", "POST", f"{url}/progress", json={"status": "in_progress"}
            )
            assert r.status_code == 201, r.text
            world.progress = r.json()["id"]
        elif fact == "assessment":
            r = await api.call(
                "secretariat", "POST", f"{url}/assessments", json={"status": "in_progress"}
            )
            assert r.status_code == 201, r.text
            world.assessment = r.json()["id"]
        elif fact == "webhook":
            r = await api.call(
                "skatteverket", "POST", "/v1/webhooks", json={"url": "https://93.184.216.34/h"}
            )
            assert r.status_code == 201, r.text
            world.webhook = r.json()["id"]
        elif fact == "example":
            r = await api.call(
                "secretariat",
                "POST",
                "/v1/good-examples",
                json={"recommendation_id": world.recommendation, "title": "T", "summary": "S"},
            )
            assert r.status_code == 201, r.text
            world.example = r.json()["id"]
        elif fact == "disclosed":
            r = await api.call(
                "secretariat",
                "POST",
                "/v1/disclosures",
                json={"request_ref": "SR 2026/1", "recommendation_ids": [world.recommendation]},
            )
            assert r.status_code == 201, r.text
            world.disclosure = r.json()["id"]
        elif fact == "delivery":
            world.delivery = str(uuid.uuid4())
            async with connection(api.db_url) as db:
                await db.execute(
                    """
                    insert into webhook_delivery (id, webhook_id, seq, type, message_id,
                        attempt, status, attempted_at, status_code, duration_seconds)
                    values ($1, $2, 1, 'agency.created', 'msg_1', 1, 'succeeded', now(),
                        200, 0.01)
                    """,
                    uuid.UUID(world.delivery),
                    uuid.UUID(world.webhook),
                )
        elif fact == "linked":
            earlier = await flow.recommendation(api)
            world.earlier = earlier["id"]
            r = await api.call(
                "secretariat",
                "POST",
                f"{url}/links",
                json={"kind": "repeats", "target_id": world.earlier},
            )
            assert r.status_code == 201, r.text
            world.link = r.json()["id"]
        elif fact == "everyone_webhook":
            r = await api.call(
                "secretariat", "POST", "/v1/webhooks", json={"url": "https://93.184.216.34/h"}
            )
            assert r.status_code == 201, r.text
            world.webhook = r.json()["id"]
        else:
            raise AssertionError(f"unknown setup {fact!r}")
    return world


_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def _url(path: str, case: Case, world: World) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        attribute = case.ids.get(name, name.removesuffix("_id"))
        return str(getattr(world, attribute))

    return _PARAM.sub(value, path)


def _absent(attribute: str) -> str:
    """An id of the right shape that names nothing."""
    return "finns-inte" if attribute == "agency" else str(uuid.uuid4())


async def _request(
    api: Api, role: str, method: str, url: str, case: Case, world: World
) -> httpx.Response:
    headers: dict[str, str] = {}
    if case.if_match:
        current = await api.call("secretariat", "GET", url)
        headers["If-Match"] = current.headers.get("etag", '"1"')
    body = case.body(world) if case.body is not None else None
    return await api.call(_CALLER[role], method, url, json=body, headers=headers)


def _type(r: httpx.Response) -> str | None:
    return str(r.json().get("type")) if r.content else None


async def _events(db: asyncpg.Connection) -> int:
    return int(await db.fetchval("select count(*) from event"))


# --- OPTIONS, which Litestar answers on every path -------------------------------------------


async def test_options_answers_every_caller_without_a_server_error(api: Api) -> None:
    """Litestar answers OPTIONS (the CORS preflight, sent without credentials) on every path
    with 204 and `Allow`; it names only the path's methods, so it needs no token."""
    failures = []
    for path, who in itertools.product(v1_paths(), ("nobody", "skatteverket")):
        url = _PARAM.sub(lambda _: str(uuid.uuid4()), path)
        r = await api.call(who, "OPTIONS", url)
        if r.status_code != 204 or "allow" not in r.headers:
            failures.append(f"{who} OPTIONS {url}: {r.status_code} {r.text}")
    assert not failures, "\n".join(failures)
