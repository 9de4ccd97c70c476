"""Per-client conversion keys: the secret a client's site sends with POST /api/v1/conversions.

Shown once, stored as a hash. Rotating makes a new key and gives the old one a day of grace, so the site
can be redeployed without losing conversions; revoking stops a key at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tenants.errors import N_, NotFound
from tenants.models import Client, ConversionKey, User, utcnow
from tenants.services import audit
from tenants.services.tokens import hash_secret, new_secret

KEY_PREFIX = "czc_"
ROTATION_GRACE = timedelta(hours=24)


def is_live(key: ConversionKey, now: datetime | None = None) -> bool:
    """True while the key is accepted (not revoked, or rotated and still in its grace period)."""
    return key.revoked_at is None or key.revoked_at > (now or utcnow())


def create_key(
    *, session: Session, agency_id: int, client_id: int, actor: User | None
) -> tuple[ConversionKey, str]:
    """A new key and its plaintext (never shown again); the older live keys get a day of grace."""
    client = session.get(Client, client_id)
    if client is None or client.agency_id != agency_id:
        raise NotFound(N_("Client not found."))
    now = utcnow()
    sunset = now + ROTATION_GRACE
    rotated = []
    for key in list_keys(session=session, agency_id=agency_id, client_id=client_id):
        if key.revoked_at is None or key.revoked_at > sunset:
            key.revoked_at = sunset
            rotated.append(key.id)
    plaintext = new_secret(KEY_PREFIX)
    key = ConversionKey(
        agency_id=agency_id,
        client_id=client_id,
        prefix=plaintext[:10],
        key_hash=hash_secret(plaintext),
        created_by_id=actor.id if actor else None,
        created_at=now,
    )
    session.add(key)
    session.flush()
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        action="conversion_key.created",
        actor=actor,
        target_type="conversion_key",
        target_id=key.id,
        details={"prefix": key.prefix, "rotated": rotated},
    )
    return key, plaintext


def revoke_key(*, session: Session, agency_id: int, client_id: int, key_id: int, actor: User | None) -> None:
    """Stop a key at once (also one in its grace period)."""
    key = session.get(ConversionKey, key_id)
    if key is None or key.agency_id != agency_id or key.client_id != client_id:
        raise NotFound(N_("Key not found."))
    now = utcnow()
    if is_live(key, now):
        key.revoked_at = now
        audit.record(
            session=session,
            agency_id=agency_id,
            client_id=client_id,
            action="conversion_key.revoked",
            actor=actor,
            target_type="conversion_key",
            target_id=key.id,
            details={"prefix": key.prefix},
        )
    session.flush()


def list_keys(*, session: Session, agency_id: int, client_id: int) -> list[ConversionKey]:
    """The client's keys, newest first."""
    query = (
        select(ConversionKey)
        .where(ConversionKey.agency_id == agency_id, ConversionKey.client_id == client_id)
        .order_by(ConversionKey.id.desc())
    )
    return list(session.scalars(query))


def authenticate_key(*, session: Session, plaintext: str) -> ConversionKey | None:
    """The live key for a presented secret (the key names the client), or None."""
    if not plaintext.startswith(KEY_PREFIX) or len(plaintext) > 100:
        return None
    now = utcnow()
    key = session.scalar(
        select(ConversionKey).where(
            ConversionKey.key_hash == hash_secret(plaintext),
            or_(ConversionKey.revoked_at.is_(None), ConversionKey.revoked_at > now),
        )
    )
    if key is None:
        return None
    client = session.get(Client, key.client_id)
    if client is None or client.deleted_at is not None:
        return None
    # Written at most once a minute: a busy shop does not turn every conversion into a key update.
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        key.last_used_at = now
    return key
