"""The key that keeps webhook signing secrets encrypted at rest (`store.webhooks`).

A webhook secret must sign every delivery, so unlike a token it cannot be kept as a hash:
the database holds it encrypted with AES-256-GCM under a key it never holds. The key lives
in a file: 32 random bytes, written as one line of base64. `RECOTRACK_SECRETS_KEY_FILE`
names it (a Kubernetes secret mounted as a file, say) and must then exist; without it the key
is `<data dir>/webhook-secrets.key`, made on first start with mode 0600. Lose it and every
subscription needs a new secret (`rotate-secret`); back it up with the signing key.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

import structlog
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from recotrack.signing import write_private_file

DEFAULT_NAME = "webhook-secrets.key"
_NONCE_BYTES = 12

log = structlog.get_logger("recotrack.secretbox")


class SecretsKeyError(Exception):
    """The secrets key file is missing (when named), unreadable or not a key; or a sealed
    secret does not open with it (another key, or altered)."""


class SecretBox:
    """Seals and opens short secrets. Each is bound to a `context` (the subscription's id),
    so a sealed secret copied onto another row does not open there."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise SecretsKeyError("the secrets key must be 32 bytes")
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    def seal(self, secret: str, *, context: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, secret.encode(), context.encode())

    def open(self, sealed: bytes, *, context: str) -> str:
        nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
        try:
            return self._aead.decrypt(nonce, ciphertext, context.encode()).decode()
        except InvalidTag:
            raise SecretsKeyError(
                f"the secret of {context} does not open with this secrets key"
            ) from None


def load_secret_box(named: Path | None, data_dir: Path) -> SecretBox:
    """The key of `named` (which must exist), else the data directory's (made if missing)."""
    path = named if named is not None else data_dir / DEFAULT_NAME
    if named is None and not path.exists():
        _create(path)
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not ASCII"
        raise SecretsKeyError(f"cannot read the secrets key {path}: {reason}") from None
    try:
        key = base64.b64decode(text, validate=True)
    except binascii.Error:
        key = b""
    if len(key) != 32:
        raise SecretsKeyError(
            f"{path} is not a secrets key: one line of base64 of 32 bytes (openssl rand -base64 32)"
        )
    if path.stat().st_mode & 0o007:
        log.warning("secrets key readable by every user", path=str(path))
    return SecretBox(key)


def _create(path: Path) -> None:
    if write_private_file(path, base64.b64encode(secrets.token_bytes(32)) + b"\n"):
        log.warning("made a new webhook secrets key; back it up", path=str(path))
