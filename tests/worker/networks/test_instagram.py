"""Instagram connector against the running sandbox: discovery via pages, containers, failures, inbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.sandbox_control import authorize
from worker.networks import instagram
from worker.networks.errors import ReconnectNeeded, Rejected, RetryLater, UnknownOutcome
from worker.networks.instagram import InstagramConnector
from worker.networks.registry import get_connector
from worker.networks.types import AccountCredentials, MediaItem, PublishRequest

REDIRECT = "http://127.0.0.1:5000/oauth/instagram/callback"
TRATTORIA, BAR_SPORT, GELATERIA = "200000000000001", "200000000000002", "200000000000003"
TRATTORIA_IG, GELATERIA_IG = "17841400000000001", "17841400000000003"
JPEG = MediaItem(data=b"\xff\xd8\xff\xe0" + b"0" * 2048, mime_type="image/jpeg", alt_text="Pane")
PNG = MediaItem(data=b"\x89PNG\r\n\x1a\n" + b"0" * 256, mime_type="image/png", filename="image.png")


@pytest.fixture(autouse=True)
def _fresh_worker():
    """Each test is a fresh worker process: no containers remembered from another test's sandbox."""
    instagram.CONTAINERS.clear()


def _grant(*, without: tuple[str, ...] = (), pages: tuple[str, ...] = (TRATTORIA, BAR_SPORT)) -> list[str]:
    return [s for s in InstagramConnector.scopes if s not in without] + [f"page:{p}" for p in pages]


def _connect(settings, *, username="maria", granted=None):
    connector = get_connector("instagram", settings=settings)
    request = connector.authorization_request(redirect_uri=REDIRECT, state="s-1")
    answer = authorize(request.url, username=username, granted=granted)
    tokens = connector.exchange_code(code=answer["code"], redirect_uri=REDIRECT)
    accounts = connector.discover_accounts(tokens)
    if not accounts:
        return connector, None, None, accounts
    account = accounts[0]
    creds = AccountCredentials(
        remote_id=account.remote_id, access_token=account.access_token, extra=account.extra
    )
    return connector, account, creds, accounts


def _graph(sandbox, method: str, path: str, token: str, **params) -> httpx.Response:
    return httpx.request(
        method,
        f"{sandbox.url}/meta/graph/v21.0/{path}",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
    )


def _sandbox_container(sandbox, token: str, caption: str) -> str:
    """A container made by hand: the image as an unpublished page photo, then POST /{ig}/media."""
    photo = httpx.post(
        f"{sandbox.url}/meta/graph/v21.0/{TRATTORIA}/photos",
        data={"published": "false"},
        files={"source": ("a.jpg", JPEG.data, "image/jpeg")},
        headers={"Authorization": f"Bearer {token}"},
    ).json()["id"]
    source = _graph(sandbox, "GET", photo, token, fields="images").json()["images"][0]["source"]
    return _graph(sandbox, "POST", f"{TRATTORIA_IG}/media", token, image_url=source, caption=caption).json()[
        "id"
    ]


def _post(text: str, key: str, *media: MediaItem, link: str | None = None) -> PublishRequest:
    return PublishRequest(text=text, idempotency_key=key, media=media or (JPEG,), link=link)


def test_discovers_one_account_per_page_with_an_instagram_business_account(net_settings, sandbox):
    connector, account, creds, accounts = _connect(net_settings)
    assert isinstance(connector, InstagramConnector)
    assert [a.remote_id for a in accounts] == [TRATTORIA_IG]  # Bar Sport has no Instagram account
    assert account.kind == "instagram_business" and account.handle == "@trattoria.damario"
    assert account.extra == {"page_id": TRATTORIA, "ig_user_id": TRATTORIA_IG}
    debug = _graph(sandbox, "GET", "debug_token", account.access_token, input_token=account.access_token)
    assert debug.json()["data"]["type"] == "PAGE" and debug.json()["data"]["expires_at"] == 0
    assert connector.refresh(creds).access_token == creds.access_token
    _connector, luca, *_ = _connect(net_settings, username="luca")
    assert luca.remote_id == GELATERIA_IG


