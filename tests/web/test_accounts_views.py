"""Connecting accounts from a workspace, end to end against the sandbox networks."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select

from tenants.models import AuditEntry, Notification, SocialAccount
from tenants.services import social_accounts
from tests.factories import AgencyFactory, ClientFactory, login, member
from tests.sandbox_control import authorize


def _staff(net_app, role="manager"):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, name="Gelateria Neve", slug="neve")
    user = member(agency, role)
    web = net_app.test_client()
    login(web, user)
    return agency, client, user, web


def _callback(web, answer: dict, network: str = "mastodon"):
    return web.get(f"/oauth/{network}/callback", query_string=answer)


def _connect_mastodon(web, slug="neve", *, username="brand", granted=None, deny=False, **form):
    start = web.post(
        f"/c/{slug}/accounts/connect", data={"network": "mastodon", "instance": "social.example", **form}
    )
    assert start.status_code == 302, start.get_data(as_text=True)
    answer = authorize(start.headers["Location"], username=username, granted=granted, deny=deny)
    return answer, _callback(web, answer)


def test_staff_connect_mastodon_stores_encrypted_tokens_and_shows_no_secret(net_app, session, sandbox):
    _agency, client, _user, web = _staff(net_app)
    answer, done = _connect_mastodon(web)
    assert done.status_code == 302 and done.headers["Location"] == "/c/neve/accounts"
    account = session.scalars(select(SocialAccount)).one()
    assert (account.client_id, account.network, account.handle) == (
        client.id,
        "mastodon",
        "@brand@social.example",
    )
    assert account.access_token_enc and not account.access_token_enc.startswith("mastodon-")
    token = sandbox.state("mastodon")["tokens"]
    plaintext = next(iter(token))
    page = web.get("/c/neve/accounts").get_data(as_text=True)
    assert "@brand@social.example" in page and plaintext not in page
    assert plaintext not in str(session.scalars(select(AuditEntry.details)).all())
    # The state is single use: replaying the callback saves nothing new and says so.
    replay = _callback(web, answer)
    assert replay.status_code == 410 and "already used" in replay.get_data(as_text=True)


def test_denied_consent_and_partial_grant_save_nothing(net_app, session, sandbox):
    _agency, _client, _user, web = _staff(net_app)
    _answer, denied = _connect_mastodon(web, deny=True)
    assert denied.status_code == 400 and "cancelled" in denied.get_data(as_text=True)
    _answer, partial = _connect_mastodon(web, granted=["read"])
    assert partial.status_code == 400 and "permissions were not granted (write)" in partial.get_data(
        as_text=True
    )
    assert session.scalars(select(SocialAccount)).all() == []


def test_an_account_of_another_client_in_the_agency_is_refused(net_app, session, sandbox):
    agency, _client, _user, web = _staff(net_app)
    ClientFactory(agency_id=agency.id, slug="other", name="Other Client")
    _connect_mastodon(web, slug="other")
    _answer, again = _connect_mastodon(web)
    assert again.status_code == 409 and "already connected to another client" in again.get_data(as_text=True)
    assert [a.client_id for a in session.scalars(select(SocialAccount))] != []
    assert len(session.scalars(select(SocialAccount)).all()) == 1


def test_needs_reconnect_notifies_and_reconnect_keeps_the_refresh_token(
    net_app, session, sandbox, net_settings
):
    from tenants.crypto import TokenCipher

    agency, client, _user, web = _staff(net_app)
    contact = member(agency, "viewer", client=client)
    _connect_mastodon(web)
    account = session.scalars(select(SocialAccount)).one()
    cipher = TokenCipher.from_settings(net_settings)
    account.refresh_token_enc = cipher.encrypt("kept-refresh-token")
    social_accounts.mark_needs_reconnect(session=session, account=account, reason="Token revoked")
    session.commit()
    notified = {n.user_id for n in session.scalars(select(Notification))}
    assert contact.id in notified and len(notified) >= 2
    page = web.get("/c/neve/accounts").get_data(as_text=True)
    assert "Needs reconnecting" in page and "Token revoked" in page
    _answer, done = _connect_mastodon(web, reconnect=account.id)
    assert done.status_code == 302
    session.expire_all()
    account = session.get(SocialAccount, account.id)
    assert account.status == "connected"
    assert cipher.decrypt(account.refresh_token_enc) == "kept-refresh-token"
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.target_type == "social_account")
    ).all()
    assert actions == ["account.connected", "account.needs_reconnect", "account.reconnected"]


def test_reconnecting_as_a_different_account_is_refused(net_app, session, sandbox):
    _agency, _client, _user, web = _staff(net_app)
    _connect_mastodon(web)
    account = session.scalars(select(SocialAccount)).one()
    _answer, wrong = _connect_mastodon(web, username="cafe", reconnect=account.id)
    assert wrong.status_code == 400 and "different account" in wrong.get_data(as_text=True)


def test_disconnect_revokes_at_the_network_and_forgets_tokens(net_app, session, sandbox):
    _agency, _client, _user, web = _staff(net_app)
    _connect_mastodon(web)
    account = session.scalars(select(SocialAccount)).one()
    assert web.post(f"/c/neve/accounts/{account.id}/disconnect").status_code == 302
    session.expire_all()
    account = session.get(SocialAccount, account.id)
    assert account.status == "disconnected" and account.access_token_enc is None
    assert all(t.get("revoked") for t in sandbox.state("mastodon")["tokens"].values())


def test_editors_see_accounts_but_cannot_connect(net_app, session, sandbox):
    _agency, _client, _user, web = _staff(net_app, role="editor")
    assert web.get("/c/neve/accounts").status_code == 200
    assert web.post("/c/neve/accounts/connect", data={"network": "mastodon"}).status_code == 403


def test_bluesky_connects_with_an_app_password(net_app, session, sandbox):
    _agency, _client, _user, web = _staff(net_app)
    bad = web.post("/c/neve/accounts/bluesky", data={"handle": "brand.bsky.social", "app_password": "nope"})
    assert bad.status_code == 200 and "Bluesky refused the login" in bad.get_data(as_text=True)
    good = web.post(
        "/c/neve/accounts/bluesky",
        data={"handle": "@brand.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"},
    )
    assert good.status_code == 302
    account = session.scalars(select(SocialAccount)).one()
    assert account.network == "bluesky" and account.extra.get("pds_url")


def test_callback_for_someone_elses_attempt_is_refused(net_app, session, sandbox):
    _agency, _client, _user, web = _staff(net_app)
    start = web.post("/c/neve/accounts/connect", data={"network": "mastodon", "instance": "social.example"})
    answer = authorize(start.headers["Location"])
    stranger = net_app.test_client()
    resp = _callback(stranger, answer)
    assert resp.status_code == 410
    assert session.scalars(select(SocialAccount)).all() == []
    assert urlsplit(start.headers["Location"]).path.endswith("/oauth/authorize")


def test_notifications_page_shows_and_clears_reconnect_alerts(net_app, session, sandbox):
    _agency, _client, user, web = _staff(net_app)
    _connect_mastodon(web)
    account = session.scalars(select(SocialAccount)).one()
    social_accounts.mark_needs_reconnect(session=session, account=account, reason="Token revoked")
    session.commit()
    home = web.get("/").get_data(as_text=True)
    assert '<span class="badge">1</span>' in home
    page = web.get("/notifications").get_data(as_text=True)
    assert "@brand@social.example (mastodon) needs reconnecting: Token revoked" in page
    web.post("/notifications")
    assert '<span class="badge">' not in web.get("/").get_data(as_text=True)


def test_tokens_never_reach_logs(net_app, session, sandbox, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    _agency, _client, _user, web = _staff(net_app)
    _connect_mastodon(web)
    web.get("/c/neve/accounts")
    tokens = list(sandbox.state("mastodon")["tokens"])
    assert tokens and not any(token in caplog.text for token in tokens)


def test_facebook_login_with_two_pages_goes_through_the_picker_once(net_app, session, sandbox):
    _agency, _client, _user, web = _staff(net_app)
    start = web.post("/c/neve/accounts/connect", data={"network": "facebook"})
    answer = authorize(start.headers["Location"], username="maria")
    done = _callback(web, answer, "facebook")
    assert done.status_code == 302 and "/accounts/pick/" in done.headers["Location"]
    picker = web.get(done.headers["Location"]).get_data(as_text=True)
    assert "Trattoria Da Mario" in picker and "Bar Sport" in picker
    pages = dict(re.findall(r'value="(\d+)"> ([^<]+?) <span', picker))
    chosen = next(remote_id for remote_id, name in pages.items() if name == "Trattoria Da Mario")
    assert web.post(done.headers["Location"], data={"account": [chosen]}).status_code == 302
    # The code was exchanged once; the picker cannot be submitted twice.
    again = web.post(done.headers["Location"], data={"account": [chosen]})
    assert again.status_code == 410
    account = session.scalars(select(SocialAccount)).one()
    assert (account.network, account.kind, account.remote_id) == ("facebook", "page", chosen)
    assert account.refresh_token_enc is None  # page tokens do not expire and have no refresh token


@pytest.mark.parametrize(
    ("network", "username", "withheld"),
    [
        ("facebook", "maria", "pages_manage_posts"),
        ("instagram", "maria", "instagram_content_publish"),
        ("x", "brandx", "tweet.write"),
        ("linkedin", "giulia", "w_organization_social"),
    ],
)
def test_partial_grants_are_refused_on_every_oauth_network(
    net_app, session, sandbox, network, username, withheld
):
    _agency, _client, _user, web = _staff(net_app)
    start = web.post("/c/neve/accounts/connect", data={"network": network})
    asked = re.findall(r'name="granted" value="([^"]+)"', httpx.get(start.headers["Location"]).text)
    answer = authorize(
        start.headers["Location"], username=username, granted=[s for s in asked if s != withheld]
    )
    resp = _callback(web, answer, network)
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert withheld in resp.get_data(as_text=True)
    assert session.scalars(select(SocialAccount)).all() == []


@pytest.mark.parametrize(
    "instance",
    [
        "127.0.0.1:6379",
        "localhost",
        "10.0.0.5",
        "user@evil.example",
        "evil.example:8080",
        "[::1]",
        "not a host",
    ],
)
def test_mastodon_instance_must_be_a_plain_public_name(net_app, session, sandbox, instance):
    _agency, _client, _user, web = _staff(net_app)
    resp = web.post(
        "/c/neve/accounts/connect", data={"network": "mastodon", "instance": instance}, follow_redirects=True
    )
    assert "such as mastodon.social" in resp.get_data(as_text=True)
    assert sandbox.state("mastodon")["apps"] == {}


def test_live_mode_refuses_instances_that_resolve_to_private_addresses(net_settings, session):
    from web import create_app
    from web.connect import normalise_instance

    app = create_app(net_settings.with_overrides(networks_mode="live"))
    with app.test_request_context():
        for host in ("localhost.localdomain", "private.invalid"):
            with pytest.raises(Exception, match="cannot be reached|such as"):
                normalise_instance(host)
    app.extensions["cadenza"]["engine"].dispose()


def test_an_old_session_cookie_cannot_replay_a_used_state(net_app, session, sandbox):
    _agency, _client, _user, web = _staff(net_app)
    start = web.post("/c/neve/accounts/connect", data={"network": "mastodon", "instance": "social.example"})
    with web.session_transaction() as saved:
        old_cookie_session = dict(saved)
    first = _callback(web, authorize(start.headers["Location"]))
    assert first.status_code == 302
    with web.session_transaction() as restored:
        restored.clear()
        restored.update(old_cookie_session)
    again = _callback(web, authorize(start.headers["Location"]))  # same state, a fresh code
    assert again.status_code == 410
    assert len(session.scalars(select(SocialAccount)).all()) == 1


def test_a_manager_demoted_mid_flow_cannot_finish(net_app, session, sandbox):
    from tenants.models import Membership

    _agency, _client, user, web = _staff(net_app)
    start = web.post("/c/neve/accounts/connect", data={"network": "mastodon", "instance": "social.example"})
    membership = session.scalars(select(Membership).where(Membership.user_id == user.id)).one()
    membership.role = "viewer"
    session.commit()
    resp = _callback(web, authorize(start.headers["Location"]))
    assert resp.status_code == 403
    assert session.scalars(select(SocialAccount)).all() == []


def test_the_onboarding_count_cannot_overshoot(session):
    from datetime import timedelta

    import pytest as _pytest

    from tenants.errors import Conflict
    from tenants.models import OnboardingLink, utcnow
    from tenants.services import onboarding

    client = ClientFactory()
    link = OnboardingLink(
        agency_id=client.agency_id,
        client_id=client.id,
        token_hash="2" * 64,
        networks=["x"],
        max_accounts=1,
        expires_at=utcnow() + timedelta(days=1),
    )
    session.add(link)
    session.commit()
    onboarding.record_connected(session=session, link=link)
    with _pytest.raises(Conflict):  # the UPDATE itself refuses, whatever a racing request read before
        onboarding.record_connected(session=session, link=link)
    assert link.accounts_connected == 1
