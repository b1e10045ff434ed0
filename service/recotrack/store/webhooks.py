"""Webhook subscriptions and their signing secrets (migration 0011).

A subscription belongs to one agency (`agency_id`), whose token manages it and whose changes
it is sent, or to none: the secretariat's, sent every agency's. A caller with a `scope` (an
agency token) finds only its own agency's: another's are not found.

Each write is an event like any other (`writes.write`), recorded with the subscription as it
is without its secret, and not visible to agencies (as tokens' are not): an agency's feed is
the record of its recommendations, and which endpoints another agency pushes to is none of its
business. The secretariat and auditors see them on the feed and in the audit log.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import uuid
from collections.abc import Sequence
from typing import Any

from recotrack.domain.errors import RuleViolation
from recotrack.secretbox import SecretBox, SecretsKeyError
from recotrack.store.agencies import agency_exists
from recotrack.store.errors import NotFound
from recotrack.store.pool import Connection
from recotrack.store.rows import Keyset, parse_id, set_fields, to_struct
from recotrack.store.writes import write
from recotrack_sdk.models import Webhook, WebhookCreate, WebhookPatch, WebhookWithSecret

ROTATION_OVERLAP = dt.timedelta(hours=24)
"""How long the previous secret keeps signing beside the new one after a rotation."""
SECRET_PREFIX = "whsec_"  # noqa: S105  (the prefix Standard Webhooks gives secrets)
AGENCY_INVISIBLE = ("token.", "disclosure.")
"""Change types no agency's feed has: an agency's subscription cannot name them."""

_COLUMNS = (
    "id::text, agency_id, url, events, description, active, disabled_reason, version, "
    "created_at, updated_at"
)


def new_secret() -> str:
    """`whsec_` and base64 of 32 random bytes (Standard Webhooks asks for 24 to 64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _check_events(events: Sequence[str] | None, agency_id: str | None) -> None:
    if events is None or agency_id is None:
        return
    for n, kind in enumerate(events):
        if kind.startswith(AGENCY_INVISIBLE):
            raise RuleViolation(
                f"an agency's changes feed has no {kind} changes: its subscriptions cannot "
                "name them",
                pointer=f"/events/{n}",
            )


async def create_webhook(
    conn: Connection,
    data: WebhookCreate,
    *,
    scope: str | None,
    box: SecretBox,
    actor: str,
) -> WebhookWithSecret:
    """`scope`: the caller's agency (an agency token), whose subscription this then is."""
    if scope is not None and data.agency_id not in (None, scope):
        raise RuleViolation(
            "an agency token subscribes to its own agency's changes only", pointer="/agency_id"
        )
    agency_id = scope if scope is not None else data.agency_id
    events = None if data.events is None else list(dict.fromkeys(data.events))
    _check_events(events, agency_id)
    secret = new_secret()
    webhook_id = uuid.uuid4()
    async with write(conn, "webhook", actor=actor, agency_id=agency_id) as w:
        if agency_id is not None and not await agency_exists(conn, agency_id):
            raise RuleViolation(f"no agency {agency_id!r}", pointer="/agency_id")
        row = await conn.fetchrow(
            f"""
            insert into webhook (id, agency_id, url, events, description, secret, position)
            values ($1, $2, $3, $4, $5, $6, (select coalesce(max(seq), 0) from event))
            returning {_COLUMNS}
            """,
            webhook_id,
            agency_id,
            data.url,
            events,
            data.description,
            box.seal(secret, context=str(webhook_id)),
        )
        webhook = await w.record("created", to_struct(row, Webhook), agency_visible=False)
    return _with_secret(webhook, secret, None)


async def list_webhooks(
    conn: Connection, *, scope: str | None, cursor: str | None, limit: int
) -> tuple[list[Webhook], str | None]:
    keyset = Keyset("webhooks", cursor, limit, table="webhook")
    args: list[Any] = [scope]
    rows = await conn.fetch(
        f"""
        select {_COLUMNS} from webhook
        where ($1::text is null or agency_id = $1) and {keyset.where(args)}
        order by {keyset.order_by} limit {keyset.fetch}
        """,
        *args,
    )
    return keyset.page(rows, Webhook)


async def get_webhook(conn: Connection, webhook_id: str, *, scope: str | None) -> Webhook:
    row = await conn.fetchrow(
        f"select {_COLUMNS} from webhook where id = $1 and ($2::text is null or agency_id = $2)",
        parse_id(webhook_id, "webhook"),
        scope,
    )
    if row is None:
        raise NotFound(f"no webhook {webhook_id!r}")
    return to_struct(row, Webhook)


async def update_webhook(
    conn: Connection,
    webhook_id: str,
    patch: WebhookPatch,
    *,
    scope: str | None,
    expected_version: int,
    actor: str,
) -> Webhook:
    key = parse_id(webhook_id, "webhook")
    async with write(conn, "webhook", actor=actor) as w:
        row = await w.lock(
            """
            select version, agency_id from webhook
            where id = $1 and ($2::text is null or agency_id = $2) for update
            """,
            key,
            scope,
            name=webhook_id,
            expected_version=expected_version,
        )
        w.agency_id = row["agency_id"]
        fields = set_fields(patch)
        if "events" in fields and fields["events"] is not None:
            fields["events"] = list(dict.fromkeys(fields["events"]))
            _check_events(fields["events"], row["agency_id"])
        if fields.get("active") is True or "url" in fields:
            # a fresh start for the change that failed (the position stays where it was),
            # without a version of its own: it is part of this change, if it is one
            await conn.execute(
                """
                update webhook set failures = 0, next_attempt_at = null, disabled_reason = null
                where id = $1
                """,
                key,
            )
        updated = await w.update("webhook", key, fields, returning=_COLUMNS)
        return await w.record("updated", to_struct(updated, Webhook), agency_visible=False)


async def delete_webhook(
    conn: Connection, webhook_id: str, *, scope: str | None, expected_version: int, actor: str
) -> None:
    key = parse_id(webhook_id, "webhook")
    async with write(conn, "webhook", actor=actor) as w:
        await w.lock(
            """
            select version from webhook
            where id = $1 and ($2::text is null or agency_id = $2) for update
            """,
            key,
            scope,
            name=webhook_id,
            expected_version=expected_version,
        )
        row = await conn.fetchrow(f"delete from webhook where id = $1 returning {_COLUMNS}", key)
        await w.record("deleted", to_struct(row, Webhook), agency_visible=False)


async def rotate_secret(
    conn: Connection, webhook_id: str, *, scope: str | None, box: SecretBox, actor: str
) -> WebhookWithSecret:
    """A new secret; the current one signs beside it for `ROTATION_OVERLAP`. A rotation within
    that time drops the one before at once: only the two newest ever sign."""
    key = parse_id(webhook_id, "webhook")
    secret = new_secret()
    async with write(conn, "webhook", actor=actor) as w:
        row = await conn.fetchrow(
            """
            select agency_id, secret from webhook
            where id = $1 and ($2::text is null or agency_id = $2) for update
            """,
            key,
            scope,
        )
        if row is None:
            raise NotFound(f"no webhook {webhook_id!r}")
        w.agency_id = row["agency_id"]
        expires: dt.datetime | None = await conn.fetchval(
            "select write_time() + $1::interval", ROTATION_OVERLAP
        )
        previous: bytes | None = row["secret"]
        if not _opens(box, row["secret"], str(key)):
            # sealed by a key since lost or replaced: it cannot sign, so it does not stay
            previous = expires = None
        updated = await w.update(
            "webhook",
            key,
            {
                "secret": box.seal(secret, context=str(key)),
                "previous_secret": previous,
                "previous_secret_expires_at": expires,
            },
            returning=_COLUMNS,
        )
        webhook = await w.record(
            "secret_rotated", to_struct(updated, Webhook), agency_visible=False
        )
    return _with_secret(webhook, secret, expires)


async def disable_webhook(conn: Connection, webhook_id: str, *, reason: str, actor: str) -> Webhook:
    """Turn the subscription off for `reason` (its deliveries failed): an event like any
    other change of it. The caller holds its row locked (the delivery worker)."""
    key = parse_id(webhook_id, "webhook")
    async with write(conn, "webhook", actor=actor) as w:
        w.agency_id = await conn.fetchval("select agency_id from webhook where id = $1", key)
        updated = await w.update(
            "webhook",
            key,
            {"active": False, "disabled_reason": reason, "next_attempt_at": None},
            returning=_COLUMNS,
        )
        return await w.record("disabled", to_struct(updated, Webhook), agency_visible=False)


async def signing_secrets(conn: Connection, webhook_id: str, *, box: SecretBox) -> list[str]:
    """The secrets that sign the subscription's deliveries now: the current one, and the
    previous one until its time is up (a delivery carries a signature by each)."""
    row = await conn.fetchrow(
        """
        select id::text, secret,
            case when previous_secret_expires_at > now() then previous_secret end as previous
        from webhook where id = $1
        """,
        parse_id(webhook_id, "webhook"),
    )
    if row is None:
        raise NotFound(f"no webhook {webhook_id!r}")
    sealed = [row["secret"]] + ([row["previous"]] if row["previous"] is not None else [])
    return [box.open(s, context=row["id"]) for s in sealed]


def _opens(box: SecretBox, sealed: bytes, context: str) -> bool:
    try:
        box.open(sealed, context=context)
    except SecretsKeyError:
        return False
    return True


def _with_secret(webhook: Webhook, secret: str, expires: dt.datetime | None) -> WebhookWithSecret:
    return WebhookWithSecret(
        **{name: getattr(webhook, name) for name in webhook.__struct_fields__},
        secret=secret,
        previous_secret_expires_at=expires,
    )
