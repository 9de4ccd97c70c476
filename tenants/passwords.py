"""Password hashing with argon2, tuned from settings."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tenants.settings import Settings

MIN_PASSWORD_LENGTH = 10


def make_password_hasher(settings: Settings) -> PasswordHasher:
    """Build the argon2 hasher with the configured cost."""
    return PasswordHasher(memory_cost=settings.argon2_memory_kib, time_cost=settings.argon2_time_cost)


def verify_password(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    """True when the password matches the stored hash."""
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
