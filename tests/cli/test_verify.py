"""`recotrack-cli verify`: the chain checked by the service or offline on an export, against
a checkpoint kept from earlier; a rewrite re-hashed after the change is found and its range
named (exit status 6)."""

from __future__ import annotations

import json
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