def test_denied_or_partial_consent(net_settings, sandbox):
    connector = get_connector("instagram", settings=net_settings)
    denied = authorize(connector.authorization_request(redirect_uri=REDIRECT, state="s").url, deny=True)
    assert denied["error"] == "access_denied"
    *_, accounts = _connect(net_settings, granted=_grant(without=("instagram_basic",)))
    assert accounts == []  # without instagram_basic the page's IG account stays hidden
    *_, accounts = _connect(net_settings, granted=_grant(pages=(BAR_SPORT,)))
    assert accounts == []
    connector, account, creds, _ = _connect(
        net_settings, granted=_grant(without=("instagram_content_publish",))
    )
    assert account.extra["missing_permissions"] == ["instagram_content_publish"]
    with pytest.raises(ReconnectNeeded):
        connector.publish(creds, _post("Ciao", "k"))


def test_publish_goes_through_a_container_and_the_same_target_never_posts_twice(net_settings, sandbox):
    connector, account, creds, _ = _connect(net_settings)
    post = connector.publish(creds, _post("Buongiorno! #colazione", "t-1", link="https://trattoria.example"))
    again = connector.publish(creds, _post("Buongiorno! #colazione", "t-1", link="https://trattoria.example"))
    assert again.remote_id == post.remote_id and post.url.startswith("https://www.instagram.com/p/")
    (published,) = sandbox.published("instagram", TRATTORIA_IG)
    assert published["remote_id"] == post.remote_id and published["kind"] == "post"
    assert published["text"] == "Buongiorno! #colazione\n\nhttps://trattoria.example"
    container = _graph(
        sandbox, "GET", published["extra"]["container_id"], creds.access_token, fields="status_code"
    )
    assert container.json()["status_code"] == "PUBLISHED"
    carousel = connector.publish(creds, _post("Tre piatti", "t-2", JPEG, JPEG, JPEG))
    assert [p["remote_id"] for p in sandbox.published("instagram")] == [post.remote_id, carousel.remote_id]
    assert sandbox.published("facebook") == []  # hosting the image as a page photo posts nothing there


def test_content_rules_are_rejections(net_settings, sandbox):
    connector, _account, creds, _ = _connect(net_settings)
    with pytest.raises(Rejected) as no_image:
        connector.publish(creds, PublishRequest(text="Solo testo", idempotency_key="a"))
    assert "image" in no_image.value.reason
    with pytest.raises(Rejected) as png:
        connector.publish(creds, _post("PNG", "b", PNG))
    assert "JPEG" in png.value.reason
    with pytest.raises(Rejected) as long_caption:
        connector.publish(creds, _post("x" * 2201, "c"))
    assert "2,200" in long_caption.value.reason
    with pytest.raises(Rejected) as hashtags:
        connector.publish(creds, _post(" ".join(f"#tag{i}" for i in range(31)), "d"))
    assert "30 hashtags" in hashtags.value.reason
    assert sandbox.published("instagram") == []


def test_container_states_in_progress_finished_error_expired(net_settings, sandbox):
    connector, _account, creds, _ = _connect(net_settings)
    token = creds.access_token
    unreachable = _graph(
        sandbox, "POST", f"{TRATTORIA_IG}/media", token, image_url="https://cdn.example/a.jpg"
    )
    container = unreachable.json()["id"]
    statuses = [
        _graph(sandbox, "GET", container, token, fields="status_code").json()["status_code"] for _ in "ab"
    ]
    assert statuses == ["IN_PROGRESS", "ERROR"]
    failed = _graph(sandbox, "POST", f"{TRATTORIA_IG}/media_publish", token, creation_id=container)
    assert failed.json()["error"]["code"] == 9004
    stale = _sandbox_container(sandbox, token, "Vecchio")
    instagram.CONTAINERS.remember((TRATTORIA_IG, "old"), stale)
    sandbox.advance_clock(25 * 3600)
    assert _graph(sandbox, "GET", stale, token, fields="status_code").json()["status_code"] == "EXPIRED"
    fresh = connector.publish(creds, _post("Vecchio", "old"))  # an expired container is replaced, not retried
    assert [p["extra"]["container_id"] for p in sandbox.published("instagram")] != [stale]
    assert fresh.remote_id


