"""'Tell me when it is published' on the web: the settings page reached from the notifications, the toggle
on a post's page, the published notification with its links, and a cancel that completes a post."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants.models import (
    Notification,
    NotificationPreference,
    OutboxMessage,
    PostTarget,
    PostWatcher,
    utcnow,
)
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, draft_post, login, member

TEXT = "Stasera pizza al forno a legna, vi aspettiamo!"
LIVE = "https://mastodon.example/@mario/111"


@pytest.fixture
def world(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, slug="mario", name="Da Mario")
    other = ClientFactory(agency_id=agency.id, slug="luigi", name="Da Luigi")
    account = SocialAccountFactory(
        agency_id=agency.id, client_id=client.id, network="mastodon", handle="@mario@mastodon.example"
    )
    people = {role: member(agency, role) for role in ("owner", "manager", "editor", "analyst")}
    people |= {role: member(agency, role, client=client) for role in ("approver", "viewer")}
    return agency, client, other, account, people


def _web(app, user):
    web = app.test_client()
    login(web, user)
    return web


def _scheduled_post(session, world, accounts=None):
    _agency, client, _other, account, people = world
    soon = (utcnow() + timedelta(days=2)).isoformat()
    post = draft_post(client, people["editor"], accounts or [account], TEXT, scheduled_at=soon)
    post.status = "scheduled"
    session.commit()
    return post


def _wanted(session, user) -> set[int]:
    session.expire_all()
    return set(
        session.scalars(
            select(NotificationPreference.client_id).where(
                NotificationPreference.user_id == user.id, NotificationPreference.post_published.is_(True)
            )
        )
    )


def test_the_settings_page_is_reached_from_the_notifications_and_saves_per_client(app, session, world):
    _agency, client, other, _account, people = world
    web = _web(app, people["manager"])
    listing = web.get("/notifications").get_data(as_text=True)
    assert 'href="/notifications/settings"' in listing
    page = web.get("/notifications/settings").get_data(as_text=True)
    assert "Da Mario" in page and "Da Luigi" in page and "Tell me when posts are published" in page

    resp = web.post("/c/mario/notifications/published", data={"enabled": "1"}, follow_redirects=True)
    assert resp.status_code == 200
    assert "You will be told when posts of Da Mario are published." in resp.get_data(as_text=True)
    assert _wanted(session, people["manager"]) == {client.id}
    assert _wanted(session, people["editor"]) == set()  # a person's own setting, nobody else's

    web.post("/c/luigi/notifications/published", data={"enabled": "1"})
    web.post("/c/mario/notifications/published", data={"enabled": "0"})
    assert _wanted(session, people["manager"]) == {other.id}
    row = web.get("/notifications/settings").get_data(as_text=True).split('id="alerts-luigi"')[1]
    assert ">On<" in row.split("</tr>")[0]


def test_a_client_contact_only_sees_and_sets_their_own_client(app, session, world):
    _agency, client, _other, _account, people = world
    web = _web(app, people["viewer"])
    page = web.get("/notifications/settings").get_data(as_text=True)
    assert "Da Mario" in page and "Da Luigi" not in page
    assert web.post("/c/luigi/notifications/published", data={"enabled": "1"}).status_code == 404
    assert web.post("/c/mario/notifications/published", data={"enabled": "1"}).status_code == 302
    assert _wanted(session, people["viewer"]) == {client.id}


def test_a_limited_manager_cannot_ask_about_a_client_they_do_not_see(app, session, world):
    agency, _client, other, _account, _people = world
    limited = member(agency, "manager", limited_to=[other])
    web = _web(app, limited)
    assert "Da Mario" not in web.get("/notifications/settings").get_data(as_text=True)
    assert web.post("/c/mario/notifications/published", data={"enabled": "1"}).status_code == 404
    assert _wanted(session, limited) == set()


@pytest.mark.parametrize("role", ["editor", "approver"])
def test_one_post_can_be_watched_from_its_page(app, session, world, role):
    post = _scheduled_post(session, world)
    user = world[4][role]
    web = _web(app, user)
    page = web.get(f"/c/mario/posts/{post.id}").get_data(as_text=True)
    assert "Tell me when this post is published" in page
    resp = web.post(f"/c/mario/posts/{post.id}/watch", data={"enabled": "1"}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "You will be told when this post is published." in html and "Stop telling me" in html
    assert session.scalars(select(PostWatcher.user_id)).all() == [user.id]
    web.post(f"/c/mario/posts/{post.id}/watch", data={"enabled": "0"})
    session.expire_all()
    assert session.scalars(select(PostWatcher)).all() == []


def test_the_post_page_says_when_the_client_wide_setting_already_covers_it(app, session, world):
    post = _scheduled_post(session, world)
    web = _web(app, world[4]["manager"])
    web.post("/c/mario/notifications/published", data={"enabled": "1"})
    page = web.get(f"/c/mario/posts/{post.id}").get_data(as_text=True)
    assert "you asked for every post of Da Mario" in page and 'id="watch-toggle"' not in page


def test_the_notification_lists_each_networks_link_and_never_a_script_link(app, session, world):
    agency, client, _other, _account, people = world
    session.add(
        Notification(
            agency_id=agency.id,
            client_id=client.id,
            user_id=people["manager"].id,
            kind="post.published",
            params={
                "post": TEXT,
                "client": "Da Mario",
                "accounts": "Mastodon @mario@mastodon.example, X @mario",
                "links": [
                    {
                        "network": "mastodon",
                        "name": "Mastodon",
                        "handle": "@mario@mastodon.example",
                        "url": LIVE,
                    },
                    {"network": "x", "name": "X", "handle": "@mario", "url": "javascript:alert(1)"},
                ],
            },
            link="/posts/1",
        )
    )
    session.commit()
    html = _web(app, people["manager"]).get("/notifications").get_data(as_text=True)
    assert (
        f"The post “{TEXT}” of Da Mario is published on Mastodon @mario@mastodon.example, X @mario." in html
    )
    assert f'href="{LIVE}"' in html and "javascript:alert" not in html


def test_cancelling_the_last_waiting_account_announces_the_post(app, session, world):
    agency, client, _other, account, people = world
    second = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    post = _scheduled_post(session, world, [account, second])
    out, stuck = sorted(post.targets, key=lambda t: t.account_id != account.id)
    out.status, out.remote_id, out.remote_url = "published", "111", LIVE
    stuck.status, stuck.error_class, stuck.error_message = "failed", "rejected", "Too long."
    post.status = "failed"
    session.commit()
    _web(app, people["approver"]).post(f"/c/mario/posts/{post.id}/watch", data={"enabled": "1"})

    web = _web(app, people["editor"])
    assert web.post(f"/c/mario/posts/{post.id}/targets/{stuck.id}/cancel").status_code == 302
    session.expire_all()
    assert session.get(PostTarget, stuck.id).status == "cancelled"
    (notice,) = session.scalars(select(Notification).where(Notification.kind == "post.published")).all()
    assert notice.user_id == people["approver"].id
    assert [link["url"] for link in notice.params["links"]] == [LIVE]
    (mail,) = session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == people["approver"].email)
    )
    assert LIVE in mail.body
