"""End-to-end in a real browser: staff create an onboarding link, a client with no login connects a sandbox
Mastodon account and a sandbox Facebook page through the real OAuth screens, and the accounts appear."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tenants.models import SocialAccount
from tests.e2e.browser import browser_session, free_port, serve
from tests.factories import PASSWORD, AgencyFactory, ClientFactory, member

pytestmark = pytest.mark.browser


def test_client_connects_accounts_through_an_onboarding_link(net_settings, session, sandbox, tmp_path):
    from playwright.sync_api import expect

    from web import create_app

    port = free_port()
    app = create_app(net_settings.with_overrides(base_url=f"http://127.0.0.1:{port}"))
    agency = AgencyFactory(name="Agenzia Onda")
    client = ClientFactory(
        agency_id=agency.id, name="Trattoria Da Mario", slug="mario", locale="it", brand_color="#c92a2a"
    )
    manager = member(agency, "manager", email="manager@onda.example")
    # Staff: log in and create the link.
    with serve(app, port) as url, browser_session() as open_page:
        staff = open_page(url)
        staff.goto("/login")
        staff.get_by_label("Email").fill(manager.email)
        staff.get_by_label("Password").fill(PASSWORD)
        staff.get_by_role("button", name="Log in").click()
        staff.goto(f"/c/{client.slug}/accounts")
        staff.locator("#message").fill("Ciao Mario, collega qui i tuoi account.")
        staff.locator("#create-link").click()
        link = staff.locator("#new-link").inner_text().strip()
        assert link.startswith(f"{url}/connect/")

        # The client, in another browser with no session: the page speaks the client's language.
        guest = open_page(url, locale="it-IT")
        guest.goto(link)
        expect(guest.get_by_role("heading", level=1)).to_contain_text("Connetti")
        expect(guest.get_by_text("Ciao Mario, collega qui i tuoi account.")).to_be_visible()
        # Mastodon: instance, then the sandbox's own login and consent screens.
        guest.locator("#mastodon-instance").fill("social.example")
        guest.locator("#connect-mastodon").click()
        expect(guest.get_by_text("sandbox", exact=True)).to_be_visible()
        guest.locator("#sandbox-user").select_option("cafe")
        guest.locator("#sandbox-approve").click()
        expect(guest.locator("#connected")).to_contain_text("@cafe@social.example")
        # Facebook: one login reaches two pages -> the picker; choose one.
        guest.locator("#connect-facebook").click()
        guest.locator("#sandbox-user").select_option("maria")
        guest.locator("#sandbox-approve").click()
        guest.get_by_label(re.compile("Trattoria Da Mario")).check()
        guest.locator("#pick-submit").click()
        expect(guest.locator("#connected")).to_contain_text("Trattoria Da Mario")
        guest.screenshot(path=str(tmp_path / "onboarding.png"), full_page=True)
        guest.locator("#done").click()
        expect(guest.locator("#closed")).to_contain_text("Agenzia Onda")

        # Back in the workspace, the accounts are there.
        staff.goto(f"/c/{client.slug}/accounts")
        expect(staff.locator("#accounts")).to_contain_text("@cafe@social.example")
        expect(staff.locator("#accounts")).to_contain_text("Trattoria Da Mario")
        expect(staff.locator("#accounts")).to_contain_text("connected by the client")
    app.extensions["cadenza"]["engine"].dispose()
    networks = sorted(a.network for a in session.scalars(select(SocialAccount)))
    assert networks == ["facebook", "mastodon"]
