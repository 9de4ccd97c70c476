"""X connector against the running sandbox: PKCE OAuth, rotating refresh, posts, failures, inbox, metrics."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.sandbox_control import authorize
from worker.networks.errors import ConnectorError, ReconnectNeeded, Rejected, RetryLater, UnknownOutcome
from worker.networks.registry import get_connector
from worker.networks.types import AccountCredentials, AppCredentials, MediaItem, PublishRequest
from worker.networks.x import XConnector

REDIRECT = "http://127.0.0.1:5000/oauth/x/callback"
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 2048
READ_ONLY = ["tweet.read", "users.read"]


def _connector(settings, app: AppCredentials | None = None) -> XConnector:
    connector = get_connector("x", settings=settings, app=app)
    connector.max_poll_wait = 0.01  # the sandbox says check_after_secs=1; tests need not wait that long
    return connector


def _connect(settings, *, granted=None, username="brandx", app=None):
    connector = _connector(settings, app)
    auth = connector.authorization_request(redirect_uri=REDIRECT, state="s-1")
    answer = authorize(auth.url, username=username, granted=granted)
    assert answer["state"] == "s-1"
    tokens = connector.exchange_code(
        code=answer["code"], redirect_uri=REDIRECT, code_verifier=auth.code_verifier
    )
    (account,) = connector.discover_accounts(tokens)
    creds = AccountCredentials(
        remote_id=account.remote_id,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
        extra=account.extra,
    )
    return connector, account, creds, tokens


def _with_tokens(creds: AccountCredentials, tokens) -> AccountCredentials:
    return AccountCredentials(
        remote_id=creds.remote_id,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token or creds.refresh_token,
        expires_at=tokens.expires_at,
        extra=creds.extra,
    )


def test_full_oauth_with_pkce_and_two_hour_tokens(net_settings, sandbox):
    connector, account, creds, tokens = _connect(net_settings)
    assert isinstance(connector, XConnector)
    assert account.handle == "@brandx" and account.kind == "profile"
    assert tokens.refresh_token and "offline.access" in tokens.scopes
    lifetime = tokens.expires_at - datetime.now(UTC)
    assert timedelta(minutes=119) < lifetime <= timedelta(hours=2)
    assert (
        "code_challenge_method=S256" in connector.authorization_request(redirect_uri=REDIRECT, state="s").url
    )


def test_authorization_code_needs_the_verifier_and_works_once_within_30_seconds(net_settings, sandbox):
    connector = _connector(net_settings)

    def fresh_code():
        auth = connector.authorization_request(redirect_uri=REDIRECT, state="s")
        return auth, authorize(auth.url)["code"]

    for verifier in (None, "not-the-verifier"):
        _auth, code = fresh_code()
        with pytest.raises(Rejected) as wrong:
            connector.exchange_code(code=code, redirect_uri=REDIRECT, code_verifier=verifier)
        assert "invalid_grant" in wrong.value.detail
    auth, code = fresh_code()
    connector.exchange_code(code=code, redirect_uri=REDIRECT, code_verifier=auth.code_verifier)
    with pytest.raises(Rejected):  # a code is good once
        connector.exchange_code(code=code, redirect_uri=REDIRECT, code_verifier=auth.code_verifier)
    auth, code = fresh_code()
    sandbox.advance_clock(31)
    with pytest.raises(Rejected):
        connector.exchange_code(code=code, redirect_uri=REDIRECT, code_verifier=auth.code_verifier)
    no_pkce = auth.url.split("&code_challenge")[0]
    assert httpx.get(no_pkce).status_code == 400


def test_denied_consent_comes_back_as_access_denied(net_settings, sandbox):
    auth = _connector(net_settings).authorization_request(redirect_uri=REDIRECT, state="s")
    answer = authorize(auth.url, deny=True)
    assert answer["error"] == "access_denied" and "code" not in answer


def test_refresh_rotates_and_the_old_refresh_token_means_reconnect(net_settings, sandbox):
    connector, _account, creds, _tokens = _connect(net_settings)
    fresh = connector.refresh(creds)
    assert fresh.refresh_token and fresh.refresh_token != creds.refresh_token
    assert fresh.access_token != creds.access_token
    with pytest.raises(ReconnectNeeded) as reused:
        connector.refresh(creds)
    assert "Value passed for the token was invalid." in reused.value.detail
    newer = connector.refresh(_with_tokens(creds, fresh))
    assert newer.refresh_token not in (fresh.refresh_token, creds.refresh_token)


def test_concurrent_refresh_with_one_token_lets_only_one_win(net_settings, sandbox):
    connector, _account, creds, _tokens = _connect(net_settings)
    outcomes: list[object] = []

    def refresh() -> None:
        try:
            outcomes.append(_connector(net_settings).refresh(creds))
        except ConnectorError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["ReconnectNeeded", "TokenSet"]


def test_expired_access_token_needs_a_refresh(net_settings, sandbox):
    connector, _account, creds, _tokens = _connect(net_settings)
    sandbox.advance_clock(2 * 3600 + 1)
    with pytest.raises(ReconnectNeeded):
        connector.read_inbox(creds, kind="mention")
    fresh = _with_tokens(creds, connector.refresh(creds))
    assert connector.read_inbox(fresh, kind="mention").items == ()


def test_partial_grant_without_write_or_offline_access(net_settings, sandbox):
    connector, _account, creds, tokens = _connect(net_settings, granted=READ_ONLY)
    assert tokens.refresh_token is None and set(tokens.scopes) == set(READ_ONLY)
    with pytest.raises(ReconnectNeeded) as no_write:
        connector.publish(creds, PublishRequest(text="Ciao", idempotency_key="a"))
    assert "permission for posting" in no_write.value.reason
    with pytest.raises(ReconnectNeeded) as no_dm:
        connector.read_inbox(creds, kind="dm")
    assert "direct messages" in no_dm.value.reason
    with pytest.raises(ReconnectNeeded):
        connector.refresh(creds)
    assert sandbox.published("x") == []


def test_app_not_enrolled_in_a_project_says_reconnect_with_the_reason(net_settings, sandbox):
    app = AppCredentials(client_id="cadenza-unenrolled-x", client_secret="sandbox-secret-unenrolled-x")
    connector = _connector(net_settings, app)
    auth = connector.authorization_request(redirect_uri=REDIRECT, state="s")
    code = authorize(auth.url)["code"]
    tokens = connector.exchange_code(code=code, redirect_uri=REDIRECT, code_verifier=auth.code_verifier)
    with pytest.raises(ReconnectNeeded) as err:
        connector.discover_accounts(tokens)
    assert "not enrolled" in err.value.reason


def test_publish_text_link_and_image(net_settings, sandbox):
    connector, account, creds, _tokens = _connect(net_settings)
    text = connector.publish(creds, PublishRequest(text="Buongiorno & benvenuti <3", idempotency_key="t-1"))
    link = connector.publish(
        creds, PublishRequest(text="Il menu", idempotency_key="t-2", link="https://trattoria.example/menu")
    )
    image_request = PublishRequest(
        text="Oggi",
        idempotency_key="t-3",
        media=(MediaItem(data=JPEG, mime_type="image/jpeg", alt_text="Pane"),),
    )
    image = connector.publish(creds, image_request)
    assert image.url.endswith(f"/brandx/status/{image.remote_id}")
    published = sandbox.published("x", account.remote_id)
    assert [p["remote_id"] for p in published] == [text.remote_id, link.remote_id, image.remote_id]
    assert published[1]["text"] == "Il menu\n\nhttps://trattoria.example/menu"
    assert len(published[2]["extra"]["media_ids"]) == 1
    # X hands links back as t.co and escapes HTML; the look-up still recognises each post.
    assert sandbox.state("x")["media"][published[2]["extra"]["media_ids"][0]]["alt_text"] == "Pane"
    for request, post in (
        (PublishRequest(text="Buongiorno & benvenuti <3", idempotency_key="t-1"), text),
        (PublishRequest(text="Il menu", idempotency_key="t-2", link="https://trattoria.example/menu"), link),
        (image_request, image),  # X appends a t.co link to the photo
    ):
        assert connector.find_published(creds, request).remote_id == post.remote_id


def test_images_limits_and_processing_failure(net_settings, sandbox):
    connector, _account, creds, _tokens = _connect(net_settings)
    five = tuple(MediaItem(data=JPEG, mime_type="image/jpeg") for _ in range(5))
    with pytest.raises(Rejected) as too_many:
        connector.publish(creds, PublishRequest(text="Cinque", idempotency_key="a", media=five))
    assert "at most 4" in too_many.value.reason
    with pytest.raises(Rejected) as too_long:
        connector.publish(creds, PublishRequest(text="x" * 281, idempotency_key="b", media=five[:1]))
    assert "longer" in too_long.value.reason
    assert sandbox.state("x")["media"] == {}  # refused before any upload
    not_an_image = MediaItem(data=b"%PDF-1.7" + b"0" * 100, mime_type="image/jpeg")
    with pytest.raises(Rejected) as failed:
        connector.publish(creds, PublishRequest(text="PDF", idempotency_key="c", media=(not_an_image,)))
    assert "could not process" in failed.value.reason
    assert sandbox.published("x") == []


def test_weighted_length_is_checked_by_x(net_settings, sandbox):
    connector, _account, creds, _tokens = _connect(net_settings)
    cjk = "日本語" * 47  # 141 characters, 282 weighted
    with pytest.raises(Rejected) as too_long:
        connector.publish(creds, PublishRequest(text=cjk, idempotency_key="a"))
    assert "longer" in too_long.value.reason
    url_text = "https://trattoria.example/" + "a" * 300  # one link counts 23
    assert connector.publish(creds, PublishRequest(text=url_text, idempotency_key="b")).remote_id


def test_duplicate_content_is_rejected_unless_it_is_this_post(net_settings, sandbox):
    connector, account, creds, _tokens = _connect(net_settings)
    image = (MediaItem(data=JPEG, mime_type="image/jpeg"),)
    connector.publish(creds, PublishRequest(text="Menu del giorno", idempotency_key="a", media=image))
    with pytest.raises(Rejected) as duplicate:
        connector.publish(creds, PublishRequest(text="Menu del giorno", idempotency_key="b"))
    assert "identical" in duplicate.value.reason
    assert "duplicate content" in duplicate.value.detail
    assert len(sandbox.published("x", account.remote_id)) == 1


def test_lost_response_then_lookup_across_pages_and_retry_find_the_one_post(net_settings, sandbox):
    connector, account, creds, _tokens = _connect(net_settings)
    sandbox.fault("x", "response_lost")
    request = PublishRequest(text="Did it go out?", idempotency_key="target-42")
    with pytest.raises(UnknownOutcome):
        connector.publish(creds, request)
    for n in range(7):
        connector.publish(creds, PublishRequest(text=f"Later post {n}", idempotency_key=f"l-{n}"))
    connector.timeline_page_size = 5  # the lost post is on the second page
    found = connector.find_published(creds, request)
    assert found is not None
    # A retry without look-up meets X's duplicate check; the connector confirms it is the same post.
    assert connector.publish(creds, request).remote_id == found.remote_id
    matching = [p for p in sandbox.published("x", account.remote_id) if p["text"] == request.text]
    assert [p["remote_id"] for p in matching] == [found.remote_id]
    assert connector.find_published(creds, PublishRequest(text="Never sent", idempotency_key="n")) is None


def test_rate_limit_retries_at_the_reset_from_the_header(net_settings, sandbox):
    connector, _account, creds, _tokens = _connect(net_settings)
    sandbox.fault("x", "rate_limit")
    with pytest.raises(RetryLater) as throttled:
        connector.publish(creds, PublishRequest(text="a", idempotency_key="a"))
    wait = throttled.value.retry_at - datetime.now(UTC)
    assert timedelta(minutes=14) < wait <= timedelta(minutes=15)  # X's 15-minute window, not a default
    sandbox.fault("x", "quota")
    with pytest.raises(RetryLater) as quota:
        connector.publish(creds, PublishRequest(text="b", idempotency_key="b"))
    assert "daily" in quota.value.reason
    assert quota.value.retry_at - datetime.now(UTC) > timedelta(hours=23)
    assert sandbox.published("x") == []


def test_a_brief_throttle_announces_its_reset_and_leaves_the_window_unspent(net_settings, sandbox):
    connector, _account, creds, _tokens = _connect(net_settings)
    sandbox.fault("x", "rate_limit", reset_seconds=5)
    with pytest.raises(RetryLater) as throttled:
        connector.publish(creds, PublishRequest(text="a", idempotency_key="a"))
    assert throttled.value.retry_at - datetime.now(UTC) <= timedelta(seconds=5)
    # Unlike a real 429, the window still has room: the next call goes through at once.
    assert connector.publish(creds, PublishRequest(text="b", idempotency_key="b")).remote_id
    assert [p["text"] for p in sandbox.published("x")] == ["b"]


def test_every_response_carries_rate_headers_and_the_window_runs_out(net_settings, sandbox):
    _connector_, _account, creds, _tokens = _connect(net_settings)
    url = f"{net_settings.sandbox_url}/x/api/2/users/me"
    headers = {"Authorization": f"Bearer {creds.access_token}"}
    with httpx.Client() as http:
        answers = [http.get(url, headers=headers) for _ in range(75)]
    assert answers[-1].status_code == 429 and answers[-2].status_code == 200
    assert answers[0].headers["x-rate-limit-limit"] == "75"
    assert answers[-1].headers["x-rate-limit-remaining"] == "0"
    assert answers[-1].json() == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
    reset = int(answers[-1].headers["x-rate-limit-reset"])
    assert 14 * 60 < reset - datetime.now(UTC).timestamp() <= 15 * 60


def test_server_errors_retry_and_revoked_or_expired_tokens_reconnect(net_settings, sandbox):
    connector, _account, creds, _tokens = _connect(net_settings)
    sandbox.fault("x", "error", status=503)
    with pytest.raises(RetryLater):
        connector.read_inbox(creds, kind="mention")
    sandbox.fault("x", "error", status=500)
    with pytest.raises(RetryLater):
        connector.publish(creds, PublishRequest(text="c", idempotency_key="c"))
    sandbox.fault("x", "expired")
    with pytest.raises(ReconnectNeeded):
        connector.publish(creds, PublishRequest(text="d", idempotency_key="d"))
    creds = _with_tokens(creds, connector.refresh(creds))  # an expired access token is refreshable
    sandbox.fault("x", "revoked")
    with pytest.raises(ReconnectNeeded):
        connector.publish(creds, PublishRequest(text="e", idempotency_key="e"))
    with pytest.raises(ReconnectNeeded):  # and it stays revoked
        connector.refresh(creds)
    assert sandbox.published("x") == []


def _all_pages(connector, creds, kind):
    seen, cursor, pages = [], None, 0
    while True:
        page = connector.read_inbox(creds, kind=kind, cursor=cursor)
        seen += page.items
        pages += 1
        if page.cursor is None:
            return seen, pages
        cursor = page.cursor


def test_mentions_and_dms_paginate_and_replies_go_out_once(net_settings, sandbox):
    connector, account, creds, _tokens = _connect(net_settings)
    connector.publish(creds, PublishRequest(text="Nuovo menu", idempotency_key="p"))
    sandbox.tick(steps=150, network="x")
    connector.inbox_page_size = 40
    mentions, pages = _all_pages(connector, creds, "mention")
    assert pages >= 2 and len(mentions) == len({i.remote_id for i in mentions}) > 40
    assert all(i.kind == "mention" and i.author_handle.startswith("@") for i in mentions)
    assert any(i.post_remote_id for i in mentions) and "https://maps.example/milan" in {
        w for i in mentions for w in i.text.split()
    }
    dms, pages = _all_pages(connector, creds, "dm")
    assert pages >= 2 and len(dms) == len({i.remote_id for i in dms}) > 40
    assert all(i.thread_id and account.remote_id in i.thread_id for i in dms)
    first, second = mentions[0], mentions[1]
    reply = connector.reply(
        creds, item_remote_id=first.remote_id, kind="mention", text="Grazie!", idempotency_key="r"
    )
    again = connector.reply(
        creds, item_remote_id=first.remote_id, kind="mention", text="Grazie!", idempotency_key="r"
    )
    assert again.remote_id == reply.remote_id
    with pytest.raises(Rejected):  # X refuses the same words to someone else
        connector.reply(
            creds, item_remote_id=second.remote_id, kind="mention", text="Grazie!", idempotency_key="s"
        )
    dm = connector.reply(
        creds, item_remote_id=dms[0].remote_id, kind="dm", text="A presto", idempotency_key="d"
    )
    written = sandbox.published("x", account.remote_id)
    assert [(p["kind"], p["remote_id"]) for p in written[1:]] == [
        ("reply", reply.remote_id),
        ("dm", dm.remote_id),
    ]
    assert written[2]["extra"]["recipient"] == dms[0].author_id


def test_metrics_in_cadenza_words_and_none_for_deleted_posts(net_settings, sandbox):
    connector, _account, creds, _tokens = _connect(net_settings)
    kept = connector.publish(creds, PublishRequest(text="Metriche", idempotency_key="m"))
    gone = connector.publish(creds, PublishRequest(text="Da cancellare", idempotency_key="g"))
    sandbox.tick(steps=5, network="x")
    connector.delete_post(creds, gone.remote_id)
    connector.delete_post(creds, gone.remote_id)  # deleting twice is fine
    samples = connector.read_metrics(creds, post_remote_ids=[kept.remote_id, gone.remote_id])
    names = {s.name for s in samples if s.post_remote_id == kept.remote_id}
    assert names == {"impressions", "likes", "shares", "comments", "saves", "clicks"}
    assert any(s.name == "followers" and s.post_remote_id is None for s in samples)
    assert not any(s.post_remote_id == gone.remote_id for s in samples)
    state = sandbox.state("x")["tweets"][kept.remote_id]["metrics"]
    shares = next(s.value for s in samples if s.name == "shares")
    assert shares == state["retweet_count"] + state["quote_count"]


def test_revoke_at_disconnect(net_settings, sandbox):
    connector, _account, creds, _tokens = _connect(net_settings)
    connector.revoke(creds)
    with pytest.raises(ReconnectNeeded):
        connector.refresh(creds)
    with pytest.raises(ReconnectNeeded):
        connector.read_inbox(creds, kind="mention")


def _fan_mentions(connector, creds, sandbox):
    """Mentions of the brand: some reply in its own conversation, some start one of their own."""
    connector.publish(creds, PublishRequest(text="Nuovo menu", idempotency_key="p"))
    sandbox.tick(steps=20, network="x")
    mentions = connector.read_inbox(creds, kind="mention").items
    replies = [m for m in mentions if m.post_remote_id]
    standalone = [m for m in mentions if not m.post_remote_id]
    assert replies and standalone
    return replies, standalone


def test_a_mention_is_liked_once_however_often_the_account_asks(net_settings, sandbox):
    connector, account, creds, _tokens = _connect(net_settings)
    (mention, *_), _ = _fan_mentions(connector, creds, sandbox)
    connector.like_item(creds, item_remote_id=mention.remote_id, kind="mention")
    connector.like_item(creds, item_remote_id=mention.remote_id, kind="mention")
    likes = [p for p in sandbox.published("x", account.remote_id) if p["kind"] == "like"]
    assert [p["remote_id"] for p in likes] == [mention.remote_id]
    samples = connector.read_metrics(creds, post_remote_ids=[mention.remote_id])
    assert {s.name: s.value for s in samples if s.post_remote_id}["likes"] == 1


def test_replies_in_the_accounts_own_conversations_hide_and_show_again(net_settings, sandbox):
    connector, _account, creds, _tokens = _connect(net_settings)
    (reply, *_), (elsewhere, *_) = _fan_mentions(connector, creds, sandbox)
    for _ in range(2):  # hiding what is hidden already is no error
        connector.hide_item(creds, item_remote_id=reply.remote_id, kind="mention", hidden=True)
    assert sandbox.state("x")["tweets"][reply.remote_id]["hidden"] is True
    connector.hide_item(creds, item_remote_id=reply.remote_id, kind="mention", hidden=False)
    assert sandbox.state("x")["tweets"][reply.remote_id]["hidden"] is False
    with pytest.raises(Rejected) as not_ours:
        connector.hide_item(creds, item_remote_id=elsewhere.remote_id, kind="mention", hidden=True)
    assert "conversations it started" in not_ours.value.reason
    assert "hidden" not in sandbox.state("x")["tweets"][elsewhere.remote_id]


def test_no_deletes_of_others_posts_and_no_actions_on_dms(net_settings, sandbox):
    connector, _account, creds, _tokens = _connect(net_settings)
    for act in (
        lambda: connector.delete_item(creds, item_remote_id="1", kind="mention"),
        lambda: connector.like_item(creds, item_remote_id="1", kind="dm"),
        lambda: connector.hide_item(creds, item_remote_id="1", kind="dm", hidden=True),
    ):
        with pytest.raises(NotImplementedError):
            act()


def test_liking_or_hiding_without_the_scope_is_refused_not_a_reconnect(net_settings, sandbox):
    connector, account, creds, _tokens = _connect(net_settings)
    (reply, *_), _ = _fan_mentions(connector, creds, sandbox)
    granted = [s for s in XConnector.scopes if s not in ("like.write", "tweet.moderate.write")]
    connector, account, creds, _tokens = _connect(net_settings, granted=granted)
    with pytest.raises(Rejected) as like:
        connector.like_item(creds, item_remote_id=reply.remote_id, kind="mention")
    with pytest.raises(Rejected) as hide:
        connector.hide_item(creds, item_remote_id=reply.remote_id, kind="mention", hidden=True)
    assert "liking posts" in like.value.reason and "hiding replies" in hide.value.reason
    assert not [p for p in sandbox.published("x") if p["kind"] == "like"]
