"""Onboarding links: staff create them, a client with no login connects accounts, the agency hears of it."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tenants.models import AuditEntry, Notification, OnboardingLink, SocialAccount, utcnow
from tests.factories import AgencyFactory, ClientFactory, api_token, login, member
from tests.sandbox_control import authorize


def _link(net_app, **form):
    agency = AgencyFactory(name="Agenzia Blu")
    client = ClientFactory(
        agency_id=agency.id, name="Pizzeria Vesuvio", slug="vesuvio", locale="it", brand_color="#d9480f"
    )
    staff = net_app.test_client()
    manager = member(agency, "manager")
    login(staff, manager)
    page = staff.post(
        "/c/vesuvio/onboarding",
        data={
            "networks": ["mastodon", "bluesky"],
            "days": 7,
            "max_accounts": 2,
            "message": "Ciao! Collega i tuoi account.",
            **form,
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    url = re.search(r'id="new-link">([^<]+)<', page).group(1)
    return agency, client, manager, staff, url.split("5000", 1)[1]


def test_client_connects_through_the_link_without_login(net_app, session, sandbox):
    agency, client, manager, staff, path = _link(net_app)
    link = session.scalars(select(OnboardingLink)).one()
    assert (
        link.token_hash not in path and len(path.rstrip("/").rsplit("/", 1)[-1]) >= 43
    )  # 256-bit token, stored hashed
    visitor = net_app.test_client()
    page = visitor.get(path, follow_redirects=True, headers={"User-Agent": "ClientBrowser/1.0"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Pizzeria Vesuvio" in text and "Collega i tuoi account" in text
    assert '<html lang="it">' in text and "Connetti" in text  # the client's language
    start = visitor.post(
        f"{path.rstrip('/')}/start", data={"network": "mastodon", "instance": "social.example"}
    )
    answer = authorize(start.headers["Location"], username="cafe")
    done = visitor.get("/oauth/mastodon/callback", query_string=answer)
    assert done.status_code == 302 and done.headers["Location"].rstrip("/") == path.rstrip("/")
    assert "@cafe@social.example" in visitor.get(path, follow_redirects=True).get_data(as_text=True)
    account = session.scalars(select(SocialAccount)).one()
    assert (account.client_id, account.connected_via, account.onboarding_link_id) == (
        client.id,
        "onboarding",
        link.id,
    )
    assert "@cafe@social.example" in staff.get("/c/vesuvio/accounts").get_data(as_text=True)
    finished = visitor.post(f"{path.rstrip('/')}/done")
    assert finished.status_code == 200 and "Agenzia Blu" in finished.get_data(as_text=True)
    assert (
        session.scalars(select(Notification.user_id).where(Notification.kind == "onboarding.completed")).all()
        == [manager.id]
        or manager.id in session.scalars(select(Notification.user_id)).all()
    )
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.target_type.in_(["onboarding_link", "social_account"]))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["onboarding.created", "onboarding.opened", "account.connected", "onboarding.completed"]
    opened = session.scalars(select(AuditEntry).where(AuditEntry.action == "onboarding.opened")).one()
    assert opened.ip_address and opened.details["user_agent"] == "ClientBrowser/1.0"
    # Done closes the link.
    closed = visitor.get(path, follow_redirects=True)
    assert closed.status_code == 410 and "già finito" in closed.get_data(as_text=True)


def test_closed_links_show_a_clear_page(net_app, session, sandbox):
    _agency, _client, _manager, staff, path = _link(net_app)
    link = session.scalars(select(OnboardingLink)).one()
    link.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    expired = net_app.test_client().get(path, follow_redirects=True)
    assert expired.status_code == 410 and "scaduto" in expired.get_data(as_text=True)
    link.expires_at = utcnow() + timedelta(days=1)
    session.commit()
    staff.post(f"/c/vesuvio/onboarding/{link.id}/revoke")
    revoked = net_app.test_client().get(path, follow_redirects=True)
    assert revoked.status_code == 410 and "ritirato" in revoked.get_data(as_text=True)
    assert net_app.test_client().get("/connect/made-up-token/", follow_redirects=True).status_code == 404


def test_link_limits_networks_and_account_count(net_app, session, sandbox):
    _agency, _client, _manager, _staff, path = _link(net_app, max_accounts=1)
    visitor = net_app.test_client()
    visitor.get(path, follow_redirects=True)
    # A network the link does not offer is simply not started.
    refused = visitor.post(f"{path.rstrip('/')}/start", data={"network": "x"})
    assert refused.status_code == 302 and "/oauth" not in refused.headers["Location"]
    start = visitor.post(
        f"{path.rstrip('/')}/start", data={"network": "mastodon", "instance": "social.example"}
    )
    visitor.get(
        "/oauth/mastodon/callback", query_string=authorize(start.headers["Location"], username="cafe")
    )
    used_up = visitor.get(path, follow_redirects=True)
    assert used_up.status_code == 410


def test_regenerating_a_link_withdraws_the_old_one(net_app, session, sandbox):
    _agency, _client, _manager, staff, path = _link(net_app)
    link = session.scalars(select(OnboardingLink)).one()
    page = staff.post(f"/c/vesuvio/onboarding/{link.id}/regenerate", follow_redirects=True).get_data(
        as_text=True
    )
    new_path = re.search(r'id="new-link">([^<]+)<', page).group(1).split("5000", 1)[1]
    assert net_app.test_client().get(path, follow_redirects=True).status_code == 410
    assert net_app.test_client().get(new_path, follow_redirects=True).status_code == 200


def test_onboarding_api_round_trip(net_app, session, sandbox):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    headers = {"Authorization": f"Bearer {api_token(agency)}"}
    api = net_app.test_client()
    created = api.post(
        f"/api/v1/clients/{client.id}/onboarding-links",
        json={"networks": ["mastodon"], "days": 3},
        headers=headers,
    )
    assert created.status_code == 201
    body = created.get_json()
    assert body["url"].startswith("http://127.0.0.1:5000/connect/") and body["state"] == "open"
    listed = api.get(f"/api/v1/clients/{client.id}/onboarding-links", headers=headers).get_json()["data"]
    assert [item["id"] for item in listed] == [body["id"]] and "url" not in listed[0]
    bad = api.post(
        f"/api/v1/clients/{client.id}/onboarding-links", json={"networks": ["myspace"]}, headers=headers
    )
    assert bad.status_code == 422
    assert api.delete(f"/api/v1/onboarding-links/{body['id']}", headers=headers).status_code == 204
    path = body["url"].split("5000", 1)[1]
    assert net_app.test_client().get(path, follow_redirects=True).status_code == 410
    other = AgencyFactory()
    foreign = ClientFactory(agency_id=other.id)
    assert api.get(f"/api/v1/clients/{foreign.id}/onboarding-links", headers=headers).status_code == 404


def test_accounts_api_lists_without_tokens_and_disconnects(net_app, session, sandbox):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, slug="apiclient")
    staff = net_app.test_client()
    login(staff, member(agency, "manager"))
    start = staff.post(
        "/c/apiclient/accounts/connect", data={"network": "mastodon", "instance": "social.example"}
    )
    staff.get("/oauth/mastodon/callback", query_string=authorize(start.headers["Location"]))
    headers = {"Authorization": f"Bearer {api_token(agency)}"}
    api = net_app.test_client()
    listed = api.get(f"/api/v1/clients/{client.id}/accounts", headers=headers)
    text = listed.get_data(as_text=True)
    account = listed.get_json()["data"][0]
    assert account["handle"] == "@brand@social.example" and "token" not in text
    assert api.delete(f"/api/v1/accounts/{account['id']}", headers=headers).status_code == 204
    assert api.get(f"/api/v1/clients/{client.id}/accounts", headers=headers).get_json()["data"] == []
    assert api.delete(f"/api/v1/accounts/{account['id'] + 999}", headers=headers).status_code == 404


def test_a_new_link_is_shown_once_and_never_travels_in_a_url(net_app, session, sandbox, caplog):
    import logging

    caplog.set_level(logging.INFO)
    _agency, _client, _manager, staff, path = _link(net_app)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    assert token not in caplog.text
    assert token not in staff.get("/c/vesuvio/accounts").get_data(as_text=True)


def test_done_tells_the_agency_in_app_and_by_email(net_app, session, sandbox):
    from tenants.models import OutboxMessage

    _agency, _client, manager, _staff, path = _link(net_app)
    visitor = net_app.test_client()
    visitor.get(path, follow_redirects=True)
    visitor.post(f"{path.rstrip('/')}/done")
    assert session.scalars(
        select(Notification.user_id).where(Notification.kind == "onboarding.completed")
    ).all() == [manager.id]
    mail = session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == manager.email)).one()
    assert "Pizzeria Vesuvio" in mail.subject and "/c/vesuvio/accounts" in mail.body
