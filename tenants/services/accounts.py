"""Logging in, password resets and personal preferences."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.errors import N_, Gone, Invalid, NotFound
from tenants.models import PasswordReset, User, utcnow
from tenants.passwords import verify_password
from tenants.services import audit
from tenants.services.access import memberships_of
from tenants.services.tokens import hash_secret, new_secret
from tenants.services.validation import clean_locale, clean_password

# Verifying against a real hash for unknown emails keeps response times alike (no account probing).
_DUMMY_HASH_CACHE: dict[int, str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    key = id(hasher)
    if key not in _DUMMY_HASH_CACHE:
        _DUMMY_HASH_CACHE[key] = hasher.hash("not-a-real-password")
    return _DUMMY_HASH_CACHE[key]


def find_user_by_email(*, session: Session, email: str) -> User | None:
    """The user with this email (case-insensitive), if any."""
    return session.scalars(select(User).where(User.email == email.strip().lower())).first()


def authenticate(*, session: Session, hasher: PasswordHasher, email: str, password: str) -> User | None:
    """The active user whose password matches, or None; rehashes when the cost settings changed."""
    user = find_user_by_email(session=session, email=email or "")
    if user is None:
        verify_password(hasher, _dummy_hash(hasher), password or "")
        return None
    if not user.is_active or not verify_password(hasher, user.password_hash, password or ""):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_login_at = utcnow()
    session.flush()
    return user


def start_password_reset(*, session: Session, email: str, ttl_minutes: int = 60) -> tuple[User, str] | None:
    """Create a reset token for the email's user; None when no such user (the caller says the same)."""
    user = find_user_by_email(session=session, email=email or "")
    if user is None or not user.is_active:
        return None
    token = new_secret()
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=hash_secret(token),
            expires_at=utcnow() + timedelta(minutes=ttl_minutes),
        )
    )
    session.flush()
    return user, token


def _open_reset(*, session: Session, token: str) -> PasswordReset:
    reset = session.scalars(
        select(PasswordReset).where(PasswordReset.token_hash == hash_secret(token))
    ).first()
    if reset is None:
        raise NotFound(N_("This reset link is not valid."))
    if reset.used_at is not None or reset.expires_at < utcnow():
        raise Gone(N_("This reset link has expired or was already used. Ask for a new one."))
    return reset


def check_reset_token(*, session: Session, token: str) -> None:
    """Raise unless the reset token can still be used."""
    _open_reset(session=session, token=token)


def finish_password_reset(*, session: Session, hasher: PasswordHasher, token: str, password: str) -> User:
    """Set a new password with a reset token, which can then never be used again."""
    reset = _open_reset(session=session, token=token)
    password = clean_password(password)
    user = session.get(User, reset.user_id)
    user.password_hash = hasher.hash(password)
    now = utcnow()
    # Any other outstanding link for this user dies with this one.
    for other in session.scalars(
        select(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
    ):
        other.used_at = now
    for membership in memberships_of(session=session, user_id=user.id):
        audit.record(
            session=session,
            agency_id=membership.agency_id,
            action="user.password_reset",
            actor=user,
            target_type="user",
            target_id=user.id,
        )
    session.flush()
    return user


def set_locale(*, session: Session, user: User, locale: str | None) -> None:
    """Remember the user's language; None follows the browser."""
    user.locale = None if locale in (None, "", "auto") else clean_locale(locale)
    session.flush()


def change_password(*, session: Session, hasher: PasswordHasher, user: User, current: str, new: str) -> None:
    """Change a password after proving the current one."""
    if not verify_password(hasher, user.password_hash, current or ""):
        raise Invalid(N_("The current password is not right."), field="current_password")
    user.password_hash = hasher.hash(clean_password(new, field="new_password"))
    for reset in session.scalars(
        select(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
    ):
        reset.used_at = utcnow()
    session.flush()
