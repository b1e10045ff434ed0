"""Webhooks in the SDK: the subscription methods against the real service (both clients), and
`recotrack_sdk.webhooks.verify` on deliveries signed by the `standardwebhooks` package itself:
a good one, a stale one, a wrong secret, a tampered body, and both secrets after a rotation.
The example receiver, run as a program, verifies, skips a repeated webhook-id and prints."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec
import pytest
from standardwebhooks import Webhook as Signer

from recotrack_sdk import (
    NotFoundError,
    PreconditionFailedError,
    RecotrackError,
    ValidationError,
    Versioned,
    WebhookVerificationError,
)
from recotrack_sdk.models import (
    Change,
    Webhook,
    WebhookCreate,
    WebhookDelivery,
    WebhookPatch,
    WebhookWithSecret,
)
from recotrack_sdk.webhooks import verify
from tests.sdk.conftest import Sdk

PUBLIC = "https://93.184.216.34/hooks/recotrack"
RECEIVER = Path(__file__).parents[2] / "sdk" / "examples" / "webhook_receiver.py"


async def test_webhook_methods(sdk: Sdk) -> None:
    c = sdk.as_("skatteverket")
    created = await c.create_webhook(
        WebhookCreate(url=PUBLIC, events=["recommendation.issued", "closure.closed"])
    )
    assert isinstance(created, Versioned)
    hook = created.value
    assert isinstance(hook, WebhookWithSecret)
    assert hook.secret.startswith("whsec_")
    assert (hook.agency_id, hook.events, hook.active) == (
        "skatteverket",
        ["recommendation.issued", "closure.closed"],
        True,
    )
    got = await c.get_webhook(hook.id)
    assert isinstance(got.value, Webhook)
    assert not isinstance(got.value, WebhookWithSecret)
    assert got.etag == '"1"'
    paused = await c.update_webhook(hook.id, WebhookPatch(active=False), if_match=got)
    assert paused.value.active is False
    assert paused.etag == '"2"'
    with pytest.raises(PreconditionFailedError):
        await c.update_webhook(hook.id, WebhookPatch(description="x"), if_match=got)
    rotated = await c.rotate_webhook_secret(hook.id)
    assert rotated.value.secret != hook.secret
    assert rotated.value.previous_secret_expires_at is not None
    assert [w.id for w in (await c.list_webhooks()).items] == [hook.id]
    assert [w.id for w in await c.collect("iter_webhooks", page_size=1)] == [hook.id]
    # another agency's is not found; the secretariat sees it
    with pytest.raises(NotFoundError):
        await sdk.as_("forsakringskassan").get_webhook(hook.id)
    assert (await sdk.as_("secretariat").get_webhook(hook.id)).value.id == hook.id
    with pytest.raises(ValidationError) as refused:
        await c.create_webhook(WebhookCreate(url="https://127.0.0.1/hook"))
    assert "127.0.0.1" in str(refused.value.errors)
    await c.delete_webhook(hook.id, if_match=rotated)
    with pytest.raises(NotFoundError):
        await c.get_webhook(hook.id)


# --- verifying a delivery ------------------------------------------------------------------

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # base64 of 24 bytes
OTHER = "whsec_" + "dGhlIG90aGVyIG9uZSBpcyAzMiBieXRlcyBsb25nISE="


def delivery_body() -> bytes:
    change = Change(
        seq=42,
        occurred_at=dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC),
        entity="recommendation",
        entity_id=str(uuid.uuid4()),
        action="issued",
        version=2,
        agency_id="skatteverket",
        recommendation_id=None,
    )
    return msgspec.json.encode(
        WebhookDelivery(type=change.type, timestamp=dt.datetime.now(dt.UTC), data=change)
    )


def signed(
    body: bytes, *secrets: str, at: dt.datetime | None = None, msg_id: str = "msg_1"
) -> dict[str, str]:
    """Standard Webhooks headers, signed by the `standardwebhooks` package: one signature per
    secret, as the service sends during a rotation."""
    moment = at or dt.datetime.now(dt.UTC)
    signatures = [Signer(s).sign(msg_id, moment, body.decode()) for s in secrets]
    return {
        "Webhook-Id": msg_id,
        "Webhook-Timestamp": str(int(moment.timestamp())),
        "Webhook-Signature": " ".join(signatures),
    }


def test_a_signed_delivery_verifies_to_the_typed_change() -> None:
    body = delivery_body()
    delivery = verify(signed(body, SECRET), body, SECRET)
    assert isinstance(delivery, WebhookDelivery)
    assert isinstance(delivery.data, Change)
    assert delivery.type == "recommendation.issued" == delivery.data.type
    assert delivery.data.seq == 42
    assert delivery.data.agency_id == "skatteverket"


@pytest.mark.parametrize(
    "why",
    ["wrong secret", "stale", "from the future", "tampered", "no signature", "not v1", "garbled"],
)
def test_a_bad_delivery_is_refused(why: str) -> None:
    body = delivery_body()
    headers = signed(body, SECRET)
    if why == "wrong secret":
        headers = signed(body, OTHER)
    elif why == "stale":
        headers = signed(body, SECRET, at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=6))
    elif why == "from the future":
        headers = signed(body, SECRET, at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6))
    elif why == "tampered":
        body = body.replace(b"skatteverket", b"polisen")
    elif why == "no signature":
        del headers["Webhook-Signature"]
    elif why == "not v1":
        headers["Webhook-Signature"] = headers["Webhook-Signature"].replace("v1,", "v2,")
    elif why == "garbled":
        headers["Webhook-Signature"] = "v1"
    with pytest.raises(WebhookVerificationError) as refused:
        verify(headers, body, SECRET)
    assert isinstance(refused.value, RecotrackError)


def test_a_signed_body_that_is_no_delivery_is_refused() -> None:
    body = b'{"hello": "world"}'
    with pytest.raises(WebhookVerificationError, match="not a recotrack delivery"):
        verify(signed(body, SECRET), body, SECRET)


async def test_after_rotation_both_secrets_verify(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    old = (await c.create_webhook(WebhookCreate(url=PUBLIC))).value.secret
    new = (await c.rotate_webhook_secret((await c.list_webhooks()).items[0].id)).value.secret
    body = delivery_body()
    # during the overlap a delivery carries a signature by each
    headers = signed(body, new, old)
    assert verify(headers, body, old).data.seq == 42
    assert verify(headers, body, new).data.seq == 42
    # a receiver switching over passes both; one signed by the new alone verifies too
    assert verify(signed(body, new), body, [old, new]).data.seq == 42
    with pytest.raises(WebhookVerificationError):
        verify(signed(body, new), body, old)


# --- the example receiver ------------------------------------------------------------------


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    env = {
        **os.environ,
        "RECOTRACK_WEBHOOK_SECRET": f"{SECRET} {OTHER}",
        "RECEIVER_PORT": "0",
        "RECEIVER_DB": str(tmp_path / "handled.db"),
    }
    process = subprocess.Popen(
        [sys.executable, str(RECEIVER)], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("listening on port "), first
        yield f"http://127.0.0.1:{first.split()[-1]}/", process
    finally:
        process.kill()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_the_example_receiver_verifies_and_handles_each_delivery_once(
    receiver: tuple[str, subprocess.Popen[str]],
) -> None:
    url, process = receiver
    body = delivery_body()
    headers = {**signed(body, SECRET, msg_id="msg_a"), "Content-Type": "application/json"}
    with httpx.Client(timeout=10) as client:
        assert client.post(url, content=body, headers=headers).status_code == 204
        # the retry of the same change: acknowledged again, not handled twice
        assert client.post(url, content=body, headers=headers).status_code == 204
        forged = signed(body, "whsec_" + "Zm9yZ2VkIGZvcmdlZCBmb3JnZWQh", msg_id="msg_b")
        assert client.post(url, content=body, headers=forged).status_code == 400
        other = {**signed(body, OTHER, msg_id="msg_c"), "Content-Type": "application/json"}
        assert client.post(url, content=body, headers=other).status_code == 204
    process.kill()
    assert process.stdout is not None
    printed = process.stdout.read().splitlines()
    change = msgspec.json.decode(body, type=WebhookDelivery).data
    line = f"42 recommendation.issued {change.entity_id} agency=skatteverket"
    assert printed == [line, line], printed  # msg_a once, msg_c once
