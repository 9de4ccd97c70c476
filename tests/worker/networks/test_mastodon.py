"""Mastodon connector against the running sandbox: OAuth, publishing, failure classes, inbox, metrics."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tests.sandbox_control import authorize
from worker.networks.errors import ReconnectNeeded, Rejected, RetryLater, UnknownOutcome
from worker.networks.mastodon import MastodonConnector
from worker.networks.registry import get_connector
from worker.networks.types import AccountCredentials, MediaItem, PublishRequest

REDIRECT = "http://127.0.0.1:5000/oauth/mastodon/callback"
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 2048


def _connect(settings, *, granted=None, username="brand", instance="social.example"):
    bootstrap = get_connector("mastodon", settings=settings, instance=instance)
    app = bootstrap.register_app(redirect_uri=REDIRECT)
    connector = get_connector("mastodon", settings=settings, instance=instance, app=app)
    request = connector.authorization_request(redirect_uri=REDIRECT, state="s-1")
    answer = authorize(request.url, username=username, granted=granted)
    assert answer["state"] == "s-1"
    tokens = connector.exchange_code(code=answer["code"], redirect_uri=REDIRECT)
    (account,) = connector.discover_accounts(tokens)
    creds = AccountCredentials(
        remote_id=account.remote_id, access_token=tokens.access_token, extra=account.extra
    )
    return connector, account, creds, answer["code"]


def test_full_oauth_with_per_instance_app(net_settings, sandbox):
    connector, account, creds, code = _connect(net_settings)
    assert isinstance(connector, MastodonConnector)
    assert account.handle == "@brand@social.example" and account.kind == "profile"
    with pytest.raises(Rejected):  # a code is good once
        connector.exchange_code(code=code, redirect_uri=REDIRECT)
    assert connector.instance_limits()["max_characters"] == 500
    assert connector.refresh(creds).access_token == creds.access_token


def test_denied_consent_comes_back_as_access_denied(net_settings, sandbox):
    connector = get_connector(
        "mastodon",
        settings=net_settings,
        instance="social.example",
        app=get_connector("mastodon", settings=net_settings, instance="social.example").register_app(
            redirect_uri=REDIRECT
        ),
    )
    answer = authorize(connector.authorization_request(redirect_uri=REDIRECT, state="s").url, deny=True)
    assert answer["error"] == "access_denied" and "code" not in answer


def test_publish_text_link_and_image_exactly_once(net_settings, sandbox):
    connector, account, creds, _ = _connect(net_settings)
    post = connector.publish(
        creds,
        PublishRequest(text="Buongiorno!", idempotency_key="t-1", link="https://trattoria.example/menu"),
    )
    again = connector.publish(
        creds,
        PublishRequest(text="Buongiorno!", idempotency_key="t-1", link="https://trattoria.example/menu"),
    )
    assert again.remote_id == post.remote_id
    image = connector.publish(
        creds,
        PublishRequest(
            text="Oggi",
            idempotency_key="t-2",
            media=(MediaItem(data=JPEG, mime_type="image/jpeg", alt_text="Pane"),),
        ),
    )
    published = sandbox.published("mastodon", account.extra["account_id"])
    assert [p["remote_id"] for p in published] == [post.remote_id, image.remote_id]
    assert published[0]["text"].endswith("https://trattoria.example/menu")


def test_lost_response_is_unknown_outcome_and_lookup_finds_the_one_post(net_settings, sandbox):
    connector, account, creds, _ = _connect(net_settings)
    sandbox.fault("mastodon", "response_lost")
    request = PublishRequest(text="Did it go out?", idempotency_key="target-42")
    with pytest.raises(UnknownOutcome):
        connector.publish(creds, request)
    found = connector.find_published(creds, request)
    assert found is not None
    assert [p["remote_id"] for p in sandbox.published("mastodon", account.extra["account_id"])] == [
        found.remote_id
    ]


def test_failure_classes(net_settings, sandbox):
    connector, account, creds, _ = _connect(net_settings)
    sandbox.fault("mastodon", "rate_limit")
    with pytest.raises(RetryLater) as throttled:
        connector.publish(creds, PublishRequest(text="x", idempotency_key="a"))
    assert throttled.value.retry_at > datetime.now(UTC)
    with pytest.raises(Rejected) as too_long:
        connector.publish(creds, PublishRequest(text="x" * 501, idempotency_key="b"))
    assert "longer" in too_long.value.reason
    sandbox.fault("mastodon", "error", status=503)
    with pytest.raises(RetryLater):
        connector.read_inbox(creds, kind="mention")
    sandbox.fault("mastodon", "revoked")
    with pytest.raises(ReconnectNeeded):
        connector.publish(creds, PublishRequest(text="x", idempotency_key="c"))
    with pytest.raises(ReconnectNeeded):  # and it stays revoked
        connector.refresh(creds)
    assert sandbox.published("mastodon") == []


def test_read_only_grant_cannot_post_and_says_reconnect(net_settings, sandbox):
    connector, _account, creds, _ = _connect(net_settings, granted=["read"])
    with pytest.raises(ReconnectNeeded) as err:
        connector.publish(creds, PublishRequest(text="x", idempotency_key="a"))
    assert "permission" in err.value.reason


def test_mentions_and_dms_paginate_and_reply(net_settings, sandbox):
    connector, account, creds, _ = _connect(net_settings)
    connector.publish(creds, PublishRequest(text="Nuovo menu", idempotency_key="p"))
    sandbox.tick(steps=120, network="mastodon")
    seen, cursor, pages = [], None, 0
    while True:
        page = connector.read_inbox(creds, kind="mention", cursor=cursor)
        seen += page.items
        pages += 1
        if page.cursor is None:
            break
        cursor = page.cursor
    assert pages >= 2 and len(seen) == len({i.remote_id for i in seen}) > 40
    assert all(i.kind == "mention" and i.author_handle.startswith("@") for i in seen)
    dms = connector.read_inbox(creds, kind="dm")
    assert dms.items and dms.items[0].thread_id
    reply = connector.reply(
        creds, item_remote_id=seen[0].remote_id, kind="mention", text="Grazie!", idempotency_key="r-1"
    )
    connector.reply(
        creds, item_remote_id=seen[0].remote_id, kind="mention", text="Grazie!", idempotency_key="r-1"
    )
    replies = [p for p in sandbox.published("mastodon", account.extra["account_id"]) if p["kind"] == "reply"]
    assert [p["remote_id"] for p in replies] == [reply.remote_id]


def test_metrics_report_followers_and_post_counts_but_no_impressions(net_settings, sandbox):
    connector, _account, creds, _ = _connect(net_settings)
    post = connector.publish(creds, PublishRequest(text="Metriche", idempotency_key="m"))
    sandbox.tick(steps=5, network="mastodon")
    samples = connector.read_metrics(creds, post_remote_ids=[post.remote_id])
    names = {(s.name, s.post_remote_id) for s in samples}
    assert ("followers", None) in names and ("likes", post.remote_id) in names
    assert not any(s.name == "impressions" for s in samples)


def test_revoke_at_disconnect(net_settings, sandbox):
    connector, _account, creds, _ = _connect(net_settings)
    connector.revoke(creds)
    with pytest.raises(ReconnectNeeded):
        connector.refresh(creds)


def _received(sandbox, creds, status_id: str) -> dict:
    """A fan's status as the account sees it in its notifications (mentions) or conversations (DMs)."""
    base = f"{sandbox.url}/mastodon/social.example/api/v1"
    headers = {"Authorization": f"Bearer {creds.access_token}"}
    mentions = [n["status"] for n in httpx.get(f"{base}/notifications", headers=headers).json()]
    direct = [c["last_status"] for c in httpx.get(f"{base}/conversations", headers=headers).json()]
    return next(s for s in mentions + direct if s["id"] == status_id)


