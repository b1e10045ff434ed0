"""The Ed25519 key that signs checkpoints of the event log's chain (`store.checkpoints`).

It lives in a file, never in the database: a PEM private key (PKCS #8, unencrypted, what
`openssl genpkey -algorithm ed25519` writes). `RECOTRACK_SIGNING_KEY_FILE` names it (a
Kubernetes secret mounted as a file, say) and must then exist; without it the key is
`<data dir>/checkpoint-signing-key.pem`, made on first start with mode 0600.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from recotrack_sdk.audit import key_id

DEFAULT_NAME = "checkpoint-signing-key.pem"

log = structlog.get_logger("recotrack.signing")


class SigningKeyError(Exception):
    """The signing key file is missing (when named), unreadable or not an Ed25519 key."""


@dataclass(frozen=True, slots=True)
class Signer:
    """A private key in memory, and what the world may know of it."""

    key: Ed25519PrivateKey
    public_key: bytes
    """The raw 32-byte public key."""
    key_id: str

    def sign(self, message: bytes) -> bytes:
        return self.key.sign(message)


def signer_from(key: Ed25519PrivateKey) -> Signer:
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return Signer(key, public, key_id(public))


def load_signer(named: Path | None, data_dir: Path) -> Signer:
    """The key of `named` (which must exist), else the data directory's (made if missing)."""
    path = named if named is not None else data_dir / DEFAULT_NAME
    if named is None and not path.exists():
        _create(path)
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read the signing key {path}: {exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise SigningKeyError(
            f"{path} is not an unencrypted PEM private key (openssl genpkey -algorithm ed25519)"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} holds a private key, but not an Ed25519 one")
    if path.stat().st_mode & 0o007:
        log.warning("signing key readable by every user", path=str(path))
    signer = signer_from(key)
    log.info("checkpoint signing key", path=str(path), key_id=signer.key_id)
    return signer


def _create(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    if write_private_file(path, pem):
        log.warning("made a new checkpoint signing key; back it up", path=str(path))


def write_private_file(path: Path, content: bytes) -> bool:
    """Write a new key file (mode 0600), whole or not at all: another process starting at the
    same moment either makes it first (then theirs stays, and False) or finds ours complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:
            return False
        return True
    finally:
        draft.unlink(missing_ok=True)
