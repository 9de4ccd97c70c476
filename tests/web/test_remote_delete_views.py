"""Deleting a published post at its network from the post page and the API: the button (only where the
network can and only for writers), the request and its job, the panel's states, the calendar and feed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import select

from tenants.models import AuditEntry, Post, PostTarget, utcnow
from tenants.services import remote_delete
from tests.factories import (
    AgencyFactory,
    ClientFactory,
    SocialAccountFactory,
    api_token,
    draft_post,
    login,
    member,
)
from tests.web.forms import csrf_token
from worker.queues import get_queue

TEXT = "Stasera pizza al forno a legna, vi aspettiamo!"
LIVE = "https://mastodon.example/@mario/111"


@pytest.fixture
def world(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, slug="mario", name="Da Mario", timezone="Europe/Rome")
    mastodon = SocialAccountFactory(
        agency_id=agency.id, client_id=client.id, network="mastodon", handle="@mario@mastodon.example"
    )
    instagram = SocialAccountFactory(
        agency_id=agency.id, client_id=client.id, network="instagram", handle="@mario.pizza"
    )
    people = {role: member(agency, role) for role in ("owner", "editor", "analyst")}
    people |= {role: member(agency, role, client=client) for role in ("approver", "viewer")}
    return agency, client, {"mastodon": mastodon, "instagram": instagram}, people


def _published(session, world, network="mastodon", status="published", **fields) -> Post:
    _agency, client, accounts, people = world
    post = draft_post(client, people["editor"], [accounts[network]], TEXT)
    post.status, post.scheduled_at = "published", utcnow() - timedelta(hours=2)
    target = post.targets[0]
    target.status, target.remote_id, target.remote_url = status, "111", LIVE
    target.published_at = utcnow() - timedelta(hours=2)
    for name, value in fields.items():
        setattr(target, name, value)
    session.commit()
    return post


def _web(app, user):
    web = app.test_client()
    login(web, user)
    return web


def _row(html: str, target_id: int) -> str:
    match = re.search(rf'<li class="target[^"]*" id="target-{target_id}".*?</li>', html, re.S)
    assert match, "no row for the account in the Publishing panel"
    return match.group(0)


def _page(app, user, post, language="en") -> str:
    resp = _web(app, user).get(f"/c/mario/posts/{post.id}", headers={"Accept-Language": language})
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _queued(settings) -> list[str]:
    return get_queue("publish", connection=Redis.from_url(settings.redis_url)).job_ids


def _url(post) -> str:
    return f"/c/mario/posts/{post.id}/targets/{post.targets[0].id}/delete-remote"


def test_writers_get_a_confirmed_delete_button_on_a_published_account(app, session, world):
    post = _published(session, world)
    row = _row(_page(app, world[3]["editor"], post), post.targets[0].id)
    button = re.search(r'<span class="target-delete-remote">.*?</span>', row, re.S)
    assert button, "no visible delete button"
    assert f'action="{_url(post)}"' in button.group(0) and 'name="csrf_token"' in button.group(0)
    assert "Delete from Mastodon" in button.group(0)
    assert 'data-confirm="Delete this post from Mastodon?' in row


@pytest.mark.parametrize("role", ["analyst", "approver", "viewer"])
def test_readers_and_client_contacts_get_no_delete_button(app, session, world, role):
    post = _published(session, world)
    assert "delete-remote" not in _page(app, world[3][role], post)


def test_instagram_rows_never_offer_deleting(app, session, world):
    post = _published(session, world, "instagram")
    row = _row(_page(app, world[3]["owner"], post), post.targets[0].id)
    assert "delete-remote" not in row and "Published" in row


def test_the_button_waits_hidden_until_the_account_is_published(app, session, world):
    post = _published(session, world, status="publishing", remote_id=None)
    row = _row(_page(app, world[3]["editor"], post), post.targets[0].id)
    assert '<span class="target-delete-remote" hidden>' in row  # publishing.js shows it once published


def test_deleting_from_the_page_marks_the_account_and_queues_one_job(app, session, world, settings):
    post = _published(session, world)
    web = _web(app, world[3]["editor"])
    resp = web.post(_url(post), follow_redirects=True)
    assert resp.status_code == 200 and "Deleting the post from Mastodon." in resp.get_data(as_text=True)
    target = session.get(PostTarget, post.targets[0].id)
    session.refresh(target)
    assert target.status == "deleting"
    assert _queued(settings) == [remote_delete.job_id_for(target.id)]
    row = _row(resp.get_data(as_text=True), target.id)
    assert "Deleting…" in row and '<span class="target-delete-remote" hidden>' in row
    again = web.post(_url(post), follow_redirects=True).get_data(as_text=True)
    assert "This post is already being deleted from Mastodon." in again
    assert _queued(settings) == [remote_delete.job_id_for(target.id)]
    assert len(session.scalars(select(AuditEntry).where(AuditEntry.action.like("post.remote_%"))).all()) == 1


def test_instagram_is_refused_with_the_reason_in_the_users_language(app, session, world, settings):
    post = _published(session, world, "instagram")
    web = _web(app, world[3]["owner"])
    resp = web.post(_url(post), headers={"Accept-Language": "it"}, follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "Instagram non permette alle app di eliminare i post" in page
    assert session.get(PostTarget, post.targets[0].id).status == "published" and _queued(settings) == []


@pytest.mark.parametrize("role", ["analyst", "approver", "viewer"])
def test_deleting_needs_posts_write(app, session, world, role, settings):
    post = _published(session, world)
    assert _web(app, world[3][role]).post(_url(post)).status_code == 403
    assert session.get(PostTarget, post.targets[0].id).status == "published" and _queued(settings) == []


def test_an_account_of_another_post_is_not_found(app, session, world):
    post, other = _published(session, world), _published(session, world)
    url = f"/c/mario/posts/{post.id}/targets/{other.targets[0].id}/delete-remote"
    assert _web(app, world[3]["editor"]).post(url).status_code == 404
    assert session.get(PostTarget, other.targets[0].id).status == "published"


def test_without_a_csrf_token_nothing_happens(csrf_app, session, world, settings):
    post = _published(session, world)
    web = _web(csrf_app, world[3]["editor"])
    assert web.post(_url(post)).status_code == 400
    assert session.get(PostTarget, post.targets[0].id).status == "published"
    page = web.get(f"/c/mario/posts/{post.id}").get_data(as_text=True)
    assert web.post(_url(post), data={"csrf_token": csrf_token(page)}).status_code == 302
    session.expire_all()
    assert session.get(PostTarget, post.targets[0].id).status == "deleting"


def test_the_panel_says_deleting_deleted_or_why_not(app, session, world):
    retry = utcnow() + timedelta(minutes=7)
    waiting = _published(session, world, status="deleting", next_attempt_at=retry, error_message="Slow down.")
    gone = _published(session, world, status="deleted", deleted_at=utcnow())
    refused = _published(session, world, error_class="reconnect", error_message="Token revoked.")
    editor = world[3]["editor"]
    row = _row(_page(app, editor, waiting), waiting.targets[0].id)
    assert "Deleting: will try again at" in row and "Slow down." in row
    row = _row(_page(app, editor, gone), gone.targets[0].id)
    assert "Deleted from Mastodon" in row and LIVE not in row
    page = _page(app, editor, gone)
    assert 'id="post-status">Deleted from the networks<' in page
    row = _row(_page(app, editor, refused), refused.targets[0].id)
    assert "Not deleted: Token revoked." in row and 'href="/c/mario/accounts"' in row
    assert '<span class="target-delete-remote">' in row  # ask again once reconnected
    italian = _row(_page(app, editor, gone, language="it"), gone.targets[0].id)
    assert "Eliminato da Mastodon" in italian


def test_status_json_for_a_deleting_and_a_deleted_account(app, session, world):
    post = _published(session, world, status="deleting", next_attempt_at=utcnow())
    data = _web(app, world[3]["editor"]).get(f"/c/mario/posts/{post.id}/status.json").get_json()
    (target,) = data["targets"]
    assert (target["status"], target["label"], target["final"]) == ("deleting", "Deleting…", False)
    assert data["done"] is False and data["active"] is True and target["can_delete_remote"] is False
    contact = _web(app, world[3]["viewer"]).get(f"/c/mario/posts/{post.id}/status.json").get_json()
    assert contact["targets"][0]["status"] == "published"  # live until the network confirms
    target_row = session.get(PostTarget, post.targets[0].id)
    target_row.status, target_row.deleted_at = "deleted", utcnow()
    session.commit()
    contact = _web(app, world[3]["viewer"]).get(f"/c/mario/posts/{post.id}/status.json").get_json()
    assert contact["targets"][0]["label"] == "Deleted from Mastodon" and contact["done"] is True
    assert contact["post"] == {"id": post.id, "status": "taken_down", "label": "Deleted from the networks"}


def test_the_calendar_card_of_a_taken_down_post_says_so_without_a_live_link(app, session, world):
    post = _published(session, world, status="deleted", deleted_at=utcnow())
    day = post.scheduled_at.date().isoformat()
    page = _web(app, world[3]["editor"]).get(f"/c/mario/calendar?view=list&date={day}").get_data(as_text=True)
    card = re.search(
        rf'<article class="post status-taken_down" data-post-id="{post.id}".*?</article>', page, re.S
    )
    assert card, "the card does not show the post as taken down"
    assert "Deleted from the networks" in card.group(0) and LIVE not in card.group(0)


def test_the_publish_log_names_delete_attempts(app, session, world):
    from tenants.models import PublishAttempt

    post = _published(session, world, status="deleted", deleted_at=utcnow())
    target = post.targets[0]
    session.add(
        PublishAttempt(
            agency_id=target.agency_id,
            client_id=target.client_id,
            post_id=post.id,
            target_id=target.id,
            number=2,
            kind="delete",
            started_at=utcnow(),
            finished_at=utcnow(),
            outcome="deleted",
        )
    )
    session.commit()
    page = _web(app, world[3]["editor"]).get("/c/mario/publish-log?outcome=deleted").get_data(as_text=True)
    assert "<td>Delete</td>" in page and "Deleted at the network" in page


# --- the API --------------------------------------------------------------------------------------------


@pytest.fixture
def auth(world) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(world[0])}"}


def _remote(post, target=None) -> str:
    return f"/api/v1/posts/{post.id}/targets/{(target or post.targets[0]).id}/remote"


def test_the_api_accepts_a_deletion_with_202_and_queues_it(client, session, world, auth, settings):
    post = _published(session, world)
    resp = client.delete(_remote(post), headers=auth)
    assert resp.status_code == 202
    body = resp.get_json()
    assert body["id"] == post.id and body["targets"][0]["status"] == "deleting"
    assert body["targets"][0]["deleted_at"] is None
    assert _queued(settings) == [remote_delete.job_id_for(post.targets[0].id)]
    query = select(AuditEntry).where(AuditEntry.action == "post.remote_delete_requested")
    assert session.scalars(query).one().actor_label == "api-token:tests"
    again = client.delete(_remote(post), headers=auth)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"


def test_the_api_refuses_instagram_and_unpublished_accounts_with_409(client, session, world, auth, settings):
    resp = client.delete(_remote(_published(session, world, "instagram")), headers=auth)
    assert resp.status_code == 409
    assert "Instagram does not let apps delete posts" in resp.get_json()["error"]["message"]
    resp = client.delete(_remote(_published(session, world, status="pending", remote_id=None)), headers=auth)
    assert resp.status_code == 409 and _queued(settings) == []


def test_the_api_answers_404_for_another_posts_account_and_another_agency(
    client, session, world, auth, settings
):
    post, other = _published(session, world), _published(session, world)
    assert client.delete(_remote(post, other.targets[0]), headers=auth).status_code == 404
    outsider = {"Authorization": f"Bearer {api_token(AgencyFactory(), 'cdz_outsider-token-00000000')}"}
    resp = client.delete(_remote(post), headers=outsider)
    assert resp.status_code == 404 and "Da Mario" not in resp.get_data(as_text=True)
    session.expire_all()
    assert {t.status for t in session.scalars(select(PostTarget))} == {"published"}
    assert _queued(settings) == []
