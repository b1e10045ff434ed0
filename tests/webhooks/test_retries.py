"""Failures: a 5xx, a timeout and a refused connection are retried on the schedule, with the
same `webhook-id`, holding back later changes; after the last retry the subscription is
disabled (an event in the audit chain) and its owner mailed; `active: true` resumes it
where it stopped. A redirect is not followed; a destination that resolves inward is
refused at delivery time."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Awaitable, Sequence
from email.message import EmailMessage

import pytest

from recotrack.settings import SmtpServer, retry_schedule
from recotrack_sdk.webhooks import verify
from tests import flow
from tests.helpers import Api, connection, until
from tests.webhooks.support import (
    WAIT_SECONDS,
    Receiver,
    free_port,
    log_of,
    logged,
    received_count,
    smtp_server,
    subscribe,
    worker,
)


async def disabled(api: Api, webhook_id: str) -> dict[str, object]:
    async def off() -> dict[str, object]:
        r = await api.call("secretariat", "GET", f"/v1/webhooks/{webhook_id}")
        body: dict[str, object] = r.json()
        return {} if body["active"] else body

    return await until("the subscription to be disabled", off, seconds=WAIT_SECONDS)


async def test_a_failing_change_is_retried_and_holds_back_the_next(api: Api) -> None:
    with Receiver().running() as rx:
        rx.plan("/skv", (500, 0.0), (503, 0.0))
        hook = await subscribe(api, "skatteverket", rx.url("/skv"))
        async with worker(api):
            await flow.recommendation(api)
            got = await received_count(rx, "/skv", 4)
        first = got[0].message_id
        assert [r.message_id for r in got[:3]] == [first] * 3  # the same change, thrice
        assert got[3].seq > got[0].seq  # the next only once the first got through
        assert [r.seq for r in got[2:]] == sorted({r.seq for r in got})
        verify(got[0].headers, got[0].body, hook["secret"])
        log = await logged(api, hook["id"], 4)
        oldest = log[::-1][:3]  # the log is newest first
        assert [(d["attempt"], d["status"], d["status_code"]) for d in oldest] == [
            (1, "failed", 500),
            (2, "failed", 503),
            (3, "succeeded", 204),
        ]
        assert oldest[0]["next_attempt_at"] is not None
        assert oldest[2]["next_attempt_at"] is None
        assert oldest[0]["error"] == "HTTP 500: not a 2xx answer"
        assert all(d["message_id"] == first for d in oldest)


async def test_a_timeout_is_a_failure_and_retried(api: Api) -> None:
    with Receiver().running() as rx:
        rx.plan("/slow", (204, 1.5))
        hook = await subscribe(api, "skatteverket", rx.url("/slow"))
        async with worker(api, timeout=0.5):
            await flow.recommendation(api)
            await until("the retry logged", lambda: _succeeded(api, hook["id"]), seconds=30)
            first, second = (await log_of(api, hook["id"]))[::-1][:2]

            async def twice() -> bool:  # the slow one arrives too, late
                return [r.message_id for r in rx.at("/slow")].count(first["message_id"]) == 2

            await until("the slow request's end", twice, seconds=WAIT_SECONDS)
        assert first["status"] == "failed"
        assert first["status_code"] is None
        assert first["error"] == "no answer within 0.5 s"
        assert (second["status"], second["attempt"]) == ("succeeded", 2)
        assert second["message_id"] == first["message_id"]


async def _succeeded(api: Api, webhook_id: str) -> bool:
    return any(d["status"] == "succeeded" for d in await log_of(api, webhook_id))


async def test_a_refused_connection_is_retried_until_the_receiver_is_there(api: Api) -> None:
    port = free_port()
    rx = Receiver(port=port)
    hook = await subscribe(api, "skatteverket", rx.url("/late"))
    async with worker(api, schedule=(0.2, 0.5, 1.0, 2.0, 4.0, 8.0)):
        await flow.recommendation(api)

        async def refused() -> bool:
            return any(d["status"] == "failed" for d in await log_of(api, hook["id"]))

        await until("a refused attempt", refused, seconds=WAIT_SECONDS)
        with rx.running():
            got = await received_count(rx, "/late", 1)
            failed = [d for d in await log_of(api, hook["id"]) if d["status"] == "failed"]
    first_failed = failed[-1]  # the log is newest first
    assert first_failed["status_code"] is None
    assert "ConnectError" in first_failed["error"]
    assert got[0].seq == first_failed["seq"]  # the change that failed came first


async def test_after_the_last_retry_it_is_disabled_mailed_and_resumes_when_enabled(
    api: Api,
) -> None:
    async with connection(api.db_url) as db:
        await db.execute(
            """
            update agency set contacts = '[{"email": "it@skatteverket.example", "name": "IT",
                "role": "contact"}, {"email": "chef@skatteverket.example", "name": "Chef",
                "role": "management"}]'
            where id = 'skatteverket'
            """
        )
    with Receiver().running() as rx, smtp_server() as (inbox, smtp_port):
        rx.plan("/down", *[(500, 0.0)] * 3)
        hook = await subscribe(api, "skatteverket", rx.url("/down"))
        mail = {
            "smtp": SmtpServer("127.0.0.1", smtp_port, implicit_tls=False),
            "mail_from": "recotrack@esv.example",
        }
        async with worker(api, **mail):
            await flow.recommendation(api)
            off = await disabled(api, hook["id"])
            await until("the mail", lambda: _some(inbox.mails), seconds=WAIT_SECONDS)
            assert len(rx.at("/down")) == 3  # the first attempt and two retries
            later = await flow.recommendation(api)  # not sent while it is off
            async with connection(api.db_url) as db:
                head = await db.fetchval("select max(seq) from event")
                event = await db.fetchrow(
                    "select actor, action, agency_visible from event where entity = 'webhook' "
                    "order by seq desc limit 1"
                )
            assert event is not None
            assert dict(event) == {
                "actor": "worker:webhooks",
                "action": "disabled",
                "agency_visible": False,
            }
            assert isinstance(off["disabled_reason"], str)
            assert "3 attempts" in off["disabled_reason"]
            assert "HTTP 500" in off["disabled_reason"]
            assert len(rx.at("/down")) == 3
            (recipients, raw), *more = inbox.mails
            assert not more
            assert sorted(recipients) == ["chef@skatteverket.example", "it@skatteverket.example"]
            message = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            text = message.get_body(("plain",))
            assert text is not None
            words = text.get_content()
            assert words.index("har stängt av") < words.index("has disabled")  # Swedish first
            assert rx.url("/down") in words
            assert hook["secret"] not in raw.decode()

            r = await api.call(
                "skatteverket",
                "PATCH",
                f"/v1/webhooks/{hook['id']}",
                json={"active": True},
                headers={"If-Match": f'"{off["version"]}"'},
            )
            assert r.status_code == 200, r.text
            assert r.json()["disabled_reason"] is None
            got = await received_count(rx, "/down", 4)
            stopped_at = rx.at("/down")[0].seq
            assert got[3].seq == stopped_at  # from where it stopped

            async def all_sent() -> bool:
                return max(rx.seqs("/down")) >= head - 1 and later["id"] in {
                    r.json["data"]["entity_id"] for r in rx.at("/down")
                }

            await until("the rest", all_sent, seconds=WAIT_SECONDS)
        seqs = rx.seqs("/down")[3:]
        assert seqs == sorted(set(seqs))


def _some(mails: Sequence[object]) -> Awaitable[bool]:
    async def check() -> bool:
        return bool(mails)

    return check()


async def test_the_secretariats_own_subscription_tells_the_secretariat(api: Api) -> None:
    with Receiver().running() as rx, smtp_server() as (inbox, smtp_port):
        rx.plan("/all", *[(500, 0.0)] * 3)
        hook = await subscribe(api, "secretariat", rx.url("/all"))
        async with worker(
            api,
            smtp=SmtpServer("127.0.0.1", smtp_port, implicit_tls=False),
            mail_from="recotrack@esv.example",
            secretariat_email="sekretariatet@esv.example",
        ):
            await flow.recommendation(api)
            await disabled(api, hook["id"])
            await until("the mail", lambda: _some(inbox.mails), seconds=WAIT_SECONDS)
        assert [m[0] for m in inbox.mails] == [["sekretariatet@esv.example"]]


async def test_without_a_mail_server_disabling_is_only_logged(api: Api) -> None:
    with Receiver().running() as rx:
        rx.plan("/x", *[(500, 0.0)] * 3)
        hook = await subscribe(api, "skatteverket", rx.url("/x"))
        async with worker(api):
            await flow.recommendation(api)
            await disabled(api, hook["id"])


async def test_a_redirect_is_not_followed(api: Api) -> None:
    with Receiver().running() as rx:
        rx.plan("/moved", (307, 0.0), (308, 0.0), (302, 0.0))
        rx.redirects["/moved"] = "/elsewhere"
        hook = await subscribe(api, "skatteverket", rx.url("/moved"))
        async with worker(api):
            await flow.recommendation(api)
            await disabled(api, hook["id"])
        assert rx.at("/elsewhere") == []
        log = await log_of(api, hook["id"])
        assert {d["status_code"] for d in log} == {307, 308, 302}
        assert all("redirect, not followed" in d["error"] for d in log)


async def test_a_private_destination_is_refused_at_delivery(api: Api) -> None:
    """Made while private destinations were allowed; the worker now refuses them."""
    with Receiver().running() as rx:
        hook = await subscribe(api, "skatteverket", rx.url("/inside"))
        async with worker(api, allow_private=False):
            await flow.recommendation(api)
            off = await disabled(api, hook["id"])
        assert rx.at("/inside") == []
        log = await log_of(api, hook["id"])
        assert len(log) == 3
        assert all(d["error"].startswith("refused: ") for d in log)
        assert "https" in str(off["disabled_reason"])  # plain http is refused first


@pytest.mark.parametrize("raw", ["5,x", "-1", "nan", "1e9", "5,,6"])
def test_a_bad_retry_schedule_is_refused_in_words(raw: str) -> None:
    with pytest.raises(ValueError, match="RECOTRACK_WEBHOOK_RETRY_SCHEDULE must be seconds"):
        retry_schedule(raw)


def test_the_retry_schedule_reads_seconds() -> None:
    assert retry_schedule(None) == (5, 300, 1800, 7200, 18000, 36000, 36000)
    assert retry_schedule("0.1, 0.2") == (0.1, 0.2)


async def test_a_secret_that_does_not_open_fails_its_subscription_only(api: Api) -> None:
    """Sealed by a secrets key since replaced: its deliveries fail (and in time it is
    disabled), and the others' go on."""
    with Receiver().running() as rx:
        broken = await subscribe(api, "skatteverket", rx.url("/broken"))
        fine = await subscribe(api, "skatteverket", rx.url("/fine"))
        async with connection(api.db_url) as db:
            await db.execute(
                "update webhook set secret = $2 where id = $1", broken["id"], b"\x00" * 60
            )
        async with worker(api):
            await flow.recommendation(api)
            await received_count(rx, "/fine", 3)
            off = await disabled(api, broken["id"])
        assert rx.at("/broken") == []
        assert "rotate it" in str(off["disabled_reason"])
        assert fine["secret"] not in str(off)