def test_mentions_and_direct_messages_are_favourited_once(net_settings, sandbox):
    connector, account, creds, _ = _connect(net_settings)
    sandbox.tick(steps=30, network="mastodon")
    mention = connector.read_inbox(creds, kind="mention").items[0]
    dm = connector.read_inbox(creds, kind="dm").items[0]
    for _ in range(2):
        connector.like_item(creds, item_remote_id=mention.remote_id, kind="mention")
    connector.like_item(creds, item_remote_id=dm.remote_id, kind="dm")
    likes = [p for p in sandbox.published("mastodon", account.extra["account_id"]) if p["kind"] == "like"]
    assert [p["remote_id"] for p in likes] == [mention.remote_id, dm.remote_id]
    seen = _received(sandbox, creds, mention.remote_id)
    assert (seen["favourited"], seen["favourites_count"]) == (True, 1)
    with pytest.raises(Rejected):  # a status the instance does not know (deleted, or never seen)
        connector.like_item(creds, item_remote_id="999999999", kind="mention")


def test_others_statuses_cannot_be_hidden_or_deleted_and_favouriting_needs_write(net_settings, sandbox):
    connector, _account, creds, _ = _connect(net_settings)
    for act in (
        lambda: connector.hide_item(creds, item_remote_id="1", kind="mention", hidden=True),
        lambda: connector.delete_item(creds, item_remote_id="1", kind="mention"),
        lambda: connector.like_item(creds, item_remote_id="1", kind="comment"),
    ):
        with pytest.raises(NotImplementedError):
            act()
    connector, _account, creds, _ = _connect(net_settings, granted=["read"])
    sandbox.tick(steps=10, network="mastodon")
    mention = connector.read_inbox(creds, kind="mention").items[0]
    with pytest.raises(Rejected) as refused:
        connector.like_item(creds, item_remote_id=mention.remote_id, kind="mention")
    assert "permission to write" in refused.value.reason
    assert "favourited" not in _received(sandbox, creds, mention.remote_id)
