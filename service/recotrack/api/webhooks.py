"""`/v1/webhooks`: subscriptions to push changes to an agency's (or the secretariat's) URL.

The subscriptions, their secrets, and their delivery logs (the deliveries themselves are
the worker's: recotrack.worker.deliveries). A secret is answered only by `create_webhook`
and `rotate_webhook_secret`, with `Cache-Control: no-store`; neither honours
`Idempotency-Key`, since a stored response would keep the secret in the clear beside the
encrypted one.

A destination is checked (its name resolved, up to 5 s) before a database connection is
taken, so a slow DNS server holds no pooled connection.
"""

from __future__ import annotations

import asyncpg
from litestar import Controller, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from recotrack.api.auth import requires
from recotrack.api.contract import ETAG, FIRST_ID, ID, follows, success
from recotrack.api.deps import Cursor, Limit
from recotrack.api.preconditions import IfMatch, required_version
from recotrack.api.problem_responses import CHANGES, CREATES, READS, REMOVES, documented
from recotrack.destinations import check_destination
from recotrack.domain.access import Permission, Principal
from recotrack.store import deliveries
from recotrack.store import webhooks as store
from recotrack.store.pool import Pool
from recotrack_sdk.models import (
    DeliveryAttempt,
    Page,
    Redelivery,
    Webhook,
    WebhookCreate,
    WebhookPatch,
    WebhookSecretRotation,
    WebhookWithSecret,
    etag,
)

CHANGE = follows("update_webhook", webhook_id=ID, if_match=ETAG)
_NOT_STORED = {"Cache-Control": "no-store"}


def _answer_secret(webhook: WebhookWithSecret, status_code: int) -> Response[WebhookWithSecret]:
    return Response(
        webhook,
        status_code=status_code,
        headers={
            "ETag": etag(webhook.version),
            "Location": f"/v1/webhooks/{webhook.id}",
            **_NOT_STORED,
        },
    )