def test_lost_publish_response_is_found_through_the_container_or_the_caption(net_settings, sandbox):
    connector, _account, creds, _ = _connect(net_settings)
    sandbox.fault("instagram", "response_lost")
    request = _post("Did it go out?", "target-42")
    with pytest.raises(UnknownOutcome):
        connector.publish(creds, request)
    found = connector.find_published(creds, request)
    assert found is not None
    assert [p["remote_id"] for p in sandbox.published("instagram", TRATTORIA_IG)] == [found.remote_id]
    instagram.CONTAINERS.clear()  # another worker: only the caption is left to go by
    assert connector.find_published(creds, request).remote_id == found.remote_id
    assert connector.find_published(creds, _post("Never sent", "x")) is None
    assert len(sandbox.published("instagram")) == 1


def test_publishing_limit_throttling_errors_and_revocation(net_settings, sandbox):
    connector, _account, creds, _ = _connect(net_settings)
    sandbox.fault("instagram", "quota")
    with pytest.raises(RetryLater) as quota:
        connector.publish(creds, _post("Quota", "q"))
    assert quota.value.retry_at > datetime.now(UTC) + timedelta(hours=23)
    sandbox.fault("instagram", "rate_limit", minutes=3)
    with pytest.raises(RetryLater) as throttled:
        connector.read_inbox(creds, kind="comment")
    expected = datetime.now(UTC) + timedelta(minutes=3)
    assert abs((throttled.value.retry_at - expected).total_seconds()) < 30
    sandbox.fault("instagram", "error", status=500)
    with pytest.raises(RetryLater):
        connector.read_metrics(creds, post_remote_ids=[])
    sandbox.fault("instagram", "revoked")
    with pytest.raises(ReconnectNeeded):
        connector.publish(creds, _post("Revoked", "r"))
    with pytest.raises(ReconnectNeeded):
        connector.refresh(creds)
    assert sandbox.published("instagram") == []


def test_comments_paginate_and_a_reply_is_sent_once(net_settings, sandbox):
    connector, _account, creds, _ = _connect(net_settings)
    connector.publish(creds, _post("Nuovo gelato", "p"))
    sandbox.tick(steps=120, network="instagram")
    seen, cursor, pages = [], None, 0
    while True:
        page = connector.read_inbox(creds, kind="comment", cursor=cursor)
        seen += page.items
        pages += 1
        if page.cursor is None:
            break
        cursor = page.cursor
    assert pages >= 2 and len(seen) == len({i.remote_id for i in seen}) > 25
    assert all(i.kind == "comment" and i.author_handle.startswith("@") and i.post_remote_id for i in seen)
    first = seen[0].remote_id
    reply = connector.reply(creds, item_remote_id=first, kind="comment", text="Grazie!", idempotency_key="r")
    again = connector.reply(creds, item_remote_id=first, kind="comment", text="Grazie!", idempotency_key="r")
    assert again.remote_id == reply.remote_id
    replies = [p for p in sandbox.published("instagram") if p["kind"] == "reply"]
    assert [p["remote_id"] for p in replies] == [reply.remote_id]
    with pytest.raises(ValueError):
        connector.read_inbox(creds, kind="dm")


def test_metrics_report_views_reach_saves_and_never_impressions(net_settings, sandbox):
    connector, _account, creds, _ = _connect(net_settings)
    post = connector.publish(creds, _post("Metriche", "m"))
    sandbox.tick(steps=5, network="instagram")
    samples = connector.read_metrics(creds, post_remote_ids=[post.remote_id])
    assert {s.name for s in samples if s.post_remote_id is None} == {"followers"}
    per_post = {s.name for s in samples if s.post_remote_id == post.remote_id}
    assert per_post == {"views", "reach", "saves", "likes", "comments", "shares"}
    assert not any(s.name == "impressions" for s in samples)
    deprecated = _graph(
        sandbox, "GET", f"{post.remote_id}/insights", creds.access_token, metric="impressions"
    )
    assert deprecated.status_code == 400 and deprecated.json()["error"]["code"] == 100


