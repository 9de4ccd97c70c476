"""End-to-end, the inbox: a sandbox fan's mention carrying <script> reaches the open inbox page without a
reload, is shown as text, is assigned, and is answered from a saved reply; the reply reaches the sandbox
exactly once, and the page follows it from pending to sent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from tenants.demo import DEMO_CLIENT_SLUG, DEMO_EMAIL, DEMO_PASSWORD
from tenants.models import InboxAction, InboxItem, User
from tests.e2e.browser import browser_session, serve
from tests.workers import drain
from worker.jobs.inbox_sync import sync_account_inbox
from worker.queues import redis_connection

pytestmark = pytest.mark.browser
# The page polls every 4 s; a busy CI machine can stretch a cycle, so live changes get several.
LIVE_MS = 30_000
EVIL = "<script>window.pwned = 1</script> Ciao! A che ora aprite domenica?"


@pytest.fixture
def live_url(csrf_app) -> Iterator[str]:
    with serve(csrf_app) as url:
        yield url


def test_a_script_comment_arrives_live_as_text_and_is_answered_once_from_a_saved_reply(
    live_url,
    demo,
    sandbox,
    session,
    worker_env,  # noqa: F811
):
    from playwright.sync_api import expect

    _client, accounts = demo
    mastodon = accounts["mastodon"]
    with browser_session() as open_page:
        page = open_page(live_url)
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto("/login")
        page.get_by_label("Email").fill(DEMO_EMAIL)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"/c/{DEMO_CLIENT_SLUG}/inbox")
        expect(page.locator("#inbox")).to_be_visible()

        # A fan writes to the brand; the worker reads the account (what the scheduler does every few minutes).
        said = sandbox.say("mastodon", "mention", mastodon.remote_id, EVIL, author="Giulia Bianchi")
        assert sync_account_inbox(mastodon.id, "mention")["new"] >= 1

        fresh = page.locator("#inbox-rows tr.fresh", has_text="A che ora aprite")
        expect(fresh).to_have_count(1, timeout=LIVE_MS)
        expect(fresh.locator(".text")).to_contain_text("<script>window.pwned = 1</script>")
        assert page.evaluate("window.pwned") is None and not dialogs

        fresh.locator("a.item-link").click()
        expect(page.locator(".message.current .item-text")).to_contain_text("<script>window.pwned")
        owner = session.scalars(select(User).where(User.email == DEMO_EMAIL)).one()
        page.locator("#assignee-select").select_option(str(owner.id))
        page.locator("#assign").click()
        expect(page.locator("#assignee-select")).to_have_value(str(owner.id))

        page.locator("#saved-reply").select_option(label="Grazie")
        expect(page.locator("#reply-text")).to_have_value(
            "Grazie Giulia! Ci fa piacere, ti aspettiamo presto da Trattoria Da Mario 😊"
        )
        page.locator("#send-reply").click()
        status = page.locator("#actions .action-status")
        expect(status).to_have_attribute("data-status", "pending")

        drain("inbox", connection=redis_connection(worker_env.redis_url))
        expect(status).to_have_attribute("data-status", "sent", timeout=LIVE_MS)
        assert page.evaluate("window.pwned") is None and not dialogs

    session.expire_all()
    item = session.scalars(select(InboxItem).where(InboxItem.remote_id == said["id"])).one()
    assert item.assignee_id == owner.id and item.first_response_at is not None
    sent = [p for p in sandbox.published("mastodon") if p["text"].startswith("Grazie Giulia!")]
    assert len(sent) == 1
    assert len(session.scalars(select(InboxAction).where(InboxAction.item_id == item.id)).all()) == 1
