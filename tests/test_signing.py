"""The checkpoint signing key: a PEM file, made on first start in the data directory (mode
0600, its place logged, never the key) unless RECOTRACK_SIGNING_KEY_FILE names one, which
must then exist and hold an Ed25519 key."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key

from recotrack.signing import DEFAULT_NAME, SigningKeyError, load_signer
from recotrack_sdk.audit import key_id


def test_the_default_key_is_made_once_private_and_its_place_logged(tmp_path: Path) -> None:
    with structlog.testing.capture_logs() as logs:
        made = load_signer(None, tmp_path / "data")
    path = tmp_path / "data" / DEFAULT_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert made.key_id == key_id(made.public_key)
    assert len(made.key_id) == 16
    assert any(e.get("path") == str(path) for e in logs)
    pem = path.read_text()
    assert all(pem.strip() not in str(e) for e in logs)  # the key itself is never logged
    again = load_signer(None, tmp_path / "data")
    assert again.public_key == made.public_key
    assert [p.name for p in path.parent.iterdir()] == [DEFAULT_NAME]  # no draft left behind
    named = load_signer(path, tmp_path / "elsewhere")
    assert named.key_id == made.key_id
    assert not (tmp_path / "elsewhere").exists()


def test_a_named_key_must_exist_and_be_ed25519(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="cannot read"):
        load_signer(tmp_path / "missing.pem", tmp_path)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    with pytest.raises(SigningKeyError, match="not an unencrypted PEM"):
        load_signer(garbage, tmp_path)
    ec = tmp_path / "ec.pem"
    ec.write_bytes(
        generate_private_key(SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(SigningKeyError, match="not an Ed25519"):
        load_signer(ec, tmp_path)


def test_serve_without_its_named_key_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOTRACK_")}
    env.update(
        DATABASE_URL="postgresql://nobody@127.0.0.1:1/unused",  # never reached
        RECOTRACK_SIGNING_KEY_FILE=str(tmp_path / "missing.pem"),
        RECOTRACK_LOG_FORMAT="json",
    )
    ran = subprocess.run(
        [Path(sys.executable).with_name("recotrack"), "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 2, ran.stderr
    assert "Traceback" not in ran.stderr
    assert "cannot read the signing key" in ran.stderr
