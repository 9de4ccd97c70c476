"""End-to-end, the daily desk: compose for two networks, see X's counter pass its limit, submit,
approve inside the agency, approve from the client's email link, drag the post to another day."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants.models import OutboxMessage, Post, User, utcnow
from tenants.services import local_time
from tests.e2e.browser import TIMEOUT_MS, browser_session, serve
from tests.factories import PASSWORD, AgencyFactory, ClientFactory, SocialAccountFactory, member

pytestmark = pytest.mark.browser
ROME = "Europe/Rome"
SHORT = "Stasera pizza al forno a legna, vi aspettiamo da Mario!"
LONG = SHORT + " " + "Impasto a lunga lievitazione, pomodoro San Marzano e mozzarella di bufala. " * 4


@pytest.fixture
def live_url(csrf_app) -> Iterator[str]:
    with serve(csrf_app) as url:
        yield url


def _log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_compose_check_submit_approve_by_email_and_drag(live_url: str, session):
    from playwright.sync_api import expect

    agency = AgencyFactory()
    client = ClientFactory(
        agency_id=agency.id, slug="mario", name="Da Mario", timezone=ROME, approval_workflow="client"
    )
    x = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x", handle="@damario")
    masto = SocialAccountFactory(
        agency_id=agency.id, client_id=client.id, network="mastodon", handle="@mario@social.example"
    )
    member(agency, "manager", email="manager@agency.example")
    member(agency, "approver", client=client, email="mario@client.example")
    day = (utcnow() + timedelta(days=3)).astimezone(local_time.ZoneInfo(ROME)).date()

    with browser_session() as open_page:
        page = open_page(live_url)
        _log_in(page, "manager@agency.example")
        page.goto("/c/mario/posts/new")
        page.locator(f"#account-{x.id}").check()
        page.locator(f"#account-{masto.id}").check()
        page.locator("#base-text").fill(SHORT)
        expect(page.locator(f"#counter-{x.id}")).to_have_text(re.compile(rf"^{len(SHORT)} / 280$"))
        expect(page.locator(f"#counter-{x.id}")).not_to_have_class(re.compile(r"\bover\b"))
        page.locator("#base-text").fill(LONG)
        # X's own rule, computed on the server while typing: the counter turns red past 280.
        expect(page.locator(f"#counter-{x.id}")).to_have_class(re.compile(r"\bover\b"), timeout=TIMEOUT_MS)
        expect(page.locator(f"#counter-{masto.id}")).not_to_have_class(re.compile(r"\bover\b"))
        page.locator(f"#text-{x.id}").fill(
            SHORT
        )  # the X variant is edited to fit; Mastodon keeps the long text
        expect(page.locator(f"#counter-{x.id}")).not_to_have_class(
            re.compile(r"\bover\b"), timeout=TIMEOUT_MS
        )
        page.locator("#scheduled-local").fill(f"{day.isoformat()}T12:30")
        page.locator("#save-post").click()
        expect(page.locator(".flash, .flashes, [role=status]").first).to_be_visible()
        post = session.scalars(select(Post)).one()
        assert {t.account_id: t.text for t in post.targets} == {x.id: SHORT, masto.id: LONG}

        page.get_by_role("button", name="Submit for approval").click()
        page.locator("#approve").click()  # the manager's internal approval
        expect(page.locator("#waiting")).to_contain_text("client")

        session.expire_all()
        approver = session.scalars(select(User).where(User.email == "mario@client.example")).one()
        mail = session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == approver.email)).one()
        link = re.search(r"https?://\S+/approve/\S+", mail.body).group(0)
        path = link[link.index("/approve/") :]

        client_page = open_page(live_url)  # the client, not logged in, from the email
        client_page.goto(path)
        expect(client_page.locator("body")).to_contain_text("Stasera pizza")
        client_page.locator("#approve").click()
        expect(client_page.locator("body")).to_contain_text("pproved")
        session.expire_all()
        assert session.get(Post, post.id).status == "approved"

        page.goto(f"/c/mario/calendar?view=month&date={day.isoformat()}")
        card = page.locator(f"article[data-post-id='{post.id}']")
        expect(card).to_be_visible()
        # A day of the same month, so it is in the month grid whatever today's date.
        target_day = (
            day + timedelta(days=1)
            if (day + timedelta(days=1)).month == day.month
            else day - timedelta(days=1)
        )
        card.drag_to(page.locator(f"#day-{target_day.isoformat()}"))
        expect(
            page.locator(f"#day-{target_day.isoformat()} article[data-post-id='{post.id}']")
        ).to_contain_text("12:30", timeout=TIMEOUT_MS)
    session.expire_all()
    moved = session.get(Post, post.id)
    assert local_time.to_local(moved.scheduled_at, ROME).strftime("%Y-%m-%d %H:%M") == f"{target_day} 12:30"
    assert moved.status == "approved"  # moving the date is not a content change
