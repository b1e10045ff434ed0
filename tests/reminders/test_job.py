"""The daily job inside the service: with a mail server it runs the day's pass (at start,
when the hour has passed); without one reminders are off and the service still ready."""

from __future__ import annotations

import datetime as dt

import asyncpg
from litestar.testing import AsyncTestClient

from recotrack.app import create_app
from recotrack.domain.swedish_time import STOCKHOLM
from tests.helpers import Api, until
from tests.reminders.support import CONTACT, MANAGER, Smtp, World, settings_for


async def test_the_service_runs_the_days_pass(
    db: asyncpg.Connection, db_url: str, service_url: str, smtp: Smtp
) -> None:
    world = await World.make(db)
    today = dt.datetime.now(STOCKHOLM).date()
    await world.recommendation(response_due=today - dt.timedelta(days=40))
    # at 00:00 the day's pass is due as soon as the service starts
    settings = settings_for(service_url, smtp.port, RECOTRACK_REMINDER_TIME="00:00")
    async with AsyncTestClient(create_app(settings, service_url)) as client:
        assert (await client.get("/readyz")).status_code == 200

        async def arrived() -> bool:
            return len(smtp.inbox.mails) >= 2

        await until("the day's reminders", arrived, seconds=60)

        async def recorded() -> bool:
            return bool(
                await db.fetchval("select count(*) from reminder_pass where day = $1", today)
            )

        await until("the day's pass recorded", recorded, seconds=60)
    assert sorted(to[0] for to, _ in smtp.inbox.mails) == sorted([CONTACT, MANAGER])
    assert await db.fetchval("select failed from reminder_pass where day = $1", today) == 0


async def test_without_a_mail_server_reminders_are_off_and_the_service_ready(api: Api) -> None:
    r = await api.client.get("/readyz")
    assert r.status_code == 200, r.text
