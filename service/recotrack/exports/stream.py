"""An export as a response: its streamed body, its media type and its headers.

An export's body is an async generator that takes its snapshot and yields the snapshot's
chain head and latest checkpoint first (`chain_head`), then the export's bytes. `start` reads
that first item, so an error before the first row surfaces to the caller (a problem response,
not a stream cut short), and from then on the generator's own cleanup owns the connection.
Every export names the latest checkpoint in `X-Chain-Checkpoint` (once there is one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Literal

import msgspec

from recotrack.domain.swedish_time import STOCKHOLM
from recotrack.store.exports import Snapshot
from recotrack_sdk.audit import encode_checkpoint
from recotrack_sdk.models import Checkpoint

Format = Literal["ndjson", "csv", "xlsx"]

# Litestar adds `; charset=utf-8` to every text/* type itself.
MEDIA_TYPES: dict[Format, str] = {
    "ndjson": "application/x-ndjson",
    "csv": "text/csv; header=present",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True, slots=True)
class Export:
    """A started export: stream `body` with `media_type` and `headers`."""

    body: AsyncGenerator[bytes, None]
    media_type: str
    headers: dict[str, str]


class _Head(msgspec.Struct, array_like=True):
    seq: int
    head: str
    checkpoint: Checkpoint | None


def chain_head(snap: Snapshot) -> bytes:
    """The first item of an export's body: its snapshot's chain head and latest checkpoint,
    for the headers."""
    return msgspec.json.encode(_Head(snap.head_seq or 0, snap.head, snap.checkpoint))


def attachment(kind: str, extension: str) -> str:
    """The `Content-Disposition` of an export: a download named by its kind and today."""
    today = dt.datetime.now(STOCKHOLM).date().isoformat()
    return f'attachment; filename="recotrack-{kind}-{today}.{extension}"'


async def start(body: AsyncGenerator[bytes, None], *, kind: str, fmt: Format) -> Export:
    """Start `body` (it yields its chain head first) and name what the rest of it is."""
    head = msgspec.json.decode(await anext(body), type=_Head)
    headers = {
        "Content-Disposition": attachment(kind, fmt),
        "X-Chain-Head": head.head,
        "X-Chain-Head-Seq": str(head.seq),
        "Cache-Control": "no-store",
    }
    if head.checkpoint is not None:
        headers["X-Chain-Checkpoint"] = encode_checkpoint(head.checkpoint).decode()
    return Export(body, MEDIA_TYPES[fmt], headers)
