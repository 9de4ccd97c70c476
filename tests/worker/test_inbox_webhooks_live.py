"""Meta's webhooks end to end: Cadenza subscribes through the sandbox's Graph API (which verifies the
callback as Meta does), the demo page installs the app, and the sandbox's signed deliveries reach the running
web app; a webhook and a poll of the same comment or message make one item, a replay and a forged signature
store nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from tenants.models import InboxItem
from tests.e2e.browser import serve
from web.views.webhooks import meta_verify_token
from worker.jobs.inbox_sync import sync_account_inbox
from worker.webhook_setup import subscribe_meta


@pytest.fixture
def subscribed(csrf_app, demo, worker_env) -> Iterator[tuple[str, object]]:
    with serve(csrf_app) as url:
        subscribe_meta(
            worker_env, callback_url=f"{url}/webhooks/meta", verify_token=meta_verify_token(worker_env)
        )
        yield url, demo


def _wait_for(session, remote_id: str, timeout: float = 10.0) -> InboxItem:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session.expire_all()
        item = session.scalars(select(InboxItem).where(InboxItem.remote_id == remote_id)).first()
        if item is not None:
            return item
        time.sleep(0.1)
    raise AssertionError(f"{remote_id} never arrived by webhook")


def _deliveries(sandbox, remote_id: str, timeout: float = 10.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [
            d for d in sandbox.webhooks()["deliveries"] if d.get("item_id") == remote_id and d.get("status")
        ]
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no delivery of {remote_id} was answered")


def _count(session, remote_id: str) -> int:
    session.expire_all()
    return session.scalar(select(func.count(InboxItem.id)).where(InboxItem.remote_id == remote_id))


def test_a_page_comment_and_a_message_arrive_by_webhook_and_the_poll_adds_no_copy(
    subscribed, sandbox, session
):
    _url, (_client, accounts) = subscribed
    page = accounts["facebook"]
    comment = sandbox.say(
        "facebook", "comment", page.remote_id, "Il tiramisù è senza glutine?", author="Luca Neri"
    )
    message = sandbox.say(
        "facebook", "dm", page.remote_id, "Avete un tavolo per 4 stasera?", author="Sara Bruno"
    )
    item = _wait_for(session, comment["id"])
    assert (item.source, item.kind, item.author_name) == ("webhook", "comment", "Luca Neri")
    dm = _wait_for(session, message["id"])
    assert (dm.source, dm.kind, dm.is_question, dm.author_name) == ("webhook", "dm", True, "")

    assert sync_account_inbox(page.id, "comment")["outcome"] == "synced"
    assert sync_account_inbox(page.id, "dm")["outcome"] == "synced"
    assert _count(session, comment["id"]) == _count(session, message["id"]) == 1
    session.expire_all()
    # The poll fills what a Messenger webhook does not carry (the person's name), on the same item.
    filled = session.get(InboxItem, dm.id)
    assert (filled.source, filled.author_name) == ("webhook", "Sara Bruno")


def test_a_replayed_delivery_is_refused_and_stores_nothing_twice(subscribed, sandbox, session):
    _url, (_client, accounts) = subscribed
    page = accounts["facebook"]
    said = sandbox.say("facebook", "comment", page.remote_id, "Bravissimi!")
    _wait_for(session, said["id"])
    first = _deliveries(sandbox, said["id"])[0]
    assert first["status"] == 200
    sandbox.http.post("/_control/webhooks/redeliver", json={"id": first["id"]}).raise_for_status()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        again = [d for d in sandbox.webhooks()["deliveries"] if d.get("redelivery_of") == first["id"]]
        if again and again[0].get("status"):
            break
        time.sleep(0.1)
    assert again[0]["status"] == 403
    assert _count(session, said["id"]) == 1


def test_a_forged_signature_is_refused_and_the_poll_still_brings_the_comment(subscribed, sandbox, session):
    _url, (_client, accounts) = subscribed
    page = accounts["facebook"]
    sandbox.fault("facebook", "bad_signature", account=page.remote_id, times=1)
    said = sandbox.say("facebook", "comment", page.remote_id, "Ottimo servizio")
    delivery = _deliveries(sandbox, said["id"])[0]
    assert delivery["status"] == 403
    assert _count(session, said["id"]) == 0
    sync_account_inbox(page.id, "comment")
    assert _count(session, said["id"]) == 1
