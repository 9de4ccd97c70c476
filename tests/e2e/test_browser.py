"""End-to-end: a new agency signs up, creates a client and switches the UI to Italian, in a real browser.

Drives Debian's chromium (never a downloaded browser) through Playwright against the production-like
app (CSRF on) served by werkzeug on a free local port.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from tenants.models import Agency, Client, User

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 10_000

OWNER_EMAIL = "giulia@studio-onda.example"
OWNER_PASSWORD = "a-long-enough-password"
CLIENT_NAME = "Osteria del Porto"

pytestmark = pytest.mark.browser


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing on CI: install Debian's chromium (apt-get install -y chromium)")
    pytest.skip("Debian chromium not installed; apt-get install -y chromium chromium-driver")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_url(csrf_app) -> Iterator[str]:
    """The production-like app served over HTTP on 127.0.0.1 for the length of one test."""
    server = make_server("127.0.0.1", _free_port(), csrf_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="cadenza-e2e-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def page(live_url: str):
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(base_url=live_url, locale="en-US")
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


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
