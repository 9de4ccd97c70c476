"""Publishing on the post page, the status JSON, the buttons (retry, cancel, publish now, reopen), the
calendar's published and failed cards, and the staff's publish log."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tenants.models import AuditEntry, Post, PostTarget, PublishAttempt, utcnow
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, draft_post, login, member

TEXT = "Stasera pizza al forno a legna, vi aspettiamo!"
SOON = (utcnow() + timedelta(days=3)).replace(microsecond=0).isoformat()
LIVE = "https://mastodon.example/@mario/111"


@pytest.fixture
def world(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, slug="mario", name="Da Mario", timezone="Europe/Rome")
    account = SocialAccountFactory(
        agency_id=agency.id, client_id=client.id, network="mastodon", handle="@mario@mastodon.example"
    )
    people = {role: member(agency, role) for role in ("owner", "manager", "editor", "analyst")}
    people |= {role: member(agency, role, client=client) for role in ("approver", "viewer")}
    return agency, client, account, people


def _web(app, user):
    web = app.test_client()
    login(web, user)
    return web


def _post(session, world, status="scheduled", target_status="pending", **target_fields) -> Post:
    _agency, client, account, people = world
    post = draft_post(client, people["editor"], [account], TEXT, scheduled_at=SOON)
    post.status = status
    post.targets[0].status = target_status
    for name, value in target_fields.items():
        setattr(post.targets[0], name, value)
    session.commit()
    return post


def _row(html: str, target_id: int) -> str:
    match = re.search(rf'<li class="target[^"]*" id="target-{target_id}".*?</li>', html, re.S)
    assert match, "no row for the account in the Publishing panel"
    return match.group(0)


def _visible(row: str, cls: str) -> bool:
    match = re.search(rf'<[^>]*class="{cls}"[^>]*>', row)
    return bool(match) and " hidden" not in match.group(0)


def _page(app, user, post) -> str:
    resp = _web(app, user).get(f"/c/mario/posts/{post.id}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


RETRY_AT = datetime(2026, 7, 1, 16, 5, tzinfo=UTC)  # 18:05 in Rome (summer time)


@pytest.mark.parametrize(
    ("status", "fields", "label"),
    [
        ("pending", {}, "Waiting"),
        ("queued", {}, "Queued"),
        ("publishing", {}, "Publishing"),
        ("retry", {"next_attempt_at": RETRY_AT, "error_message": "Rate limited."}, "Will retry at 18:05"),
        ("unconfirmed", {"error_class": "unknown"}, "Checking with the network"),
        ("published", {"remote_url": LIVE}, "Published"),
        (
            "failed",
            {"error_class": "rejected", "error_message": "Too long for Mastodon."},
            "Failed: Too long",
        ),
        ("cancelled", {}, "Cancelled"),
    ],
)
def test_the_panel_labels_each_accounts_state_for_staff(app, session, world, status, fields, label):
    post = _post(session, world, target_status=status, **fields)
    row = _row(_page(app, world[3]["editor"], post), post.targets[0].id)
    assert "Mastodon" in row and "@mario@mastodon.example" in row
    assert label in row
    assert _visible(row, "target-retry") == (status == "failed")
    assert _visible(row, "target-cancel") == (status in ("pending", "retry", "failed"))
    assert _visible(row, "target-link") == (status == "published")


def test_a_published_account_links_to_the_live_post_safely(app, session, world):
    post = _post(session, world, "published", "published", remote_url=LIVE)
    row = _row(_page(app, world[3]["editor"], post), post.targets[0].id)
    assert f'href="{LIVE}"' in row and 'rel="noopener noreferrer"' in row


def test_a_link_that_is_not_a_web_address_is_never_rendered(app, session, world):
    post = _post(session, world, "published", "published", remote_url="javascript:alert(1)")
    html = _page(app, world[3]["editor"], post)
    assert "javascript:alert" not in html


def test_a_reconnect_failure_says_what_to_do_with_a_link_to_the_accounts(app, session, world):
    post = _post(session, world, "failed", "failed", error_class="reconnect", error_message="Token revoked.")
    row = _row(_page(app, world[3]["editor"], post), post.targets[0].id)
    assert "Failed: Token revoked." in row and "Reconnect the account, then retry." in row
    assert 'href="/c/mario/accounts"' in row


def test_a_rejection_offers_edit_and_retry(app, session, world):
    post = _post(session, world, "failed", "failed", error_class="rejected", error_message="Too long.")
    html = _page(app, world[3]["editor"], post)
    assert "edit the post" in _row(html, post.targets[0].id)
    assert f"/c/mario/posts/{post.id}/reopen" in html


def test_analysts_read_the_reasons_but_get_no_buttons(app, session, world):
    post = _post(session, world, "failed", "failed", error_class="rejected", error_message="Too long.")
    html = _page(app, world[3]["analyst"], post)
    assert "Failed: Too long." in html
    assert "/retry" not in html and "/cancel" not in html and "/reopen" not in html


@pytest.mark.parametrize("role", ["approver", "viewer"])
def test_client_contacts_see_only_published_or_not_yet(app, session, world, role):
    _agency, client, account, people = world
    other = SocialAccountFactory(agency_id=client.agency_id, client_id=client.id, network="mastodon")
    post = draft_post(client, people["editor"], [account, other], TEXT, scheduled_at=SOON)
    post.status = "failed"
    post.targets[0].status, post.targets[0].remote_url = "published", LIVE
    post.targets[1].status, post.targets[1].error_class = "failed", "rejected"
    post.targets[1].error_message = "Secret network complaint"
    session.commit()
    html = _page(app, people[role], post)
    assert "Published" in _row(html, post.targets[0].id) and LIVE in html
    assert "Not published yet" in _row(html, post.targets[1].id)
    assert "Secret network complaint" not in html and "Failed" not in html
    assert "/retry" not in html and "publish-log" not in html
    assert re.search(r'id="post-status">Not published yet<', html)


def test_status_json_has_the_post_and_each_account(app, session, world):
    post = _post(session, world, "scheduled", "retry", next_attempt_at=RETRY_AT, error_message="Slow down.")
    data = _web(app, world[3]["editor"]).get(f"/c/mario/posts/{post.id}/status.json").get_json()
    assert data["post"] == {"id": post.id, "status": "scheduled", "label": "Scheduled"}
    assert data["done"] is False and data["active"] is True and data["visible"] is True
    (target,) = data["targets"]
    assert target == {
        "id": post.targets[0].id,
        "network": "mastodon",
        "network_name": "Mastodon",
        "network_deletes": True,
        "handle": "@mario@mastodon.example",
        "status": "retry",
        "final": False,
        "label": "Will retry at 18:05",
        "remote_url": None,
        "advice": "Slow down.",
        "advice_url": None,
        "can_retry": False,
        "can_cancel": True,
        "can_delete_remote": False,
    }


def test_status_json_for_client_contacts_hides_the_pipeline(app, session, world):
    post = _post(session, world, "failed", "failed", error_class="rejected", error_message="Nope.")
    resp = _web(app, world[3]["viewer"]).get(f"/c/mario/posts/{post.id}/status.json")
    data = resp.get_json()
    assert resp.headers["Cache-Control"] == "no-store"
    assert data["post"]["status"] == "not_published" and data["done"] is True
    assert data["targets"][0]["status"] == "not_published" and data["targets"][0]["advice"] is None
    assert "Nope." not in resp.get_data(as_text=True)


def test_client_contacts_cannot_read_a_drafts_status(app, session, world):
    post = _post(session, world, "draft")
    assert _web(app, world[3]["viewer"]).get(f"/c/mario/posts/{post.id}/status.json").status_code == 404
    assert _web(app, world[3]["editor"]).get(f"/c/mario/posts/{post.id}/status.json").status_code == 200


def test_another_clients_post_is_not_found(app, session, world):
    agency, _client, _account, people = world
    other = ClientFactory(agency_id=agency.id, slug="luigi")
    account = SocialAccountFactory(agency_id=agency.id, client_id=other.id)
    foreign = draft_post(other, people["editor"], [account], TEXT)
    web = _web(app, people["editor"])
    assert web.get(f"/c/mario/posts/{foreign.id}/status.json").status_code == 404
    assert web.post(f"/c/mario/posts/{foreign.id}/publish-now").status_code == 404
    target = foreign.targets[0].id
    assert web.post(f"/c/mario/posts/{foreign.id}/targets/{target}/retry").status_code == 404


def test_retry_puts_a_failed_account_back_in_line(app, session, world):
    post = _post(session, world, "failed", "failed", error_class="rejected", error_message="Too long.")
    target_id = post.targets[0].id
    resp = _web(app, world[3]["editor"]).post(
        f"/c/mario/posts/{post.id}/targets/{target_id}/retry", follow_redirects=True
    )
    assert "Trying this account again now." in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(PostTarget, target_id).status == "retry"
    assert session.get(Post, post.id).status == "scheduled"


def test_retry_of_an_account_that_did_not_fail_is_refused_with_a_message(app, session, world):
    post = _post(session, world, "scheduled", "queued")
    resp = _web(app, world[3]["editor"]).post(
        f"/c/mario/posts/{post.id}/targets/{post.targets[0].id}/retry", follow_redirects=True
    )
    assert "Only a failed account can be retried." in resp.get_data(as_text=True)


def test_a_target_of_another_post_is_not_found(app, session, world):
    post = _post(session, world)
    other = _post(session, world)
    web = _web(app, world[3]["editor"])
    for action in ("retry", "cancel"):
        url = f"/c/mario/posts/{post.id}/targets/{other.targets[0].id}/{action}"
        assert web.post(url).status_code == 404


def test_cancel_stops_a_waiting_account_and_refuses_one_in_flight(app, session, world):
    post = _post(session, world)
    target_id = post.targets[0].id
    web = _web(app, world[3]["editor"])
    resp = web.post(f"/c/mario/posts/{post.id}/targets/{target_id}/cancel", follow_redirects=True)
    assert "This account will not get the post." in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(PostTarget, target_id).status == "cancelled"
    busy = _post(session, world, "scheduled", "publishing")
    resp = web.post(f"/c/mario/posts/{busy.id}/targets/{busy.targets[0].id}/cancel", follow_redirects=True)
    assert "it cannot be cancelled now" in resp.get_data(as_text=True)


@pytest.mark.parametrize("role", ["analyst", "viewer", "approver"])
def test_buttons_need_posts_write(app, session, world, role):
    post = _post(session, world, "failed", "failed", error_class="rejected")
    web = _web(app, world[3][role])
    base = f"/c/mario/posts/{post.id}"
    target = post.targets[0].id
    for url in (f"{base}/publish-now", f"{base}/reopen", f"{base}/targets/{target}/retry"):
        assert web.post(url).status_code == 403, url
    assert web.post(f"{base}/targets/{target}/cancel").status_code == 403
    session.expire_all()
    assert session.get(PostTarget, target).status == "failed"


def test_publish_now_from_the_page(app, session, world):
    post = _post(session, world, "approved")
    html = _page(app, world[3]["editor"], post)
    assert f"/c/mario/posts/{post.id}/publish-now" in html
    resp = _web(app, world[3]["editor"]).post(f"/c/mario/posts/{post.id}/publish-now", follow_redirects=True)
    assert "Publishing now" in resp.get_data(as_text=True)
    session.expire_all()
    fresh = session.get(Post, post.id)
    assert fresh.status == "scheduled" and fresh.scheduled_at <= utcnow()
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "post.publish_now")).one()


def test_publish_now_of_a_draft_flashes_why_not(app, session, world):
    post = _post(session, world, "draft")
    resp = _web(app, world[3]["editor"]).post(f"/c/mario/posts/{post.id}/publish-now", follow_redirects=True)
    assert "Only an approved or scheduled post can be published now." in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(Post, post.id).status == "draft"


def test_reopen_brings_a_failed_post_back_to_editing(app, session, world):
    post = _post(session, world, "failed", "failed", error_class="rejected", error_message="Too long.")
    resp = _web(app, world[3]["editor"]).post(f"/c/mario/posts/{post.id}/reopen", follow_redirects=True)
    assert "Edit the post, then schedule it or publish it now." in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(Post, post.id).status == "approved"
    assert session.get(PostTarget, post.targets[0].id).status == "pending"


def _cal(app, user, post) -> str:
    day = post.scheduled_at.date().isoformat()
    resp = _web(app, user).get(f"/c/mario/calendar?view=list&date={day}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_calendar_cards_show_published_with_links_and_failed(app, session, world):
    done = _post(session, world, "published", "published", remote_url=LIVE)
    broken = _post(session, world, "failed", "failed", error_class="rejected")
    html = _cal(app, world[3]["editor"], done)
    card = re.search(
        rf'<article class="post status-published" data-post-id="{done.id}".*?</article>', html, re.S
    )
    assert card and 'class="tag st-published">Published<' in card.group(0)
    assert f'href="{LIVE}"' in card.group(0) and "draggable" not in card.group(0)
    failed = re.search(
        rf'<article class="post status-failed" data-post-id="{broken.id}".*?</article>', html, re.S
    )
    assert failed and ">Failed<" in failed.group(0)
    assert '<option value="published"' in html and '<option value="failed"' in html
    filtered = _web(app, world[3]["editor"]).get(
        f"/c/mario/calendar?view=list&date={done.scheduled_at.date().isoformat()}&status=failed"
    )
    assert f'data-post-id="{broken.id}"' in filtered.get_data(as_text=True)
    assert f'data-post-id="{done.id}"' not in filtered.get_data(as_text=True)


def test_client_contacts_see_published_posts_and_no_failed_badge(app, session, world):
    done = _post(session, world, "published", "published", remote_url=LIVE)
    broken = _post(session, world, "failed", "failed", error_class="rejected")
    html = _cal(app, world[3]["viewer"], done)
    assert f'data-post-id="{done.id}"' in html and LIVE in html
    assert f'data-post-id="{broken.id}"' in html and "Not published yet" in html
    assert "status-failed" not in html and '<option value="failed"' not in html


def _attempt(session, target, number, outcome, detail=None, seconds=2.5):
    start = datetime(2026, 7, 1, 10, 0, number, tzinfo=UTC)
    session.add(
        PublishAttempt(
            agency_id=target.agency_id,
            client_id=target.client_id,
            post_id=target.post_id,
            target_id=target.id,
            number=number,
            kind="reconcile" if outcome == "found" else "publish",
            started_at=start,
            finished_at=start + timedelta(seconds=seconds) if outcome else None,
            outcome=outcome,
            detail=detail,
        )
    )
    session.commit()


def test_the_publish_log_lists_attempts_in_the_clients_time(app, session, world):
    post = _post(session, world, "published", "published", remote_url=LIVE)
    target = post.targets[0]
    _attempt(session, target, 1, "unknown", "<b>No answer</b> from the network.")
    _attempt(session, target, 2, "found", LIVE)
    web = _web(app, world[3]["analyst"])
    html = web.get("/c/mario/publish-log").get_data(as_text=True)
    assert "01/07/2026 12:00:01" in html and "01/07/2026 12:00:02" in html  # Rome, summer time
    assert f'href="/c/mario/posts/{post.id}"' in html and "Stasera pizza" in html
    assert "@mario@mastodon.example" in html and "2.5 s" in html
    assert (
        "Outcome unknown" in html and "Found already published" in html and "Check with the network" in html
    )
    assert "&lt;b&gt;No answer&lt;/b&gt;" in html
    table = html[html.index('id="publish-log"') :]
    assert table.index("Found already published") < table.index("Outcome unknown")  # newest first
    only = web.get("/c/mario/publish-log?outcome=unknown").get_data(as_text=True)
    assert "Outcome unknown" in only and 'class="outcome-found"' not in only


@pytest.mark.parametrize("role", ["approver", "viewer"])
def test_the_publish_log_is_staff_only(app, session, world, role):
    assert _web(app, world[3][role]).get("/c/mario/publish-log").status_code == 403


def test_the_log_is_linked_from_the_workspace_and_the_post(app, session, world):
    post = _post(session, world, "published", "published", remote_url=LIVE)
    web = _web(app, world[3]["editor"])
    assert 'href="/c/mario/publish-log"' in web.get("/c/mario/").get_data(as_text=True)
    assert 'href="/c/mario/publish-log"' in _page(app, world[3]["editor"], post)


def test_a_published_post_stays_in_the_ical_feed_as_confirmed(session, world):
    from icalendar import Calendar

    from tenants.services import calendar_feeds

    done = _post(session, world, "published", "published", remote_url=LIVE)
    events = Calendar.from_ical(calendar_feeds.feed_ics(session=session, client=world[1])).walk("VEVENT")
    (event,) = [e for e in events if str(e["uid"]) == f"post-{done.id}@cadenza"]
    assert str(event["status"]) == "CONFIRMED"


def test_a_post_due_in_days_is_polled_slowly(app, session, world):
    post = _post(session, world)  # scheduled in three days, every account waiting
    data = _web(app, world[3]["editor"]).get(f"/c/mario/posts/{post.id}/status.json").get_json()
    assert data["done"] is False and data["active"] is False
    assert 'data-active="0"' in _page(app, world[3]["editor"], post)
