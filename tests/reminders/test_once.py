"""Each reminder once, whoever sends: two passes at once (two connections, two processes),
and the record that makes it so, a replica waiting on another's unsent row."""

from __future__ import annotations

import asyncio
import datetime as dt

import asyncpg

from recotrack.store import reminders as store
from recotrack.store.pool import connect
from tests.helpers import connection, until
from tests.reminders.support import (
    CONTACT,
    MANAGER,
    Smtp,
    World,
    command,
    env_for,
    lines,
    run,
    settings_for,
)

TODAY = dt.date(2026, 4, 25)


async def _many(world: World) -> int:
    """Recommendations each with a step due on TODAY; the mails expected."""
    for n in range(12):
        await world.recommendation(
            response_due=TODAY + dt.timedelta(days=3 - 7 * n),
            implementation_due=TODAY + dt.timedelta(days=12),  # a Thursday
        )
    # each: the response's newest step to the contact, the implementation's "14 days before",
    # and for the response 30 or more days late (n >= 5) the escalation to the manager
    return 12 * 2 + 7


async def test_two_passes_at_once_send_each_mail_once(
    db: asyncpg.Connection, db_url: str, service_url: str, smtp: Smtp
) -> None:
    expected = await _many(await World.make(db))
    settings = settings_for(db_url, smtp.port)
    first, second = await asyncio.gather(
        run(service_url, settings, TODAY), run(service_url, settings, TODAY)
    )
    sent = lines(first) + lines(second)
    assert len(sent) == len(set(sent)) == expected
    assert not first.failed
    assert not second.failed
    assert len(smtp.inbox.mails) == expected
    assert {to[0] for to, _ in smtp.inbox.mails} == {CONTACT, MANAGER}


async def test_two_processes_at_once_send_each_mail_once(
    db: asyncpg.Connection, db_url: str, service_url: str, smtp: Smtp
) -> None:
    expected = await _many(await World.make(db))
    env = env_for(service_url, smtp.port)
    args = ("reminders", "run", "--today", TODAY.isoformat())
    ran = await asyncio.gather(*(command(*args, database=service_url, env=env) for _ in range(2)))
    assert [r.status for r in ran] == [0, 0], [r.stderr for r in ran]
    sent = [line for r in ran for line in r.stdout.splitlines()]
    assert len(sent) == len(set(sent)) == expected
    assert len(smtp.inbox.mails) == expected


async def test_a_replica_waits_on_an_unsent_record_then_skips_or_takes_it(
    db: asyncpg.Connection, service_url: str
) -> None:
    world = await World.make(db)
    rid, _ = await world.recommendation(response_due=TODAY)
    key = store.Key(rid, "response", TODAY, "due", TODAY, CONTACT)

    async def claim(conn: asyncpg.Connection, key: store.Key) -> bool:
        async with store.sending(conn, key) as mine:
            return mine

    async def waiting() -> bool:
        return bool(
            await db.fetchval(
                """select count(*) from pg_stat_activity
                   where datname = current_database() and wait_event_type = 'Lock'"""
            )
        )

    async with connection(service_url) as a, connection(service_url) as b:
        # the first replica's send fails: its record goes, and the waiting one takes it over
        try:
            async with store.sending(a, key) as mine:
                assert mine
                taker = asyncio.create_task(claim(b, key))
                await until("the second replica to wait", waiting, seconds=30)
                raise ConnectionError("the mail did not go")
        except ConnectionError:
            pass
        assert await asyncio.wait_for(taker, 30)
        # now sent and recorded: the next one waits while it is sent, then skips
        c = await connect(service_url)
        try:
            manager = key._replace(recipient=MANAGER)
            async with store.sending(a, manager) as mine:
                assert mine
                skipper = asyncio.create_task(claim(c, manager))
                await until("the third replica to wait", waiting, seconds=30)
                assert await store.unsent(b, [key]) == set()
            assert not await asyncio.wait_for(skipper, 30)
        finally:
            await c.close()
