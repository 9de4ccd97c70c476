"""Facebook Pages connector against the running sandbox: login, page tokens, posts, failures, inbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.sandbox_control import authorize
from worker.networks.errors import ReconnectNeeded, Rejected, RetryLater, UnknownOutcome
from worker.networks.facebook import FacebookConnector
from worker.networks.registry import get_connector
from worker.networks.types import AccountCredentials, MediaItem, PublishRequest

REDIRECT = "http://127.0.0.1:5000/oauth/facebook/callback"
TRATTORIA, BAR_SPORT, GELATERIA = "200000000000001", "200000000000002", "200000000000003"
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 2048


def _grant(*, without: tuple[str, ...] = (), pages: tuple[str, ...] = (TRATTORIA, BAR_SPORT)) -> list[str]:
    """A consent form ticked by hand: every permission but `without`, and only `pages`."""
    return [s for s in FacebookConnector.scopes if s not in without] + [f"page:{p}" for p in pages]


def _connect(settings, *, username="maria", granted=None, page=TRATTORIA):
    connector = get_connector("facebook", settings=settings)
    request = connector.authorization_request(redirect_uri=REDIRECT, state="s-1")
    answer = authorize(request.url, username=username, granted=granted)
    assert answer["state"] == "s-1"
    tokens = connector.exchange_code(code=answer["code"], redirect_uri=REDIRECT)
    accounts = {a.remote_id: a for a in connector.discover_accounts(tokens)}
    account = accounts[page]
    creds = AccountCredentials(
        remote_id=account.remote_id, access_token=account.access_token, extra=account.extra
    )
    return connector, account, creds, tokens, answer["code"], accounts


def _graph_get(sandbox, path: str, token: str, **params) -> httpx.Response:
    return httpx.get(
        f"{sandbox.url}/meta/graph/v21.0/{path}", params=params, headers={"Authorization": f"Bearer {token}"}
    )


def test_login_gives_a_long_lived_user_token_and_one_page_token_per_page(net_settings, sandbox):
    connector, account, creds, tokens, code, accounts = _connect(net_settings)
    assert isinstance(connector, FacebookConnector)
    assert (
        "scope=pages_show_list%2Cpages_read_engagement"
        in connector.authorization_request(redirect_uri=REDIRECT, state="x").url
    )
    assert set(accounts) == {TRATTORIA, BAR_SPORT}
    assert {a.kind for a in accounts.values()} == {"page"}
    assert account.display_name == "Trattoria Da Mario" and account.extra == {"page_id": TRATTORIA}
    assert len({a.access_token for a in accounts.values()} | {tokens.access_token}) == 3
    assert tokens.expires_at > datetime.now(UTC) + timedelta(days=59)
    assert set(FacebookConnector.scopes) <= set(tokens.scopes)
    with pytest.raises(Rejected) as reused:  # the "code already used" trap of multi-step page pickers
        connector.exchange_code(code=code, redirect_uri=REDIRECT)
    assert "already used" in reused.value.reason
    assert connector.refresh(creds).access_token == creds.access_token


def test_denied_consent_comes_back_as_access_denied(net_settings, sandbox):
    connector = get_connector("facebook", settings=net_settings)
    answer = authorize(connector.authorization_request(redirect_uri=REDIRECT, state="s").url, deny=True)
    assert answer["error"] == "access_denied" and answer["error_reason"] == "user_denied"
    assert "code" not in answer


def test_a_user_may_share_only_some_pages_and_sees_only_their_own(net_settings, sandbox):
    *_, accounts = _connect(net_settings, granted=_grant(pages=(TRATTORIA,)))
    assert set(accounts) == {TRATTORIA}
    *_, luca = _connect(net_settings, username="luca", page=GELATERIA)
    assert set(luca) == {GELATERIA}


def test_unticked_posting_permission_is_flagged_and_publishing_asks_to_reconnect(net_settings, sandbox):
    connector, account, creds, tokens, *_ = _connect(
        net_settings, granted=_grant(without=("pages_manage_posts",))
    )
    assert "pages_manage_posts" not in tokens.scopes and "pages_manage_posts" in tokens.extra["declined"]
    assert account.extra["missing_permissions"] == ["pages_manage_posts"]
    with pytest.raises(ReconnectNeeded) as err:
        connector.publish(creds, PublishRequest(text="Ciao", idempotency_key="k"))
    assert "permission" in err.value.reason and "pages_manage_posts" in err.value.reason
    assert sandbox.published("facebook") == []


def test_publish_text_link_and_photos_exactly_once(net_settings, sandbox):
    connector, account, creds, *_ = _connect(net_settings)
    post = connector.publish(
        creds,
        PublishRequest(text="Menu del giorno", idempotency_key="t-1", link="https://trattoria.example/menu"),
    )
    photos = connector.publish(
        creds,
        PublishRequest(
            text="Oggi in cucina",
            idempotency_key="t-2",
            link="https://trattoria.example",
            media=(MediaItem(data=JPEG, mime_type="image/jpeg", alt_text="Pane"),) * 2,
        ),
    )
    assert post.remote_id.startswith(f"{TRATTORIA}_") and post.url.startswith("https://www.facebook.com/")
    published = sandbox.published("facebook", TRATTORIA)
    assert [p["remote_id"] for p in published] == [post.remote_id, photos.remote_id]
    assert published[0]["extra"]["link"] == "https://trattoria.example/menu"
    assert len(published[1]["extra"]["media"]) == 2
    assert published[1]["text"] == "Oggi in cucina\n\nhttps://trattoria.example"


def test_same_text_again_is_rejected_as_already_posted(net_settings, sandbox):
    connector, _account, creds, *_ = _connect(net_settings)
    connector.publish(creds, PublishRequest(text="Aperti a pranzo", idempotency_key="a"))
    with pytest.raises(Rejected) as duplicate:
        connector.publish(creds, PublishRequest(text="Aperti a pranzo", idempotency_key="b"))
    assert "already posted" in duplicate.value.reason
    with pytest.raises(Rejected) as too_long:
        connector.publish(creds, PublishRequest(text="x" * 63207, idempotency_key="c"))
    assert "63,206" in too_long.value.reason
    assert len(sandbox.published("facebook")) == 1


def test_lost_response_is_unknown_outcome_and_lookup_finds_the_one_post(net_settings, sandbox):
    connector, _account, creds, *_ = _connect(net_settings)
    sandbox.fault("facebook", "response_lost")
    request = PublishRequest(text="Did it go out?", idempotency_key="target-42")
    with pytest.raises(UnknownOutcome):
        connector.publish(creds, request)
    found = connector.find_published(creds, request)
    assert found is not None
    assert [p["remote_id"] for p in sandbox.published("facebook", TRATTORIA)] == [found.remote_id]
    assert connector.find_published(creds, PublishRequest(text="Never sent", idempotency_key="x")) is None


def test_throttling_is_in_the_body_and_retry_at_comes_from_the_usage_header(net_settings, sandbox):
    connector, _account, creds, *_ = _connect(net_settings)
    sandbox.fault("facebook", "rate_limit", minutes=7)
    raw = _graph_get(sandbox, "me", creds.access_token)
    assert raw.status_code in (400, 403) and raw.json()["error"]["code"] == 80001
    assert '"estimated_time_to_regain_access": 7' in raw.headers["X-Business-Use-Case-Usage"]
    sandbox.fault("facebook", "rate_limit", minutes=7)
    with pytest.raises(RetryLater) as throttled:
        connector.publish(creds, PublishRequest(text="x", idempotency_key="a"))
    expected = datetime.now(UTC) + timedelta(minutes=7)
    assert abs((throttled.value.retry_at - expected).total_seconds()) < 30
    sandbox.fault("facebook", "rate_limit", code=4)  # app-wide: X-App-Usage says 100 %, no estimate
    with pytest.raises(RetryLater) as app_limit:
        connector.read_inbox(creds, kind="comment")
    assert app_limit.value.retry_at > datetime.now(UTC) + timedelta(minutes=5)
    sandbox.fault("facebook", "quota")
    with pytest.raises(RetryLater):
        connector.publish(creds, PublishRequest(text="y", idempotency_key="b"))
    assert sandbox.published("facebook") == []


def test_server_errors_retry_reads_and_make_writes_unknown(net_settings, sandbox):
    connector, _account, creds, *_ = _connect(net_settings)
    sandbox.fault("facebook", "error", status=500)
    with pytest.raises(RetryLater):
        connector.read_inbox(creds, kind="dm")
    sandbox.fault("facebook", "error", status=503, write_only=True)
    request = PublishRequest(text="Servizio?", idempotency_key="e")
    with pytest.raises(UnknownOutcome):
        connector.publish(creds, request)
    assert connector.find_published(creds, request) is None
    assert sandbox.published("facebook") == []


def test_revoked_and_expired_tokens_need_reconnect(net_settings, sandbox):
    connector, _account, creds, *_ = _connect(net_settings)
    sandbox.fault("facebook", "revoked")
    with pytest.raises(ReconnectNeeded):
        connector.publish(creds, PublishRequest(text="x", idempotency_key="c"))
    with pytest.raises(ReconnectNeeded):  # and it stays revoked
        connector.refresh(creds)
    connector, _account, creds, *_ = _connect(net_settings)
    sandbox.fault("facebook", "expired", account=TRATTORIA)
    with pytest.raises(ReconnectNeeded):
        connector.refresh(creds)


def test_page_tokens_outlive_the_user_token(net_settings, sandbox):
    connector, _account, creds, tokens, *_ = _connect(net_settings)
    sandbox.advance_clock(61 * 24 * 3600)
    assert connector.refresh(creds).access_token == creds.access_token
    with pytest.raises(ReconnectNeeded):
        connector.discover_accounts(tokens)


def test_comments_paginate_and_a_reply_is_sent_once(net_settings, sandbox):
    connector, _account, creds, *_ = _connect(net_settings)
    connector.publish(creds, PublishRequest(text="Nuovo menu", idempotency_key="p"))
    sandbox.tick(steps=120, network="facebook")
    seen, cursor, pages = [], None, 0
    while True:
        page = connector.read_inbox(creds, kind="comment", cursor=cursor)
        seen += page.items
        pages += 1
        if page.cursor is None:
            break
        cursor = page.cursor
    assert pages >= 2 and len(seen) == len({i.remote_id for i in seen}) > 25
    assert all(i.kind == "comment" and i.author_id != TRATTORIA and i.post_remote_id for i in seen)
    first = seen[0].remote_id
    reply = connector.reply(creds, item_remote_id=first, kind="comment", text="Grazie!", idempotency_key="r")
    again = connector.reply(creds, item_remote_id=first, kind="comment", text="Grazie!", idempotency_key="r")
    assert again.remote_id == reply.remote_id
    replies = [p for p in sandbox.published("facebook", TRATTORIA) if p["kind"] == "reply"]
    assert [p["remote_id"] for p in replies] == [reply.remote_id]


def test_messenger_inbox_paginates_and_replies_only_inside_the_24_hour_window(net_settings, sandbox):
    connector, _account, creds, *_ = _connect(net_settings)
    sandbox.tick(steps=120, network="facebook")
    seen, cursor, pages = [], None, 0
    while True:
        page = connector.read_inbox(creds, kind="dm", cursor=cursor)
        seen += page.items
        pages += 1
        if page.cursor is None:
            break
        cursor = page.cursor
    assert pages >= 2 and len(seen) == len({i.remote_id for i in seen})
    assert all(i.kind == "dm" and i.thread_id.startswith("t_") for i in seen)
    answer = connector.reply(
        creds, item_remote_id=seen[0].remote_id, kind="dm", text="A presto!", idempotency_key="d"
    )
    sent = [p for p in sandbox.published("facebook", TRATTORIA) if p["kind"] == "dm"]
    assert [p["remote_id"] for p in sent] == [answer.remote_id]
    sandbox.advance_clock(25 * 3600)
    with pytest.raises(Rejected) as late:
        connector.reply(
            creds, item_remote_id=seen[-1].remote_id, kind="dm", text="Scusi!", idempotency_key="e"
        )
    assert "24-hour window" in late.value.reason


def test_metrics_use_views_not_deprecated_impressions(net_settings, sandbox):
    connector, _account, creds, *_ = _connect(net_settings)
    post = connector.publish(creds, PublishRequest(text="Metriche", idempotency_key="m"))
    sandbox.tick(steps=5, network="facebook")
    samples = connector.read_metrics(creds, post_remote_ids=[post.remote_id, f"{TRATTORIA}_404"])
    account_names = {s.name for s in samples if s.post_remote_id is None}
    post_names = {s.name for s in samples if s.post_remote_id == post.remote_id}
    assert account_names == {"followers", "views", "reach"}
    assert post_names == {"likes", "comments", "shares", "views", "reach"}
    assert not any(s.name in ("impressions", "saves") for s in samples)
    assert not any(s.post_remote_id == f"{TRATTORIA}_404" for s in samples)
    deprecated = _graph_get(sandbox, f"{TRATTORIA}/insights", creds.access_token, metric="page_impressions")
    assert deprecated.status_code == 400 and deprecated.json()["error"]["code"] == 100


def test_delete_post(net_settings, sandbox):
    connector, _account, creds, *_ = _connect(net_settings)
    post = connector.publish(creds, PublishRequest(text="Da cancellare", idempotency_key="del"))
    connector.delete_post(creds, post.remote_id)
    assert (
        connector.find_published(creds, PublishRequest(text="Da cancellare", idempotency_key="del")) is None
    )


def test_the_lookup_after_a_lost_response_reads_past_the_first_page_of_posts(net_settings, sandbox):
    connector, _account, creds, *_ = _connect(net_settings)
    sandbox.fault("facebook", "response_lost")
    request = PublishRequest(text="Perso nella folla", idempotency_key="target-7")
    with pytest.raises(UnknownOutcome):
        connector.publish(creds, request)
    for n in range(30):  # a busy page: more than one page of newer posts before the look-up
        connector.publish(creds, PublishRequest(text=f"Dopo, numero {n}", idempotency_key=f"later-{n}"))
    found = connector.find_published(creds, request)
    assert found is not None
    first = [p for p in sandbox.published("facebook", TRATTORIA) if p["remote_id"] == found.remote_id]
    assert len(first) == 1 and len(sandbox.published("facebook", TRATTORIA)) == 31


def _fan_comments(connector, creds, sandbox) -> list:
    connector.publish(creds, PublishRequest(text="Commentate!", idempotency_key="fans"))
    sandbox.tick(steps=10, network="facebook")
    return list(connector.read_inbox(creds, kind="comment").items)


def _comment(sandbox, creds, comment_id: str) -> dict:
    fields = "id,like_count,user_likes,is_hidden"
    return _graph_get(sandbox, comment_id, creds.access_token, fields=fields).json()


def test_the_page_likes_a_comment_once_however_often_it_asks(net_settings, sandbox):
    connector, _account, creds, *_ = _connect(net_settings)
    first, *_ = _fan_comments(connector, creds, sandbox)
    connector.like_item(creds, item_remote_id=first.remote_id, kind="comment")
    connector.like_item(creds, item_remote_id=first.remote_id, kind="comment")
    comment = _comment(sandbox, creds, first.remote_id)
    assert (comment["like_count"], comment["user_likes"]) == (1, True)
    likes = [p for p in sandbox.published("facebook", TRATTORIA) if p["kind"] == "like"]
    assert [p["remote_id"] for p in likes] == [first.remote_id]


def test_a_hidden_comment_stays_listed_to_the_page_and_can_be_shown_again(net_settings, sandbox):
    connector, _account, creds, *_ = _connect(net_settings)
    first, *_ = _fan_comments(connector, creds, sandbox)
    for _ in range(2):  # hiding what is hidden already is no error
        connector.hide_item(creds, item_remote_id=first.remote_id, kind="comment", hidden=True)
    listed = connector.read_inbox(creds, kind="comment").items
    assert first.remote_id in {i.remote_id for i in listed}
    assert _comment(sandbox, creds, first.remote_id)["is_hidden"] is True
    connector.hide_item(creds, item_remote_id=first.remote_id, kind="comment", hidden=False)
    assert _comment(sandbox, creds, first.remote_id)["is_hidden"] is False


def test_a_deleted_comment_is_gone_and_deleting_it_again_is_quiet(net_settings, sandbox):
    connector, _account, creds, *_ = _connect(net_settings)
    first, second, *_ = _fan_comments(connector, creds, sandbox)
    connector.like_item(creds, item_remote_id=first.remote_id, kind="comment")
    connector.delete_item(creds, item_remote_id=first.remote_id, kind="comment")
    connector.delete_item(creds, item_remote_id=first.remote_id, kind="comment")
    left = {i.remote_id for i in connector.read_inbox(creds, kind="comment").items}
    assert first.remote_id not in left and second.remote_id in left
    assert _graph_get(sandbox, first.remote_id, creds.access_token).json()["error"]["code"] == 100
    assert [p["kind"] for p in sandbox.published("facebook", TRATTORIA)] == ["post"]  # the like went too


def test_messages_cannot_be_liked_hidden_or_deleted(net_settings, sandbox):
    connector, _account, creds, *_ = _connect(net_settings)
    item = {"item_remote_id": "m_1", "kind": "dm"}
    for act in (
        lambda: connector.like_item(creds, **item),
        lambda: connector.hide_item(creds, hidden=True, **item),
        lambda: connector.delete_item(creds, **item),
    ):
        with pytest.raises(NotImplementedError):
            act()


def test_moderating_without_the_engagement_permission_is_refused_not_a_reconnect(net_settings, sandbox):
    connector, _account, creds, *_ = _connect(net_settings)
    first, *_ = _fan_comments(connector, creds, sandbox)
    connector, _account, creds, *_ = _connect(
        net_settings, granted=_grant(without=("pages_manage_engagement",))
    )
    with pytest.raises(Rejected) as refused:
        connector.hide_item(creds, item_remote_id=first.remote_id, kind="comment", hidden=True)
    assert "pages_manage_engagement" in refused.value.reason
    assert _comment(sandbox, creds, first.remote_id)["is_hidden"] is False
    sandbox.fault("facebook", "revoked")
    with pytest.raises(ReconnectNeeded):
        connector.delete_item(creds, item_remote_id=first.remote_id, kind="comment")
