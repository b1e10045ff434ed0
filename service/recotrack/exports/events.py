"""The event log's export: NDJSON or CSV, every event the caller may see, in `seq` order.

Each event's line is rendered by PostgreSQL (`store.exports.event_lines`); here the lines get
their line ends (CSV: CRLF in either dialect) and the CSV its header. The whole log as NDJSON
(no filter) starts with every signed checkpoint, one `{"checkpoint": {...}}` line each, so
that the file verifies offline against them (`recotrack_sdk.audit.verify_ndjson`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator, Sequence

from recotrack.exports import csv
from recotrack.exports.stream import Export, chain_head, start
from recotrack.store import exports as store
from recotrack.store.checkpoints import every_checkpoint
from recotrack.store.pool import Pool
from recotrack_sdk.audit import encode_checkpoint


async def events_export(
    pool: Pool,
    *,
    fmt: store.EventFormat,
    dialect: csv.Dialect,
    scope: str | None,
    agencies: Sequence[str] | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> Export:
    """The events as a started export; `since` inclusive, `until` exclusive."""

    async def body() -> AsyncGenerator[bytes, None]:
        async with store.snapshot(pool) as snap:
            yield chain_head(snap)
            whole_log = scope is None and agencies is None and since is None and until is None
            if fmt == "ndjson" and whole_log:
                checkpoints = await every_checkpoint(snap.conn)
                if checkpoints:
                    yield b"".join(
                        b'{"checkpoint":' + encode_checkpoint(c) + b"}\n" for c in checkpoints
                    )
            if fmt == "csv":
                yield csv.header(store.event_columns(snap.has_hash), dialect)
            end = "\n" if fmt == "ndjson" else csv.CRLF
            async for lines in store.event_lines(
                snap,
                fmt=fmt,
                scope=scope,
                agencies=agencies,
                since=since,
                until=until,
                separator=csv.separator(dialect),
            ):
                lines.append("")
                yield end.join(lines).encode()

    return await start(body(), kind="events", fmt=fmt)
