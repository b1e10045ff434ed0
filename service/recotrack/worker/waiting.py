"""How background jobs wait: for a commit, a stop, or a time, whichever comes first."""

from __future__ import annotations

import asyncio


async def first_of(
    commit: asyncio.Event, stop: asyncio.Event, seconds: float, *more: asyncio.Event
) -> None:
    """Until `commit`, `stop` or any of `more` is set, or `seconds` have passed."""
    waits = [asyncio.ensure_future(event.wait()) for event in (commit, stop, *more)]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
