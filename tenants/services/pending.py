"""OAuth results waiting for a person to pick accounts: one exchanged code, kept encrypted for minutes."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tenants.crypto import TokenCipher
from tenants.errors import N_, Gone, NotFound
from tenants.models import PendingConnection, utcnow
from tenants.services.tokens import hash_secret, new_secret

PENDING_TTL = timedelta(minutes=15)


def hold(
    *,
    session: Session,
    cipher: TokenCipher,
    agency_id: int,
    client_id: int,
    network: str,
    payload: dict,
    user_id: int | None = None,
    onboarding_link_id: int | None = None,
) -> str:
    """Keep the payload for the picker; returns the key that names it (only its hash is stored)."""
    key = new_secret()
    session.add(
        PendingConnection(
            key_hash=hash_secret(key),
            agency_id=agency_id,
            client_id=client_id,
            network=network,
            payload_enc=cipher.encrypt(json.dumps(payload)),
            user_id=user_id,
            onboarding_link_id=onboarding_link_id,
            expires_at=utcnow() + PENDING_TTL,
        )
    )
    session.flush()
    return key


def _find(
    *,
    session: Session,
    key: str,
    agency_id: int,
    client_id: int,
    user_id: int | None,
    onboarding_link_id: int | None,
) -> PendingConnection:
    pending = session.scalars(
        select(PendingConnection).where(PendingConnection.key_hash == hash_secret(key))
    ).first()
    # Bound to the tenant and to who started it: nobody else can finish someone's connection.
    if (
        pending is None
        or pending.agency_id != agency_id
        or pending.client_id != client_id
        or pending.user_id != user_id
        or pending.onboarding_link_id != onboarding_link_id
    ):
        raise NotFound(N_("This connection attempt was not found. Start again."))
    if pending.used_at is not None or pending.expires_at < utcnow():
        raise Gone(N_("This connection attempt has expired. Start again."))
    return pending


def peek(
    *,
    session: Session,
    cipher: TokenCipher,
    key: str,
    agency_id: int,
    client_id: int,
    user_id: int | None = None,
    onboarding_link_id: int | None = None,
) -> tuple[str, dict]:
    """The network and payload, without using it up (for showing the picker)."""
    pending = _find(
        session=session,
        key=key,
        agency_id=agency_id,
        client_id=client_id,
        user_id=user_id,
        onboarding_link_id=onboarding_link_id,
    )
    return pending.network, json.loads(cipher.decrypt(pending.payload_enc))


def take(
    *,
    session: Session,
    cipher: TokenCipher,
    key: str,
    agency_id: int,
    client_id: int,
    user_id: int | None = None,
    onboarding_link_id: int | None = None,
) -> tuple[str, dict]:
    """The network and payload, used up: of two submits racing, only one gets it."""
    pending = _find(
        session=session,
        key=key,
        agency_id=agency_id,
        client_id=client_id,
        user_id=user_id,
        onboarding_link_id=onboarding_link_id,
    )
    payload = json.loads(cipher.decrypt(pending.payload_enc))
    claimed = session.execute(
        update(PendingConnection)
        .where(PendingConnection.id == pending.id, PendingConnection.used_at.is_(None))
        .values(used_at=utcnow(), payload_enc="")  # tokens not picked are not kept
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise Gone(N_("This connection attempt has expired. Start again."))
    return pending.network, payload


def purge_expired(*, session: Session) -> int:
    """Delete held results past their expiry (they hold tokens nobody picked)."""
    result = session.execute(delete(PendingConnection).where(PendingConnection.expires_at < utcnow()))
    return result.rowcount
