"""End-to-end: a new agency signs up, creates a client and switches the UI to Italian, in a real browser.

Drives Debian's chromium (never a downloaded browser) through Playwright against the production-like
app (CSRF on) served by werkzeug on a free local port.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.models import Agency, Client, User
from tests.e2e.browser import TIMEOUT_MS, browser_page, serve

OWNER_EMAIL = "giulia@studio-onda.example"
OWNER_PASSWORD = "a-long-enough-password"
CLIENT_NAME = "Osteria del Porto"

pytestmark = pytest.mark.browser


@pytest.fixture
def live_url(csrf_app) -> Iterator[str]:
    """The production-like app served over HTTP on 127.0.0.1 for the length of one test."""
    with serve(csrf_app) as url:
        yield url


@pytest.fixture
def page(live_url: str):
    with browser_page(live_url) as new_page:
        yield new_page


def test_signup_create_client_and_switch_to_italian(page, live_url: str, session: Session, tmp_path):
    from playwright.sync_api import expect

    # Sign up a new agency.
    page.goto("/signup")
    expect(page.get_by_role("heading", name="Create your agency")).to_be_visible()
    page.get_by_label("Agency name").fill("Studio Onda")
    page.get_by_label("Your name").fill("Giulia Rossi")
    page.get_by_label("Work email").fill(OWNER_EMAIL)
    page.get_by_label("Password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Create agency").click()

    # Landed on the (empty) clients page.
    expect(page).to_have_url(f"{live_url}/", timeout=TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Clients", level=1)).to_be_visible()
    expect(page.get_by_text("No clients yet.")).to_be_visible()

    # Create a client, keeping the defaults (Europe/Rome, Italian).
    page.locator("#new-client").click()
    expect(page.get_by_role("heading", name="New client")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Rome")
    page.get_by_label("Client name").fill(CLIENT_NAME)
    page.get_by_role("button", name="Create client").click()

    # The new client's workspace.
    expect(page).to_have_url(re.compile(r"/c/[a-z0-9-]+/?$"))
    expect(page.get_by_role("heading", name=CLIENT_NAME, level=1)).to_be_visible()
    expect(page.locator("main dd").filter(has_text="Europe/Rome")).to_be_visible()
    workspace_path = page.url.removeprefix(live_url)

    # Switch the UI to Italian: app.js submits the form on change.
    with page.expect_navigation():
        page.locator("#lang").select_option("it")
    if page.locator("html").get_attribute("lang") != "it":
        page.locator("#lang-submit").click()
    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(page).to_have_url(re.compile(re.escape(workspace_path) + r"\??$"))
    expect(page.locator("nav.mainnav").get_by_role("link", name="Clienti", exact=True)).to_be_visible()
    expect(page.locator("#logout")).to_have_text("Esci")
    expect(page.get_by_role("heading", name=CLIENT_NAME, level=1)).to_be_visible()
    expect(page.get_by_text("Fuso orario", exact=True)).to_be_visible()
    expect(page.locator("#lang")).to_have_value("it")
    page.screenshot(path=str(tmp_path / "workspace-it.png"), full_page=True)

    # Log out: the login page keeps the chosen language.
    page.locator("#logout").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", name="Accedi", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Disconnessione effettuata.")
    expect(page.locator("#logout")).to_have_count(0)

    # The database holds what the user did.
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Agency)) == 1
    assert session.scalar(select(func.count()).select_from(Client)) == 1
    client = session.scalars(select(Client)).one()
    assert client.name == CLIENT_NAME
    assert client.timezone == "Europe/Rome"
    owner = session.scalars(select(User).where(User.email == OWNER_EMAIL)).one()
    assert owner.locale == "it"
