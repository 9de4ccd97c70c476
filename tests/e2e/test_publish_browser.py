"""End-to-end, publishing: press "Publish now" on an approved post, let the real pipeline (dispatcher, RQ
worker, sandbox network) publish it, and watch the open page turn "Published" with its link, no reload."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from tenants.models import Agency, Client, Post, utcnow
from tests.e2e.browser import TIMEOUT_MS, browser_session, serve
from tests.factories import PASSWORD, draft_post, member
from tests.worker.test_token_refresh import _x_account
from tests.workers import drain
from worker.context import job_context
from worker.jobs.publish import dispatch_due
from worker.queues import redis_connection

pytestmark = pytest.mark.browser
TEXT = "Stasera pizza napoletana, forno a legna acceso dalle 19!"


@pytest.fixture
def pipeline_env(process_env, sandbox, monkeypatch):
    """Jobs read their settings from the environment, as in a worker process: this test's DB and sandbox."""
    monkeypatch.setenv("CADENZA_SANDBOX_URL", sandbox.url)
    monkeypatch.setenv("CADENZA_NETWORK_TIMEOUT", "5")
    job_context.cache_clear()
    yield job_context().settings
    job_context.cache_clear()


@pytest.fixture
def live_url(csrf_app) -> Iterator[str]:
    with serve(csrf_app) as url:
        yield url


def _run_pipeline(settings) -> None:
    """One dispatcher round, then a worker drains the publish queue (what the scheduler and workers do)."""
    connection = redis_connection(settings.redis_url)
    assert dispatch_due(connection) == 1
    drain("publish", connection=connection)


def test_publish_now_and_watch_the_page_turn_published(pipeline_env, live_url, sandbox, session):
    from playwright.sync_api import expect

    account = _x_account(pipeline_env, session)
    client = session.get(Client, account.client_id)
    manager = member(session.get(Agency, client.agency_id), "manager", email="manager@agency.example")
    post = draft_post(
        client,
        manager,
        [account],
        TEXT,
        scheduled_at=(utcnow() + timedelta(minutes=1, seconds=30)).isoformat(),
    )
    post.status = "approved"
    session.commit()
    target_id = post.targets[0].id

    with browser_session() as open_page:
        page = open_page(live_url)
        page.goto("/login")
        page.get_by_label("Email").fill("manager@agency.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"/c/{client.slug}/posts/{post.id}")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Publish now").click()
        row = page.locator(f"#target-{target_id}")
        expect(row.locator(".target-label")).to_have_text("Waiting")
        expect(row.locator(".target-link")).to_be_hidden()
        expect(page.locator("#scheduled-for")).to_be_visible()
        page.evaluate("window.stillTheSamePage = true")

        _run_pipeline(pipeline_env)
        session.expire_all()
        published = session.get(Post, post.id)
        remote_url = published.targets[0].remote_url
        assert published.status == "published" and remote_url.startswith("http")
        assert len(sandbox.published(network="x")) == 1

        # publishing.js polls status.json and updates the panel in place.
        expect(row.locator(".target-label")).to_have_text("Published", timeout=TIMEOUT_MS)
        link = row.locator(".target-link")
        expect(link).to_be_visible()
        expect(link).to_have_attribute("href", remote_url)
        expect(link).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
        expect(page.locator("#post-status")).to_have_text("Published")
        expect(row.locator(".target-cancel")).to_be_hidden()
        expect(page.locator("#scheduled-for")).to_be_hidden()  # no "Unschedule" left for a published post
        assert page.evaluate("window.stillTheSamePage") is True  # no reload happened


def test_delete_a_published_post_and_watch_the_page_turn_deleted(pipeline_env, live_url, sandbox, session):
    from playwright.sync_api import expect

    account = _x_account(pipeline_env, session)
    client = session.get(Client, account.client_id)
    manager = member(session.get(Agency, client.agency_id), "manager", email="manager@agency.example")
    post = draft_post(
        client, manager, [account], TEXT, scheduled_at=(utcnow() + timedelta(days=1)).isoformat()
    )
    post.status, post.scheduled_at = "scheduled", utcnow() - timedelta(seconds=1)
    session.commit()
    _run_pipeline(pipeline_env)
    target_id = post.targets[0].id
    assert len(sandbox.published(network="x")) == 1

    with browser_session() as open_page:
        page = open_page(live_url)
        page.goto("/login")
        page.get_by_label("Email").fill("manager@agency.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"/c/{client.slug}/posts/{post.id}")
        row = page.locator(f"#target-{target_id}")
        expect(row.locator(".target-label")).to_have_text("Published")
        messages = []
        page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
        row.get_by_role("button", name="Delete from X").click()
        expect(page.get_by_text("Deleting the post from X.")).to_be_visible()
        assert messages and messages[0].startswith("Delete this post from X?")
        expect(row.locator(".target-label")).to_have_text("Deleting…")
        expect(row.locator(".target-delete-remote")).to_be_hidden()
        page.evaluate("window.stillTheSamePage = true")

        connection = redis_connection(pipeline_env.redis_url)
        drain("publish", connection=connection)
        assert sandbox.published(network="x") == []

        # publishing.js polls status.json and updates the panel in place.
        expect(row.locator(".target-label")).to_have_text("Deleted from X", timeout=TIMEOUT_MS)
        expect(row.locator(".target-link")).to_be_hidden()
        expect(page.locator("#post-status")).to_have_text("Deleted from the networks")
        assert page.evaluate("window.stillTheSamePage") is True
