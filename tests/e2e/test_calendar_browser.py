"""End-to-end: drag a post onto the day the clocks go forward, answer the DST question, see it moved."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from tests.calendar_helpers import ROME, SPRING_FORWARD, YEAR, post_at
from tests.e2e.browser import TIMEOUT_MS, browser_page, serve
from tests.factories import PASSWORD, AgencyFactory, ClientFactory, SocialAccountFactory, member

pytestmark = pytest.mark.browser


@pytest.fixture
def live_url(csrf_app) -> Iterator[str]:
    with serve(csrf_app) as url:
        yield url


def test_drag_and_drop_asks_which_time_on_the_dst_day(live_url: str, session, tmp_path):
    from playwright.sync_api import expect

    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, slug="mario", name="Da Mario", timezone=ROME)
    account = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="instagram")
    editor = member(agency, "editor", email="editor@agency.example")
    post = post_at(client, editor, [account], datetime(YEAR, 3, 20, 2, 30), "Notte <b>fonda</b>")
    with browser_page(live_url) as page:
        page.goto("/login")
        page.get_by_label("Email").fill("editor@agency.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"/c/mario/calendar?view=month&date={YEAR}-03-01")
        card = page.locator(f"article[data-post-id='{post.id}']")
        expect(card).to_contain_text("Notte <b>fonda</b>")
        page.screenshot(path=str(tmp_path / "calendar.png"), full_page=True)
        card.drag_to(page.locator(f"#day-{SPRING_FORWARD.isoformat()}"))
        dialog = page.locator("#dst-dialog")
        expect(dialog).to_be_visible(timeout=TIMEOUT_MS)
        expect(dialog).to_contain_text("02:30 does not exist")
        dialog.get_by_role("button", name="03:30").click()
        moved = page.locator(f"#day-{SPRING_FORWARD.isoformat()} article[data-post-id='{post.id}']")
        expect(moved).to_contain_text("03:30 CEST", timeout=TIMEOUT_MS)
