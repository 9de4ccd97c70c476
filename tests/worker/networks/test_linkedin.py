"""LinkedIn connector against the running sandbox: OAuth, pages, publishing, failures, inbox, metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.sandbox_control import authorize
from worker.networks.errors import ReconnectNeeded, Rejected, RetryLater, UnknownOutcome
from worker.networks.linkedin import API_VERSION, VERSION_RETIRED, LinkedInConnector
from worker.networks.registry import get_connector
from worker.networks.types import AccountCredentials, AppCredentials, MediaItem, PublishRequest

REDIRECT = "http://127.0.0.1:5000/oauth/linkedin/callback"
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 2048
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 1024
MDP_APP = AppCredentials(
    client_id="cadenza-sandbox-linkedin-mdp", client_secret="sandbox-secret-linkedin-mdp"
)
ALL_SCOPES = list(LinkedInConnector.scopes)


def _connect(settings, *, username="giulia", granted=None, app=None):
    connector = get_connector("linkedin", settings=settings, app=app)
    request = connector.authorization_request(redirect_uri=REDIRECT, state="s-1")
    answer = authorize(request.url, username=username, granted=granted)
    assert answer["state"] == "s-1"
    tokens = connector.exchange_code(code=answer["code"], redirect_uri=REDIRECT)
    accounts = {a.display_name: a for a in connector.discover_accounts(tokens)}
    return connector, tokens, accounts, answer["code"]


def _creds(tokens, account, **changes) -> AccountCredentials:
    values = {
        "remote_id": account.remote_id,
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "expires_at": tokens.expires_at,
        "extra": account.extra,
    }
    return AccountCredentials(**(values | changes))


def _as(settings, name="Caseificio Bianchi", **options):
    connector, tokens, accounts, _ = _connect(settings, **options)
    return connector, _creds(tokens, accounts[name])


def test_full_oauth_discovers_the_member_and_the_pages_they_administer(net_settings, sandbox):
    connector, tokens, accounts, code = _connect(net_settings)
    assert isinstance(connector, LinkedInConnector)
    assert tokens.refresh_token is None  # the default app is not an MDP partner
    assert timedelta(days=59) < tokens.expires_at - datetime.now(UTC) <= timedelta(days=60)
    assert set(tokens.scopes) == set(ALL_SCOPES)
    member = accounts["Giulia Bianchi"]
    assert member.kind == "member" and member.remote_id == "urn:li:person:gB7xQ2mK9a"
    organizations = {a.display_name: a for a in accounts.values() if a.kind == "organization"}
    assert set(organizations) == {"Caseificio Bianchi", "Oleificio Verdi"}
    assert organizations["Oleificio Verdi"].remote_id.startswith("urn:li:organization:")
    assert organizations["Oleificio Verdi"].handle == "oleificio-verdi"
    with pytest.raises(Rejected):  # a code is good once
        connector.exchange_code(code=code, redirect_uri=REDIRECT)
    assert connector.refresh(_creds(tokens, member)).access_token == tokens.access_token


def test_member_without_pages_discovers_only_the_profile(net_settings, sandbox):
    _connector, _tokens, accounts, _ = _connect(net_settings, username="paolo")
    assert [(a.kind, a.remote_id) for a in accounts.values()] == [("member", "urn:li:person:pR4tW8vZ1c")]


def test_denied_consent_and_a_scope_the_app_lacks_come_back_as_errors(net_settings, sandbox):
    connector = get_connector("linkedin", settings=net_settings)
    url = connector.authorization_request(redirect_uri=REDIRECT, state="s").url
    answer = authorize(url, deny=True)
    assert answer["error"] == "user_cancelled_authorize" and "code" not in answer
    closed = httpx.get(url.replace("rw_organization_admin", "r_member_social"))
    assert closed.status_code == 302 and "error=unauthorized_scope_error" in closed.headers["location"]


def test_partial_grant_without_page_posting_says_reconnect(net_settings, sandbox):
    granted = [s for s in ALL_SCOPES if s != "w_organization_social"]
    connector, tokens, accounts, _ = _connect(net_settings, granted=granted)
    with pytest.raises(ReconnectNeeded) as err:
        connector.publish(
            _creds(tokens, accounts["Caseificio Bianchi"]), PublishRequest(text="x", idempotency_key="a")
        )
    assert "permission" in err.value.reason
    connector.publish(
        _creds(tokens, accounts["Giulia Bianchi"]), PublishRequest(text="x", idempotency_key="b")
    )
    without_admin = [s for s in ALL_SCOPES if s != "rw_organization_admin"]
    _connector, _tokens, accounts, _ = _connect(net_settings, granted=without_admin)
    assert [a.kind for a in accounts.values()] == ["member"]


def test_posting_for_a_page_the_member_does_not_administer_says_reconnect(net_settings, sandbox):
    connector, creds = _as(net_settings, name="Paolo Conti", username="paolo")
    page = AccountCredentials(remote_id="urn:li:organization:104857601", access_token=creds.access_token)
    with pytest.raises(ReconnectNeeded) as err:
        connector.publish(page, PublishRequest(text="x", idempotency_key="a"))
    assert "administrator" in err.value.reason


def test_without_refresh_tokens_linkedin_requires_reconnecting_every_60_days(net_settings, sandbox):
    connector, creds = _as(net_settings, name="Giulia Bianchi")
    soon = AccountCredentials(
        remote_id=creds.remote_id,
        access_token=creds.access_token,
        expires_at=datetime.now(UTC) + timedelta(minutes=5),
    )
    with pytest.raises(ReconnectNeeded) as near:
        connector.refresh(soon)
    assert "60 days" in near.value.reason
    sandbox.advance_clock(61 * 24 * 3600)
    with pytest.raises(ReconnectNeeded) as expired:  # LinkedIn's own 401 (serviceErrorCode 65602)
        connector.refresh(creds)
    assert "60 days" in expired.value.reason


def test_mdp_partner_app_refreshes_with_a_refresh_token_that_does_not_rotate(net_settings, sandbox):
    connector, tokens, accounts, _ = _connect(net_settings, app=MDP_APP)
    creds = _creds(tokens, accounts["Giulia Bianchi"])
    assert creds.refresh_token and tokens.extra["refresh_token_expires_at"] > datetime.now(UTC) + timedelta(
        days=300
    )
    renewed = connector.refresh(creds)
    assert renewed.access_token != creds.access_token and renewed.refresh_token == creds.refresh_token
    assert connector.refresh(creds).refresh_token == creds.refresh_token  # the same one keeps working
    connector.publish(
        _creds(renewed, accounts["Giulia Bianchi"]), PublishRequest(text="Fresh", idempotency_key="a")
    )
    connector.revoke(creds)
    with pytest.raises(ReconnectNeeded):
        connector.refresh(creds)


def test_publish_text_link_and_images_as_a_page(net_settings, sandbox):
    connector, creds = _as(net_settings)
    text = "Nuovo pecorino (stagionato 24 mesi) *speciale* per <voi> #formaggio #made_in_italy ~ a_b @casa"
    post = connector.publish(creds, PublishRequest(text=text, idempotency_key="t-1"))
    assert post.remote_id.startswith("urn:li:share:") and post.url.endswith(f"/feed/update/{post.remote_id}/")
    assert httpx.get(post.url).status_code == 200
    link = connector.publish(
        creds,
        PublishRequest(text="Il menu", idempotency_key="t-2", link="https://trattoria.example/menu_(2026)"),
    )
    image = connector.publish(
        creds,
        PublishRequest(
            text="Oggi",
            idempotency_key="t-3",
            media=(MediaItem(data=JPEG, mime_type="image/jpeg", alt_text="Pane"),),
        ),
    )
    both = (MediaItem(data=JPEG, mime_type="image/jpeg"), MediaItem(data=PNG, mime_type="image/png"))
    gallery = connector.publish(creds, PublishRequest(text="Galleria", idempotency_key="t-4", media=both))
    published = sandbox.published("linkedin", creds.remote_id)
    assert [p["remote_id"] for p in published] == [
        post.remote_id,
        link.remote_id,
        image.remote_id,
        gallery.remote_id,
    ]
    assert published[0]["text"] == text  # escaped on the way, shown as written
    assert (
        "\\(" in published[0]["extra"]["commentary"] and "#formaggio" in published[0]["extra"]["commentary"]
    )
    assert published[1]["extra"]["content"]["article"]["source"] == "https://trattoria.example/menu_(2026)"
    assert published[2]["extra"]["content"]["media"]["altText"] == "Pane"
    assert len(published[3]["extra"]["content"]["multiImage"]["images"]) == 2


def test_sandbox_refuses_unescaped_little_text_that_the_connector_escapes(net_settings, sandbox):
    _connector, creds = _as(net_settings, name="Giulia Bianchi")
    raw = httpx.post(
        f"{sandbox.url}/linkedin/api/rest/posts",
        json={
            "author": creds.remote_id,
            "commentary": "Orari (nuovi)",
            "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED"},
            "lifecycleState": "PUBLISHED",
        },
        headers={
            "Authorization": f"Bearer {creds.access_token}",
            "LinkedIn-Version": API_VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
        },
    )
    assert raw.status_code == 422 and "reserved" in raw.json()["message"]


def test_duplicate_too_long_and_unreadable_image_are_rejected(net_settings, sandbox):
    connector, creds = _as(net_settings)
    connector.publish(creds, PublishRequest(text="Aperti domenica", idempotency_key="a"))
    with pytest.raises(Rejected) as duplicate:
        connector.publish(creds, PublishRequest(text="Aperti domenica", idempotency_key="b"))
    assert "already posted" in duplicate.value.reason
    with pytest.raises(Rejected) as too_long:
        connector.publish(creds, PublishRequest(text="x" * 3001, idempotency_key="c"))
    assert "longer" in too_long.value.reason
    with pytest.raises(Rejected) as bad_image:
        connector.publish(
            creds,
            PublishRequest(
                text="y", idempotency_key="d", media=(MediaItem(data=b"nope", mime_type="image/jpeg"),)
            ),
        )
    assert "image" in bad_image.value.reason
    assert len(sandbox.published("linkedin", creds.remote_id)) == 1


def test_retired_api_version_is_a_configuration_error(net_settings, sandbox):
    connector, creds = _as(net_settings)
    connector.api_version = "202301"
    with pytest.raises(Rejected) as err:
        connector.publish(creds, PublishRequest(text="x", idempotency_key="a"))
    assert err.value.reason == VERSION_RETIRED and "NONEXISTENT_VERSION" in err.value.detail


def test_failure_classes(net_settings, sandbox):
    connector, creds = _as(net_settings)
    sandbox.fault("linkedin", "rate_limit")
    with pytest.raises(RetryLater) as throttled:  # no reset header at LinkedIn: at most an hour
        connector.publish(creds, PublishRequest(text="x", idempotency_key="a"))
    assert datetime.now(UTC) < throttled.value.retry_at <= datetime.now(UTC) + timedelta(hours=1)
    sandbox.fault("linkedin", "quota")
    with pytest.raises(RetryLater) as quota:
        connector.publish(creds, PublishRequest(text="x", idempotency_key="b"))
    assert "limit" in quota.value.reason
    sandbox.fault("linkedin", "error", status=503)
    with pytest.raises(RetryLater):
        connector.read_inbox(creds, kind="comment")
    sandbox.fault("linkedin", "error", status=500, write_only=True)
    with pytest.raises(RetryLater):
        connector.publish(creds, PublishRequest(text="x", idempotency_key="c"))
    sandbox.fault("linkedin", "revoked")
    with pytest.raises(ReconnectNeeded) as revoked:
        connector.publish(creds, PublishRequest(text="x", idempotency_key="d"))
    assert "revoked" in revoked.value.reason
    with pytest.raises(ReconnectNeeded):  # and it stays revoked
        connector.refresh(creds)
    assert sandbox.published("linkedin") == []


def test_lost_response_on_a_page_is_found_in_its_recent_posts(net_settings, sandbox):
    connector, creds = _as(net_settings)
    sandbox.advance_clock(-25 * 3600)
    yesterday = PublishRequest(text="Aperti domenica", idempotency_key="y")
    connector.publish(creds, yesterday)
    sandbox.advance_clock(25 * 3600)
    assert connector.find_published(creds, yesterday) is None  # the same text yesterday was another post
    sandbox.fault("linkedin", "response_lost")
    request = PublishRequest(
        text="Did it go out? (sì)", idempotency_key="target-42", link="https://x.example"
    )
    with pytest.raises(UnknownOutcome):
        connector.publish(creds, request)
    for n in range(3):  # newer posts push it to a later page of the look-up
        connector.publish(creds, PublishRequest(text=f"Later {n}", idempotency_key=f"later-{n}"))
    connector.lookup_page_size = 2
    found = connector.find_published(creds, request)
    matching = [p for p in sandbox.published("linkedin", creds.remote_id) if p["text"] == request.text]
    assert found is not None and [p["remote_id"] for p in matching] == [found.remote_id]
    assert connector.find_published(creds, PublishRequest(text="Never sent", idempotency_key="n")) is None


def test_lost_response_on_a_member_is_found_by_linkedins_duplicate_check(net_settings, sandbox):
    connector, creds = _as(net_settings, name="Giulia Bianchi")
    sandbox.fault("linkedin", "response_lost")
    request = PublishRequest(
        text="Una foto", idempotency_key="target-7", media=(MediaItem(data=JPEG, mime_type="image/jpeg"),)
    )
    with pytest.raises(UnknownOutcome):
        connector.publish(creds, request)
    found = connector.find_published(creds, request)
    published = sandbox.published("linkedin", creds.remote_id)
    assert found is not None and [p["remote_id"] for p in published] == [found.remote_id]


def test_page_comments_paginate_and_reply(net_settings, sandbox):
    connector, creds = _as(net_settings)
    connector.publish(creds, PublishRequest(text="Nuovo formaggio", idempotency_key="p"))
    sandbox.tick(steps=80, network="linkedin")
    seen, cursor, pages = [], None, 0
    while True:
        page = connector.read_inbox(creds, kind="comment", cursor=cursor)
        seen += page.items
        pages += 1
        if page.cursor is None:
            break
        cursor = page.cursor
    assert pages >= 2 and len(seen) == len({i.remote_id for i in seen}) > connector.comments_page_size
    assert all(i.kind == "comment" and i.post_remote_id.startswith("urn:li:share:") for i in seen)
    reply = connector.reply(
        creds,
        item_remote_id=seen[0].remote_id,
        kind="comment",
        text="Grazie (davvero)!",
        idempotency_key="r-1",
    )
    replies = [p for p in sandbox.published("linkedin", creds.remote_id) if p["kind"] == "reply"]
    assert [p["remote_id"] for p in replies] == [reply.remote_id]
    assert connector.read_inbox(creds, kind="mention").items == ()
    assert connector.read_inbox(creds, kind="dm").items == ()


def test_member_comments_are_not_readable_without_closed_permissions(net_settings, sandbox):
    connector, creds = _as(net_settings, name="Giulia Bianchi")
    connector.publish(creds, PublishRequest(text="Profilo", idempotency_key="p"))
    sandbox.tick(steps=10, network="linkedin")
    assert connector.read_inbox(creds, kind="comment") == connector.read_inbox(creds, kind="dm")


def test_page_metrics_and_no_metrics_for_members(net_settings, sandbox):
    connector, tokens, accounts, _ = _connect(net_settings)
    page = _creds(tokens, accounts["Caseificio Bianchi"])
    post = connector.publish(page, PublishRequest(text="Metriche", idempotency_key="m"))
    gone = connector.publish(page, PublishRequest(text="Cancellato", idempotency_key="g"))
    connector.delete_post(page, gone.remote_id)
    connector.delete_post(page, gone.remote_id)  # deleting twice is fine
    sandbox.tick(steps=5, network="linkedin")
    samples = connector.read_metrics(page, post_remote_ids=[post.remote_id, gone.remote_id])
    by_post = {s.name for s in samples if s.post_remote_id == post.remote_id}
    assert by_post == {"impressions", "reach", "clicks", "likes", "comments", "shares"}
    assert [s.name for s in samples if s.post_remote_id is None] == ["followers"]
    assert not any(s.post_remote_id == gone.remote_id for s in samples)
    member = _creds(tokens, accounts["Giulia Bianchi"])
    mine = connector.publish(member, PublishRequest(text="Mio", idempotency_key="x"))
    assert connector.read_metrics(member, post_remote_ids=[mine.remote_id]) == []


def test_revoke_at_disconnect(net_settings, sandbox):
    connector, creds = _as(net_settings)
    connector.revoke(creds)
    with pytest.raises(ReconnectNeeded):
        connector.refresh(creds)


def _page_comments(settings, sandbox, **options):
    connector, creds = _as(settings, **options)
    post = connector.publish(creds, PublishRequest(text="Commentate!", idempotency_key="fans"))
    sandbox.tick(steps=10, network="linkedin")
    return connector, creds, post, list(connector.read_inbox(creds, kind="comment").items)


def _listed(sandbox, creds, post_urn: str) -> dict[str, dict]:
    response = httpx.get(
        f"{sandbox.url}/linkedin/api/rest/socialActions/{post_urn}/comments",
        params={"count": 100},
        headers={
            "Authorization": f"Bearer {creds.access_token}",
            "LinkedIn-Version": API_VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
        },
    )
    return {c["commentUrn"]: c for c in response.json()["elements"]}


def test_the_page_likes_a_comment_once_however_often_it_asks(net_settings, sandbox):
    connector, creds, post, (first, *_) = _page_comments(net_settings, sandbox)
    connector.like_item(creds, item_remote_id=first.remote_id, kind="comment")
    connector.like_item(creds, item_remote_id=first.remote_id, kind="comment")
    likes = [p for p in sandbox.published("linkedin", creds.remote_id) if p["kind"] == "like"]
    assert [p["remote_id"] for p in likes] == [first.remote_id]
    assert _listed(sandbox, creds, post.remote_id)[first.remote_id]["likesSummary"]["totalLikes"] == 1


def test_the_page_deletes_a_comment_with_its_replies_and_a_second_delete_is_quiet(net_settings, sandbox):
    connector, creds, post, (first, second, *_) = _page_comments(net_settings, sandbox)
    reply = connector.reply(
        creds, item_remote_id=first.remote_id, kind="comment", text="Grazie!", idempotency_key="r"
    )
    connector.delete_item(creds, item_remote_id=first.remote_id, kind="comment")
    connector.delete_item(creds, item_remote_id=first.remote_id, kind="comment")
    left = {i.remote_id for i in connector.read_inbox(creds, kind="comment").items}
    assert first.remote_id not in left and second.remote_id in left
    assert [p["kind"] for p in sandbox.published("linkedin", creds.remote_id)] == ["post"]
    assert reply.remote_id in {p["remote_id"] for p in sandbox.published("linkedin", deleted=True)}


def test_comments_cannot_be_hidden_and_moderating_needs_the_page_permission(net_settings, sandbox):
    connector, creds, post, (first, *_) = _page_comments(net_settings, sandbox)
    for act in (
        lambda: connector.hide_item(creds, item_remote_id=first.remote_id, kind="comment", hidden=True),
        lambda: connector.like_item(creds, item_remote_id=first.remote_id, kind="dm"),
        lambda: connector.delete_item(creds, item_remote_id=first.remote_id, kind="mention"),
    ):
        with pytest.raises(NotImplementedError):
            act()
    granted = [s for s in ALL_SCOPES if s != "w_organization_social"]
    connector, creds = _as(net_settings, granted=granted)
    for act in (connector.like_item, connector.delete_item):
        with pytest.raises(Rejected) as refused:
            act(creds, item_remote_id=first.remote_id, kind="comment")
        assert "lacks a permission" in refused.value.reason
    assert first.remote_id in _listed(sandbox, creds, post.remote_id)
