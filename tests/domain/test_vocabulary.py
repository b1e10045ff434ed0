"""The domain's enums and the SDK's wire Literals name exactly the same values."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, get_args

import pytest

from recotrack.domain import lineage, secrecy, vocabulary
from recotrack_sdk import models

PAIRS: list[tuple[type[StrEnum], Any]] = [
    (vocabulary.Area, models.Area),
    (vocabulary.Priority, models.Priority),
    (vocabulary.Decision, models.Decision),
    (vocabulary.ProgressStatus, models.ProgressStatus),
    (vocabulary.ClosureOutcome, models.ClosureOutcome),
    (vocabulary.State, models.State),
    (vocabulary.Phase, models.Phase),
    (vocabulary.Role, models.Role),
    (secrecy.SecretField, models.SecretField),
    (lineage.LinkKind, models.LinkKind),
    (lineage.Direction, models.LinkDirection),
]


@pytest.mark.parametrize(("enum", "literal"), PAIRS, ids=[e.__name__ for e, _ in PAIRS])
def test_enum_and_literal_agree(enum: type[StrEnum], literal: Any) -> None:
    wire = get_args(literal)
    assert len(wire) == len(set(wire))
    assert set(wire) == {member.value for member in enum}
    # same order too, so docs and schemas list them alike
    assert list(wire) == [member.value for member in enum]


def test_every_area_has_its_swedish_label() -> None:
    assert vocabulary.AREA_LABELS_SV == {
        vocabulary.Area.WAYS_OF_WORKING: "arbetssätt",
        vocabulary.Area.GOVERNANCE: "styrning och ledning",
        vocabulary.Area.COMPETENCE: "kompetens",
        vocabulary.Area.RESULTS: "resultat",
        vocabulary.Area.ENABLING_CONDITIONS: "förutsättningskapande",
    }


def test_the_values_are_the_ones_design_names() -> None:
    assert list(vocabulary.State) == [
        "draft",
        "issued",
        "responded",
        "in_progress",
        "implemented",
        "closed",
    ]
    assert list(vocabulary.Decision) == [
        "accepted",
        "partially_accepted",
        "rejected",
        "under_consideration",
    ]
    assert list(vocabulary.ProgressStatus) == [
        "not_started",
        "in_progress",
        "implemented",
        "partially_implemented",
        "not_implemented",
    ]
    assert list(vocabulary.ClosureOutcome) == [
        "implemented",
        "not_implemented",
        "superseded",
        "withdrawn",
    ]
    assert list(vocabulary.Priority) == ["high", "medium", "low"]
    assert list(vocabulary.Role) == ["secretariat", "agency", "auditor"]
