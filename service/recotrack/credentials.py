"""Bearer tokens: `rt_` and 256 bits of randomness, kept only as SHA-256 hashes."""

import hashlib
import secrets

PREFIX = "rt_"


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    """A fast hash suffices: the secret has 256 bits of entropy, so it cannot be guessed."""
    return hashlib.sha256(token.encode()).digest()
