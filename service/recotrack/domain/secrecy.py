"""Secrecy marks: which fields of a recommendation secrecy law (OSL) covers, and on what ground.

Under *offentlighetsprincipen* what the group holds is public; only what a provision of
offentlighets- och sekretesslagen (2009:400) covers may be left out of a release, and the
release must say which provision (OSL 6 kap.; a masked passage names its ground). So a mark
is per field, with its ground, and a release replaces exactly the marked fields by a
`notice` naming the ground. The marks hide nothing from those who may read the
recommendation: they say what would be left out of a release to anyone else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from recotrack.domain.errors import RuleViolation


class SecretField(StrEnum):
    """The fields a mark may name: the recommendation's own words and the follow-up's."""

    TITLE = "title"
    BODY = "body"
    RESPONSE_RATIONALE = "response.rationale"
    RESPONSE_PLANNED_ACTIONS = "response.planned_actions"
    PROGRESS_NOTE = "progress.note"
    PROGRESS_EVIDENCE = "progress.evidence"
    ASSESSMENT_NOTE = "assessment.note"
    CLOSURE_NOTE = "closure.note"


@dataclass(frozen=True, slots=True)
class Ground:
    """A provision of OSL that commonly covers what a second opinion on an IT investment holds."""

    reference: str
    sv: str
    en: str


COMMON_GROUNDS: tuple[Ground, ...] = (
    Ground(
        "18 kap. 8 § OSL",
        "Säkerhets- eller bevakningsåtgärd, till exempel it-säkerhet",
        "Security or protective measures, such as IT security",
    ),
    Ground(
        "18 kap. 13 § OSL",
        "Risk- och sårbarhetsanalyser (fredstida krissituationer)",
        "Risk and vulnerability analyses (crises in peacetime)",
    ),
    Ground("15 kap. 2 § OSL", "Försvarssekretess", "National defence"),
    Ground(
        "19 kap. 1 § OSL",
        "Det allmännas affärs- eller driftförhållanden",
        "The state's or the agency's own business and operations",
    ),
    Ground(
        "19 kap. 3 § OSL",
        "Upphandling: anbud, till dess att tilldelningsbeslut fattats",
        "Procurement: tenders, until the award decision",
    ),
    Ground(
        "31 kap. 16 § OSL",
        "En enskilds affärs- eller driftförhållanden i affärsförbindelse med en myndighet",
        "A supplier's business and operations, in business dealings with an agency",
    ),
)
"""Offered as a list to choose from; any other reference is accepted too (the law has many)."""

MAX_GROUND_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Mark:
    field: SecretField
    ground: str
    note: str = ""


def notice(ground: str) -> str:
    """What stands in a release in place of a marked field's value."""
    return f"[Uppgiften omfattas av sekretess enligt {ground}]"


def check_marks(marks: Sequence[Mark]) -> None:
    """Each field marked at most once, each with a ground that says something."""
    seen: set[SecretField] = set()
    for n, mark in enumerate(marks):
        if mark.field in seen:
            raise RuleViolation(
                f"the field {mark.field.value} is marked twice: give it one mark, with one "
                "ground (name several provisions in that ground if more than one applies)",
                pointer=f"/fields/{n}/field",
            )
        seen.add(mark.field)
        if not mark.ground.strip():
            raise RuleViolation(
                "a mark needs its legal ground, for instance 18 kap. 8 § OSL",
                pointer=f"/fields/{n}/ground",
            )


def withheld(marks: Sequence[Mark]) -> dict[SecretField, str]:
    """Each marked field and its ground: what a release leaves out, and why."""
    return {mark.field: mark.ground for mark in marks}
