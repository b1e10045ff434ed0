"""Tamper evidence: the event log's hash chain holds through every kind of write, and a change
made behind the service's back (as a superuser, trigger disabled) is found and located by the
store, `GET /v1/audit/verify`, `recotrack audit verify` and the SDK's offline verifier."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import msgspec
import pytest

from recotrack.demo import load_demo
from recotrack.store import events
from recotrack.store.audit import EVENTS_IN_ORDER, verify_chain
from recotrack.store.pool import connect
from recotrack_sdk.audit import (
    GENESIS,
    AuditEvent,
    canonical,
    chain_hash,
    verify_events,
    verify_ndjson,
)
from recotrack_sdk.models import ChainVerification
from tests import flow
from tests.helpers import Api
from tests.test_cli import recotrack


async def _rows(db: asyncpg.Connection) -> list[AuditEvent]:
    return [AuditEvent(**row) for row in await db.fetch(EVENTS_IN_ORDER)]


def _ndjson(rows: list[AuditEvent]) -> list[bytes]:
    return [msgspec.json.encode(row) + b"\n" for row in rows]


async def _head(db: asyncpg.Connection) -> tuple[int, str]:
    row = await db.fetchrow("select seq, encode(hash, 'hex') as h from event order by seq desc")
    assert row is not None
    return row["seq"], row["h"]


async def _writes(api: Api, db: asyncpg.Connection) -> None:
    """Demo data, API writes of every kind, a batch sync and concurrent writers."""
    await load_demo(db, per_agency=3)
    rec = await flow.recommendation(api)
    r = await api.call(
        "skatteverket",
        "PUT",
        f"/v1/recommendations/{rec['id']}/response",
        json={"decision": "accepted", "responded_by": "Generaldirektören"},
    )
    assert r.status_code == 201, r.text
    batch = [
        {"recommendation_id": rec["id"], "external_ref": f"PPM-{n}", "status": "in_progress"}
        for n in range(50)
    ]
    r = await api.call("skatteverket", "POST", "/v1/sync/progress", json={"items": batch})
    assert r.status_code == 200, r.text
    await asyncio.gather(*(flow.recommendation(api) for _ in range(6)))
    await _concurrent_store_writers(api.db_url, writers=8, each=5)


class _Note(msgspec.Struct):
    text: str
    n: int
    when: dt.date
    nested: dict[str, Any]


async def _concurrent_store_writers(db_url: str, *, writers: int, each: int) -> None:
    async def writer(w: int) -> None:
        conn = await connect(db_url)
        try:
            for i in range(each):
                async with conn.transaction():
                    await events.record_many(
                        conn,
                        actor=f"test:{w}",
                        agency_id=None,
                        entity="note",
                        action="noted",
                        rows=[
                            (
                                f"{w}-{i}-{k}",
                                k,
                                # keys out of order, non-ASCII text: what jsonb gives back differs
                                _Note(
                                    text='Åtgärd \u2013 ö\n"citat"',
                                    n=w * 100 + i,
                                    when=dt.date(2026, 1, 15),
                                    nested={"z": [1, 2.5, None], "a": {"å": True}},
                                ),
                                # not in the form the uuid column gives back
                                "0000000A-0000-4000-8000-00000000000B" if k else None,
                            )
                            for k in range(3)
                        ],
                    )
                    await asyncio.sleep(0)
        finally:
            await conn.close()

    await asyncio.gather(*(writer(w) for w in range(writers)))


async def test_the_chain_holds_after_many_writes(api: Api, db: asyncpg.Connection) -> None:
    await _writes(api, db)
    count = await db.fetchval("select count(*) from event")
    head_seq, head_hash = await _head(db)
    assert count > 200
    assert head_seq == count  # gapless, from 1
    seqs = [row["seq"] for row in await db.fetch("select seq from event order by seq")]
    assert seqs == list(range(1, count + 1))

    result = await verify_chain(db)
    assert result == ChainVerification(ok=True, count=count, head_hash=head_hash)
    assert (await verify_chain(db, head_hash.upper())).ok

    # what was hashed at insert is exactly what the database gives back
    rows = await _rows(db)
    previous = GENESIS
    for row in rows:
        assert chain_hash(previous, row).hex() == row.hash, row.seq
        previous = bytes.fromhex(row.hash)
    assert verify_events(rows).ok
    # and what an NDJSON export of those rows carries
    assert verify_ndjson(_ndjson(rows), expected_head=head_hash) == result

    for who in ("auditor", "secretariat"):
        r = await api.call(who, "GET", f"/v1/audit/verify?expected_head={head_hash}")
        assert r.status_code == 200, r.text
        assert r.json() == {
            "ok": True,
            "count": count,
            "head_hash": head_hash,
            "first_problem": None,
            "checkpoints": 0,
        }
    ran = await recotrack("audit", "verify", database=api.db_url)
    assert (ran.status, ran.stdout) == (0, f"ok: {count} events, head {head_hash}\n"), ran.stderr


async def test_an_empty_log_verifies(db: asyncpg.Connection) -> None:
    await db.execute("alter table event disable trigger user")
    await db.execute("delete from event")  # the template's own events, if any
    await db.execute("alter table event enable trigger user")
    assert await verify_chain(db) == ChainVerification(ok=True, count=0, head_hash=None)
    assert verify_ndjson([]) == ChainVerification(ok=True, count=0, head_hash=None)
    result = await verify_chain(db, "00" * 32)
    assert not result.ok
    assert result.first_problem is not None
    assert result.first_problem.kind == "head"


# --- tampering ---------------------------------------------------------------------------

K = 40
"""The event tampered with."""

COLUMNS = (
    "occurred_at, actor, agency_id, entity, entity_id, action, version, data, "
    "recommendation_id, agency_visible, hash"
)


async def _change_field(db: asyncpg.Connection) -> None:
    await db.execute(
        'update event set data = data || \'{"title": "Ändrad i efterhand"}\' where seq = $1', K
    )


async def _change_actor(db: asyncpg.Connection) -> None:
    await db.execute("update event set actor = 'someone-else' where seq = $1", K)


async def _change_time(db: asyncpg.Connection) -> None:
    await db.execute(
        "update event set occurred_at = occurred_at + interval '1 microsecond' where seq = $1", K
    )


async def _delete(db: asyncpg.Connection) -> None:
    await db.execute("delete from event where seq = $1", K)


async def _swap(db: asyncpg.Connection) -> None:
    """Events K and K+1 trade places: each keeps its content and its hash, not its number."""
    await db.execute(
        f"""
        update event e set ({COLUMNS}) = (
            select {COLUMNS} from event o
            where o.seq = case e.seq when $1::bigint then $1::bigint + 1 else $1::bigint end
        )
        where e.seq in ($1::bigint, $1::bigint + 1)
        """,
        K,
    )


async def _insert(db: asyncpg.Connection) -> None:
    """An event put in before K, later ones renumbered; its hash forged with the algorithm."""
    await db.execute("update event set seq = -seq - 1 where seq >= $1", K)
    await db.execute("update event set seq = -seq where seq < 0")
    previous = bytes.fromhex(
        await db.fetchval("select encode(hash, 'hex') from event where seq = $1", K - 1)
    )
    forged = AuditEvent(
        seq=K,
        occurred_at=dt.datetime.now(dt.UTC),
        actor="token:forged",
        agency_id="skatteverket",
        entity="closure",
        entity_id="forged",
        action="created",
        version=1,
        recommendation_id=None,
        agency_visible=True,
        data={"outcome": "implemented"},
        hash="",
    )
    await db.execute(
        f"insert into event (seq, {COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
        "$10, $11, $12)",
        K,
        forged.occurred_at,
        forged.actor,
        forged.agency_id,
        forged.entity,
        forged.entity_id,
        forged.action,
        forged.version,
        forged.data,
        None,
        True,
        chain_hash(previous, forged),
    )


async def _insert_unhashed(db: asyncpg.Connection) -> None:
    """An event put in before K, later ones renumbered, with a made-up hash."""
    await db.execute("update event set seq = -seq - 1 where seq >= $1", K)
    await db.execute("update event set seq = -seq where seq < 0")
    await db.execute(
        f"insert into event (seq, {COLUMNS}) select $1, {COLUMNS} from event where seq = $2",
        K,
        K + 5,
    )


Tamper = Callable[[asyncpg.Connection], Awaitable[None]]
TAMPERING: dict[str, tuple[Tamper, int, str]] = {
    "change a field of data": (_change_field, K, "content"),
    "change the actor": (_change_actor, K, "content"),
    "change the time by a microsecond": (_change_time, K, "content"),
    "delete an event": (_delete, K, "missing"),
    "swap two events": (_swap, K + 1, "order"),
    # the forged event links to its predecessor; the link after it breaks, and tells
    "insert an event with a forged hash": (_insert, K, "inserted"),
    "insert an event with a copied hash": (_insert_unhashed, K, "inserted"),
}


async def _tamper(db: asyncpg.Connection, how: Tamper) -> None:
    await db.execute("alter table event disable trigger user")
    try:
        async with db.transaction():
            await how(db)
    finally:
        await db.execute("alter table event enable trigger user")


@pytest.mark.parametrize(("how", "seq", "kind"), TAMPERING.values(), ids=TAMPERING.keys())
async def test_tampering_is_detected_and_located(
    api: Api, db: asyncpg.Connection, how: Tamper, seq: int, kind: str
) -> None:
    await load_demo(db, per_agency=2)
    assert await db.fetchval("select count(*) from event") > K + 10
    before = await _rows(db)  # an export taken before the tampering
    await _tamper(db, how)

    result = await verify_chain(db)
    assert not result.ok
    assert result.first_problem is not None
    assert (result.first_problem.seq, result.first_problem.kind) == (seq, kind), result
    after = await _rows(db)
    first = result.first_problem.from_seq or seq  # a swap names both events: K and K + 1
    assert result.count == first - 1  # intact up to the broken link
    assert result.head_hash == after[first - 2].hash

    r = await api.call("auditor", "GET", "/v1/audit/verify")
    assert r.status_code == 200, r.text
    assert msgspec.convert(r.json(), ChainVerification) == result

    ran = await recotrack("audit", "verify", database=api.db_url)
    assert ran.status == 1, (ran.stdout, ran.stderr)
    where = f"events {first} and {seq}" if first != seq else f"event {seq}"
    assert ran.stdout.startswith(f"broken: {where}: {kind}: "), ran.stdout

    # an NDJSON export of the tampered log says the same, offline
    assert verify_ndjson(_ndjson(after)) == result
    assert verify_ndjson(_ndjson(before)).ok


async def test_expected_head_catches_a_rewritten_chain(api: Api, db: asyncpg.Connection) -> None:
    await load_demo(db, per_agency=2)
    _, noted = await _head(db)
    await _tamper(db, _change_field)
    # the forger re-hashes every event from the changed one on: the chain is consistent again
    rows = await _rows(db)
    previous = bytes.fromhex(rows[K - 2].hash)
    for row in rows[K - 1 :]:
        previous = chain_hash(previous, row)
        row.hash = previous.hex()

    async def rehash(conn: asyncpg.Connection) -> None:
        await conn.executemany(
            "update event set hash = decode($2, 'hex') where seq = $1",
            [(row.seq, row.hash) for row in rows[K - 1 :]],
        )

    await _tamper(db, rehash)
    count, head = await _head(db)
    assert head != noted
    assert (await verify_chain(db)).ok

    result = await verify_chain(db, noted)
    assert not result.ok
    assert result.first_problem is not None
    assert (result.first_problem.seq, result.first_problem.kind) == (count, "head")
    assert (result.count, result.head_hash) == (count, head)

    r = await api.call("secretariat", "GET", f"/v1/audit/verify?expected_head={noted}")
    assert r.status_code == 200, r.text
    assert msgspec.convert(r.json(), ChainVerification) == result
    ran = await recotrack("audit", "verify", "--expected-head", noted, database=api.db_url)
    assert ran.status == 1, (ran.stdout, ran.stderr)
    assert ran.stdout.startswith(f"broken: event {count}: head: "), ran.stdout
    assert verify_ndjson(_ndjson(rows), expected_head=noted) == result

    # deleting the newest events leaves no gap either: only the head tells
    async def cut_short(conn: asyncpg.Connection) -> None:
        await conn.execute("delete from event where seq > $1", count - 3)

    await _tamper(db, cut_short)
    assert (await verify_chain(db)).ok
    cut = await verify_chain(db, head)
    assert cut.first_problem is not None
    assert (cut.first_problem.seq, cut.first_problem.kind) == (count - 3, "head")


async def test_verify_is_the_auditors_and_the_secretariats(api: Api) -> None:
    for who in ("skatteverket", "forsakringskassan"):
        r = await api.call(who, "GET", "/v1/audit/verify")
        assert r.status_code == 403, r.text
    r = await api.call("auditor", "GET", "/v1/audit/verify?expected_head=xyz")
    assert r.status_code == 400, r.text


async def test_the_cli_refuses_a_malformed_expected_head(db_url: str) -> None:
    ran = await recotrack("audit", "verify", "--expected-head", "abc", database=db_url)
    assert ran.status == 2
    assert "not a SHA-256 hash" in ran.stderr


# --- the offline verifier on an export file -----------------------------------------------


def _chain(n: int) -> list[AuditEvent]:
    rows: list[AuditEvent] = []
    previous = GENESIS
    for seq in range(1, n + 1):
        event = AuditEvent(
            seq=seq,
            occurred_at=dt.datetime(2026, 3, 1, 12, 0, seq, 500, tzinfo=dt.UTC),
            actor="token:t",
            agency_id="skatteverket",
            entity="recommendation",
            entity_id=f"r{seq}",
            action="updated",
            version=seq,
            recommendation_id=None,
            agency_visible=True,
            data={"b": seq, "a": "å"},
            hash="",
        )
        previous = chain_hash(previous, event)
        event.hash = previous.hex()
        rows.append(event)
    return rows


def _problem(lines: list[bytes]) -> tuple[int | None, str]:
    result = verify_ndjson(lines)
    assert not result.ok
    assert result.first_problem is not None
    return result.first_problem.seq, result.first_problem.kind


def test_an_export_file_verifies_offline() -> None:
    rows = _chain(10)
    lines = _ndjson(rows)
    assert verify_ndjson(lines) == ChainVerification(ok=True, count=10, head_hash=rows[-1].hash)
    assert verify_ndjson([line.decode() for line in lines]).ok  # text lines too
    assert verify_ndjson([*lines[:5], b"\n", *lines[5:]]).ok  # blank lines are skipped
    assert _problem([*lines[:3], *lines[4:]]) == (4, "missing")
    assert _problem([*lines[:3], lines[4], lines[3], *lines[5:]]) == (5, "order")
    assert _problem([*lines[:3], lines[2], *lines[3:]]) == (3, "order")
    assert _problem([*lines[:3], b"{not json\n", *lines[3:]]) == (None, "malformed")
    changed = msgspec.json.decode(lines[6])
    changed["data"]["b"] = 99
    assert _problem([*lines[:6], msgspec.json.encode(changed), *lines[7:]]) == (7, "content")
    changed = msgspec.json.decode(lines[6])
    changed["hash"] = "zz"
    assert _problem([*lines[:6], msgspec.json.encode(changed), *lines[7:]]) == (7, "content")


def test_the_canonical_encoding_does_not_depend_on_form() -> None:
    event = _chain(1)[0]
    stockholm = dt.timezone(dt.timedelta(hours=1))
    same = msgspec.structs.replace(
        event,
        occurred_at=event.occurred_at.astimezone(stockholm),
        data={"a": "å", "b": 1},
    )
    assert canonical(same) == canonical(event)
    assert (
        canonical(event)
        == (
            '[1,"2026-03-01T12:00:01.000500Z","token:t","skatteverket","recommendation","r1",'
            '"updated",1,null,true,{"a":"å","b":1}]'
        ).encode()
    )
    with pytest.raises(ValueError, match="time zone"):
        canonical(msgspec.structs.replace(event, occurred_at=dt.datetime(2026, 3, 1)))


def _found(lines: list[bytes], **kwargs: Any) -> ChainVerification:
    result = verify_ndjson(lines, **kwargs)
    assert not result.ok, result
    assert result.first_problem is not None
    return result


def _renumbered(rows: list[AuditEvent], start: int, by: int) -> list[bytes]:
    """The events from `start` on with their numbers moved by `by`, each keeping its hash."""
    return _ndjson([msgspec.structs.replace(r, seq=r.seq + by) for r in rows[start - 1 :]])


def test_the_offline_check_names_what_it_found() -> None:
    """Each kind of damage to an export is named for what it is, where it is."""
    rows = _chain(50)
    lines = _ndjson(rows)

    swapped = _found([*lines[:40], lines[41], lines[40], *lines[42:]])
    assert swapped.first_problem is not None
    assert swapped.first_problem.kind == "order"
    assert (swapped.first_problem.from_seq, swapped.first_problem.seq) == (41, 42)
    assert "events 41 and 42 are out of order" in swapped.first_problem.detail
    assert (swapped.count, swapped.head_hash) == (40, rows[39].hash)  # intact before them

    moved = _found([*lines[:40], lines[44], *lines[40:44], *lines[45:]])  # 45 put before 41
    assert moved.first_problem is not None
    assert moved.first_problem.kind == "order"
    assert (moved.first_problem.from_seq, moved.first_problem.seq) == (41, 45)

    # the contents of two events traded places, each under the other's number
    traded = [
        *lines[:40],
        *_ndjson([msgspec.structs.replace(rows[41], seq=41)]),
        *_ndjson([msgspec.structs.replace(rows[40], seq=42)]),
        *lines[42:],
    ]
    contents = _found(traded).first_problem
    assert contents is not None
    assert (contents.kind, contents.from_seq, contents.seq) == ("order", 41, 42)

    missing = _found([*lines[:40], *lines[41:]])
    assert missing.first_problem is not None
    assert (missing.first_problem.seq, missing.first_problem.kind) == (41, "missing")
    assert "event 41 is missing" in missing.first_problem.detail
    assert _problem([*lines[:40], *lines[43:]]) == (41, "missing")  # 41 to 43

    altered_line = msgspec.json.decode(lines[40])
    altered_line["data"]["b"] = 999
    altered = _found([*lines[:40], msgspec.json.encode(altered_line), *lines[41:]])
    assert altered.first_problem is not None
    assert (altered.first_problem.seq, altered.first_problem.kind) == (41, "content")
    assert "event 41 was altered" in altered.first_problem.detail
    last = _found(
        [*lines[:-1], msgspec.json.encode({**msgspec.json.decode(lines[-1]), "actor": "x"})]
    )
    assert last.first_problem is not None
    assert (last.first_problem.seq, last.first_problem.kind) == (50, "content")

    # an event put in at 41, the later ones renumbered: with a copied hash, and with one
    # forged by the algorithm (the event after it is where the link breaks)
    copied = msgspec.structs.replace(rows[45], seq=41)
    inserted = _found([*lines[:40], *_ndjson([copied]), *_renumbered(rows, 41, 1)])
    assert inserted.first_problem is not None
    assert (inserted.first_problem.seq, inserted.first_problem.kind) == (41, "inserted")
    assert "event 41 was put in" in inserted.first_problem.detail
    forged = msgspec.structs.replace(rows[45], seq=41, actor="token:forged")
    forged.hash = chain_hash(bytes.fromhex(rows[39].hash), forged).hex()
    by_forger = _found([*lines[:40], *_ndjson([forged]), *_renumbered(rows, 41, 1)])
    assert by_forger.first_problem is not None
    assert (by_forger.first_problem.seq, by_forger.first_problem.kind) == (41, "inserted")
    assert (by_forger.count, by_forger.head_hash) == (40, rows[39].hash)  # not the forged one
    # a second event numbered 41, put in before the real one (unnumbered: no renumbering)
    twice = _found([*lines[:40], *_ndjson([forged]), *lines[40:]])
    assert twice.first_problem is not None
    assert (twice.first_problem.seq, twice.first_problem.kind) == (41, "inserted")
    assert "41" in twice.first_problem.detail

    repeated = _found([*lines[:41], lines[40], *lines[41:]])
    assert repeated.first_problem is not None
    assert (repeated.first_problem.seq, repeated.first_problem.kind) == (41, "order")
    assert "repeated" in repeated.first_problem.detail

    # the tail cut off: a checkpoint (here one kept as seq and hash) lies past the end
    kept = (50, rows[49].hash)
    assert verify_ndjson(lines, checkpoints=[kept]).ok
    cut = _found(lines[:45], checkpoints=[kept])
    assert cut.first_problem is not None
    assert cut.first_problem.kind == "truncated"
    assert cut.first_problem.seq == 50
    assert "the chain ends at event 45" in cut.first_problem.detail
    assert "events 46 to 50 were cut off its end" in cut.first_problem.detail
    # only what an earlier checkpoint vouches for is intact for sure
    assert (cut.first_problem.from_seq, cut.count) == (1, 0)
    held = _found(lines[:45], checkpoints=[(30, rows[29].hash), kept])
    assert held.first_problem is not None
    assert (held.first_problem.kind, held.first_problem.from_seq) == ("truncated", 31)
    assert (held.count, held.head_hash) == (30, rows[29].hash)

    kinds = {
        r.first_problem.kind
        for r in (swapped, missing, altered, inserted, cut)
        if r.first_problem is not None
    }
    assert len(kinds) == 5  # each named distinctly
