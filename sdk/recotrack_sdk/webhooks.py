"""Verify a webhook delivery from recotrack, by the Standard Webhooks specification.

```python
from recotrack_sdk import WebhookVerificationError
from recotrack_sdk.webhooks import verify

try:
    delivery = verify(request.headers, request.body, secret)  # the raw body, as bytes
except WebhookVerificationError:
    ...  # answer 400 and drop it
print(delivery.data.type, delivery.data.entity_id)
```

The signature is checked by the `standardwebhooks` package (HMAC-SHA256 over
`webhook-id.webhook-timestamp.body`, a timestamp at most five minutes off), not by code of
ours. `webhook-id` stays the same when a delivery is retried: keep the ids you have handled
and skip one you have seen (`sdk/examples/webhook_receiver.py`).

After `rotate_webhook_secret`, deliveries carry a signature by the new secret and one by the
previous, for 24 hours: a receiver with either verifies them. Pass both secrets while you
switch over.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping, Sequence

import msgspec
from standardwebhooks import Webhook as _Signer
from standardwebhooks.webhooks import EmptyWebhookSecretError
from standardwebhooks.webhooks import WebhookVerificationError as _Refused

from recotrack_sdk._errors import WebhookVerificationError
from recotrack_sdk.models import WebhookDelivery

__all__ = ["WebhookVerificationError", "verify"]

_decoder = msgspec.json.Decoder(WebhookDelivery)


def verify(headers: Mapping[str, str], body: bytes, secret: str | Sequence[str]) -> WebhookDelivery:
    """The delivery `body` holds, once its signature verifies with `secret` (`whsec_…`, or
    several: any one will do); else WebhookVerificationError."""
    secrets = [secret] if isinstance(secret, str) else list(secret)
    if not secrets:
        raise ValueError("verify needs a secret")
    plain = {str(name).lower(): str(value) for name, value in headers.items()}
    reasons: list[str] = []
    for one in secrets:
        try:
            signer = _Signer(one)
        except (EmptyWebhookSecretError, binascii.Error, ValueError):
            raise ValueError("a webhook secret is `whsec_` and base64") from None
        try:
            signer.verify(body, plain, json_parse=False)
        except _Refused as exc:
            reasons.append(str(exc))
            continue
        except (ValueError, binascii.Error):  # a malformed signature header, a body not UTF-8
            reasons.append("the signature header or the body is malformed")
            continue
        try:
            return _decoder.decode(body)
        except msgspec.DecodeError as exc:
            raise WebhookVerificationError(f"signed, but not a recotrack delivery: {exc}") from None
    raise WebhookVerificationError(
        "the delivery does not verify: " + "; ".join(dict.fromkeys(reasons))
    )
