from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants.errors import Gone, Invalid, NotFound
from tenants.models import PasswordReset, utcnow
from tenants.services import accounts, agencies
from tests.factories import PASSWORD, UserFactory


def test_authenticate_is_case_insensitive_and_rejects_wrong_passwords(session, hasher):
    user = UserFactory(email="ana@agency.example")
    assert (
        accounts.authenticate(session=session, hasher=hasher, email="ANA@agency.example ", password=PASSWORD)
        == user
    )
    assert accounts.authenticate(session=session, hasher=hasher, email=user.email, password="nope") is None
    assert (
        accounts.authenticate(session=session, hasher=hasher, email="who@x.example", password=PASSWORD)
        is None
    )
    user.is_active = False
    assert accounts.authenticate(session=session, hasher=hasher, email=user.email, password=PASSWORD) is None


def test_reset_is_single_use_and_changes_the_session_identity(session, hasher):
    user = UserFactory()
    old_identity = user.session_id
    _user, token = accounts.start_password_reset(session=session, email=user.email)
    _user, token2 = accounts.start_password_reset(session=session, email=user.email)
    accounts.finish_password_reset(session=session, hasher=hasher, token=token, password="brand new password")
    session.commit()
    assert user.session_id != old_identity
    assert accounts.authenticate(
        session=session, hasher=hasher, email=user.email, password="brand new password"
    )
    with pytest.raises(Gone):
        accounts.check_reset_token(session=session, token=token)
    with pytest.raises(Gone):  # the other outstanding link died too
        accounts.check_reset_token(session=session, token=token2)


def test_expired_unknown_and_weak_resets(session, hasher):
    user = UserFactory()
    _user, token = accounts.start_password_reset(session=session, email=user.email)
    with pytest.raises(Invalid):
        accounts.finish_password_reset(session=session, hasher=hasher, token=token, password="short")
    reset = session.scalars(select(PasswordReset)).one()
    reset.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(Gone):
        accounts.check_reset_token(session=session, token=token)
    with pytest.raises(NotFound):
        accounts.check_reset_token(session=session, token="nothing")
    assert accounts.start_password_reset(session=session, email="nobody@x.example") is None


def test_sign_up_refuses_an_existing_email(session, hasher):
    UserFactory(email="taken@agency.example")
    with pytest.raises(Exception) as err:
        agencies.create_agency(
            session=session,
            hasher=hasher,
            name="A",
            owner_email="Taken@agency.example",
            owner_password="long enough pw",
        )
    assert err.value.field == "owner_email"
