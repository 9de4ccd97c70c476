"""Inbox settings: saved only when every value is usable by ingest, SLA and crisis checks."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from tenants.crypto import TokenCipher
from tenants.db import make_session_factory
from tenants.errors import Invalid
from tenants.inbox import settings_store
from tenants.models import AuditEntry
from tests.factories import AgencyFactory, ClientFactory

OLD_KEY = Fernet.generate_key().decode()
CIPHER = TokenCipher((OLD_KEY,))
OFFICE = {"timezone": "Europe/Rome", "weekly": {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed")}}


def _save(session, client, **changes):
    values = {
        "business_hours": OFFICE,
        "first_response_minutes": 60,
        "resolution_minutes": 480,
        "sync_minutes": 5,
        "crisis": {},
        "holding_statement": "",
    }
    return settings_store.update_settings(
        session=session,
        agency_id=client.agency_id,
        client_id=client.id,
        cipher=CIPHER,
        **values | changes,
    )


@pytest.fixture
def client(session):
    return ClientFactory(agency_id=AgencyFactory().id, timezone="Asia/Tokyo")


def test_first_settings_take_the_client_time_zone(session, client):
    row = settings_store.get_settings(session=session, agency_id=client.agency_id, client_id=client.id)
    assert row.business_hours["timezone"] == "Asia/Tokyo" and row.crisis_webhook_enc is None


def test_a_row_another_read_created_meanwhile_is_used_not_an_error(session, engine, client, monkeypatch):
    # Two reads of the client's accounts at once: both look, find nothing, both insert; one wins.
    with make_session_factory(engine)() as other:
        theirs = settings_store.get_settings(session=other, agency_id=client.agency_id, client_id=client.id)
        other.commit()
    find = settings_store._find_settings
    looks = []

    def too_early(*args, **kwargs):
        looks.append(1)
        return None if len(looks) == 1 else find(*args, **kwargs)

    monkeypatch.setattr(settings_store, "_find_settings", too_early)
    row = settings_store.get_settings(session=session, agency_id=client.agency_id, client_id=client.id)
    assert row.id == theirs.id and len(looks) == 2
    session.commit()  # the failed insert left nothing pending


def test_http_webhooks_only_where_allowed(session, client):
    with pytest.raises(Invalid) as refused:
        _save(session, client, crisis_webhook="http://127.0.0.1:5055/hook")
    assert set(refused.value.params["fields"]) == {"crisis_webhook"}
    row = _save(session, client, crisis_webhook="http://127.0.0.1:5055/hook", allow_http=True)
    assert CIPHER.decrypt(row.crisis_webhook_enc) == "http://127.0.0.1:5055/hook"
    for url in ("https://", "ftp://files.example/x", "https://hooks.example/a b"):
        with pytest.raises(Invalid):
            _save(session, client, crisis_webhook=url, allow_http=True)


def test_none_keeps_the_webhook_and_empty_removes_it_and_the_trail_never_holds_it(session, client):
    _save(session, client, crisis_webhook="https://hooks.example/T/B/secret")
    row = _save(session, client, sync_minutes=15)
    assert CIPHER.decrypt(row.crisis_webhook_enc) == "https://hooks.example/T/B/secret"
    assert _save(session, client, crisis_webhook="").crisis_webhook_enc is None
    details = session.scalars(select(AuditEntry.details).order_by(AuditEntry.id)).all()
    assert [d["webhook"] for d in details] == ["replaced", "kept", "removed"]
    assert "secret" not in str(details)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"business_hours": {"weekly": {}}}, "business_hours"),
        ({"business_hours": {"weekly": {"mon": [["18:00", "09:00"]]}}}, "business_hours"),
        ({"resolution_minutes": 30}, "resolution_minutes"),
        # One minute open a week cannot reach 30 days of open time within the two years ingest searches.
        (
            {"business_hours": {"weekly": {"mon": [["09:00", "09:01"]]}}, "resolution_minutes": 43200},
            "resolution_minutes",
        ),
        ({"crisis": {"window_minutes": 60, "cooldown_minutes": 30}}, "crisis"),
        ({"sync_minutes": 2}, "sync_minutes"),
    ],
)
def test_unusable_settings_are_refused_with_the_field_named(session, client, changes, field):
    with pytest.raises(Invalid) as refused:
        _save(session, client, **changes)
    assert set(refused.value.params["fields"]) == {field}


def test_key_rotation_re_encrypts_the_webhook(session, client):
    from tenants.services.social_accounts import rotate_keys

    _save(session, client, crisis_webhook="https://hooks.example/T/B/secret")
    new_key = Fernet.generate_key().decode()
    assert rotate_keys(session=session, cipher=TokenCipher((new_key, OLD_KEY))) == 1
    row = settings_store.get_settings(session=session, agency_id=client.agency_id, client_id=client.id)
    assert TokenCipher((new_key,)).decrypt(row.crisis_webhook_enc) == "https://hooks.example/T/B/secret"