def test_the_caption_lookup_reads_past_the_first_page_of_media(net_settings, sandbox):
    connector, _account, creds, _ = _connect(net_settings)
    sandbox.fault("instagram", "response_lost")
    request = _post("Perso nella folla", "target-7")
    with pytest.raises(UnknownOutcome):
        connector.publish(creds, request)
    for n in range(26):  # more than one page of newer media before the look-up
        connector.publish(creds, _post(f"Dopo, numero {n}", f"later-{n}"))
    instagram.CONTAINERS.clear()  # another worker: only the caption is left to go by
    found = connector.find_published(creds, request)
    assert found is not None
    assert len(sandbox.published("instagram")) == 27  # found, so never sent twice


def _fan_comment(connector, creds, sandbox):
    sandbox.tick(steps=10, network="instagram")
    return connector.read_inbox(creds, kind="comment").items[0]


def _hidden(sandbox, creds, comment_id: str) -> bool:
    return _graph(sandbox, "GET", comment_id, creds.access_token, fields="id,hidden").json()["hidden"]


def test_a_hidden_comment_stays_listed_and_can_be_shown_again(net_settings, sandbox):
    connector, _account, creds, _ = _connect(net_settings)
    comment = _fan_comment(connector, creds, sandbox)
    for _ in range(2):  # hiding what is hidden already is no error
        connector.hide_item(creds, item_remote_id=comment.remote_id, kind="comment", hidden=True)
    assert _hidden(sandbox, creds, comment.remote_id) is True
    listed = _graph(sandbox, "GET", f"{comment.post_remote_id}/comments", creds.access_token, fields="id")
    assert comment.remote_id in {c["id"] for c in listed.json()["data"]}
    connector.hide_item(creds, item_remote_id=comment.remote_id, kind="comment", hidden=False)
    assert _hidden(sandbox, creds, comment.remote_id) is False


def test_deleting_a_comment_takes_its_replies_and_a_second_delete_is_quiet(net_settings, sandbox):
    connector, _account, creds, _ = _connect(net_settings)
    comment = _fan_comment(connector, creds, sandbox)
    reply = connector.reply(
        creds, item_remote_id=comment.remote_id, kind="comment", text="Grazie!", idempotency_key="r"
    )
    connector.delete_item(creds, item_remote_id=comment.remote_id, kind="comment")
    connector.delete_item(creds, item_remote_id=comment.remote_id, kind="comment")
    assert comment.remote_id not in {i.remote_id for i in connector.read_inbox(creds, kind="comment").items}
    gone = _graph(sandbox, "GET", comment.remote_id, creds.access_token).json()["error"]
    assert (gone["code"], gone["error_subcode"]) == (100, 33)
    assert sandbox.published("instagram") == []
    assert [p["remote_id"] for p in sandbox.published("instagram", deleted=True)] == [reply.remote_id]


def test_comments_cannot_be_liked_and_moderating_needs_the_comments_permission(net_settings, sandbox):
    connector, _account, creds, _ = _connect(net_settings)
    comment = _fan_comment(connector, creds, sandbox)
    with pytest.raises(NotImplementedError):
        connector.like_item(creds, item_remote_id=comment.remote_id, kind="comment")
    with pytest.raises(NotImplementedError):
        connector.delete_item(creds, item_remote_id=comment.remote_id, kind="dm")
    connector, _account, creds, _ = _connect(
        net_settings, granted=_grant(without=("instagram_manage_comments",))
    )
    with pytest.raises(Rejected) as refused:
        connector.delete_item(creds, item_remote_id=comment.remote_id, kind="comment")
    assert "permission" in refused.value.reason
    assert _graph(sandbox, "GET", comment.remote_id, creds.access_token).json()["id"] == comment.remote_id
