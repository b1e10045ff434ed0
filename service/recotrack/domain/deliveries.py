"""Webhook delivery rules, pure: what counts as delivered, when a failed change is tried
again, and what a delivery is called on the wire.

Head of line: a subscription's changes go out in the feed's order, so a change that fails
holds back the ones after it. It is tried again on the retry schedule (seconds after each
failed attempt, each stretched or shrunk by up to `JITTER` so that receivers that came back
are not hit by every sender at the same second); after the last the subscription is
disabled. A success starts the count again.
"""

from __future__ import annotations

from collections.abc import Sequence

JITTER = 0.1
"""Each wait is the schedule's, give or take this share of it."""


def message_id(seq: int) -> str:
    """The `webhook-id` of the change numbered `seq`: the same for every attempt at it, and
    for a redelivery, so a receiver can drop what it has already handled."""
    return f"msg_{seq}"


def delivered(status_code: int) -> bool:
    """Only a 2xx answer delivers: a redirect is not followed and is a failure too."""
    return 200 <= status_code < 300


def retry_delay(schedule: Sequence[float], failures: int, spread: float) -> float | None:
    """Seconds until the next attempt at a change that has failed `failures` times in a row
    (at least 1); None when the schedule is used up and the subscription is to be disabled.
    `spread`, from -1 to 1 (random), chooses where in the jitter the wait falls."""
    if failures < 1:
        raise ValueError("a retry follows a failure")
    if failures > len(schedule):
        return None
    return max(0.0, schedule[failures - 1] * (1 + JITTER * max(-1.0, min(1.0, spread))))


def attempts_allowed(schedule: Sequence[float]) -> int:
    """The first attempt and one per entry of the schedule."""
    return 1 + len(schedule)
