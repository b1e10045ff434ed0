"""`/v1/audit/verify`: check the event log's hash chain."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from recotrack.api.auth import requires
from recotrack.api.problem_responses import documented
from recotrack.domain.access import Permission
from recotrack.store.audit import verify_chain
from recotrack_sdk.models import ChainVerification

VERIFY = """Checks the whole event log: every event must match its hash (SHA-256 of the
previous event's hash and the event's canonical encoding), and the events must be numbered
1, 2, 3, … without a gap, in commit order.

Answers `ok` with the number of events and the head hash, or the first broken link in
`first_problem`: the event (`seq`) and what is wrong with it (`kind`):

- `content`: the event does not match its hash: it was changed, moved or put in (or the
  event before it was re-hashed);
- `missing`: an event number is absent: the event was deleted;
- `order`: an event is out of sequence or repeated;
- `head`: with `expected_head`, the chain is intact but does not end there.

A rewrite that re-hashes every event keeps the chain consistent: pass a head hash noted
earlier (of a verification, or the one an export carries) as `expected_head`, and the chain
must end exactly there (`head` otherwise; events added since then count as a difference).

The auditor's and the secretariat's; the canonical encoding and an offline verifier for an
NDJSON export are in the SDK (`recotrack_sdk.audit`)."""


class AuditController(Controller):
    path = "/audit"
    tags = ["audit"]  # noqa: RUF012

    @get(
        "/verify",
        responses=documented(400, 401, 403),
        operation_id="verify_audit_chain",
        summary="Verify the event log's hash chain",
        description=VERIFY,
        opt=requires(Permission.AUDIT),
    )
    async def verify_audit_chain(
        self,
        conn: NamedDependency[asyncpg.Connection],
        expected_head: Annotated[
            str | None,
            QueryParameter(
                pattern="^[0-9a-fA-F]{64}$",
                description="The head hash (hex SHA-256) the chain must end at.",
            ),
        ] = None,
    ) -> ChainVerification:
        return await verify_chain(conn, expected_head)
