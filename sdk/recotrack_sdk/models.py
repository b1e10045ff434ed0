"""Wire models of the recotrack API: defined once, used by the service and the SDK alike.

Request structs (``*Create``, ``*Patch``, ``*Write``) forbid unknown fields, so the server
rejects a typo instead of silently ignoring it. Response structs accept unknown fields, so an
older SDK keeps working when the server adds one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Generic, Literal, TypeAlias, TypeVar

import msgspec
from msgspec import UNSET, Meta, UnsetType

from recotrack_sdk._errors import FieldError

__all__ = [
    "UNSET",
    "Agency",
    "AgencyCreate",
    "AgencyOverdue",
    "AgencyPatch",
    "AgencyResponse",
    "Area",
    "AreaBenchmarks",
    "Assessment",
    "AssessmentCreate",
    "BenchmarkFigure",
    "Benchmarks",
    "ChainProblem",
    "ChainProblemKind",
    "ChainVerification",
    "Change",
    "ChangePage",
    "ChangeType",
    "Checkpoint",
    "CheckpointCreate",
    "Closure",
    "ClosureOutcome",
    "ClosureWrite",
    "Contact",
    "ContactRole",
    "ContactWrite",
    "Decision",
    "DeliveryAttempt",
    "DeliveryStatus",
    "Disclosure",
    "DisclosureCreate",
    "DisclosureDocument",
    "DocumentFormat",
    "GoodExample",
    "GoodExampleCreate",
    "GoodExamplePatch",
    "Health",
    "HistoryEntry",
    "Investment",
    "InvestmentCreate",
    "InvestmentPatch",
    "ItemProblem",
    "Lineage",
    "LineageEntry",
    "LineageLink",
    "Link",
    "LinkCreate",
    "LinkDirection",
    "LinkKind",
    "OtherAgencies",
    "Page",
    "Phase",
    "Priority",
    "ProgressReport",
    "ProgressReportCreate",
    "ProgressStatus",
    "Recommendation",
    "RecommendationCreate",
    "RecommendationPatch",
    "RecommendationQuery",
    "RecommendationSort",
    "Redelivery",
    "ReleasedAssessment",
    "ReleasedClosure",
    "ReleasedProgress",
    "ReleasedRecommendation",
    "ReleasedResponse",
    "ResponseWrite",
    "Review",
    "ReviewCreate",
    "ReviewPatch",
    "Role",
    "SecrecyGround",
    "SecrecyMark",
    "SecrecyMarkWrite",
    "SecrecyMarks",
    "SecrecyWrite",
    "SecretField",
    "SigningKey",
    "State",
    "StateCount",
    "Stats",
    "SyncOutcome",
    "SyncOutcomeKind",
    "SyncProgressBatch",
    "SyncProgressItem",
    "SyncProgressResult",
    "TargetDateChange",
    "Token",
    "TokenCreate",
    "TokenCreated",
    "UnsetType",
    "Webhook",
    "WebhookCreate",
    "WebhookDelivery",
    "WebhookPatch",
    "WebhookSecretRotation",
    "WebhookWithSecret",
    "Withheld",
    "etag",
]

Area = Literal["ways_of_working", "governance", "competence", "results", "enabling_conditions"]
Priority = Literal["high", "medium", "low"]
Decision = Literal["accepted", "partially_accepted", "rejected", "under_consideration"]
ProgressStatus = Literal[
    "not_started", "in_progress", "implemented", "partially_implemented", "not_implemented"
]
ClosureOutcome = Literal["implemented", "not_implemented", "superseded", "withdrawn"]
State = Literal["draft", "issued", "responded", "in_progress", "implemented", "closed"]
Phase = Literal[
    "proposed", "planning", "procurement", "execution", "rollout", "completed", "cancelled"
]
Role = Literal["secretariat", "agency", "auditor"]
ContactRole = Literal["contact", "management"]
LinkKind = Literal["supersedes", "refines", "splits", "repeats"]
"""How a link's source stands to its target: it `supersedes` it (replaces it), `refines` it
(takes it further), `splits` it (the target is a part of the source) or `repeats` it (raises
the target's problem again, in a later review: the source is the later one)."""
LinkDirection = Literal["outgoing", "incoming"]
SecretField = Literal[
    "title",
    "body",
    "response.rationale",
    "response.planned_actions",
    "progress.note",
    "progress.evidence",
    "assessment.note",
    "closure.note",
]
"""A field of a recommendation, or of what follows it up, that a secrecy mark may name."""
"""Who an agency's contact is to the group: `contact` gets the reminders, `management` the
escalations."""
RecommendationSort = Literal[
    "created",
    "relevance",
    "issued_on",
    "-issued_on",
    "response_due",
    "-response_due",
    "implementation_due",
    "-implementation_due",
    "code",
    "-code",
]
"""Orders of the recommendation list: `-` for latest first; `relevance` needs a search."""

# Patterns end in `$(?!\n)`: Python's `$` (msgspec) also matches before a final newline;
# the lookahead makes the end the end, in Python and in ECMAScript (OpenAPI) alike. Each says
# in words, as `extra["expected"]`, what it takes: the service's errors say that, never the
# regular expression.
AgencyId = Annotated[
    str,
    Meta(
        pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$(?!\n)",
        min_length=2,
        max_length=64,
        description="Slug, e.g. `skatteverket`.",
        examples=["skatteverket"],
        extra={
            "expected": "lower-case letters a-z, digits and hyphens (a hyphen neither first, "
            "last nor next to another), such as `skatteverket`"
        },
    ),
]
OrgNumber = Annotated[
    str,
    Meta(
        pattern=r"^[0-9]{6}-[0-9]{4}$(?!\n)",
        description="Swedish organisationsnummer `NNNNNN-NNNN` (checksum-validated).",
        examples=["202100-5448"],
        extra={"expected": "an organisationsnummer written `NNNNNN-NNNN`, such as `202100-5448`"},
    ),
]
RecommendationCode = Annotated[
    str,
    Meta(
        pattern=r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$(?!\n)",
        min_length=3,
        max_length=40,
        description="Human code, unique, e.g. `2026-SKV-003`.",
        examples=["2026-SKV-003"],
        extra={
            "expected": "letters A-Z or a-z, digits and hyphens (a hyphen neither first, last "
            "nor next to another), such as `2026-SKV-003`"
        },
    ),
]
Id = Annotated[str, Meta(description="Opaque identifier (UUID).")]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
Title = Annotated[str, Meta(min_length=1, max_length=300)]
Text = Annotated[str, Meta(max_length=20_000)]
Note = Annotated[str, Meta(max_length=5_000)]
Ref = Annotated[str, Meta(min_length=1, max_length=200)]
PersonName = Annotated[str, Meta(min_length=1, max_length=200)]
Url = Annotated[
    str,
    Meta(
        pattern=r"^https?://[^\s\x00-\x1f\x7f-\x9f]+$(?!\n)",
        max_length=2_000,
        extra={"expected": "an `http://` or `https://` URL, without spaces or control characters"},
    ),
]
"""No whitespace and no control character (NUL, which the service's text cannot hold, among
them): named as ranges, since `\\s` of Python's regular expressions has some that JSON Schema's
(ECMAScript's) has not."""
Email = Annotated[
    str,
    Meta(
        pattern=r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
        r"@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$(?!\n)",
        max_length=254,
        examples=["registrator@skatteverket.se"],
        extra={
            "expected": "an e-mail address `name@domain`, such as `registrator@skatteverket.se` "
            "(letters a-z, digits and `.!#$%&'*+/=?^_`{|}~-` before the `@`, a domain name of "
            "at least two parts after it)"
        },
    ),
]
"""An address that SMTP takes as it is: ASCII (no SMTPUTF8), no quoted or bracketed forms."""
Sek = Annotated[int, Meta(ge=0, le=10**13, description="Swedish kronor.")]
Percent = Annotated[int, Meta(ge=0, le=100)]
Label = Annotated[str, Meta(min_length=1, max_length=200)]

T = TypeVar("T")

OneOrMore: TypeAlias = T | Sequence[T]
"""A filter's value, or several of them (the query parameter repeated): any of them matches."""


def etag(version: int) -> str:
    """The `ETag` of a resource's `version`, as the service sends it and takes it back in
    `If-Match`: the number in quotes."""
    return f'"{version}"'


def version_of(tag: str) -> int | None:
    """The version an `ETag` names (`"7"` → 7), or None when it is none of ours (a weak tag,
    another server's, or digits that are no ASCII number, such as `"²"`)."""
    tag = tag.strip()
    inner = tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else ""
    return int(inner) if inner.isascii() and inner.isdigit() else None


class _Request(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: unknown fields are an error."""


class _Resource(msgspec.Struct, kw_only=True):
    """Base of response bodies: unknown fields are ignored for forward compatibility."""


class Page(msgspec.Struct, Generic[T], kw_only=True):
    """One page of a list. Pass `next_cursor` back as `cursor` for the next page."""

    items: list[T]
    next_cursor: str | None


class Health(_Resource, kw_only=True):
    """`/healthz` and `/readyz`: `ok`, or `unavailable` when the database does not answer."""

    status: str


# --- agencies ------------------------------------------------------------------------------


MAX_CONTACTS = 20
"""Contacts an agency has at most."""


class Contact(_Resource, kw_only=True):
    """Someone at an agency whom reminders (`contact`) or escalations (`management`) go to."""

    email: str
    name: str
    role: ContactRole


class ContactWrite(_Request, kw_only=True):
    """A contact as the secretariat sets it; each `email` once in an agency's list (letter case
    aside)."""

    email: Email
    name: PersonName
    role: ContactRole = "contact"


Contacts = Annotated[list[ContactWrite], Meta(max_length=MAX_CONTACTS)]


class Agency(_Resource, kw_only=True):
    id: str
    name: str
    org_number: str
    contacts: list[Contact] = msgspec.field(default_factory=list)
    """Whom mail goes to (the agency itself and the secretariat and auditors read them)."""
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class AgencyCreate(_Request, kw_only=True):
    id: AgencyId
    name: Name
    org_number: OrgNumber
    contacts: Contacts = msgspec.field(default_factory=list)


class AgencyPatch(_Request, kw_only=True):
    name: Name | UnsetType = UNSET
    org_number: OrgNumber | UnsetType = UNSET
    contacts: Contacts | UnsetType = UNSET
    """The whole list: it replaces the one there is."""


# --- investments ---------------------------------------------------------------------------


class Investment(_Resource, kw_only=True):
    id: str
    agency_id: str
    title: str
    description: str
    external_ref: str | None
    budget_sek: int | None
    loan_financed: bool
    phase: Phase
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class InvestmentCreate(_Request, kw_only=True):
    agency_id: AgencyId
    title: Title
    description: Text = ""
    external_ref: Ref | None = None
    budget_sek: Sek | None = None
    loan_financed: bool = False
    phase: Phase = "planning"


class InvestmentPatch(_Request, kw_only=True):
    title: Title | UnsetType = UNSET
    description: Text | UnsetType = UNSET
    external_ref: Ref | UnsetType | None = UNSET
    budget_sek: Sek | UnsetType | None = UNSET
    loan_financed: bool | UnsetType = UNSET
    phase: Phase | UnsetType = UNSET


# --- reviews -------------------------------------------------------------------------------


class Review(_Resource, kw_only=True):
    id: str
    investment_id: str
    agency_id: str
    title: str
    report_ref: str | None
    diarienummer: str | None
    started_on: dt.date | None
    delivered_on: dt.date | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class ReviewCreate(_Request, kw_only=True):
    investment_id: Id
    title: Title
    report_ref: Ref | None = None
    diarienummer: Ref | None = None
    started_on: dt.date | None = None
    delivered_on: dt.date | None = None


class ReviewPatch(_Request, kw_only=True):
    title: Title | UnsetType = UNSET
    report_ref: Ref | UnsetType | None = UNSET
    diarienummer: Ref | UnsetType | None = UNSET
    started_on: dt.date | UnsetType | None = UNSET
    delivered_on: dt.date | UnsetType | None = UNSET


# --- recommendations -----------------------------------------------------------------------


class Recommendation(_Resource, kw_only=True):
    id: str
    code: str
    review_id: str
    investment_id: str
    agency_id: str
    title: str
    body: str
    area: Area
    priority: Priority
    issued_on: dt.date | None
    response_due: dt.date | None
    implementation_due: dt.date | None
    diarienummer: str | None
    published: bool
    """Shown in the public catalogue (once issued, with secrecy applied)."""
    state: State
    overdue: bool
    decision: Decision | None
    reported_status: ProgressStatus | None
    assessed_status: ProgressStatus | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class RecommendationCreate(_Request, kw_only=True):
    review_id: Id
    code: RecommendationCode
    title: Title
    body: Text = ""
    area: Area
    priority: Priority = "medium"
    issued_on: dt.date | None = None
    response_due: dt.date | None = None
    implementation_due: dt.date | None = None
    diarienummer: Ref | None = None
    published: bool = False
    """Whether the public catalogue shows it (once issued, with secrecy applied)."""


class RecommendationPatch(_Request, kw_only=True):
    code: RecommendationCode | UnsetType = UNSET
    title: Title | UnsetType = UNSET
    body: Text | UnsetType = UNSET
    area: Area | UnsetType = UNSET
    priority: Priority | UnsetType = UNSET
    issued_on: dt.date | UnsetType | None = UNSET
    response_due: dt.date | UnsetType | None = UNSET
    implementation_due: dt.date | UnsetType | None = UNSET
    diarienummer: Ref | UnsetType | None = UNSET
    published: bool | UnsetType = UNSET


class RecommendationQuery(_Request, kw_only=True):
    """The filters of the recommendation list and of its export, as their query parameters:
    each one given narrows the list.

    Their one definition: the service's list, export and dashboard decode their query into
    it, and the SDK's methods and the CLI's options are made from its fields, so a new
    filter is a new field here (and its SQL in the service's store).
    """

    agency: Annotated[
        OneOrMore[str] | None, Meta(description="Only these agencies (repeat the parameter).")
    ] = None
    code: Annotated[
        OneOrMore[str] | None,
        Meta(description="Only these codes, exactly as written (repeat the parameter)."),
    ] = None
    review_id: Annotated[str, Meta(max_length=64)] | None = None
    investment_id: Annotated[str, Meta(max_length=64)] | None = None
    area: Annotated[OneOrMore[Area] | None, Meta(description="Repeatable.")] = None
    priority: Annotated[OneOrMore[Priority] | None, Meta(description="Repeatable.")] = None
    state: Annotated[OneOrMore[State] | None, Meta(description="Repeatable.")] = None
    overdue: bool | None = None
    q: (
        Annotated[
            str,
            Meta(
                min_length=1,
                max_length=200,
                description="Swedish full-text search (stemmed) over the code, title, body, "
                "the response's rationale and planned actions, and the progress notes.",
            ),
        ]
        | None
    ) = None
    issued_from: Annotated[dt.date | None, Meta(description="Issued on or after.")] = None
    issued_to: Annotated[dt.date | None, Meta(description="Issued on or before.")] = None
    due_before: Annotated[
        dt.date | None, Meta(description="Response or implementation due before.")
    ] = None
    repeats: Annotated[
        bool | None,
        Meta(
            description="`true`: only those that repeat an earlier recommendation (the source "
            "of a `repeats` link to one the caller may read): recurring themes. `false`: only "
            "those that do not."
        ),
    ] = None


# --- the agency's response -----------------------------------------------------------------


class TargetDateChange(_Resource, kw_only=True):
    """One earlier target date: nothing slips silently."""

    previous: dt.date | None
    target_date: dt.date | None
    reason: str | None
    changed_at: dt.datetime


class AgencyResponse(_Resource, kw_only=True):
    recommendation_id: str
    decision: Decision
    rationale: str | None
    planned_actions: list[str]
    target_date: dt.date | None
    responded_by: str
    target_date_history: list[TargetDateChange]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class ResponseWrite(_Request, kw_only=True):
    decision: Decision
    rationale: Annotated[str, Meta(max_length=10_000)] | None = None
    planned_actions: Annotated[
        list[Annotated[str, Meta(min_length=1, max_length=2_000)]], Meta(max_length=50)
    ] = []
    target_date: dt.date | None = None
    target_date_reason: Note | None = None
    responded_by: PersonName


# --- progress reports and assessments ------------------------------------------------------


class ProgressReport(_Resource, kw_only=True):
    id: str
    recommendation_id: str
    status: ProgressStatus
    note: str
    percent_complete: int | None
    evidence: list[str]
    reported_on: dt.date
    external_ref: str | None
    created_at: dt.datetime


class ProgressReportCreate(_Request, kw_only=True):
    status: ProgressStatus
    note: Note = ""
    percent_complete: Percent | None = None
    evidence: Annotated[list[Url], Meta(max_length=20)] = []
    reported_on: dt.date | None = None
    external_ref: Ref | None = None


class Assessment(_Resource, kw_only=True):
    id: str
    recommendation_id: str
    status: ProgressStatus
    note: str
    assessed_on: dt.date
    created_at: dt.datetime


class AssessmentCreate(_Request, kw_only=True):
    status: ProgressStatus
    note: Note = ""
    assessed_on: dt.date | None = None


# --- closure -------------------------------------------------------------------------------


class Closure(_Resource, kw_only=True):
    recommendation_id: str
    outcome: ClosureOutcome
    note: str
    closed_at: dt.datetime
    version: int


class ClosureWrite(_Request, kw_only=True):
    outcome: ClosureOutcome
    note: Note = ""
    superseded_by: Id | None = None
    """With outcome `superseded`: the successor, linked to this one by `supersedes` in the
    same write (unless it is already). Without it, a `superseded` closure needs that link
    to exist; another outcome names none."""


# --- links between recommendations: lineage ----------------------------------------------


class Link(_Resource, kw_only=True):
    """A link from `source` to `target` (see `LinkKind`), made by the secretariat: `created_by`
    is the actor as the event log names it. A link is never changed (its `version` stays 1):
    another kind is another link."""

    id: str
    kind: LinkKind
    source_id: str
    source_code: str
    target_id: str
    target_code: str
    created_by: str
    created_at: dt.datetime
    version: int


class LinkCreate(_Request, kw_only=True):
    kind: LinkKind
    target_id: Id


class LineageLink(Link, kw_only=True):
    direction: LinkDirection
    """Which way the walk out from the recommendation asked about crosses the link: from its
    source (`outgoing`) or from its target (`incoming`); a link between two recommendations
    equally far from it is `outgoing`."""


class LineageEntry(_Resource, kw_only=True):
    """A recommendation of a lineage, `distance` links away from the one asked about."""

    id: str
    code: str
    title: str
    agency_id: str
    state: State
    distance: int


class Lineage(_Resource, kw_only=True):
    """Every recommendation reachable from `recommendation_id` through links in either
    direction (nearest first, itself not among them), and every link between them. An agency
    is shown only the recommendations it may read and the links between those."""

    recommendation_id: str
    recommendations: list[LineageEntry]
    links: list[LineageLink]


# --- secrecy marks ------------------------------------------------------------------------


class SecrecyMark(_Resource, kw_only=True):
    field: SecretField
    ground: str
    """The provision of offentlighets- och sekretesslagen, such as `18 kap. 8 § OSL`."""
    note: str


class SecrecyMarks(_Resource, kw_only=True):
    """Which fields secrecy law covers, each with its legal ground. They hide nothing from
    whoever may read the recommendation: a release of public records (a disclosure) replaces
    exactly these fields by a notice that names the ground."""

    recommendation_id: str
    fields: list[SecrecyMark]
    version: int
    updated_at: dt.datetime


class SecrecyMarkWrite(_Request, kw_only=True):
    field: SecretField
    ground: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=200,
            description="The provision, such as `18 kap. 8 § OSL`: one of the common grounds "
            "(`list_secrecy_grounds`) or any other.",
        ),
    ]
    note: Note = ""


class SecrecyWrite(_Request, kw_only=True):
    """The marks as they are to be: every field not named is public (`[]` clears them)."""

    fields: Annotated[list[SecrecyMarkWrite], Meta(max_length=8)]


class SecrecyGround(_Resource, kw_only=True):
    """A legal ground commonly given for secrecy in a second opinion, in Swedish and English."""

    reference: str
    sv: str
    en: str


# --- good examples ------------------------------------------------------------------------


class GoodExample(_Resource, kw_only=True):
    """What worked, for every agency to learn from: every role and every agency reads every
    good example, so it shows only what it says, the area, the recommendation's code and
    title (secrecy applied), and the agency only when it agreed to be named (`agency_id` and
    `agency_name` are null otherwise: say "en myndighet" / "an agency")."""

    id: str
    recommendation_id: str
    recommendation_code: str
    recommendation_title: str
    area: Area
    title: str
    summary: str
    """Markdown."""
    agency_named: bool
    agency_id: str | None
    agency_name: str | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class GoodExampleCreate(_Request, kw_only=True):
    recommendation_id: Id
    title: Title
    summary: Annotated[str, Meta(min_length=1, max_length=20_000, description="Markdown.")]
    agency_named: bool = False
    """Whether the agency agreed to be named beside the example."""


class GoodExamplePatch(_Request, kw_only=True):
    title: Title | UnsetType = UNSET
    summary: Annotated[str, Meta(min_length=1, max_length=20_000)] | UnsetType = UNSET
    agency_named: bool | UnsetType = UNSET


# --- disclosures: releases of public records ----------------------------------------------

DocumentFormat = Literal["pdf", "csv", "json"]


class DisclosureCreate(_Request, kw_only=True):
    """A request for public records, answered: the recommendations asked for (issued ones
    only: a draft is not yet a public record), released with what secrecy covers left out."""

    request_ref: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=200,
            description="The request's diarienummer (registration number), as written.",
        ),
    ]
    requested_by: Annotated[
        str,
        Meta(
            max_length=200,
            description="Who asked, if they said: anyone may ask without giving a name.",
        ),
    ] = ""
    recommendation_ids: Annotated[list[Id], Meta(min_length=1, max_length=10_000)]


class DisclosureDocument(_Resource, kw_only=True):
    format: DocumentFormat
    sha256: str
    """Hex SHA-256 of the document as handed out (`get_disclosure_document`): recorded in the
    event log, so the release can be proven years later."""
    size: int


class Disclosure(_Resource, kw_only=True):
    id: str
    request_ref: str
    requested_by: str
    recommendation_ids: list[str]
    documents: list[DisclosureDocument]
    created_at: dt.datetime
    created_by: str


class Withheld(_Resource, kw_only=True):
    """A field left out of a release, and the provision of OSL that covers it."""

    field: SecretField
    ground: str


class ReleasedResponse(_Resource, kw_only=True):
    decision: Decision
    rationale: str | None
    planned_actions: list[str]
    target_date: dt.date | None
    responded_by: str


class ReleasedProgress(_Resource, kw_only=True):
    reported_on: dt.date
    status: ProgressStatus
    percent_complete: int | None
    note: str
    evidence: list[str]


class ReleasedAssessment(_Resource, kw_only=True):
    assessed_on: dt.date
    status: ProgressStatus
    note: str


class ReleasedClosure(_Resource, kw_only=True):
    outcome: ClosureOutcome
    note: str
    closed_at: dt.datetime


class ReleasedRecommendation(_Resource, kw_only=True):
    """A recommendation as a public record: what follows it up included, and every field that
    secrecy covers replaced by a notice naming its ground (listed in `withheld`)."""

    id: str
    code: str
    agency_id: str
    agency_name: str
    title: str
    body: str
    area: Area
    priority: Priority
    issued_on: dt.date | None
    response_due: dt.date | None
    implementation_due: dt.date | None
    diarienummer: str | None
    state: State
    response: ReleasedResponse | None
    progress: list[ReleasedProgress]
    assessments: list[ReleasedAssessment]
    closure: ReleasedClosure | None
    withheld: list[Withheld]


# --- tokens --------------------------------------------------------------------------------


class Token(_Resource, kw_only=True):
    id: str
    role: Role
    agency_id: str | None
    label: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class TokenCreate(_Request, kw_only=True):
    role: Role
    agency_id: AgencyId | None = None
    label: Label


class TokenCreated(_Resource, kw_only=True):
    """Returned once, at creation: the secret is not stored and cannot be shown again."""

    token: str
    id: str
    role: Role
    agency_id: str | None
    label: str
    created_at: dt.datetime


# --- the changes feed ----------------------------------------------------------------------


class Change(_Resource, kw_only=True):
    """One change, as the event log recorded it. `entity` and `action` are open vocabularies:
    new kinds may appear, so treat unknown ones as "something changed"."""

    seq: int
    occurred_at: dt.datetime
    entity: str
    entity_id: str
    action: str
    version: int | None
    agency_id: str | None
    recommendation_id: str | None

    @property
    def type(self) -> str:
        """`entity.action`, such as `recommendation.issued`: the type a webhook delivery of
        this change carries, and what a subscription's `events` name."""
        return f"{self.entity}.{self.action}"


ChangeType = Literal[
    "agency.created",
    "agency.updated",
    "investment.created",
    "investment.updated",
    "review.created",
    "review.updated",
    "recommendation.created",
    "recommendation.updated",
    "recommendation.issued",
    "recommendation.retracted",
    "response.created",
    "response.updated",
    "progress_report.created",
    "assessment.created",
    "closure.closed",
    "closure.amended",
    "closure.reopened",
    "secrecy.created",
    "secrecy.updated",
    "good_example.created",
    "good_example.updated",
    "good_example.deleted",
    "link.created",
    "link.deleted",
    "disclosure.created",
    "token.created",
    "token.revoked",
]
"""The types of change (`Change.type`) the feed has, which a webhook subscription may name.
Not webhook changes themselves: the feed shows those to no agency (see `Webhook`), and a
subscription is not sent news of subscriptions."""


class ChangePage(_Resource, kw_only=True):
    """Changes in commit order. Store `next_cursor` (always set, even when `items` is empty)
    and pass it back: following it never misses nor repeats a change."""

    items: list[Change]
    next_cursor: str


# --- webhooks ------------------------------------------------------------------------------

WebhookUrl = Annotated[
    str,
    Meta(
        pattern=r"^https?://[^\s\x00-\x1f\x7f-\x9f]+$(?!\n)",
        max_length=2_000,
        description="Where deliveries are POSTed: `https://` (plain `http://` only where the "
        "service allows private destinations, for development).",
        extra={"expected": "an `https://` URL, without spaces or control characters"},
    ),
]
ChangeTypes = Annotated[list[ChangeType], Meta(min_length=1, max_length=100)]
Description = Annotated[str, Meta(max_length=1_000)]


class Webhook(_Resource, kw_only=True):
    """A subscription: the changes of `events` (null: every type) that its agency may read on
    `/v1/changes` (`agency_id` null: every agency's, the secretariat's) are POSTed to `url`,
    signed by the Standard Webhooks specification with the subscription's secret (which is
    never shown but at creation and rotation)."""

    id: str
    agency_id: str | None
    url: str
    events: list[str] | None
    description: str
    active: bool
    disabled_reason: str | None = None
    """Why the service disabled it (its retries ran out); null while active, or when paused
    by `active: false`. `active: true` resumes it from the change that failed."""
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class WebhookWithSecret(Webhook, kw_only=True):
    """A subscription with its new signing secret (`whsec_…`): answered once, by
    `create_webhook` and `rotate_webhook_secret`; it cannot be shown again."""

    secret: str
    previous_secret_expires_at: dt.datetime | None = None
    """After a rotation: until when the previous secret signs too, beside this one."""


class WebhookDelivery(_Resource, kw_only=True):
    """What a delivery's body holds (Standard Webhooks' envelope): `type` is the change's
    (`Change.type`), `timestamp` when it was sent, `data` the change as `/v1/changes` has it."""

    type: str
    timestamp: dt.datetime
    data: Change


DeliveryStatus = Literal["queued", "succeeded", "failed"]


class DeliveryAttempt(_Resource, kw_only=True):
    """One attempt to deliver a change to a subscription (newest first in its log), or a
    redelivery asked for and not yet sent (`queued`). `message_id` is the `webhook-id` the
    receiver got: the same for every attempt at one change."""

    id: str
    webhook_id: str
    seq: int
    """The change's position in the feed (`Change.seq`)."""
    type: str
    message_id: str
    attempt: int
    """1 for the first attempt at the change, then one more for each retry or redelivery."""
    redelivery: bool
    status: DeliveryStatus
    created_at: dt.datetime
    attempted_at: dt.datetime | None
    status_code: int | None
    """The receiver's HTTP status; null when no answer came (timeout, refused, no route)."""
    duration_seconds: float | None
    error: str | None
    next_attempt_at: dt.datetime | None
    """A failed attempt: when the change is tried again (null: not again, the subscription
    was disabled). A queued redelivery: when it goes."""


class WebhookCreate(_Request, kw_only=True):
    url: WebhookUrl
    events: ChangeTypes | None = None
    """The change types to send; null (the default): every type, those added later too."""
    description: Description = ""
    agency_id: AgencyId | None = None
    """Whose changes: an agency token's own agency (the default for it); for the secretariat,
    one agency, or null (the default) for every agency's."""


class WebhookSecretRotation(_Request, kw_only=True):
    """The body of `POST /v1/webhooks/{id}/rotate-secret`: `{}` (the new secret is made by
    the service; there is nothing to choose)."""


class Redelivery(_Request, kw_only=True):
    """The body of `POST /v1/webhooks/{id}/deliveries/{delivery_id}/redeliver`: `{}`."""


class WebhookPatch(_Request, kw_only=True):
    url: WebhookUrl | UnsetType = UNSET
    events: ChangeTypes | UnsetType | None = UNSET
    description: Description | UnsetType = UNSET
    active: bool | UnsetType = UNSET


# --- batch sync ----------------------------------------------------------------------------


class SyncProgressItem(_Request, kw_only=True):
    """One progress report from an agency's tool, keyed by the tool's own id for it."""

    recommendation_id: Id
    external_ref: Ref
    status: ProgressStatus
    note: Note = ""
    percent_complete: Percent | None = None
    evidence: Annotated[list[Url], Meta(max_length=20)] = []
    reported_on: dt.date | None = None


class SyncProgressBatch(_Request, kw_only=True):
    items: Annotated[list[SyncProgressItem], Meta(min_length=1, max_length=10_000)]


class ItemProblem(_Resource, kw_only=True):
    """Why one item was not applied: a problem `type` as elsewhere, and the field at fault;
    for a `conflict`, `errors` names each field that differs from the report stored, with
    both values."""

    type: str
    status: int
    detail: str
    pointer: str | None = None
    errors: list[FieldError] = []


SyncOutcomeKind = Literal["created", "unchanged", "conflict", "rejected"]
"""`created`: stored now. `unchanged`: its `external_ref` names a report stored before (or
earlier in the batch) that says the same: nothing done. `conflict`: its `external_ref` names a
report that says otherwise; that report stays as it is, and `problem.errors` names each field
that differs (a correction is a new report with a new `external_ref`). `rejected`: not valid,
or not allowed; `problem` says why."""


class SyncOutcome(_Resource, kw_only=True):
    """What became of one item, in input order (see `SyncOutcomeKind`). `external_ref` is the
    item's, as sent (null only when the item has none that is text);
    `progress_report_id` is the report the ref names, for all but `rejected`."""

    index: int
    external_ref: str | None
    outcome: SyncOutcomeKind
    progress_report_id: str | None = None
    problem: ItemProblem | None = None


class SyncProgressResult(_Resource, kw_only=True):
    items: list[SyncOutcome]
    created: int
    unchanged: int
    rejected: int
    conflict: int = 0


# --- the secretariat's views ---------------------------------------------------------------


class StateCount(_Resource, kw_only=True):
    agency_id: str
    area: Area
    state: State
    count: int


class AgencyOverdue(_Resource, kw_only=True):
    agency_id: str
    overdue: int


class Stats(_Resource, kw_only=True):
    """Figures over the recommendations the caller may see; each defined in the operation's
    description."""

    total: int
    counts: list[StateCount]
    overdue: int
    overdue_by_agency: list[AgencyOverdue]
    decision_shares: dict[str, float]
    implemented_share: float | None
    median_days_to_response: float | None
    median_days_to_implementation: float | None


# --- benchmarks ---------------------------------------------------------------------------


class OtherAgencies(_Resource, kw_only=True):
    """All other agencies together: how many, and the median and quartiles of their figures
    (each agency's counted once). Never a sum, a mean, an extreme, an id or a name. Withheld
    (`suppressed`, every number null) for fewer than three agencies, with `reason`."""

    agencies: int | None
    median: float | None
    lower_quartile: float | None
    upper_quartile: float | None
    suppressed: bool
    reason: str | None


class BenchmarkFigure(_Resource, kw_only=True):
    own: float | None
    """The agency's own figure (null: it has none, such as no response yet)."""
    others: OtherAgencies


class AreaBenchmarks(_Resource, kw_only=True):
    """One area's figures over issued recommendations."""

    area: Area
    implemented_share: BenchmarkFigure
    """Closed as implemented, of those not superseded or withdrawn."""
    median_days_to_response: BenchmarkFigure
    """Days from issue to the agency's response (the agency's median)."""
    overdue_share: BenchmarkFigure
    """Overdue, of those not closed (Swedish working days)."""
    open_count: BenchmarkFigure
    """Issued and not closed."""


class Benchmarks(_Resource, kw_only=True):
    agency_id: str
    areas: list[AreaBenchmarks]
    min_group: int
    """The fewest other agencies a figure is compared with (fewer: suppressed)."""


# --- the audit log's hash chain ------------------------------------------------------------

ChainProblemKind = Literal[
    "content",
    "missing",
    "order",
    "inserted",
    "truncated",
    "head",
    "checkpoint",
    "signature",
    "malformed",
]
"""`content`: an event does not match its hash (it was altered); `missing`: a number is absent
from the gapless sequence (an event was deleted); `order`: events are out of sequence (moved,
swapped: `from_seq` to `seq` are the events out of place) or one is repeated; `inserted`: an
event that does not belong was put in at `seq` (the events after it renumbered, or a second
event with the same number); `truncated`: the chain ends before a checkpoint's `seq` (events
were cut off its end: `from_seq` is the first missing); `head`: the chain is intact but ends at
another hash than expected (it was cut short, extended or rewritten); `checkpoint`: the chain
is consistent but no longer hashes to a checkpoint (the events `from_seq` to `seq` were altered
and the chain re-hashed after them); `signature`: a checkpoint is not signed by a key known to
the verifier; `malformed`: a line of an export is neither an event nor a checkpoint."""


class ChainProblem(_Resource, kw_only=True):
    """The first broken link: which event (`seq`; null for an unreadable line) and what is
    wrong with it. For `checkpoint`, the change lies somewhere in events `from_seq` to `seq`
    (after the last checkpoint that still holds, up to the first one that does not); for
    `order`, events `from_seq` to `seq` are out of place; for `truncated`, they are missing at
    the end."""

    seq: int | None
    kind: ChainProblemKind
    detail: str
    from_seq: int | None = None


class ChainVerification(_Resource, kw_only=True):
    """The result of checking the event log's hash chain.

    `ok`: every event matches its hash, the sequence has no gap, the chain still hashes to
    every checkpoint checked, and (when asked) ends at the expected head. `count`: events
    checked and found intact (up to the first problem). `head_hash`: hex SHA-256 of the last
    intact event, null for an empty log. `checkpoints`: the checkpoints the chain was found to
    match.
    """

    ok: bool
    count: int
    head_hash: str | None
    first_problem: ChainProblem | None = None
    checkpoints: int = 0


class Checkpoint(_Resource, kw_only=True):
    """A signed statement of the chain's head: at `time`, event `seq` had hash `hash`.

    `signature` is the Ed25519 signature (hex) by key `key_id` of
    `recotrack_sdk.audit.checkpoint_message(seq, hash, time)`. An empty log's checkpoint has
    `seq` 0 and 32 zero bytes as `hash`. Keep them where the database's administrator cannot
    change them; any later verification against one finds a rewrite of the events before it.
    """

    seq: Annotated[int, Meta(ge=0)]
    hash: str
    time: Annotated[dt.datetime, Meta(tz=True)]
    key_id: str
    signature: str


class CheckpointCreate(_Request, kw_only=True):
    """The body of `POST /v1/audit/checkpoints`: `{}` (the checkpoint is of the chain's head
    now; there is nothing to choose)."""


class SigningKey(_Resource, kw_only=True):
    """A public key that signs checkpoints (Ed25519, raw 32 bytes in hex). `key_id` is the
    first 16 hex digits of the SHA-256 of the public key. Keys rotate; old ones stay here."""

    key_id: str
    public_key: str
    created_at: dt.datetime


class HistoryEntry(_Resource, kw_only=True):
    """One event in a recommendation's timeline, with who did it."""

    seq: int
    occurred_at: dt.datetime
    entity: str
    entity_id: str
    action: str
    version: int | None
    actor: str
    actor_role: str | None
    actor_label: str | None
    data: dict[str, Any]
