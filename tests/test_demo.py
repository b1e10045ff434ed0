"""The demo data: real agencies, every state, some overdue, Swedish text; loading twice: no-op."""

from __future__ import annotations

import asyncpg

from recotrack.demo import load_demo
from recotrack.demo.content import AGENCIES
from recotrack.domain.orgnr import is_valid_org_number


async def test_demo_covers_every_state_and_area(db: asyncpg.Connection) -> None:
    summary = await load_demo(db)
    assert summary.loaded
    assert summary.agencies >= 8
    assert 180 <= summary.recommendations <= 220
    assert all(is_valid_org_number(org) for _, _, org, _ in AGENCIES)

    states = {r["state"] for r in await db.fetch("select distinct state from recommendation_view")}
    assert states == {"draft", "issued", "responded", "in_progress", "implemented", "closed"}
    areas = await db.fetchval("select count(distinct area) from recommendation")
    assert areas == 5
    assert await db.fetchval("select count(*) from recommendation_view where overdue") > 0
    outcomes = await db.fetchval("select count(distinct outcome) from closure")
    assert outcomes >= 3
    assert await db.fetchval("select count(*) from target_date_change where reason is not null") > 0
    assert await db.fetchval("select count(*) from investment where external_ref is null") == 0
    decisions = await db.fetchval("select count(distinct decision) from response")
    assert decisions == 4
    swedish = await db.fetchval(
        "select count(*) from recommendation where title ~ '[åäöÅÄÖ]' or body ~ '[åäöÅÄÖ]'"
    )
    assert swedish > 100
    # every change went through the store, so the event log tells the whole story
    assert await db.fetchval("select count(*) from event where entity = 'recommendation'") >= 200

    again = await load_demo(db)
    assert not again.loaded
    assert again.recommendations == summary.recommendations
