"""`/v1/disclosures`: requests for public records, answered with secrecy applied, and kept.

The documents are made once, when the disclosure is created, and handed out from then on as
they were made: the hashes in the answer (and in the event log) are of exactly those bytes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Annotated

import asyncpg
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from recotrack.api.auth import requires
from recotrack.api.contract import ID, binary, follows, success, text
from recotrack.api.deps import Cursor, Limit
from recotrack.api.problem_responses import CREATES, documented
from recotrack.domain.access import Permission, Principal
from recotrack.exports.release import MEDIA_TYPES, documents
from recotrack.store import disclosures as store
from recotrack_sdk.models import Disclosure, DisclosureCreate, DocumentFormat, Page

DisclosureId = FromPath[str]
_READS = documented(400, 401, 403, 404)
DOCUMENT_CONTENT = {
    MEDIA_TYPES["pdf"]: binary("The release typeset for print, in Swedish (`format=pdf`)."),
    "text/csv": text("One row per value, for Swedish Excel (`format=csv`)."),
    MEDIA_TYPES["json"]: text("The records as JSON (`format=json`)."),
}


class DisclosureController(Controller):
    path = "/disclosures"
    tags = ["public records"]  # noqa: RUF012

    @post(
        responses=CREATES,
        operation_id="create_disclosure",
        operation_class=success(
            links=[
                follows("get_disclosure", disclosure_id=ID),
                follows("get_disclosure_document", disclosure_id=ID),
            ]
        ),
        summary="Release public records",
        description="Registers a request for public records (its `request_ref`, the "
        "diarienummer) and answers it: the recommendations asked for, with their response, "
        "progress reports, assessments and closure, every field marked secret replaced by "
        "`[Uppgiften omfattas av sekretess enligt <ground>]` and the fields left out listed "
        "with their grounds. A draft is not a public record yet: asking for one is a 422. "
        "The answer lists the SHA-256 of each document (PDF, CSV, JSON), made now and kept "
        "as made; the disclosure is an event of the audit chain.",
        opt=requires(Permission.DISCLOSE),
    )
    async def create_disclosure(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        data: JSONBody[DisclosureCreate],
    ) -> Response[Disclosure]:
        made = await store.create_disclosure(conn, data, render=documents, actor=principal.actor)
        return Response(made, status_code=201, headers={"Location": f"/v1/disclosures/{made.id}"})

    @get(
        responses=_READS,
        operation_id="list_disclosures",
        summary="What was released, to whom and when",
        description="Newest last (in the order they were made).",
        opt=requires(Permission.READ_DISCLOSURES),
    )
    async def list_disclosures(
        self,
        conn: NamedDependency[asyncpg.Connection],
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> Page[Disclosure]:
        items, next_cursor = await store.list_disclosures(conn, cursor=cursor, limit=limit)
        return Page(items=items, next_cursor=next_cursor)

    @get(
        "/{disclosure_id:str}",
        responses=_READS,
        operation_id="get_disclosure",
        summary="One disclosure",
        opt=requires(Permission.READ_DISCLOSURES),
    )
    async def get_disclosure(
        self, conn: NamedDependency[asyncpg.Connection], disclosure_id: DisclosureId
    ) -> Disclosure:
        return await store.get_disclosure(conn, disclosure_id)

    @get(
        "/{disclosure_id:str}/document",
        responses=_READS,
        operation_class=success(content=DOCUMENT_CONTENT),
        operation_id="get_disclosure_document",
        summary="A document of the release, as it was handed out",
        description="`Repr-Digest` carries its SHA-256 (RFC 9530), the one the disclosure "
        "recorded.",
        opt=requires(Permission.READ_DISCLOSURES),
    )
    async def get_disclosure_document(
        self,
        conn: NamedDependency[asyncpg.Connection],
        disclosure_id: DisclosureId,
        format: Annotated[
            DocumentFormat, QueryParameter(description="`pdf` (default), `csv` or `json`.")
        ] = "pdf",
    ) -> Response[bytes]:
        disclosure = await store.get_disclosure(conn, disclosure_id)
        content = await store.document(conn, disclosure_id, format)
        digest = base64.b64encode(hashlib.sha256(content).digest()).decode()
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", disclosure.request_ref).strip("-") or "release"
        return Response(
            content,
            media_type=MEDIA_TYPES[format],
            headers={
                "Content-Disposition": f'attachment; filename="utlamnande-{name}.{format}"',
                "Repr-Digest": f"sha-256=:{digest}:",
            },
        )
