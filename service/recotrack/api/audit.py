"""`/v1/audit`: verify the event log's hash chain; its signed checkpoints and their keys."""

from __future__ import annotations

from typing import Annotated

import asyncpg
import msgspec
from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from recotrack.api.auth import requires
from recotrack.api.deps import Cursor, Limit
from recotrack.api.problem_responses import documented
from recotrack.api.problems import invalid_parameters
from recotrack.domain.access import Permission
from recotrack.store import checkpoints as store
from recotrack.store.audit import verify_chain
from recotrack_sdk.audit import CheckpointLike, decode_checkpoint
from recotrack_sdk.models import (
    ChainVerification,
    Checkpoint,
    CheckpointCreate,
    Page,
    SigningKey,
)

VERIFY = """Checks the whole event log: every event must match its hash (SHA-256 of the
previous event's hash and the event's canonical encoding), the events must be numbered
1, 2, 3, … without a gap, in commit order, and the chain must still hash to every signed
checkpoint the service keeps (each signed by a published key).

Answers `ok` with the number of events, the head hash and the checkpoints that held, or the
first broken link in `first_problem`: the event (`seq`) and what is wrong with it (`kind`):

- `content`: the event does not match its hash: it was changed, moved or put in (or the
  event before it was re-hashed);
- `missing`: an event number is absent: the event was deleted;
- `order`: an event is out of sequence or repeated;
- `checkpoint`: the chain is consistent but no longer hashes to a checkpoint at `seq`: an
  event from `from_seq` to `seq` was altered and every hash after it recomputed (or the
  chain now ends before `seq`);
- `signature`: a checkpoint is not signed by a published key;
- `head`: with `expected_head`, the chain is intact but does not end there.

A checkpoint kept outside the database (from an export, `POST /v1/audit/checkpoints`, or
the list) is checked any time later: pass it as issued in `checkpoint` (its JSON), or just
its `at_seq` and `expected_hash`; the chain up to that event must still hash to it, and the
events after it must follow intact. `expected_head` is stricter: the chain must end exactly
there (events added since count as a difference).

The auditor's and the secretariat's; the canonical encoding and an offline verifier for an
NDJSON export are in the SDK (`recotrack_sdk.audit`)."""

CHECKPOINT = """Signs the chain's head now (`seq`, `hash`, `time`) with the service's
Ed25519 key, which the database never holds, and answers the checkpoint: keep it where the
database's administrator cannot change it. The service also makes one by itself when events
have waited the interval (hourly by default) or many were written (10,000). Verify the
signature with the key `key_id` of `GET /v1/audit/keys` over
`recotrack_sdk.audit.checkpoint_message(seq, hash, time)`."""

Hash = Annotated[
    str | None,
    QueryParameter(pattern="^[0-9a-fA-F]{64}$", description="A hex SHA-256 hash."),
]


def _anchor(
    at_seq: int | None, expected_hash: str | None, checkpoint: str | None
) -> CheckpointLike | None:
    """The checkpoint the caller brings: signed (as issued), or `at_seq` + `expected_hash`."""
    if checkpoint is not None:
        if at_seq is not None or expected_hash is not None:
            raise invalid_parameters(
                {"checkpoint": "give a checkpoint, or at_seq with expected_hash, not both"}
            )
        try:
            return decode_checkpoint(checkpoint)
        except msgspec.DecodeError as exc:
            raise invalid_parameters({"checkpoint": f"not a checkpoint as issued: {exc}"}) from None
    if (at_seq is None) != (expected_hash is None):
        missing = "expected_hash" if expected_hash is None else "at_seq"
        raise invalid_parameters({missing: "at_seq and expected_hash go together"})
    if at_seq is None or expected_hash is None:
        return None
    return (at_seq, expected_hash)


class AuditController(Controller):
    path = "/audit"
    tags = ["audit"]  # noqa: RUF012
    opt = requires(Permission.AUDIT)

    @get(
        "/verify",
        responses=documented(400, 401, 403),
        operation_id="verify_audit_chain",
        summary="Verify the event log's hash chain",
        description=VERIFY,
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
        at_seq: Annotated[
            int | None,
            QueryParameter(
                ge=0,
                le=2**62,
                description="With `expected_hash`: the event the chain must still have it at.",
                # Litestar leaves a limit of 0 out of the contract (it is falsy): say it again
                schema_extra={"minimum": 0},
            ),
        ] = None,
        expected_hash: Hash = None,
        checkpoint: Annotated[
            str | None,
            QueryParameter(
                max_length=1000,
                description="A signed checkpoint as issued (its JSON): the chain up to its "
                "`seq` must still hash to it, and the signature be a published key's.",
            ),
        ] = None,
    ) -> ChainVerification:
        anchor = _anchor(at_seq, expected_hash, checkpoint)
        return await verify_chain(conn, expected_head, anchor)

    @post(
        "/checkpoints",
        responses=documented(400, 401, 403, 409, 413, 415, 422),
        operation_id="create_checkpoint",
        summary="Sign a checkpoint of the chain's head",
        description=CHECKPOINT,
    )
    async def create_checkpoint(
        self,
        conn: NamedDependency[asyncpg.Connection],
        state: State,
        data: JSONBody[CheckpointCreate],
    ) -> Response[Checkpoint]:
        made = await store.create(conn, state.signer)
        return Response(made, status_code=201, headers={"Cache-Control": "no-store"})

    @get(
        "/checkpoints",
        responses=documented(400, 401, 403),
        operation_id="list_checkpoints",
        summary="List the signed checkpoints, oldest first",
    )
    async def list_checkpoints(
        self,
        conn: NamedDependency[asyncpg.Connection],
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> Page[Checkpoint]:
        items, next_cursor = await store.list_checkpoints(conn, cursor=cursor, limit=limit)
        return Page(items=items, next_cursor=next_cursor)

    @get(
        "/keys",
        responses=documented(400, 401, 403),
        operation_id="list_signing_keys",
        summary="The public keys that sign checkpoints",
        description="Every key that has signed checkpoints (Ed25519, raw public key in hex), "
        "old ones too: keys rotate, and a checkpoint keeps verifying with the key it names. "
        "Keep this list with your checkpoints.",
    )
    async def list_signing_keys(
        self, conn: NamedDependency[asyncpg.Connection]
    ) -> list[SigningKey]:
        return await store.signing_keys(conn)
