"""How hard the fuzzers work: `RECOTRACK_FUZZ=fast` (the default, for every test run),
`again` (half as many, for a run that repeats a fast one on another PostgreSQL: `.ci/run`'s
second) or `deep` (thousands of cases, by hand: see README.md in this folder); and what they
did."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, settings


@dataclass(frozen=True)
class Profile:
    name: str
    operation_examples: int
    """Schemathesis cases per operation and token (per generation mode)."""
    stateful_examples: int
    """Schemathesis state machine runs (each a chain of linked calls) per token."""
    property_examples: int
    """Hypothesis examples per property test."""
    hostile_examples: int
    """Bodies not UTF-8 or nested too deep (`test_hostile_bodies.py`), over all operations."""
    coverage_phase: bool
    derandomize: bool
    """The same cases on every run (for CI: a failure there is never luck); deep runs explore."""
    """Schemathesis's coverage phase: every boundary and near-miss of each schema, dozens of
    deterministic cases per operation before the random ones."""


PROFILES = {
    "fast": Profile(
        "fast",
        operation_examples=4,
        stateful_examples=6,
        property_examples=20,
        hostile_examples=30,
        coverage_phase=False,
        derandomize=True,
    ),
    # The same properties and operations as `fast`, on the same fixed seed, with half the
    # cases: they ran in full on the first PostgreSQL; here they show that each still holds
    # on this one, not new cases.
    "again": Profile(
        "again",
        operation_examples=2,
        stateful_examples=3,
        property_examples=10,
        hostile_examples=15,
        coverage_phase=False,
        derandomize=True,
    ),
    "deep": Profile(
        "deep",
        operation_examples=60,
        stateful_examples=300,
        property_examples=300,
        hostile_examples=1_500,
        coverage_phase=True,
        derandomize=False,
    ),
}


def current() -> Profile:
    name = os.environ.get("RECOTRACK_FUZZ", "fast")
    if name not in PROFILES:
        raise ValueError(f"RECOTRACK_FUZZ={name!r}: expected one of {sorted(PROFILES)}")
    return PROFILES[name]


PROFILE = current()

QUIET = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
"""Talking to a live service is slow, and schemathesis filters much: neither is a failure."""


def examples(max_examples: int, **more: Any) -> settings:
    """Hypothesis settings of the current profile, for `max_examples` examples."""
    return settings(
        max_examples=max_examples,
        deadline=None,  # a request's time varies with the machine's load
        derandomize=PROFILE.derandomize,
        suppress_health_check=QUIET,
        **more,
    )


TALLY: Counter[str] = Counter()
"""Requests sent and examples run, by kind: printed at the end of the test session."""
