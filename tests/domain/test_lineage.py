"""The rules of links between recommendations, and the walk of a lineage (domain/lineage.py)."""

from __future__ import annotations

import pytest

from recotrack.domain.errors import RuleViolation
from recotrack.domain.lineage import (
    Direction,
    Edge,
    End,
    LinkKind,
    check_link,
    check_superseded_closure,
    direction,
    distances,
    path,
    sole_successor,
)
from recotrack.domain.vocabulary import ClosureOutcome

OLD = End("a", "2024-SKV-001", issued=True)
NEW = End("b", "2025-SKV-003", issued=True)
DRAFT = End("d", "2026-SKV-010", issued=False)


@pytest.mark.parametrize("kind", list(LinkKind))
def test_no_link_to_itself(kind: LinkKind) -> None:
    with pytest.raises(RuleViolation, match="itself") as refused:
        check_link(kind, OLD, End("a", "2024-SKV-001", issued=True))
    assert refused.value.pointer == "/target_id"


@pytest.mark.parametrize("kind", list(LinkKind))
def test_no_link_from_an_issued_recommendation_to_a_draft(kind: LinkKind) -> None:
    with pytest.raises(RuleViolation, match="2025-SKV-003 is issued and 2026-SKV-010 is a draft"):
        check_link(kind, NEW, DRAFT)
    # a draft may name an issued one, and another draft
    check_link(kind, DRAFT, NEW)
    check_link(kind, DRAFT, End("e", "2026-SKV-011", issued=False))


@pytest.mark.parametrize("kind", [LinkKind.SUPERSEDES, LinkKind.SPLITS])
def test_a_cycle_of_an_order_is_refused_naming_its_path(kind: LinkKind) -> None:
    # NEW already supersedes (or splits) OLD: OLD → NEW would go back round
    with pytest.raises(RuleViolation) as refused:
        check_link(kind, OLD, NEW, onward=[Edge("b", "a")])
    assert refused.value.detail.endswith(f"`{kind}`: 2024-SKV-001 → 2025-SKV-003 → 2024-SKV-001")
    # a longer one, through recommendations named by their codes
    onward = [Edge("b", "c"), Edge("c", "a"), Edge("c", "x")]
    codes = {"c": "2025-SKV-007", "x": "2023-SKV-002"}
    with pytest.raises(RuleViolation) as refused:
        check_link(kind, OLD, NEW, onward=onward, codes=codes)
    assert "2024-SKV-001 → 2025-SKV-003 → 2025-SKV-007 → 2024-SKV-001" in refused.value.detail


@pytest.mark.parametrize("kind", [LinkKind.REFINES, LinkKind.REPEATS])
def test_refines_and_repeats_are_no_order(kind: LinkKind) -> None:
    check_link(kind, OLD, NEW, onward=[Edge("b", "a")])


def test_a_chain_without_a_way_back_is_no_cycle() -> None:
    check_link(LinkKind.SUPERSEDES, OLD, NEW, onward=[Edge("b", "c"), Edge("c", "x")])


def test_path_is_the_shortest_following_the_direction() -> None:
    edges = [Edge("a", "b"), Edge("b", "c"), Edge("c", "d"), Edge("a", "d"), Edge("e", "a")]
    assert path("a", "d", edges) == ["a", "d"]
    assert path("b", "d", edges) == ["b", "c", "d"]
    assert path("d", "a", edges) is None  # not against the direction
    assert path("a", "a", edges) == ["a"]


def test_distances_walk_either_way_and_directions_follow_them() -> None:
    # e → a → b → c, and d → b: from b, a and c and d are 1 away, e 2
    edges = [Edge("e", "a"), Edge("a", "b"), Edge("b", "c"), Edge("d", "b")]
    far = distances("b", edges)
    assert far == {"b": 0, "a": 1, "c": 1, "d": 1, "e": 2}
    assert [direction(e, far) for e in edges] == [
        Direction.INCOMING,
        Direction.INCOMING,
        Direction.OUTGOING,
        Direction.INCOMING,
    ]
    assert distances("z", edges) == {"z": 0}
    # two equally far: read as written
    assert direction(Edge("a", "c"), far) is Direction.OUTGOING


def test_closing_as_superseded_needs_a_successor() -> None:
    with pytest.raises(RuleViolation, match="needs its successor") as refused:
        check_superseded_closure(ClosureOutcome.SUPERSEDED, successor_named=False, successors=[])
    assert refused.value.pointer == "/superseded_by"
    check_superseded_closure(ClosureOutcome.SUPERSEDED, successor_named=True, successors=[])
    check_superseded_closure(
        ClosureOutcome.SUPERSEDED, successor_named=False, successors=["2025-SKV-003"]
    )
    for outcome in set(ClosureOutcome) - {ClosureOutcome.SUPERSEDED}:
        check_superseded_closure(outcome, successor_named=False, successors=[])
        with pytest.raises(RuleViolation, match="only a closure as `superseded`"):
            check_superseded_closure(outcome, successor_named=True, successors=[])


def test_the_last_successor_of_a_superseded_closure_stays() -> None:
    assert sole_successor(LinkKind.SUPERSEDES, closed_superseded=True, successors=1)
    assert not sole_successor(LinkKind.SUPERSEDES, closed_superseded=True, successors=2)
    assert not sole_successor(LinkKind.SUPERSEDES, closed_superseded=False, successors=1)
    for kind in set(LinkKind) - {LinkKind.SUPERSEDES}:
        assert not sole_successor(kind, closed_superseded=True, successors=1)
