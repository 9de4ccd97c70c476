"""Random secrets that are shown once and stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str = "") -> str:
    """A URL-safe random secret with an optional readable prefix."""
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """SHA-256 of a high-entropy secret (no salt needed: it is never guessable)."""
    return hashlib.sha256(secret.encode()).hexdigest()
