"""Lineage: how later second opinions build on earlier ones, as links between recommendations.

A link reads from its source to its target: the source `supersedes` the target (replaces it),
`refines` it (takes it further), `splits` it (the target is a part of the source), or
`repeats` it (raises the target's problem again, in a later review: the source is the later
one). The secretariat makes them; the rules here are checked on every link made:

- no link to itself;
- no cycle of `supersedes`, nor one of `splits`: each is an order (what came after what, what
  is part of what), and a recommendation cannot come after itself or be a part of itself.
  Each kind is an order of its own: a mix of the two in a circle is allowed;
- no link from an issued recommendation to a draft: an issued one's lineage is what its
  agency reads, and a draft is no one's business but the secretariat's yet;
- closing as `superseded` needs a successor: a `supersedes` link to it.

A lineage is every recommendation reachable through links in either direction; `distances`
says how far each is, and `direction` which way the walk out from the one asked about
crosses each link.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from recotrack.domain.errors import RuleViolation
from recotrack.domain.vocabulary import ClosureOutcome


class LinkKind(StrEnum):
    SUPERSEDES = "supersedes"
    REFINES = "refines"
    SPLITS = "splits"
    REPEATS = "repeats"


ORDERS = frozenset({LinkKind.SUPERSEDES, LinkKind.SPLITS})
"""The kinds whose links may never go round in a circle."""


class Direction(StrEnum):
    OUTGOING = "outgoing"
    """The walk from the recommendation asked about crosses the link from its source."""
    INCOMING = "incoming"
    """It crosses the link from its target, against the link's direction."""


@dataclass(frozen=True, slots=True)
class End:
    """One end of a link, as the rules need to know it."""

    id: str
    code: str
    issued: bool


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str


def check_link(
    kind: LinkKind,
    source: End,
    target: End,
    *,
    onward: Iterable[Edge] = (),
    codes: Mapping[str, str] | None = None,
) -> None:
    """Raise unless `source` may be linked to `target` by `kind`. `onward`: the links of
    `kind` that there are already, at least all those reachable from `target` following
    their direction (a cycle would return through them to `source`); `codes`: the code of
    every recommendation they name, for the path in the refusal."""
    if source.id == target.id:
        raise RuleViolation(f"{source.code} cannot be linked to itself", pointer="/target_id")
    if source.issued and not target.issued:
        raise RuleViolation(
            f"{source.code} is issued and {target.code} is a draft: an issued recommendation "
            "is not linked to a draft (its agency would be shown a link to what it may not "
            "read); issue the draft first, or link from the draft",
            pointer="/target_id",
        )
    if kind in ORDERS:
        back = path(target.id, source.id, onward)
        if back is not None:
            named = {**(codes or {}), source.id: source.code, target.id: target.code}
            circle = " → ".join(named.get(i, i) for i in [source.id, *back])
            raise RuleViolation(
                f"a link {source.code} {kind} {target.code} would make a cycle of "
                f"`{kind}`: {circle}",
                pointer="/target_id",
            )


def path(start: str, end: str, edges: Iterable[Edge]) -> list[str] | None:
    """The shortest path from `start` to `end` following the edges' direction, both ends
    included; None when there is none."""
    following: dict[str, list[str]] = {}
    for edge in edges:
        following.setdefault(edge.source, []).append(edge.target)
    came_from: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        at = queue.popleft()
        if at == end:
            found = [at]
            while (previous := came_from[found[-1]]) is not None:
                found.append(previous)
            return found[::-1]
        for nxt in sorted(following.get(at, ())):
            if nxt not in came_from:
                came_from[nxt] = at
                queue.append(nxt)
    return None


def distances(start: str, edges: Iterable[Edge]) -> dict[str, int]:
    """How many links away from `start` each recommendation the edges reach is, following
    them in either direction (`start` itself: 0)."""
    neighbours: dict[str, set[str]] = {}
    for edge in edges:
        neighbours.setdefault(edge.source, set()).add(edge.target)
        neighbours.setdefault(edge.target, set()).add(edge.source)
    far = {start: 0}
    queue = deque([start])
    while queue:
        at = queue.popleft()
        for nxt in sorted(neighbours.get(at, ())):
            if nxt not in far:
                far[nxt] = far[at] + 1
                queue.append(nxt)
    return far


def direction(edge: Edge, far: Mapping[str, int]) -> Direction:
    """Which way the walk from the recommendation asked about crosses `edge`: from the end
    nearer to it. A link between two equally far is read as written (`outgoing`)."""
    return Direction.INCOMING if far[edge.target] < far[edge.source] else Direction.OUTGOING


def check_superseded_closure(
    outcome: ClosureOutcome, *, successor_named: bool, successors: Sequence[str]
) -> None:
    """A closure as `superseded` needs a successor: a `supersedes` link to the recommendation
    (`successors`: the codes of those that have one), or one named in `superseded_by`, which
    is then linked in the same write. Another outcome names none."""
    if outcome is not ClosureOutcome.SUPERSEDED:
        if successor_named:
            raise RuleViolation(
                "only a closure as `superseded` names a successor", pointer="/superseded_by"
            )
        return
    if not successor_named and not successors:
        raise RuleViolation(
            "closing as `superseded` needs its successor: name it in `superseded_by` (the "
            "link is then made), or link it first (`create_link` with kind `supersedes` on "
            "the successor)",
            pointer="/superseded_by",
        )


def sole_successor(kind: LinkKind, *, closed_superseded: bool, successors: int) -> bool:
    """Whether removing a link would leave a recommendation closed as `superseded` without a
    successor: a `supersedes` link, the only one to it (`successors` counts them)."""
    return kind is LinkKind.SUPERSEDES and closed_superseded and successors <= 1
