"""The webhook secrets key (recotrack.secretbox): made on first start like the signing key
(mode 0600, whole or not at all), required when named; secrets sealed under it open only
with it and only for the subscription they were sealed for. And the change types a
subscription may name are the types the writes record."""

from __future__ import annotations

import base64
import os
import typing
from pathlib import Path

import asyncpg
import pytest

import recotrack.store
from recotrack.demo import load_demo
from recotrack.secretbox import DEFAULT_NAME, SecretBox, SecretsKeyError, load_secret_box
from recotrack_sdk.models import ChangeType

STORE = Path(recotrack.store.__file__).parent


def test_the_key_is_made_on_first_start_and_then_kept(tmp_path: Path) -> None:
    box = load_secret_box(None, tmp_path)
    path = tmp_path / DEFAULT_NAME
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(base64.b64decode(path.read_text().strip())) == 32
    sealed = box.seal("whsec_abc", context="hook-1")
    assert b"whsec_abc" not in sealed
    # the next start reads the same key
    assert load_secret_box(None, tmp_path).open(sealed, context="hook-1") == "whsec_abc"
    assert list(tmp_path.iterdir()) == [path]  # no draft left behind
    assert "abc" not in repr(box)


def test_a_sealed_secret_opens_only_with_its_key_and_for_its_subscription(
    tmp_path: Path,
) -> None:
    box = SecretBox(os.urandom(32))
    sealed = box.seal("whsec_abc", context="hook-1")
    assert box.seal("whsec_abc", context="hook-1") != sealed  # a fresh nonce each time
    with pytest.raises(SecretsKeyError, match="hook-2"):
        box.open(sealed, context="hook-2")
    with pytest.raises(SecretsKeyError):
        SecretBox(os.urandom(32)).open(sealed, context="hook-1")


def test_a_named_key_must_exist_and_be_a_key(tmp_path: Path) -> None:
    with pytest.raises(SecretsKeyError, match="cannot read"):
        load_secret_box(tmp_path / "missing.key", tmp_path)
    assert not (tmp_path / "missing.key").exists()
    bad = tmp_path / "bad.key"
    bad.write_text(base64.b64encode(os.urandom(16)).decode())
    with pytest.raises(SecretsKeyError, match="32 bytes"):
        load_secret_box(bad, tmp_path)
    bad.write_text("not base64 at all!")
    with pytest.raises(SecretsKeyError, match="not a secrets key"):
        load_secret_box(bad, tmp_path)


async def test_the_change_types_are_those_the_writes_record(db: asyncpg.Connection) -> None:
    """Each type the demo's history records (every kind of write but a few) is one a
    subscription may name; and each named type's entity and action are words the store's
    writes use (`write(conn, "<entity>")`, `record("<action>")`), so none is a typo."""
    await load_demo(db, per_agency=3)
    recorded = {
        f"{row['entity']}.{row['action']}"
        for row in await db.fetch("select distinct entity, action from event")
    }
    named = set(typing.get_args(ChangeType))
    assert recorded <= named, recorded - named
    store = "".join(p.read_text() for p in STORE.glob("*.py"))
    for kind in named:
        entity, action = kind.split(".")
        assert f'write(conn, "{entity}"' in store, kind
        assert f'"{action}"' in store, kind
