"""Bluesky connector against the running sandbox: app passwords, sessions, records, facets, inbox, metrics."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from worker.networks.bluesky import BlueskyConnector, record_key
from worker.networks.errors import ReconnectNeeded, Rejected, RetryLater, UnknownOutcome
from worker.networks.registry import get_connector
from worker.networks.types import AccountCredentials, MediaItem, PublishRequest, TokenSet

BRAND = ("brand.bsky.social", "abcd-efgh-ijkl-mnop")
CAFE = ("cafe.bsky.social", "wxyz-wxyz-wxyz-wxyz")
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 2048
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


def _creds(account, tokens: TokenSet) -> AccountCredentials:
    return AccountCredentials(
        remote_id=account.remote_id,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
        extra=account.extra,
    )


def _connect(settings, who=BRAND):
    connector = get_connector("bluesky", settings=settings)
    tokens, account = connector.create_session(handle=who[0], app_password=who[1])
    return connector, account, _creds(account, tokens)


def _refreshed(creds: AccountCredentials, tokens: TokenSet) -> AccountCredentials:
    return AccountCredentials(
        remote_id=creds.remote_id,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
        extra=creds.extra,
    )


def _record(sandbox, uri: str) -> dict:
    return sandbox.state("bluesky")["records"][uri]["value"]


def _login_attempts(sandbox, handle: str) -> int:
    return sandbox.state("bluesky")["limits"][f"login:{handle}|300"]["used"]


def test_app_password_connect_finds_did_and_pds(net_settings, sandbox):
    connector, account, creds = _connect(net_settings)
    assert isinstance(connector, BlueskyConnector) and connector.facts.oauth == "app_password"
    assert account.handle == "@brand.bsky.social" and account.kind == "profile"
    assert account.remote_id.startswith("did:plc:")
    assert account.extra == {"did": account.remote_id, "pds_url": f"{sandbox.url}/bluesky/pds"}
    assert (
        timedelta(hours=1, minutes=55) < creds.expires_at - datetime.now(UTC) < timedelta(hours=2, minutes=5)
    )
    with pytest.raises(NotImplementedError, match="app password"):
        connector.authorization_request(redirect_uri="http://127.0.0.1/cb", state="s")
    with pytest.raises(NotImplementedError):
        connector.exchange_code(code="x", redirect_uri="http://127.0.0.1/cb")
    _tokens, again = connector.create_session(handle="@Cafe", app_password=" WXYZ-wxyz-wxyz-wxyz ")
    assert again.handle == "@cafe.bsky.social" and again.remote_id != account.remote_id


def test_wrong_app_password_or_unknown_handle_is_rejected_with_a_clear_reason(net_settings, sandbox):
    connector = get_connector("bluesky", settings=net_settings)
    with pytest.raises(Rejected) as wrong:
        connector.create_session(handle=BRAND[0], app_password=CAFE[1])
    assert "app password" in wrong.value.reason and "AuthenticationRequired" in wrong.value.detail
    with pytest.raises(Rejected) as unknown:
        connector.create_session(handle="nobody.bsky.social", app_password=BRAND[1])
    assert "handle" in unknown.value.reason


def test_logins_are_rate_limited_per_handle_with_the_reset_from_the_header(net_settings, sandbox):
    connector = get_connector("bluesky", settings=net_settings)
    for _ in range(30):
        with pytest.raises(Rejected):
            connector.create_session(handle=BRAND[0], app_password="wrong-wrong-wrong-wrong")
    with pytest.raises(RetryLater) as throttled:
        connector.create_session(handle=BRAND[0], app_password=BRAND[1])
    raw = httpx.post(
        f"{sandbox.url}/bluesky/pds/xrpc/com.atproto.server.createSession",
        json={"identifier": BRAND[0], "password": BRAND[1]},
    )
    assert raw.status_code == 429 and raw.json()["error"] == "RateLimitExceeded"
    assert raw.headers["ratelimit-policy"] == "30;w=300" and raw.headers["ratelimit-remaining"] == "0"
    assert throttled.value.retry_at == datetime.fromtimestamp(int(raw.headers["ratelimit-reset"]), UTC)
    assert "log in" in throttled.value.reason
    _connect(net_settings, CAFE)  # another handle is not affected


def test_refresh_rotates_and_the_used_refresh_token_needs_a_reconnect(net_settings, sandbox):
    connector, account, creds = _connect(net_settings)
    tokens = connector.refresh(creds)
    assert tokens.refresh_token != creds.refresh_token and tokens.extra["did"] == account.remote_id
    fresh = _refreshed(creds, tokens)
    assert connector.publish(fresh, PublishRequest(text="Dopo il refresh", idempotency_key="r"))
    with pytest.raises(ReconnectNeeded) as reused:
        connector.refresh(creds)
    assert "reconnect" in reused.value.reason and reused.value.detail == "ExpiredToken"
    assert connector.refresh(fresh).access_token
    assert _login_attempts(sandbox, BRAND[0]) == 1  # jobs never log in again


def test_expired_access_token_says_expiredtoken_and_refresh_recovers(net_settings, sandbox):
    connector, account, creds = _connect(net_settings)
    sandbox.advance_clock(2 * 3600 + 60)
    with pytest.raises(ReconnectNeeded) as expired:
        connector.publish(creds, PublishRequest(text="Ciao", idempotency_key="e"))
    assert expired.value.detail == "ExpiredToken"
    fresh = _refreshed(creds, connector.refresh(creds))
    post = connector.publish(fresh, PublishRequest(text="Ciao", idempotency_key="e"))
    assert [p["remote_id"] for p in sandbox.published("bluesky", account.remote_id)] == [post.remote_id]
    sandbox.advance_clock(91 * 86400)
    with pytest.raises(ReconnectNeeded):
        connector.refresh(fresh)


def test_expired_fault_is_refreshable_and_revoked_is_not(net_settings, sandbox):
    connector, _account, creds = _connect(net_settings)
    sandbox.fault("bluesky", "expired")
    with pytest.raises(ReconnectNeeded) as expired:
        connector.read_inbox(creds, kind="mention")
    assert expired.value.detail == "ExpiredToken"
    creds = _refreshed(creds, connector.refresh(creds))
    assert connector.read_inbox(creds, kind="mention").items == ()
    sandbox.fault("bluesky", "revoked")
    with pytest.raises(ReconnectNeeded) as revoked:
        connector.publish(creds, PublishRequest(text="x", idempotency_key="c"))
    assert revoked.value.detail == "InvalidToken"
    with pytest.raises(ReconnectNeeded):
        connector.refresh(creds)
    assert sandbox.published("bluesky") == []


def test_facets_use_utf8_byte_offsets_with_accents_and_emoji(net_settings, sandbox):
    connector, account, creds = _connect(net_settings)
    text = "Caffè più buono 😍🇮🇹 con @cafe.bsky.social: https://trattoria.example/menù?p=1. #Martedì"
    post = connector.publish(creds, PublishRequest(text=text, idempotency_key="f"))
    record = _record(sandbox, post.remote_id)
    data = text.encode("utf-8")
    covered = {
        f["features"][0]["$type"].rsplit("#", 1)[-1]: data[
            f["index"]["byteStart"] : f["index"]["byteEnd"]
        ].decode()
        for f in record["facets"]
    }
    assert covered == {
        "mention": "@cafe.bsky.social",
        "link": "https://trattoria.example/menù?p=1",
        "tag": "#Martedì",
    }
    cafe_did = connector.resolve_handle(CAFE[0])
    assert any(f["features"][0].get("did") == cafe_did for f in record["facets"])
    assert post.url.endswith(f"/profile/{account.remote_id}/post/{record_key('f')}")


def test_sandbox_rejects_facets_indexed_by_characters(net_settings, sandbox):
    _connector, account, creds = _connect(net_settings)
    text = "Più caffè: https://trattoria.example"
    start = text.index("https")  # a character offset, which Bluesky does not use
    facet = {
        "index": {"byteStart": start, "byteEnd": len(text)},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://trattoria.example"}],
    }
    response = httpx.post(
        f"{creds.extra['pds_url']}/xrpc/com.atproto.repo.createRecord",
        headers={"Authorization": f"Bearer {creds.access_token}"},
        json={
            "repo": account.remote_id,
            "collection": "app.bsky.feed.post",
            "rkey": record_key("raw"),
            "record": {
                "$type": "app.bsky.feed.post",
                "text": text,
                "createdAt": "2026-01-01T00:00:00.000Z",
                "facets": [facet],
            },
        },
    )
    assert response.status_code == 400 and response.json()["error"] == "InvalidRequest"
    assert "facets/0" in response.json()["message"]
    assert sandbox.published("bluesky") == []


def test_publish_link_card_and_images_exactly_once(net_settings, sandbox):
    connector, account, creds = _connect(net_settings)
    link = connector.publish(
        creds, PublishRequest(text="Il menu", idempotency_key="l", link="https://trattoria.example/menu")
    )
    card = _record(sandbox, link.remote_id)
    assert card["text"] == "Il menu"
    assert card["embed"]["$type"] == "app.bsky.embed.external"
    assert card["embed"]["external"]["uri"] == "https://trattoria.example/menu"
    images = (
        MediaItem(data=JPEG, mime_type="image/jpeg", alt_text="Pane"),
        MediaItem(data=JPEG + b"1", mime_type="image/jpeg", alt_text="Vino"),
    )
    photo = connector.publish(
        creds,
        PublishRequest(text="Oggi", idempotency_key="i", media=images, link="https://trattoria.example/menu"),
    )
    embedded = _record(sandbox, photo.remote_id)
    assert [i["alt"] for i in embedded["embed"]["images"]] == ["Pane", "Vino"]
    assert embedded["embed"]["images"][0]["image"]["ref"]["$link"].startswith("bafkrei")
    assert embedded["text"].endswith("https://trattoria.example/menu")
    published = sandbox.published("bluesky", account.remote_id)
    assert [p["remote_id"] for p in published] == [link.remote_id, photo.remote_id]


def test_image_limits_are_rejections(net_settings, sandbox):
    connector, _account, creds = _connect(net_settings)
    big = MediaItem(data=b"\xff\xd8" + b"0" * 1_000_000, mime_type="image/jpeg")
    with pytest.raises(Rejected) as too_big:
        connector.publish(creds, PublishRequest(text="Grande", idempotency_key="b", media=(big,)))
    assert "1 MB" in too_big.value.reason and "BlobTooLarge" in too_big.value.detail
    five = tuple(MediaItem(data=JPEG, mime_type="image/jpeg") for _ in range(5))
    with pytest.raises(Rejected, match="at most 4"):
        connector.publish(creds, PublishRequest(text="Troppe", idempotency_key="5", media=five))
    assert sandbox.published("bluesky") == []


def test_text_limit_counts_graphemes_not_code_points(net_settings, sandbox):
    connector, _account, creds = _connect(net_settings)
    accented = "e\u0301" * 299 + "🇮🇹"  # 601 code points, 300 graphemes
    assert connector.publish(creds, PublishRequest(text=accented, idempotency_key="g300"))
    with pytest.raises(Rejected) as too_long:
        connector.publish(creds, PublishRequest(text=accented + "!", idempotency_key="g301"))
    assert "300" in too_long.value.reason
    assert len(sandbox.published("bluesky")) == 1


def test_same_idempotency_key_is_the_same_post(net_settings, sandbox):
    connector, account, creds = _connect(net_settings)
    request = PublishRequest(text="Una volta sola", idempotency_key="target-7")
    first = connector.publish(creds, request)
    again = connector.publish(creds, request)
    assert (
        again.remote_id
        == first.remote_id
        == f"at://{account.remote_id}/app.bsky.feed.post/{record_key('target-7')}"
    )
    assert len(sandbox.published("bluesky")) == 1
    assert connector.find_published(creds, PublishRequest(text="x", idempotency_key="never")) is None


def test_lost_response_is_unknown_outcome_and_lookup_finds_the_one_post(net_settings, sandbox):
    connector, account, creds = _connect(net_settings)
    sandbox.fault("bluesky", "response_lost")
    request = PublishRequest(text="È uscito?", idempotency_key="target-42")
    with pytest.raises(UnknownOutcome):
        connector.publish(creds, request)
    found = connector.find_published(creds, request)
    assert found is not None
    assert connector.publish(creds, request).remote_id == found.remote_id  # a retry cannot duplicate
    assert [p["remote_id"] for p in sandbox.published("bluesky", account.remote_id)] == [found.remote_id]


def test_failure_classes(net_settings, sandbox):
    connector, _account, creds = _connect(net_settings)
    sandbox.fault("bluesky", "rate_limit", write_only=True)
    with pytest.raises(RetryLater) as throttled:
        connector.publish(creds, PublishRequest(text="x", idempotency_key="a"))
    # The reset comes from ratelimit-reset (one hour for write points), not a default back-off.
    assert timedelta(minutes=59) < throttled.value.retry_at - datetime.now(UTC) < timedelta(minutes=61)
    sandbox.fault("bluesky", "error", status=503)
    with pytest.raises(RetryLater):
        connector.read_inbox(creds, kind="mention")
    sandbox.fault("bluesky", "error", status=500, write_only=True)
    with pytest.raises(RetryLater) as server:
        connector.publish(creds, PublishRequest(text="x", idempotency_key="a"))
    assert "500" in server.value.detail
    sandbox.fault("bluesky", "quota")
    with pytest.raises(RetryLater) as daily:
        connector.read_metrics(creds, post_remote_ids=[])
    assert daily.value.retry_at - datetime.now(UTC) > timedelta(hours=23)
    assert sandbox.published("bluesky") == []


def test_inbox_paginates_mentions_and_comments_and_replies_once(net_settings, sandbox):
    connector, account, creds = _connect(net_settings)
    post = connector.publish(creds, PublishRequest(text="Nuovo menu", idempotency_key="p"))
    sandbox.tick(steps=300, network="bluesky")

    def read_all(kind):
        seen, cursor, pages = [], None, 0
        while True:
            page = connector.read_inbox(creds, kind=kind, cursor=cursor)
            seen += page.items
            pages += 1
            if page.cursor is None:
                return seen, pages
            cursor = page.cursor

    mentions, mention_pages = read_all("mention")
    assert mention_pages >= 2 and len(mentions) == len({i.remote_id for i in mentions}) > 50
    assert {i.kind for i in mentions} == {"mention", "comment"}
    assert all(i.author_handle.startswith("@") and i.author_id.startswith("did:") for i in mentions)
    comments, comment_pages = read_all("comment")
    assert comment_pages >= 2 and len(comments) > 50
    assert all(c.kind == "comment" and c.post_remote_id == post.remote_id for c in comments)
    assert {c.remote_id for c in comments} < {m.remote_id for m in mentions}
    assert connector.read_inbox(creds, kind="dm").items == ()

    target = comments[0]
    answer = connector.reply(
        creds, item_remote_id=target.remote_id, kind="comment", text="Grazie! 🙏", idempotency_key="r-1"
    )
    connector.reply(
        creds, item_remote_id=target.remote_id, kind="comment", text="Grazie! 🙏", idempotency_key="r-1"
    )
    replies = [p for p in sandbox.published("bluesky", account.remote_id) if p["kind"] == "reply"]
    assert [p["remote_id"] for p in replies] == [answer.remote_id]
    thread = _record(sandbox, answer.remote_id)["reply"]
    assert thread["root"]["uri"] == post.remote_id and thread["parent"]["uri"] == target.remote_id


def test_metrics_report_counts_and_followers_but_never_impressions(net_settings, sandbox):
    connector, _account, creds = _connect(net_settings)
    kept = connector.publish(creds, PublishRequest(text="Metriche", idempotency_key="m1"))
    gone = connector.publish(creds, PublishRequest(text="Da cancellare", idempotency_key="m2"))
    connector.delete_post(creds, gone.remote_id)
    assert connector.find_published(creds, PublishRequest(text="", idempotency_key="m2")) is None
    sandbox.tick(steps=5, network="bluesky")
    samples = connector.read_metrics(creds, post_remote_ids=[kept.remote_id, gone.remote_id])
    names = {(s.name, s.post_remote_id) for s in samples}
    assert ("followers", None) in names
    assert {n for n, uri in names if uri == kept.remote_id} == {"likes", "shares", "comments", "quotes"}
    assert not any(uri == gone.remote_id for _n, uri in names)
    assert not any(s.name == "impressions" for s in samples)
    assert sum(s.value for s in samples if s.name == "likes") > 0


def test_revoke_at_disconnect_ends_the_session(net_settings, sandbox):
    connector, _account, creds = _connect(net_settings)
    connector.revoke(creds)
    connector.revoke(creds)  # twice is harmless
    with pytest.raises(ReconnectNeeded):
        connector.refresh(creds)


def test_record_key_is_a_stable_tid_from_the_past():
    key = record_key("target-1")
    assert key == record_key("target-1") != record_key("target-2")
    assert TID.match(key)
    assert all(TID.match(record_key(str(n))) for n in range(200))


def _fan_posts(connector, creds, sandbox) -> list:
    connector.publish(creds, PublishRequest(text="Nuovo menu", idempotency_key="p"))
    sandbox.tick(steps=20, network="bluesky")
    return list(connector.read_inbox(creds, kind="mention").items)


def _likes(sandbox, account) -> list[dict]:
    return [p for p in sandbox.published("bluesky", account.remote_id) if p["kind"] == "like"]


def test_a_like_is_one_like_record_however_often_and_whoever_made_it(net_settings, sandbox):
    connector, account, creds = _connect(net_settings)
    first, second, *_ = _fan_posts(connector, creds, sandbox)
    connector.like_item(creds, item_remote_id=first.remote_id, kind=first.kind)
    connector.like_item(creds, item_remote_id=first.remote_id, kind=first.kind)
    (like,) = _likes(sandbox, account)
    assert like["extra"]["subject"] == first.remote_id and like["remote_id"].startswith(
        f"at://{account.remote_id}/app.bsky.feed.like/"
    )
    assert TID.match(like["remote_id"].rsplit("/", 1)[-1])
    samples = connector.read_metrics(creds, post_remote_ids=[first.remote_id])
    assert {s.name: s.value for s in samples if s.post_remote_id}["likes"] == 1
    by_hand = httpx.post(  # liked in the Bluesky app, under a key Cadenza did not choose
        f"{creds.extra['pds_url']}/xrpc/com.atproto.repo.createRecord",
        headers={"Authorization": f"Bearer {creds.access_token}"},
        json={
            "repo": account.remote_id,
            "collection": "app.bsky.feed.like",
            "record": {
                "$type": "app.bsky.feed.like",
                "subject": _record_ref(sandbox, second.remote_id),
                "createdAt": "2026-01-01T10:00:00.000Z",
            },
        },
    )
    assert by_hand.status_code == 200
    connector.like_item(creds, item_remote_id=second.remote_id, kind=second.kind)
    assert [like["remote_id"] for like in _likes(sandbox, account)][1:] == [by_hand.json()["uri"]]


def _record_ref(sandbox, uri: str) -> dict:
    return {"uri": uri, "cid": sandbox.state("bluesky")["records"][uri]["cid"]}


def test_a_like_whose_answer_was_lost_is_not_made_twice(net_settings, sandbox):
    connector, account, creds = _connect(net_settings)
    first, *_ = _fan_posts(connector, creds, sandbox)
    sandbox.fault("bluesky", "response_lost")
    with pytest.raises(UnknownOutcome):
        connector.like_item(creds, item_remote_id=first.remote_id, kind=first.kind)
    connector.like_item(creds, item_remote_id=first.remote_id, kind=first.kind)
    assert [like["extra"]["subject"] for like in _likes(sandbox, account)] == [first.remote_id]


def test_only_likes_exist_on_bluesky_and_a_deleted_post_cannot_be_liked(net_settings, sandbox):
    connector, account, creds = _connect(net_settings)
    for act in (
        lambda: connector.hide_item(creds, item_remote_id="at://x", kind="comment", hidden=True),
        lambda: connector.delete_item(creds, item_remote_id="at://x", kind="comment"),
        lambda: connector.like_item(creds, item_remote_id="at://x", kind="dm"),
    ):
        with pytest.raises(NotImplementedError):
            act()
    own = connector.publish(creds, PublishRequest(text="Da cancellare", idempotency_key="d"))
    connector.delete_post(creds, own.remote_id)
    with pytest.raises(Rejected):
        connector.like_item(creds, item_remote_id=own.remote_id, kind="mention")
    assert _likes(sandbox, account) == []
