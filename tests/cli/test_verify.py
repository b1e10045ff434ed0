"""`recotrack-cli verify`: the chain checked by the service or offline on an export, against
a checkpoint kept from earlier; a rewrite re-hashed after the change is found and its range
named (exit status 6)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import asyncpg
import msgspec

from recotrack.demo import load_demo
from recotrack_sdk import Client
from recotrack_sdk.audit import encode_checkpoint
from recotrack_sdk.models import ChainVerification
from tests.cli.conftest import Cli
from tests.test_audit_chain import _change_field, _tamper
from tests.test_checkpoints import _rehash


async def test_verify_against_a_kept_checkpoint_online_and_offline(
    cli: Cli, db: asyncpg.Connection, tmp_path: Path
) -> None:
    await load_demo(db, per_agency=2)
    with Client(cli.url, cli.tokens["auditor"], max_retries=0) as client:
        kept = client.create_checkpoint()
        saved = tmp_path / "checkpoint.json"
        saved.write_bytes(encode_checkpoint(kept))
        export = tmp_path / "before.ndjson"
        with export.open("wb") as out:
            exported = client.export_events(out, format="ndjson")
        assert exported.checkpoint == kept
        assert [k.key_id for k in client.list_signing_keys()] == [kept.key_id]
        assert [c.seq for c in client.iter_checkpoints(page_size=1)] == [kept.seq]

    ok = await cli.run("verify", "--checkpoint", str(saved), who="auditor")
    assert (ok.status, ok.stderr) == (0, ""), ok
    assert ok.stdout.startswith(f"ok: {kept.seq} events, head {kept.hash}; 2 checkpoints hold")
    offline = await cli.run("verify", "--export", str(export), "--checkpoint", str(saved))
    assert offline.status == 0, offline

    await _tamper(db, _change_field)
    await _rehash(db)
    await db.execute("delete from checkpoint")  # nothing left in the database to tell

    broken = await cli.run("verify", "--checkpoint", str(saved), who="auditor")
    assert broken.status == 6, broken
    assert broken.lines[0].startswith(f"broken: events 1 to {kept.seq}: checkpoint: "), broken
    by_hash = await cli.run(
        "verify", "--at-seq", str(kept.seq), "--expected-hash", kept.hash, "--json"
    )
    assert by_hash.status == 6, by_hash
    result = msgspec.json.decode(by_hash.stdout, type=ChainVerification)
    assert result.first_problem is not None
    assert (result.first_problem.from_seq, result.first_problem.seq) == (1, kept.seq)
    after = tmp_path / "after.ndjson"
    with Client(cli.url, cli.tokens["auditor"], max_retries=0) as client, after.open("wb") as out:
        client.export_events(out, format="ndjson")
    offline = await cli.run("verify", "--export", str(after), "--checkpoint", saved.read_text())
    assert offline.status == 6, offline
    assert "checkpoint" in offline.lines[0]


async def test_verify_refuses_half_a_checkpoint_and_agencies(cli: Cli) -> None:
    half = await cli.run("verify", "--at-seq", "3")
    assert half.status == 2
    assert "go together" in half.stderr
    bad = await cli.run("verify", "--checkpoint", json.dumps({"seq": 1}))
    assert bad.status == 2
    assert "not a checkpoint" in bad.stderr
    agency = await cli.run("verify", who="skatteverket")
    assert agency.status == 3, agency


def _export(cli: Cli, path: Path) -> None:
    with Client(cli.url, cli.tokens["auditor"], max_retries=0) as client, path.open("wb") as out:
        client.export_events(out, format="ndjson")


def _seq(line: bytes) -> int | None:
    """The event's number on a line of the export (None: a checkpoint line)."""
    seq: int | None = json.loads(line).get("seq")
    return seq


def _swap(lines: list[bytes], seq: int) -> list[bytes]:
    """The export with event `seq` and the one after it in each other's place."""
    at = next(i for i, line in enumerate(lines) if _seq(line) == seq)
    return [*lines[:at], lines[at + 1], lines[at], *lines[at + 2 :]]


async def test_audit_verify_checks_an_export_offline_and_names_the_fault(
    cli: Cli, db: asyncpg.Connection, tmp_path: Path
) -> None:
    await load_demo(db, per_agency=2)
    with Client(cli.url, cli.tokens["auditor"], max_retries=0) as client:
        client.create_checkpoint()
        keys = tmp_path / "keys.json"
        keys.write_bytes(msgspec.json.encode(client.list_signing_keys()))
    export = tmp_path / "events.ndjson"
    _export(cli, export)
    lines = export.read_bytes().splitlines(keepends=True)
    events = [line for line in lines if _seq(line) is not None]
    count = len(events)
    head = json.loads(events[-1])["hash"]

    # no server and no token: the command is offline
    ok = await cli.run("audit", "verify", str(export), who=None, env={"RECOTRACK_URL": ""})
    assert (ok.status, ok.stderr) == (0, ""), ok
    assert ok.lines[0] == f"ok: {count} events, head {head}; 1 checkpoint holds"
    assert ok.lines[1].startswith("note: the export's checkpoints were not checked against")
    signed = await cli.run("audit", "verify", str(export), "--keys", str(keys), who=None)
    assert (signed.status, signed.lines) == (0, [ok.lines[0]]), signed
    as_json = await cli.run("audit", "verify", str(export), "--json", who=None)
    assert msgspec.json.decode(as_json.stdout, type=ChainVerification).count == count

    swapped = tmp_path / "swapped.ndjson"
    swapped.write_bytes(b"".join(_swap(lines, 41)))
    broken = await cli.run("audit", "verify", str(swapped), who=None)
    assert broken.status == 6, broken
    assert broken.lines[0].startswith(
        "broken: events 41 and 42: order: events 41 and 42 are out of order"
    ), broken
    assert broken.lines[1].startswith("intact before it: 40 events, head ")

    missing = tmp_path / "missing.ndjson"
    missing.write_bytes(b"".join(line for line in lines if _seq(line) != 41))
    gone = await cli.run("audit", "verify", str(missing), who=None)
    assert gone.status == 6
    assert gone.lines[0].startswith("broken: event 41: missing: event 41 is missing"), gone

    cut = tmp_path / "cut.ndjson"
    cut.write_bytes(b"".join(lines[:-3]))
    short = await cli.run("audit", "verify", str(cut), who=None)
    assert short.status == 6
    assert ": truncated: the chain ends at event " in short.lines[0], short

    nothing = await cli.run("audit", "verify", str(tmp_path / "nope.ndjson"), who=None)
    assert nothing.status == 2
    assert "cannot read" in nothing.stderr


async def test_python_dash_m_audit_is_the_same_command(tmp_path: Path) -> None:
    from tests.test_audit_chain import _chain, _ndjson

    lines = _ndjson(_chain(50))
    intact, swapped = tmp_path / "intact.ndjson", tmp_path / "swapped.ndjson"
    intact.write_bytes(b"".join(lines))
    swapped.write_bytes(b"".join([*lines[:40], lines[41], lines[40], *lines[42:]]))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "recotrack_sdk.audit", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    usage = await asyncio.to_thread(run)
    assert usage.returncode == 2, usage
    assert "the following arguments are required: FILE" in usage.stderr
    assert "RuntimeWarning" not in usage.stderr
    ok = await asyncio.to_thread(run, str(intact))
    assert (ok.returncode, ok.stderr) == (0, ""), ok
    assert ok.stdout.startswith("ok: 50 events, head ")
    broken = await asyncio.to_thread(run, str(swapped))
    assert broken.returncode == 6, broken
    assert "events 41 and 42 are out of order" in broken.stdout
