"""One attempt to deliver one change: the Standard Webhooks request (its envelope, its
signatures), sent with httpx to a destination checked again first, and what came of it.

A receiver's faults are the outcome, never an exception: a status other than 2xx, a redirect
(not followed), a timeout, a refused connection, a destination that now resolves inward.
Of its answer at most `_READ_BYTES` are read, and thrown away: nobody is shown it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
import msgspec
from standardwebhooks import Webhook as Signer

from recotrack import __version__
from recotrack.destinations import check_destination
from recotrack.domain.deliveries import delivered, message_id
from recotrack.domain.errors import RuleViolation
from recotrack_sdk.models import Change, WebhookDelivery

_READ_BYTES = 65_536
_encoder = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None
    error: str | None
    seconds: float
    at: dt.datetime

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and delivered(self.status_code)


def body_of(change: Change, at: dt.datetime) -> bytes:
    """The delivery's JSON: Standard Webhooks' envelope around the change as the feed has it."""
    return _encoder.encode(WebhookDelivery(type=change.type, timestamp=at, data=change))


def signed_headers(
    change: Change, body: bytes, secrets: Sequence[str], at: dt.datetime
) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp` (this attempt's) and a `v1,` signature by each secret."""
    msg_id = message_id(change.seq)
    text = body.decode()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(Signer(s).sign(msg_id, at, text) for s in secrets),
    }


class Deliverer:
    """Sends one change to one URL and says how it went; never raises for the receiver's
    faults (they are the outcome)."""

    def __init__(self, *, timeout: float, allow_private: bool, connections: int) -> None:
        self.timeout = timeout
        self.allow_private = allow_private
        self.client = httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=False,  # a 3xx is a failure (Standard Webhooks)
            trust_env=False,  # no proxy from the environment: the destination was checked
            headers={"user-agent": f"recotrack/{__version__}"},
            limits=httpx.Limits(max_connections=connections),
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def send(self, url: str, secrets: Sequence[str], change: Change) -> Outcome:
        started = time.monotonic()
        at = dt.datetime.now(dt.UTC)
        if not secrets:
            error = "its secret does not open with the service's secrets key: rotate it"
            return Outcome(None, error, 0.0, at)
        try:
            # again at each attempt, since DNS can change after the subscription was checked
            await check_destination(url, allow_private=self.allow_private)
        except RuleViolation as exc:
            return Outcome(None, f"refused: {exc}", time.monotonic() - started, at)
        body = body_of(change, at)
        headers = {"content-type": "application/json", **signed_headers(change, body, secrets, at)}
        try:
            async with self.client.stream("POST", url, content=body, headers=headers) as answer:
                read = 0
                async for chunk in answer.aiter_raw():
                    read += len(chunk)
                    if read >= _READ_BYTES:
                        break
                status = answer.status_code
        except httpx.TimeoutException:
            error = f"no answer within {self.timeout:g} s"
            return Outcome(None, error, time.monotonic() - started, at)
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            return Outcome(None, error, time.monotonic() - started, at)
        seconds = time.monotonic() - started
        if delivered(status):
            return Outcome(status, None, seconds, at)
        reason = "a redirect, not followed" if 300 <= status < 400 else "not a 2xx answer"
        return Outcome(status, f"HTTP {status}: {reason}", seconds, at)
