"""Signed checkpoints anchor the hash chain: a rewrite that re-hashes every event after its
change passes every link, but not a checkpoint made before it. For each tampering (edit,
delete, swap, insert), alone and followed by a full re-hash, verification against a
checkpoint made before it fails and names the range: online (`GET /v1/audit/verify`, with
the stored checkpoints and with one kept outside), on the command line, and offline on the
NDJSON export (its own checkpoint lines, their signatures checked against the published keys).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import asyncpg
import msgspec
import pytest

from recotrack.demo import load_demo
from recotrack.signing import load_signer
from recotrack_sdk.audit import (
    GENESIS,
    AuditEvent,
    chain_hash,
    checkpoint_message,
    encode_checkpoint,
    signature_problem,
    verify_ndjson,
)
from recotrack_sdk.models import ChainVerification, Checkpoint, SigningKey
from tests.helpers import Api, connection, signing_key_file
from tests.test_audit_chain import (
    COLUMNS,
    K,
    Tamper,
    _change_field,
    _delete,
    _insert,
    _rows,
    _swap,
    _tamper,
)
from tests.test_cli import recotrack


async def _checkpoint(api: Api) -> Checkpoint:
    r = await api.call("auditor", "POST", "/v1/audit/checkpoints", json={})
    assert r.status_code == 201, r.text
    return msgspec.convert(r.json(), Checkpoint, strict=False)


async def _signed_at(db: asyncpg.Connection, seq: int) -> Checkpoint:
    """A checkpoint of an earlier event, signed with the service's own key (as the service
    signs its head), so that one lies before the tampered event."""
    signer = load_signer(Path(signing_key_file()), Path())
    row = await db.fetchrow(
        "select encode(hash, 'hex') as h, now() as t from event where seq = $1", seq
    )
    assert row is not None
    signature = signer.sign(checkpoint_message(seq, row["h"], row["t"]))
    await db.execute(
        "insert into checkpoint (seq, hash, made_at, key_id, signature) "
        "values ($1, decode($2, 'hex'), $3, $4, $5)",
        seq, row["h"], row["t"], signer.key_id, signature,
    )  # fmt: skip
    return Checkpoint(
        seq=seq, hash=row["h"], time=row["t"], key_id=signer.key_id, signature=signature.hex()
    )


async def _keys(api: Api) -> list[SigningKey]:
    r = await api.call("auditor", "GET", "/v1/audit/keys")
    assert r.status_code == 200, r.text
    return msgspec.convert(r.json(), list[SigningKey], strict=False)


async def _export(api: Api) -> list[bytes]:
    r = await api.call("auditor", "GET", "/v1/audit/events")
    assert r.status_code == 200, r.text
    return r.content.splitlines()


async def _verify(api: Api, **params: str | int) -> ChainVerification:
    r = await api.call("auditor", "GET", "/v1/audit/verify", params=params)
    assert r.status_code == 200, r.text
    return msgspec.convert(r.json(), ChainVerification, strict=False)


async def _rehash(db: asyncpg.Connection) -> None:
    """What a forger does after tampering: renumber 1, 2, 3, … and recompute every hash."""
    rows = await _rows(db)
    previous = GENESIS
    for seq, row in enumerate(rows, start=1):
        row.seq = seq
        previous = chain_hash(previous, row)
        row.hash = previous.hex()

    async def rewrite(conn: asyncpg.Connection) -> None:
        await conn.execute("delete from event")
        await conn.executemany(
            f"insert into event (seq, {COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
            "$10::uuid, $11, decode($12, 'hex'))",
            [
                (
                    r.seq,
                    r.occurred_at,
                    r.actor,
                    r.agency_id,
                    r.entity,
                    r.entity_id,
                    r.action,
                    r.version,
                    r.data,
                    r.recommendation_id,
                    r.agency_visible,
                    r.hash,
                )
                for r in rows
            ],
        )

    await _tamper(db, rewrite)


TAMPERINGS: dict[str, Tamper] = {
    "edit": _change_field,
    "delete": _delete,
    "swap": _swap,
    "insert": _insert,
}
CASES = [(name, rehash) for name in TAMPERINGS for rehash in (False, True)]


@pytest.mark.parametrize(
    ("name", "rehash"), CASES, ids=[f"{n}{' then re-hash' if r else ''}" for n, r in CASES]
)
async def test_a_checkpoint_made_before_the_tampering_finds_it(
    api: Api, db: asyncpg.Connection, name: str, rehash: bool
) -> None:
    await load_demo(db, per_agency=2)
    early = await _signed_at(db, K - 10)  # before event K: it must keep holding
    kept = await _checkpoint(api)  # after K: the auditor keeps this one
    assert kept.seq > K + 5
    keys = await _keys(api)
    assert signature_problem(kept, keys) is None
    before = await _export(api)
    assert verify_ndjson(before, keys=keys).ok

    await _tamper(db, TAMPERINGS[name])
    if rehash:
        await _rehash(db)
        # every link holds again: only a checkpoint tells
        assert verify_ndjson([line for line in await _export(api) if b"checkpoint" not in line]).ok

    after = await _export(api)
    plain = [line for line in after if not line.startswith(b'{"checkpoint":')]
    if rehash:
        # a deletion re-hashed leaves the chain one short of the kept checkpoint's event
        first, last = early.seq + 1, kept.seq
        kind = "truncated" if name == "delete" else "checkpoint"
    else:
        first, last = (K, K + 1) if name == "swap" else (K, K)
        kind = {"delete": "missing", "swap": "order", "insert": "inserted"}.get(name, "content")

    def names_the_range(result: ChainVerification) -> None:
        assert not result.ok, result
        problem = result.first_problem
        assert problem is not None
        assert problem.kind == kind, problem
        assert (problem.from_seq or problem.seq, problem.seq) == (first, last), problem
        if rehash:
            assert f"events {first} to {last}" in problem.detail
            assert (result.count, result.head_hash) == (early.seq, early.hash)

    # online: the stored checkpoints alone, the kept one as issued, and by seq and hash
    names_the_range(await _verify(api))
    names_the_range(await _verify(api, checkpoint=encode_checkpoint(kept).decode()))
    names_the_range(await _verify(api, at_seq=kept.seq, expected_hash=kept.hash))
    # offline: the export's own checkpoint lines; the kept one on an export without them
    names_the_range(verify_ndjson(after, keys=keys))
    names_the_range(verify_ndjson(plain, checkpoints=[early, kept], keys=keys))
    if rehash:
        only_kept = verify_ndjson(plain, checkpoints=[kept], keys=keys)
        assert only_kept.first_problem is not None
        assert (only_kept.first_problem.from_seq, only_kept.first_problem.seq) == (1, kept.seq)
    # and the command line, on the database
    ran = await recotrack(
        "audit", "verify", "--checkpoint", encode_checkpoint(kept).decode(), database=api.db_url
    )
    assert ran.status == 1, (ran.stdout, ran.stderr)
    where = (
        f"event {last}"
        if first == last
        else f"events {first} and {last}"
        if last == first + 1
        else f"events {first} to {last}"
    )
    assert ran.stdout.startswith(f"broken: {where}: {kind}: "), ran.stdout


async def test_the_forger_who_also_deletes_the_stored_checkpoints_meets_the_kept_one(
    api: Api, db: asyncpg.Connection
) -> None:
    await load_demo(db, per_agency=2)
    kept = await _checkpoint(api)
    await _tamper(db, _change_field)
    await _rehash(db)
    await db.execute("delete from checkpoint")
    assert (await _verify(api)).ok  # nothing left in the database to tell
    result = await _verify(api, checkpoint=encode_checkpoint(kept).decode())
    assert result.first_problem is not None
    assert (result.first_problem.kind, result.first_problem.from_seq) == ("checkpoint", 1)
    assert result.first_problem.seq == kept.seq
    ran = await recotrack(
        "audit", "verify", "--at-seq", str(kept.seq), "--expected-hash", kept.hash,
        database=api.db_url,
    )  # fmt: skip
    assert ran.status == 1
    assert ran.stdout.startswith(f"broken: events 1 to {kept.seq}: checkpoint: "), ran.stdout


async def test_intact_checkpoints_hold_and_the_rest_follows(
    api: Api, db: asyncpg.Connection
) -> None:
    await load_demo(db, per_agency=1)
    first = await _checkpoint(api)
    await load_demo(db, per_agency=2)
    second = await _checkpoint(api)
    await load_demo(db, per_agency=3)  # events after the last checkpoint must follow intact
    result = await _verify(api, checkpoint=encode_checkpoint(first).decode())
    assert (result.ok, result.checkpoints) == (True, 3), result
    keys = await _keys(api)
    assert verify_ndjson(await _export(api), checkpoints=[second], keys=keys).checkpoints == 3
    ran = await recotrack("audit", "verify", database=api.db_url)
    assert ran.status == 0, ran.stdout
    assert ran.stdout.endswith("; 2 checkpoints hold\n"), ran.stdout
    # a checkpoint past the end: the chain was cut short
    short = await _verify(api, at_seq=result.count + 5, expected_hash="ab" * 32)
    assert short.first_problem is not None
    assert short.first_problem.kind == "truncated"
    assert f"the chain ends at event {result.count}" in short.first_problem.detail


async def test_a_forged_checkpoint_is_refused_by_its_signature(
    api: Api, db: asyncpg.Connection
) -> None:
    await load_demo(db, per_agency=1)
    real = await _checkpoint(api)
    keys = await _keys(api)
    forged = msgspec.structs.replace(real, time=real.time + dt.timedelta(seconds=1))
    assert signature_problem(forged, keys) is not None
    unknown = msgspec.structs.replace(real, key_id="0" * 16)
    assert "not one of the published" in (signature_problem(unknown, keys) or "")
    result = await _verify(api, checkpoint=encode_checkpoint(forged).decode())
    assert result.first_problem is not None
    assert (result.first_problem.kind, result.first_problem.seq) == ("signature", real.seq)
    # a checkpoint put in the database by hand, without the key
    await db.execute(
        "insert into checkpoint (seq, hash, made_at, key_id, signature) "
        "values ($1, decode($2, 'hex'), now(), $3, $4)",
        real.seq,
        real.hash,
        real.key_id,
        bytes(64),
    )
    stored = await _verify(api)
    assert stored.first_problem is not None
    assert stored.first_problem.kind == "signature"
    # offline, a forged line in the export is found with the keys (and passes without)
    lines = await _export(api)
    assert verify_ndjson(lines, keys=keys).first_problem.kind == "signature"  # type: ignore[union-attr]
    assert verify_ndjson(lines).ok


async def test_checkpoints_are_listed_signed_and_carried_by_every_export(
    api: Api, db: asyncpg.Connection
) -> None:
    r = await api.call("auditor", "GET", "/v1/audit/checkpoints")
    assert r.json() == {"items": [], "next_cursor": None}
    empty = await _checkpoint(api) if not await db.fetchval("select count(*) from event") else None
    await load_demo(db, per_agency=1)
    made = [await _checkpoint(api) for _ in range(3)]
    keys = await _keys(api)
    assert [k.key_id for k in keys] == [made[0].key_id]
    for c in made:
        assert signature_problem(c, keys) is None
    head = await db.fetchrow("select seq, encode(hash, 'hex') as h from event order by seq desc")
    assert head is not None
    assert (made[-1].seq, made[-1].hash) == (head["seq"], head["h"])
    message = checkpoint_message(made[0].seq, made[0].hash, made[0].time)
    assert message.startswith(b"recotrack checkpoint v1\n{")
    listed: list[Checkpoint] = []
    cursor = None
    for _ in range(10):
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        r = await api.call("secretariat", "GET", "/v1/audit/checkpoints", params=params)
        assert r.status_code == 200, r.text
        listed += msgspec.convert(r.json()["items"], list[Checkpoint], strict=False)
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert listed == [*([empty] if empty else []), *made]
    for path in ("/v1/audit/events", "/v1/audit/events?format=csv", "/v1/exports/recommendations"):
        r = await api.call("secretariat", "GET", path)
        assert r.status_code == 200, r.text
        carried = msgspec.json.decode(r.headers["x-chain-checkpoint"], type=Checkpoint)
        assert carried == made[-1], path
    lines = await _export(api)
    assert [msgspec.json.decode(x)["checkpoint"]["seq"] for x in lines[: len(listed)]] == [
        c.seq for c in listed
    ]
    # an agency's export is not the chain: no checkpoint lines, the header all the same
    r = await api.call("skatteverket", "GET", "/v1/audit/events")
    assert b"checkpoint" not in r.content.split(b"\n", 1)[0]
    # an idempotent retry replays the same checkpoint
    headers = {"Idempotency-Key": "cp-1"}
    one = await api.call("auditor", "POST", "/v1/audit/checkpoints", json={}, headers=headers)
    two = await api.call("auditor", "POST", "/v1/audit/checkpoints", json={}, headers=headers)
    assert (one.status_code, two.status_code) == (201, 201)
    assert one.json() == two.json()
    assert two.headers["idempotent-replayed"] == "true"


async def test_bad_checkpoints_are_bad_requests(api: Api) -> None:
    for params in (
        {"checkpoint": "{not json"},
        {"checkpoint": '{"seq": -1}'},
        {"at_seq": "3"},
        {"expected_hash": "ab" * 32},
        {"checkpoint": "{}", "at_seq": "1", "expected_hash": "ab" * 32},
        {"at_seq": "-1", "expected_hash": "ab" * 32},
    ):
        r = await api.call("auditor", "GET", "/v1/audit/verify", params=params)
        assert r.status_code == 400, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    ran = await recotrack("audit", "verify", "--checkpoint", "{}", database=api.db_url)
    assert ran.status == 2
    assert "not a checkpoint" in ran.stderr
    ran = await recotrack("audit", "verify", "--at-seq", "3", database=api.db_url)
    assert ran.status == 2
    assert "go together" in ran.stderr


def test_an_empty_logs_checkpoint_and_events_without_any() -> None:
    genesis = (0, GENESIS.hex())
    assert verify_ndjson([], checkpoints=[genesis]).ok
    event = AuditEvent(
        seq=1,
        occurred_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        actor="a",
        agency_id=None,
        entity="e",
        entity_id="1",
        action="created",
        version=None,
        recommendation_id=None,
        agency_visible=True,
        data={},
        hash="",
    )
    event.hash = chain_hash(GENESIS, event).hex()
    line = msgspec.json.encode(event)
    assert verify_ndjson([line], checkpoints=[genesis, (1, event.hash)]).checkpoints == 2
    late = b'{"checkpoint":' + line + b"}"
    assert verify_ndjson([line, late]).first_problem.kind == "malformed"  # type: ignore[union-attr]


async def test_the_service_role_may_only_read_and_append_checkpoints_and_keys(
    api: Api, service_url: str
) -> None:
    await _checkpoint(api)  # made as the service's role: it may append
    async with connection(service_url) as conn:
        for table in ("checkpoint", "signing_key"):
            allowed = {
                privilege
                for privilege in ("select", "insert", "update", "delete", "truncate")
                if await conn.fetchval("select has_table_privilege($1, $2)", table, privilege)
            }
            assert allowed == {"select", "insert"}, table
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("delete from checkpoint")
