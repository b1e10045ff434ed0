"""How hard the fuzzers work: `RECOTRACK_FUZZ=fast` (the default, for every test run) or
`deep` (thousands of cases, by hand: see README.md in this folder); and what they did."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    operation_examples: int
    """Schemathesis cases per operation and token (per generation mode)."""
    stateful_examples: int
    """Schemathesis state machine runs (each a chain of linked calls) per token."""
    property_examples: int
    """Hypothesis examples per property test."""
    coverage_phase: bool
    """Schemathesis's coverage phase: every boundary and near-miss of each schema, dozens of
    deterministic cases per operation before the random ones."""


PROFILES = {
    "fast": Profile(
        "fast",
        operation_examples=4,
        stateful_examples=6,
        property_examples=20,
        coverage_phase=False,
    ),
    "deep": Profile(
        "deep",
        operation_examples=60,
        stateful_examples=300,
        property_examples=300,
        coverage_phase=True,
    ),
}


def current() -> Profile:
    name = os.environ.get("RECOTRACK_FUZZ", "fast")
    if name not in PROFILES:
        raise ValueError(f"RECOTRACK_FUZZ={name!r}: expected one of {sorted(PROFILES)}")
    return PROFILES[name]


PROFILE = current()

TALLY: Counter[str] = Counter()
"""Requests sent and examples run, by kind: printed at the end of the test session."""
