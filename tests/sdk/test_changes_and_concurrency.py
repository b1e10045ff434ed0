"""The changes stream's cursor, following the feed, and read-modify-write on a 412."""

from __future__ import annotations

import asyncio

from recotrack_sdk import AsyncClient, Client, Versioned
from recotrack_sdk.models import Agency, AgencyPatch, Change, ProgressReportCreate
from tests.sdk.conftest import Sdk, make_recommendation


async def test_the_cursor_never_passes_a_change_not_handed_out(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    start = (await c.list_changes()).next_cursor
    await make_recommendation(c)  # three changes: investment, review, recommendation
    client = c.client

    def first_two(stream_cursor: str) -> tuple[list[str], list[str | None], str | None]:
        assert isinstance(client, Client)
        stream = client.changes(stream_cursor, page_size=2)
        seen, cursors = [], []
        for change in stream:
            seen.append(change.entity)
            cursors.append(stream.cursor)
            if len(seen) == 2:
                break
        return seen, cursors, stream.cursor

    async def first_two_async(
        stream_cursor: str,
    ) -> tuple[list[str], list[str | None], str | None]:
        assert isinstance(client, AsyncClient)
        stream = client.changes(stream_cursor, page_size=2)
        seen, cursors = [], []
        async for change in stream:
            seen.append(change.entity)
            cursors.append(stream.cursor)
            if len(seen) == 2:
                break
        return seen, cursors, stream.cursor

    seen, cursors, cursor = (
        await asyncio.to_thread(first_two, start)
        if isinstance(client, Client)
        else await first_two_async(start)
    )
    assert seen == ["investment", "review"]
    # inside a page the cursor stays at its start; at its last change, it moves to its end
    assert cursors[0] == start
    assert cursors[1] != start
    assert cursor == cursors[1]
    rest, end = await c.changes(cursor)
    assert [ch.entity for ch in rest] == ["recommendation"]
    assert end is not None


async def test_pages(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    start = (await c.list_changes()).next_cursor
    await make_recommendation(c)
    client = c.client
    if isinstance(client, Client):
        stream = client.changes(start, page_size=2)
        pages = await asyncio.to_thread(lambda: [(p, stream.cursor) for p in stream.pages()])
    else:
        astream = client.changes(start, page_size=2)
        pages = [(p, astream.cursor) async for p in astream.pages()]
    assert [len(p.items) for p, _ in pages] == [2, 1]
    assert all(cursor == p.next_cursor for p, cursor in pages)


async def test_follow_waits_for_new_changes(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    rec = await make_recommendation(c)
    agency = sdk.as_("skatteverket")
    end = (await agency.changes(None))[1]
    client = agency.client

    async def next_change() -> Change:
        if isinstance(client, Client):
            stream = client.changes(end, follow=True)
            return await asyncio.to_thread(next, stream)
        astream = client.changes(end, follow=True)
        return await anext(astream)

    following = asyncio.ensure_future(next_change())
    await asyncio.sleep(0)
    report = await agency.create_progress(rec.id, ProgressReportCreate(status="in_progress"))
    change = await asyncio.wait_for(following, 40)
    assert (change.entity, change.entity_id) == ("progress_report", report.id)


async def test_read_modify_write_reads_again_after_a_412(sdk: Sdk) -> None:
    ours = sdk.as_("secretariat").client
    theirs = sdk.as_("secretariat").client
    etags: list[str] = []

    if isinstance(ours, Client):
        assert isinstance(theirs, Client)

        def read() -> Versioned[Agency]:
            return ours.get_agency("skatteverket")

        def write(current: Versioned[Agency]) -> Versioned[Agency]:
            etags.append(current.etag)
            if len(etags) == 1:  # someone else gets in between our read and our write
                theirs.update_agency("skatteverket", AgencyPatch(name="Deras"), if_match=current)
            name = current.value.name + " (granskad)"
            return ours.update_agency("skatteverket", AgencyPatch(name=name), if_match=current)

        result = await asyncio.to_thread(ours.read_modify_write, read, write)
    else:
        assert isinstance(theirs, AsyncClient)

        async def aread() -> Versioned[Agency]:
            return await ours.get_agency("skatteverket")

        async def awrite(current: Versioned[Agency]) -> Versioned[Agency]:
            etags.append(current.etag)
            if len(etags) == 1:
                await theirs.update_agency(
                    "skatteverket", AgencyPatch(name="Deras"), if_match=current
                )
            name = current.value.name + " (granskad)"
            return await ours.update_agency(
                "skatteverket", AgencyPatch(name=name), if_match=current
            )

        result = await ours.read_modify_write(aread, awrite)
    assert etags == ['"1"', '"2"']
    assert (result.value.name, result.value.version) == ("Deras (granskad)", 3)
