"""Approvals through the pages: internal review, the client area, one-click email links, the thread."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tenants.models import Agency, AuditEntry, OutboxMessage, Post, PostComment, utcnow
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, login, member, membership_of
from tests.web.forms import submit

TEXT = "Stasera pizza al forno a legna, vi aspettiamo!"
LINK = re.compile(r"/approve/(apv_[\w-]+)")


@pytest.fixture
def world(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, slug="mario", name="Da Mario", approval_workflow="client")
    account = SocialAccountFactory(
        agency_id=agency.id, client_id=client.id, network="mastodon", handle="@mario@mastodon.example"
    )
    people = {
        "editor": member(agency, "editor"),
        "manager": member(agency, "manager"),
        "approver": member(agency, "approver", client=client, email="cliente@damario.example"),
        "viewer": member(agency, "viewer", client=client),
    }
    return client, account, people


def _web(app, user=None):
    web = app.test_client()
    if user is not None:
        login(web, user)
    return web


def _soon() -> str:
    return (utcnow() + timedelta(days=3)).astimezone(ZoneInfo("Europe/Rome")).strftime("%Y-%m-%dT%H:%M")


def _draft(app, world, text=TEXT) -> tuple[int, object]:
    _client, account, people = world
    editor = _web(app, people["editor"])
    form = {
        "text": text,
        "accounts": [str(account.id)],
        f"text_{account.id}": text,
        f"customised_{account.id}": "0",
        "scheduled_local": _soon(),
    }
    resp = editor.post("/c/mario/posts/new", data=form)
    assert resp.status_code == 302
    return int(resp.headers["Location"].rsplit("/", 1)[1]), editor


def _to_client(app, session, world, text=TEXT) -> tuple[int, object]:
    """A post submitted and approved internally, now awaiting the client."""
    post_id, editor = _draft(app, world, text)
    assert editor.post(f"/c/mario/posts/{post_id}/submit").status_code == 302
    manager = _web(app, world[2]["manager"])
    assert manager.post(f"/c/mario/posts/{post_id}/approve").status_code == 302
    session.expire_all()
    assert session.get(Post, post_id).status == "awaiting_client"
    return post_id, editor


def _link_for(session, email: str) -> str:
    bodies = session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.to_address == email).order_by(OutboxMessage.id.desc())
    ).all()
    tokens = [m.group(1) for body in bodies for m in [LINK.search(body)] if m]
    assert tokens, "no approval link was emailed"
    return tokens[0]


def _status(session, post_id) -> str:
    session.expire_all()
    return session.get(Post, post_id).status


def test_full_flow_internal_then_client_through_the_pages(app, session, world):
    _client, _account, people = world
    post_id, editor = _draft(app, world)
    assert _web(app, people["approver"]).get(f"/c/mario/posts/{post_id}").status_code == 404  # a draft
    assert editor.post(f"/c/mario/posts/{post_id}/submit").status_code == 302
    assert _status(session, post_id) == "in_review"
    manager = _web(app, people["manager"])
    queue = manager.get("/c/mario/approvals").get_data(as_text=True)
    assert f'id="approval-{post_id}"' in queue and "In internal review" in queue
    assert manager.post(f"/c/mario/posts/{post_id}/approve").status_code == 302
    assert _status(session, post_id) == "awaiting_client"

    approver = _web(app, people["approver"])
    home = approver.get("/c/mario/").get_data(as_text=True)
    assert "1 post waits for approval." in home and "/c/mario/approvals" in home
    queue = approver.get("/c/mario/approvals").get_data(as_text=True)
    assert TEXT in queue and f'id="approve-{post_id}"' in queue
    resp = approver.post(f"/c/mario/posts/{post_id}/approve", data={"next": "/c/mario/approvals"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/c/mario/approvals"
    assert _status(session, post_id) == "approved"

    assert editor.post(f"/c/mario/posts/{post_id}/schedule").status_code == 302
    assert _status(session, post_id) == "scheduled"
    page = editor.get(f"/c/mario/posts/{post_id}").get_data(as_text=True)
    assert "Scheduled for" in page and "(Europe/Rome)" in page
    assert editor.post(f"/c/mario/posts/{post_id}/unschedule").status_code == 302
    assert _status(session, post_id) == "approved"


def test_one_click_link_get_changes_nothing_post_approves_once(app, session, world):
    _client, _account, people = world
    post_id, _editor = _to_client(app, session, world)
    token = _link_for(session, "cliente@damario.example")
    audit_before = session.scalar(select(func.count(AuditEntry.id)))
    anonymous = _web(app)
    for _ in range(2):  # mail scanners prefetch links: a GET never decides
        resp = anonymous.get(f"/approve/{token}")
        assert resp.status_code == 200 and TEXT in resp.get_data(as_text=True)
        assert resp.headers["Cache-Control"] == "no-store"
    assert "(Europe/Rome)" in resp.get_data(as_text=True)
    assert _status(session, post_id) == "awaiting_client"
    assert session.scalar(select(func.count(AuditEntry.id))) == audit_before

    resp = anonymous.post(f"/approve/{token}", data={"decision": "approve"})
    assert resp.status_code == 200 and "the post is approved" in resp.get_data(as_text=True)
    assert _status(session, post_id) == "approved"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "post.approved_by_client")).one()
    assert entry.actor_label == "cliente@damario.example (email link)"

    again = anonymous.post(f"/approve/{token}", data={"decision": "approve"})
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)
    assert anonymous.get(f"/approve/{token}").status_code == 410


def test_link_after_an_edit_is_gone_and_forged_links_explain_what_to_do(app, session, world):
    _client, account, _people = world
    post_id, editor = _to_client(app, session, world)
    token = _link_for(session, "cliente@damario.example")
    form = {
        "text": "Nuovo testo",
        "accounts": [str(account.id)],
        f"text_{account.id}": "Nuovo testo",
        f"customised_{account.id}": "0",
    }
    assert editor.post(f"/c/mario/posts/{post_id}/edit", data=form).status_code == 302
    assert _status(session, post_id) == "in_review"
    resp = _web(app).get(f"/approve/{token}")
    assert resp.status_code == 410 and "log in to Cadenza" in resp.get_data(as_text=True)
    assert _web(app).post(f"/approve/{token}", data={"decision": "approve"}).status_code == 410
    assert _web(app).post(f"/approve/{token}", data={"decision": "maybe"}).status_code == 410
    forged = _web(app).get("/approve/apv_forged-token")
    assert forged.status_code == 410 and "not valid" in forged.get_data(as_text=True)
    assert _status(session, post_id) == "in_review"


def test_rejecting_needs_a_reason_on_the_link_and_on_the_page(app, session, world):
    _client, _account, people = world
    post_id, _editor = _to_client(app, session, world)
    token = _link_for(session, "cliente@damario.example")
    anonymous = _web(app)
    resp = anonymous.post(f"/approve/{token}", data={"decision": "reject", "reason": "  "})
    assert resp.status_code == 422 and "Say what should change" in resp.get_data(as_text=True)
    assert _status(session, post_id) == "awaiting_client"
    resp = anonymous.post(f"/approve/{token}", data={"decision": "reject", "reason": "Manca il prezzo"})
    assert resp.status_code == 200 and _status(session, post_id) == "draft"
    assert "Manca il prezzo" in session.scalars(select(PostComment.body)).all()

    # Through the page, a manager's rejection without a reason is refused with a message.
    editor = _web(app, people["editor"])
    assert editor.post(f"/c/mario/posts/{post_id}/submit").status_code == 302
    manager = _web(app, people["manager"])
    resp = manager.post(f"/c/mario/posts/{post_id}/reject", data={"reason": ""}, follow_redirects=True)
    assert "Say what should change" in resp.get_data(as_text=True)
    assert _status(session, post_id) == "in_review"
    assert (
        manager.post(f"/c/mario/posts/{post_id}/reject", data={"reason": "Troppo lungo"}).status_code == 302
    )
    assert _status(session, post_id) == "draft"


def test_viewers_and_editors_cannot_approve(app, session, world):
    _client, _account, people = world
    post_id, editor = _to_client(app, session, world)
    viewer = _web(app, people["viewer"])
    page = viewer.get(f"/c/mario/posts/{post_id}").get_data(as_text=True)
    assert TEXT in page and 'id="approve"' not in page
    assert viewer.post(f"/c/mario/posts/{post_id}/approve").status_code == 403
    assert viewer.post(f"/c/mario/posts/{post_id}/reject", data={"reason": "No"}).status_code == 403
    assert editor.post(f"/c/mario/posts/{post_id}/approve").status_code == 403
    # Staff cannot approve in the client's place either.
    assert _web(app, people["manager"]).post(f"/c/mario/posts/{post_id}/approve").status_code == 403
    assert _status(session, post_id) == "awaiting_client"


def test_thread_shows_comments_and_decisions_escaped(app, session, world):
    _client, _account, people = world
    post_id, _editor = _to_client(app, session, world)
    approver = _web(app, people["approver"])
    resp = approver.post(f"/c/mario/posts/{post_id}/comments", data={"body": "<script>alert(1)</script> ok?"})
    assert resp.status_code == 302
    page = _web(app, people["editor"]).get(f"/c/mario/posts/{post_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; ok?" in page and "<script>alert(1)" not in page
    assert "Approved" in page and people["manager"].name in page
    assert approver.post(f"/c/mario/posts/{post_id}/comments", data={"body": " "}).status_code == 302
    assert session.scalar(select(func.count(PostComment.id)).where(PostComment.kind == "comment")) == 1


def test_notification_links_open_the_post_in_its_client(app, session, world):
    client, _account, people = world
    post_id, editor = _draft(app, world)
    resp = editor.get(f"/posts/{post_id}")
    assert resp.status_code == 302 and resp.headers["Location"] == f"/c/mario/posts/{post_id}"
    assert _web(app, people["viewer"]).get(f"/posts/{post_id}").status_code == 404  # a draft
    outsider = member(AgencyFactory())
    assert _web(app, outsider).get(f"/posts/{post_id}").status_code == 404
    other = ClientFactory(agency_id=client.agency_id)
    limited = member(session.get(Agency, client.agency_id), "manager", limited_to=[other])
    assert _web(app, limited).get(f"/posts/{post_id}").status_code == 404


def test_the_link_page_form_works_with_csrf_on_for_a_visitor_without_login(csrf_app, app, session, world):
    post_id, _editor = _to_client(app, session, world)
    token = _link_for(session, "cliente@damario.example")
    visitor = csrf_app.test_client()
    assert visitor.post(f"/approve/{token}", data={"decision": "approve"}).status_code == 400  # no token
    resp = submit(visitor, f"/approve/{token}", {"decision": "approve"})
    assert resp.status_code == 200 and _status(session, post_id) == "approved"


def test_an_approver_who_lost_the_role_gets_403_and_an_explanation(app, session, world):
    _client, _account, people = world
    post_id, _editor = _to_client(app, session, world)
    token = _link_for(session, "cliente@damario.example")
    membership = membership_of(people["approver"], session.get(Agency, world[0].agency_id))
    membership.role = "viewer"
    session.commit()
    resp = _web(app).post(f"/approve/{token}", data={"decision": "approve"})
    assert resp.status_code == 403 and "no longer approve" in resp.get_data(as_text=True)
    assert _status(session, post_id) == "awaiting_client"
    membership.role = "approver"
    session.commit()
    resp = _web(app).post(f"/approve/{token}", data={"decision": "maybe"})
    assert resp.status_code == 422 and "Choose approve or reject" in resp.get_data(as_text=True)
    assert _web(app).get(f"/approve/{token}").status_code == 200  # a refused decision does not spend it


def test_the_link_page_shows_the_posts_pictures_and_only_those(app, session, settings, world):
    from tenants.services import media
    from tests.media_samples import image_bytes

    client, account, people = world
    agency = session.get(Agency, client.agency_id)
    upload = {
        "session": session,
        "settings": settings,
        "agency_id": client.agency_id,
        "client_id": client.id,
        "membership": membership_of(people["editor"], agency),
        "actor": people["editor"],
    }
    shown = media.store_upload(**upload, filename="pizza.jpg", data=image_bytes("JPEG"), alt_text="Una pizza")
    other = media.store_upload(**upload, filename="segreto.jpg", data=image_bytes("JPEG", size=(30, 30)))
    session.commit()
    editor = _web(app, people["editor"])
    form = {
        "text": TEXT,
        "accounts": [str(account.id)],
        f"text_{account.id}": TEXT,
        f"customised_{account.id}": "0",
        "scheduled_local": _soon(),
        "media_ids": [str(shown.id)],
    }
    post_id = int(editor.post("/c/mario/posts/new", data=form).headers["Location"].rsplit("/", 1)[1])
    editor.post(f"/c/mario/posts/{post_id}/submit")
    _web(app, people["manager"]).post(f"/c/mario/posts/{post_id}/approve")
    token = _link_for(session, "cliente@damario.example")
    anonymous = _web(app)
    page = anonymous.get(f"/approve/{token}").get_data(as_text=True)
    assert f"/approve/{token}/media/{shown.id}" in page and 'alt="Una pizza"' in page
    picture = anonymous.get(f"/approve/{token}/media/{shown.id}")
    assert picture.status_code == 200 and picture.mimetype == "image/jpeg"
    assert (
        picture.headers["X-Content-Type-Options"] == "nosniff"
        and picture.headers["Cache-Control"] == "no-store"
    )
    assert anonymous.get(f"/approve/{token}/media/{other.id}").status_code == 404
    assert anonymous.get(f"/approve/apv_forged/media/{shown.id}").status_code == 404


def test_approving_from_a_stale_page_is_refused(app, session, world):
    _client, _account, people = world
    post_id, editor = _draft(app, world)
    editor.post(f"/c/mario/posts/{post_id}/submit")
    manager = _web(app, people["manager"])
    editor.post(f"/c/mario/posts/{post_id}/edit", data={"text": "Nuovo testo", "accounts": []})
    resp = manager.post(f"/c/mario/posts/{post_id}/approve", data={"revision": "1"}, follow_redirects=True)
    assert "changed since you opened it" in resp.get_data(as_text=True)
    assert _status(session, post_id) == "in_review"


def test_client_contacts_do_not_see_internal_notes(app, session, world):
    _client, _account, people = world
    post_id, _editor = _to_client(app, session, world)
    manager = _web(app, people["manager"])
    manager.post(f"/c/mario/posts/{post_id}/comments", data={"body": "Solo per noi", "internal": "1"})
    manager.post(f"/c/mario/posts/{post_id}/comments", data={"body": "Caro Mario, eccolo"})
    staff_page = manager.get(f"/c/mario/posts/{post_id}").get_data(as_text=True)
    client_page = _web(app, people["approver"]).get(f"/c/mario/posts/{post_id}").get_data(as_text=True)
    assert "Solo per noi" in staff_page and "Caro Mario, eccolo" in staff_page
    assert "Solo per noi" not in client_page and "Caro Mario, eccolo" in client_page
    assert 'id="comment-internal"' not in client_page
