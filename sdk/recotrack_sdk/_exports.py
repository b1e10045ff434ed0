"""Exports (the event log, the recommendations) downloaded as files: the requests and what
their headers tell. No I/O here: `Client` and `AsyncClient` stream the body into a file."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import msgspec

from recotrack_sdk._base import Request
from recotrack_sdk._csv import Dialect as Dialect  # the exports' `dialect` parameter
from recotrack_sdk._query import filter_params, query
from recotrack_sdk.audit import decode_checkpoint
from recotrack_sdk.models import Checkpoint, RecommendationQuery

EventFormat = Literal["ndjson", "csv"]
RecommendationFormat = Literal["csv", "ndjson", "xlsx"]
_FILENAME = re.compile(r'filename="([^"]*)"')


@dataclass(frozen=True, slots=True)
class Export:
    """What a download brought: the chain head when it was read, and the file's name and size."""

    chain_head: str
    """The hash (hex) of the newest event in the snapshot the export was read from (its
    `seq` on a server whose events carry no hash): note it, to check the log later."""
    chain_head_seq: int | None
    filename: str | None
    media_type: str
    size: int
    """Bytes written to the file."""
    checkpoint: Checkpoint | None = None
    """The latest signed checkpoint when the export was read (`X-Chain-Checkpoint`): keep it
    outside the service, to verify the log against it later."""


def export_result(headers: Mapping[str, str], size: int) -> Export:
    """The `Export` a successful response's headers (names in lower case) describe."""
    disposition = _FILENAME.search(headers.get("content-disposition", ""))
    seq = headers.get("x-chain-head-seq", "")
    checkpoint = None
    if "x-chain-checkpoint" in headers:
        try:
            checkpoint = decode_checkpoint(headers["x-chain-checkpoint"])
        except msgspec.DecodeError:
            checkpoint = None  # not one: the file is what was asked for all the same
    return Export(
        chain_head=headers.get("x-chain-head", ""),
        chain_head_seq=int(seq) if seq.isascii() and seq.isdigit() else None,
        filename=disposition.group(1) if disposition else None,
        media_type=headers.get("content-type", ""),
        size=size,
        checkpoint=checkpoint,
    )


def export_events(
    *,
    format: EventFormat,
    dialect: Dialect | None,
    agency: str | Sequence[str] | None,
    since: dt.date | dt.datetime | None,
    until: dt.date | dt.datetime | None,
) -> Request:
    params = query(format=format, dialect=dialect, agency=agency, since=since, until=until)
    return Request("GET", "/v1/audit/events", params, {"Accept": "*/*"})


def export_recommendations(
    filters: RecommendationQuery, *, format: RecommendationFormat, dialect: Dialect | None
) -> Request:
    params = [*query(format=format, dialect=dialect), *filter_params(filters)]
    return Request("GET", "/v1/exports/recommendations", params, {"Accept": "*/*"})
