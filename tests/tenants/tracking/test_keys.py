"""Conversion keys: shown once, stored hashed, one client each, rotated with a day of grace, revoked now."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants.errors import NotFound
from tenants.models import AuditEntry, ConversionKey, utcnow
from tenants.tracking import keys
from tests.tenants.tracking.conftest import make_shop


def test_a_new_key_is_shown_once_stored_hashed_and_names_its_client(session, shop):
    key, plaintext = keys.create_key(session=session, **shop.scope, actor=None)
    session.commit()
    assert plaintext.startswith("czc_") and len(plaintext) > 40
    stored = session.get(ConversionKey, key.id)
    assert plaintext not in (stored.key_hash, stored.prefix) and stored.prefix == plaintext[:10]
    found = keys.authenticate_key(session=session, plaintext=plaintext)
    assert found.id == key.id and found.client_id == shop.client.id and found.last_used_at is not None
    for wrong in ("", plaintext + "x", plaintext[:-1], "cdz_" + plaintext[4:], "czc_" + "a" * 200):
        assert keys.authenticate_key(session=session, plaintext=wrong) is None, wrong
    actions = session.scalars(select(AuditEntry.action)).all()
    assert actions == ["conversion_key.created"]


def test_rotating_keeps_the_old_key_for_a_day_then_it_stops(session, shop):
    old, old_plain = keys.create_key(session=session, **shop.scope, actor=None)
    new, new_plain = keys.create_key(session=session, **shop.scope, actor=None)
    session.commit()
    assert keys.authenticate_key(session=session, plaintext=old_plain).id == old.id
    assert keys.authenticate_key(session=session, plaintext=new_plain).id == new.id
    assert old.revoked_at is not None and new.revoked_at is None
    assert timedelta(hours=23) < old.revoked_at - utcnow() <= keys.ROTATION_GRACE
    old.revoked_at = utcnow() - timedelta(seconds=1)  # the day has passed
    session.commit()
    assert keys.authenticate_key(session=session, plaintext=old_plain) is None
    assert keys.authenticate_key(session=session, plaintext=new_plain) is not None


def test_revoking_stops_a_key_at_once_and_only_for_its_own_client(session, shop):
    key, plaintext = keys.create_key(session=session, **shop.scope, actor=None)
    other = make_shop(session)
    with pytest.raises(NotFound):
        keys.revoke_key(session=session, **other.scope, key_id=key.id, actor=None)
    assert keys.authenticate_key(session=session, plaintext=plaintext) is not None
    keys.revoke_key(session=session, **shop.scope, key_id=key.id, actor=None)
    session.commit()
    assert keys.authenticate_key(session=session, plaintext=plaintext) is None
    assert keys.list_keys(session=session, **other.scope) == []
    with pytest.raises(NotFound):
        keys.create_key(
            session=session, agency_id=other.client.agency_id, client_id=shop.client.id, actor=None
        )


def test_a_deleted_clients_key_stops_working(session, shop):
    _key, plaintext = keys.create_key(session=session, **shop.scope, actor=None)
    shop.client.deleted_at = utcnow()
    session.commit()
    assert keys.authenticate_key(session=session, plaintext=plaintext) is None
