"""Token refresh jobs: ahead of expiry, one at a time per account, and 'needs reconnect' when it fails."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tenants.crypto import TokenCipher
from tenants.models import Notification, SocialAccount
from tenants.services import social_accounts
from tenants.services.social_accounts import GrantedAccount
from tests.factories import AgencyFactory, ClientFactory, member
from tests.sandbox_control import authorize
from worker.jobs.tokens import enqueue_due_refreshes, refresh_account_token
from worker.networks.registry import get_connector
from worker.queues import get_queue, redis_connection


def _x_account(settings, session) -> SocialAccount:
    connector = get_connector("x", settings=settings)
    auth = connector.authorization_request(redirect_uri="http://127.0.0.1:5000/oauth/x/callback", state="s")
    answer = authorize(auth.url)
    tokens = connector.exchange_code(
        code=answer["code"],
        redirect_uri="http://127.0.0.1:5000/oauth/x/callback",
        code_verifier=auth.code_verifier,
    )
    (found,) = connector.discover_accounts(tokens)
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    member(agency, "manager")
    account, _ = social_accounts.save_granted(
        session=session,
        cipher=TokenCipher.from_settings(settings),
        agency_id=agency.id,
        client_id=client.id,
        network="x",
        granted=GrantedAccount(
            remote_id=found.remote_id,
            handle=found.handle,
            display_name=found.display_name,
            kind=found.kind,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            scopes=tokens.scopes,
        ),
    )
    session.commit()
    return account


def _expire_soon(session, account: SocialAccount) -> None:
    account.token_expires_at = datetime.now(UTC) + timedelta(minutes=5)
    session.commit()


def test_refresh_rotates_and_stores_the_new_refresh_token(worker_env, session):
    account = _x_account(worker_env, session)
    cipher = TokenCipher.from_settings(worker_env)
    old_refresh = cipher.decrypt(account.refresh_token_enc)
    assert refresh_account_token(account.id) == "fresh"  # two hours left: nothing to do
    _expire_soon(session, account)
    assert refresh_account_token(account.id) == "refreshed"
    session.expire_all()
    account = session.get(SocialAccount, account.id)
    assert cipher.decrypt(account.refresh_token_enc) != old_refresh
    assert account.token_expires_at > datetime.now(UTC) + timedelta(hours=1)
    assert account.status == "connected"


def test_two_workers_refreshing_at_once_spend_the_refresh_token_once(worker_env, session):
    account = _x_account(worker_env, session)
    _expire_soon(session, account)
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(refresh_account_token(account.id))) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["fresh", "refreshed"]
    session.expire_all()
    assert session.get(SocialAccount, account.id).status == "connected"
    # Forced refreshes in a row also work: each one uses the token the previous one stored.
    assert refresh_account_token(account.id, force=True) == "refreshed"
    assert refresh_account_token(account.id, force=True) == "refreshed"


def test_a_revoked_grant_turns_the_account_to_needs_reconnect_and_notifies(worker_env, session, sandbox):
    account = _x_account(worker_env, session)
    _expire_soon(session, account)
    sandbox.fault("x", "revoked")
    assert refresh_account_token(account.id) == "needs_reconnect"
    session.expire_all()
    account = session.get(SocialAccount, account.id)
    assert account.status == "needs_reconnect" and "reconnect" in account.status_reason
    assert session.scalars(select(Notification.kind)).all() == ["account.needs_reconnect"]
    assert refresh_account_token(account.id) == "skipped"


def test_due_accounts_are_queued_once(worker_env, session):
    account = _x_account(worker_env, session)
    connection = redis_connection(worker_env.redis_url)
    assert enqueue_due_refreshes(connection) == 0
    _expire_soon(session, account)
    assert enqueue_due_refreshes(connection) == 1
    assert enqueue_due_refreshes(connection) == 1
    assert get_queue("default", connection=connection).job_ids == [f"token-refresh-{account.id}"]


def test_needs_reconnect_also_lands_in_the_outbox_in_each_readers_language(worker_env, session, sandbox):
    from tenants.models import OutboxMessage, User

    account = _x_account(worker_env, session)
    for user in session.scalars(select(User)):
        user.locale = "it"
    session.commit()
    _expire_soon(session, account)
    sandbox.fault("x", "revoked")
    assert refresh_account_token(account.id) == "needs_reconnect"
    mails = session.scalars(select(OutboxMessage)).all()
    assert mails and all("da ricollegare" in m.subject and "@brandx" in m.body for m in mails)
