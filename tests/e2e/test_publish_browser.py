"""End-to-end, publishing: press "Publish now" on an approved post, or schedule it a minute ahead, let the
real pipeline (dispatcher, RQ worker, sandbox network) publish it, and watch the open page turn "Published"
with its link, no reload; then delete it from the network."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tenants.models import Agency, Client, Post, PublishAttempt, utcnow
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


def _post_page(page, client, post):
    """The post's page, as the manager sees it after logging in."""
    page.goto("/login")
    page.get_by_label("Email").fill("manager@agency.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/c/{client.slug}/posts/{post.id}")
    return page


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
        page = _post_page(open_page(live_url), client, post)
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
        page = _post_page(open_page(live_url), client, post)
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


# The services take a time at least a minute ahead, both when it is saved and when the post is scheduled:
# the next whole minute that leaves a few seconds for the two clicks.
LEAD = timedelta(seconds=64)
DISPATCH_EVERY_SECONDS = 0.25  # as the scheduler does


def _next_whole_minute(after: datetime) -> datetime:
    whole = after.replace(second=0, microsecond=0)
    return whole if whole == after else whole + timedelta(minutes=1)


def _dispatch_until_claimed(settings, deadline: datetime) -> datetime:
    """Dispatch like the scheduler till a round claims, then drain; returns when the last idle round began."""
    connection = redis_connection(settings.redis_url)
    nothing_due_at = None
    while utcnow() < deadline:
        started = utcnow()
        if dispatch_due(connection):
            assert nothing_due_at is not None, "due at the very first round: scheduled too close"
            drain("publish", connection=connection)
            return nothing_due_at
        nothing_due_at = started
        time.sleep(DISPATCH_EVERY_SECONDS)
    raise AssertionError("nothing was dispatched before the deadline")


def test_schedule_a_minute_ahead_and_watch_it_go_out_at_that_minute(pipeline_env, live_url, sandbox, session):
    from playwright.sync_api import expect

    account = _x_account(pipeline_env, session)
    client = session.get(Client, account.client_id)
    manager = member(session.get(Agency, client.agency_id), "manager", email="manager@agency.example")
    post = draft_post(client, manager, [account], TEXT)
    post.status = "approved"
    session.commit()
    target_id = post.targets[0].id

    with browser_session() as open_page:
        page = _post_page(open_page(live_url), client, post)

        due = _next_whole_minute(utcnow() + LEAD)
        local = due.astimezone(ZoneInfo(client.timezone))  # the form speaks the client's wall clock
        page.locator("#scheduled-local").fill(local.strftime("%Y-%m-%dT%H:%M"))
        page.locator("#save-post").click()
        expect(page.locator(".flash").first).to_have_text("Changes saved.")
        page.get_by_role("button", name="Schedule", exact=True).click()
        expect(page.locator(".flash").first).to_have_text("Post scheduled.")
        expect(page.locator("#scheduled-for")).to_contain_text(local.strftime("%H:%M"))
        session.expire_all()
        assert session.get(Post, post.id).scheduled_at == due
        row = page.locator(f"#target-{target_id}")
        expect(row.locator(".target-label")).to_have_text("Waiting")
        page.evaluate("window.stillTheSamePage = true")

        nothing_due_at = _dispatch_until_claimed(pipeline_env, deadline=due + timedelta(seconds=30))
        session.expire_all()
        published = session.get(Post, post.id)
        target = published.targets[0]
        # Not due a moment before its minute (the dispatcher kept asking up to then), claimed at it.
        assert due - timedelta(seconds=10) < nothing_due_at < due <= target.queued_at
        assert target.queued_at < due + timedelta(seconds=10)
        (attempt,) = session.scalars(select(PublishAttempt).where(PublishAttempt.target_id == target_id))
        assert attempt.started_at >= due and attempt.outcome == "published"
        assert published.status == "published" and target.remote_url.startswith("http")
        assert len(sandbox.published(network="x")) == 1

        # publishing.js polls status.json every few seconds around the due time and updates in place.
        expect(row.locator(".target-label")).to_have_text("Published", timeout=2 * TIMEOUT_MS)
        link = row.locator(".target-link")
        expect(link).to_be_visible()
        expect(link).to_have_attribute("href", target.remote_url)
        expect(page.locator("#post-status")).to_have_text("Published")
        expect(page.locator("#scheduled-for")).to_be_hidden()
        assert page.evaluate("window.stillTheSamePage") is True  # no reload happened