class WebhookController(Controller):
    path = "/webhooks"
    tags = ["webhooks"]  # noqa: RUF012

    @get(
        responses=READS,
        operation_id="list_webhooks",
        operation_class=success(links=[follows("get_webhook", webhook_id=FIRST_ID)]),
        summary="List webhook subscriptions",
        opt=requires(Permission.READ),
    )
    async def list_webhooks(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> Page[Webhook]:
        """In the order they were made. An agency token sees its own agency's."""
        items, next_cursor = await store.list_webhooks(
            conn, scope=principal.scope, cursor=cursor, limit=limit
        )
        return Page(items=items, next_cursor=next_cursor)

    @post(
        responses=CREATES,
        operation_id="create_webhook",
        operation_class=success(links=[follows("get_webhook", webhook_id=ID), CHANGE]),
        summary="Subscribe a URL to changes",
        description="An agency token subscribes its own agency; the secretariat one agency "
        "(`agency_id`) or every agency (none). The URL must be `https` and its host must "
        "resolve to public addresses only. The answer holds the signing `secret`: it is "
        "shown this once.",
        opt={**requires(Permission.MANAGE_WEBHOOKS), "idempotent": False},
    )
    async def create_webhook(
        self,
        principal: NamedDependency[Principal],
        state: State,
        data: JSONBody[WebhookCreate],
    ) -> Response[WebhookWithSecret]:
        await check_destination(data.url, allow_private=state.webhook_allow_private)
        pool: Pool = state.pool
        async with pool.acquire() as conn:
            created = await store.create_webhook(
                conn, data, scope=principal.scope, box=state.secret_box, actor=principal.actor
            )
        return _answer_secret(created, 201)

    @get(
        "/{webhook_id:str}",
        responses=READS,
        operation_id="get_webhook",
        operation_class=success(links=[CHANGE]),
        summary="Get a webhook subscription",
        opt=requires(Permission.READ),
    )
    async def get_webhook(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[str],
    ) -> Response[Webhook]:
        webhook = await store.get_webhook(conn, webhook_id, scope=principal.scope)
        return Response(webhook, headers={"ETag": etag(webhook.version)})

    @patch(
        "/{webhook_id:str}",
        responses=CHANGES,
        operation_id="update_webhook",
        summary="Change a webhook subscription",
        description="`active: false` pauses it; `active: true` resumes it (one the service "
        "disabled, too) from the change it has not been sent, trying it again at once. A new "
        "`url` is checked as at creation.",
        opt=requires(Permission.MANAGE_WEBHOOKS),
    )
    async def update_webhook(
        self,
        principal: NamedDependency[Principal],
        state: State,
        webhook_id: FromPath[str],
        data: JSONBody[WebhookPatch],
        if_match: IfMatch = None,
    ) -> Response[Webhook]:
        version = required_version(if_match)
        if isinstance(data.url, str):
            await check_destination(data.url, allow_private=state.webhook_allow_private)
        pool: Pool = state.pool
        async with pool.acquire() as conn:
            webhook = await store.update_webhook(
                conn,
                webhook_id,
                data,
                scope=principal.scope,
                expected_version=version,
                actor=principal.actor,
            )
        return Response(webhook, headers={"ETag": etag(webhook.version)})

    @delete(
        "/{webhook_id:str}",
        responses=REMOVES,
        operation_id="delete_webhook",
        summary="Delete a webhook subscription",
        description="Needs `If-Match`. The event log keeps the subscription's history.",
        opt=requires(Permission.MANAGE_WEBHOOKS),
    )
    async def delete_webhook(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[str],
        if_match: IfMatch = None,
    ) -> None:
        await store.delete_webhook(
            conn,
            webhook_id,
            scope=principal.scope,
            expected_version=required_version(if_match),
            actor=principal.actor,
        )

    @post(
        "/{webhook_id:str}/rotate-secret",
        responses=documented(400, 401, 403, 404, 413, 415, 422),
        operation_id="rotate_webhook_secret",
        operation_class=success(links=[CHANGE]),
        summary="Give a webhook subscription a new secret",
        description="The answer holds the new `secret`, shown this once. The previous one "
        "keeps signing beside it (deliveries carry both signatures) until "
        "`previous_secret_expires_at`, 24 hours on, so receivers can switch over.",
        opt={**requires(Permission.MANAGE_WEBHOOKS), "idempotent": False},
        status_code=200,
    )
    async def rotate_webhook_secret(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        state: State,
        webhook_id: FromPath[str],
        data: JSONBody[WebhookSecretRotation],
    ) -> Response[WebhookWithSecret]:
        rotated = await store.rotate_secret(
            conn, webhook_id, scope=principal.scope, box=state.secret_box, actor=principal.actor
        )
        return _answer_secret(rotated, 200)

    @get(
        "/{webhook_id:str}/deliveries",
        responses=READS,
        operation_id="list_webhook_deliveries",
        summary="A webhook subscription's delivery log",
        description="Every attempt to deliver a change, newest first: when, the receiver's "
        "status code, how long it took, the error, and when the change is tried again; and "
        "redeliveries still queued.",
        opt=requires(Permission.READ),
    )
    async def list_webhook_deliveries(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[str],
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> Page[DeliveryAttempt]:
        items, next_cursor = await deliveries.list_deliveries(
            conn, webhook_id, scope=principal.scope, cursor=cursor, limit=limit
        )
        return Page(items=items, next_cursor=next_cursor)

    @post(
        "/{webhook_id:str}/deliveries/{delivery_id:str}/redeliver",
        responses=documented(400, 401, 403, 404, 413, 415, 422),
        operation_id="redeliver",
        summary="Send a delivery's change again",
        description="Queues the change of that delivery to be sent once more, soon, out of "
        "the feed's order and without retries, with the same `webhook-id`; to the "
        "subscription's URL and secrets as they are now, even while it is disabled. Answers "
        "the queued delivery; its outcome appears in the delivery log.",
        opt=requires(Permission.MANAGE_WEBHOOKS),
        status_code=202,
    )
    async def redeliver(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[str],
        delivery_id: FromPath[str],
        data: JSONBody[Redelivery],
    ) -> DeliveryAttempt:
        return await deliveries.redeliver(conn, webhook_id, delivery_id, scope=principal.scope)
