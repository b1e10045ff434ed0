"""Releases of public records (migration 0016): what was asked for, and the documents handed out.

A disclosure is written once and never changed: its documents are kept as they were handed
out, and their SHA-256 hashes are in its event, so the chain proves years later exactly what
the group released, to whom and when. The documents are made inside the write's transaction
from what the records held at that moment (`render`, given by the caller: the store holds
rows, not formats).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from recotrack.domain.errors import RuleViolation
from recotrack.store.errors import NotFound
from recotrack.store.pool import Connection
from recotrack.store.recommendations import COLUMNS
from recotrack.store.rows import Keyset, maybe_id, parse_id, to_struct
from recotrack.store.writes import write
from recotrack_sdk.models import (
    AgencyResponse,
    Assessment,
    Closure,
    Disclosure,
    DisclosureCreate,
    DocumentFormat,
    ProgressReport,
    Recommendation,
    SecrecyMark,
)

_COLUMNS = (
    "id::text, request_ref, requested_by, recommendation_ids::text[], documents, created_at,"
    " created_by"
)


@dataclass(frozen=True, slots=True)
class Record:
    """One recommendation as a release needs it: everything that follows it up, its marks."""

    recommendation: Recommendation
    agency_name: str
    response: AgencyResponse | None
    progress: list[ProgressReport]
    assessments: list[Assessment]
    closure: Closure | None
    marks: list[SecrecyMark]


Render = Callable[[Disclosure, list[Record]], Awaitable[Mapping[DocumentFormat, bytes]]]


async def records(conn: Connection, ids: list[uuid.UUID]) -> list[Record]:
    """The recommendations `ids` in that order, issued ones only (no scope: the secretariat's)."""
    found = {
        row["id"]: row
        for row in await conn.fetch(
            f"""
            select {COLUMNS}, (select name from agency where id = r.agency_id) as agency_name
            from recommendation_view r where id = any($1::uuid[])
            """,
            ids,
        )
    }
    for n, rec_id in enumerate(ids):
        row = found.get(str(rec_id))
        if row is None:
            raise RuleViolation(f"no recommendation {rec_id}", pointer=f"/recommendation_ids/{n}")
        if row["issued_on"] is None:
            raise RuleViolation(
                f"{row['code']} is a draft: it is not a public record until it is issued, "
                "so it is not released",
                pointer=f"/recommendation_ids/{n}",
            )
    responses = await _by_recommendation(
        conn,
        "select recommendation_id::text, decision, rationale, planned_actions, target_date,"
        " responded_by, '[]'::jsonb as target_date_history, version, created_at, updated_at"
        " from response where recommendation_id = any($1::uuid[])",
        ids,
        AgencyResponse,
    )
    progress = await _by_recommendation(
        conn,
        "select id::text, recommendation_id::text, status, note, percent_complete, evidence,"
        " reported_on, external_ref, created_at from progress_report"
        " where recommendation_id = any($1::uuid[]) order by reported_on, seq",
        ids,
        ProgressReport,
    )
    assessments = await _by_recommendation(
        conn,
        "select id::text, recommendation_id::text, status, note, assessed_on, created_at"
        " from assessment where recommendation_id = any($1::uuid[]) order by assessed_on, seq",
        ids,
        Assessment,
    )
    closures = await _by_recommendation(
        conn,
        "select recommendation_id::text, outcome, note, closed_at, version from closure"
        " where recommendation_id = any($1::uuid[])",
        ids,
        Closure,
    )
    marks = {
        row["recommendation_id"]: row["fields"]
        for row in await conn.fetch(
            "select recommendation_id::text, fields from secrecy"
            " where recommendation_id = any($1::uuid[])",
            ids,
        )
    }
    out = []
    for key in map(str, ids):
        row = found[key]
        out.append(
            Record(
                recommendation=msgspec.convert(
                    {k: v for k, v in row.items() if k != "agency_name"}, Recommendation
                ),
                agency_name=row["agency_name"],
                response=next(iter(responses.get(key, [])), None),
                progress=progress.get(key, []),
                assessments=assessments.get(key, []),
                closure=next(iter(closures.get(key, [])), None),
                marks=[to_struct(m, SecrecyMark) for m in marks.get(key, [])],
            )
        )
    return out


async def _by_recommendation(
    conn: Connection, sql: str, ids: list[uuid.UUID], kind: type[Any]
) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for row in await conn.fetch(sql, ids):
        grouped.setdefault(row["recommendation_id"], []).append(to_struct(row, kind))
    return grouped


async def create_disclosure(
    conn: Connection, data: DisclosureCreate, *, render: Render, actor: str
) -> Disclosure:
    ids = []
    for n, given in enumerate(data.recommendation_ids):
        parsed = maybe_id(given)
        if parsed is None:
            raise RuleViolation(f"no recommendation {given!r}", pointer=f"/recommendation_ids/{n}")
        ids.append(parsed)
    ids = list(dict.fromkeys(ids))  # asked twice, released once
    disclosure_id = uuid.uuid4()
    async with write(conn, "disclosure", actor=actor) as w:
        released = await records(conn, ids)
        created_at = await conn.fetchval("select write_time()")
        draft = Disclosure(
            id=str(disclosure_id),
            request_ref=data.request_ref,
            requested_by=data.requested_by,
            recommendation_ids=[str(i) for i in ids],
            documents=[],
            created_at=created_at,
            created_by=actor,
        )
        documents = await render(draft, released)
        listed = [
            {"format": f, "sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
            for f, body in documents.items()
        ]
        row = await conn.fetchrow(
            f"""
            insert into disclosure (id, request_ref, requested_by, recommendation_ids,
                documents, created_at, created_by)
            values ($1, $2, $3, $4, $5, $6, $7)
            returning {_COLUMNS}
            """,
            disclosure_id,
            data.request_ref,
            data.requested_by,
            ids,
            listed,
            created_at,
            actor,
        )
        await conn.executemany(
            "insert into disclosure_document (disclosure_id, format, content) values ($1, $2, $3)",
            [(disclosure_id, f, body) for f, body in documents.items()],
        )
        return await w.record("created", to_struct(row, Disclosure), agency_visible=False)


async def list_disclosures(
    conn: Connection, *, cursor: str | None, limit: int
) -> tuple[list[Disclosure], str | None]:
    keyset = Keyset("disclosures", cursor, limit, table="disclosure")
    args: list[Any] = []
    rows = await conn.fetch(
        f"""
        select {_COLUMNS} from disclosure where {keyset.where(args)}
        order by {keyset.order_by} limit {keyset.fetch}
        """,
        *args,
    )
    return keyset.page(rows, Disclosure)


async def get_disclosure(conn: Connection, disclosure_id: str) -> Disclosure:
    row = await conn.fetchrow(
        f"select {_COLUMNS} from disclosure where id = $1",
        parse_id(disclosure_id, "disclosure"),
    )
    if row is None:
        raise NotFound(f"no disclosure {disclosure_id!r}")
    return to_struct(row, Disclosure)


async def document(conn: Connection, disclosure_id: str, format: DocumentFormat) -> bytes:
    """The document exactly as it was handed out."""
    content: bytes | None = await conn.fetchval(
        "select content from disclosure_document where disclosure_id = $1 and format = $2",
        parse_id(disclosure_id, "disclosure"),
        format,
    )
    if content is None:
        raise NotFound(f"no disclosure {disclosure_id!r}")
    return content
