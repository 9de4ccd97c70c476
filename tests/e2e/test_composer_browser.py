"""End-to-end in a real browser: the composer's variants follow the base, counters turn red over the limit."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tenants.models import Post
from tests.e2e.browser import browser_page, serve
from tests.factories import PASSWORD, AgencyFactory, ClientFactory, SocialAccountFactory, member

pytestmark = pytest.mark.browser


def test_composer_counts_per_network_and_saves_variants(csrf_app, session):
    from playwright.sync_api import expect

    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, slug="mario", utm_template="utm_source={network}")
    x = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x", handle="@damario")
    mastodon = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    editor = member(agency, "editor", email="editor@onda.example")
    with serve(csrf_app) as url, browser_page(url) as page:
        page.goto("/login")
        page.get_by_label("Email").fill(editor.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto("/c/mario/posts/new")
        page.locator(f"#account-{x.id}").check()
        page.locator(f"#account-{mastodon.id}").check()
        # 150 CJK characters weigh 300 on X (limit 280) and 150 on Mastodon (limit 500).
        page.locator("#base-text").fill("漢" * 150 + " https://damario.example/menu")
        expect(page.locator(f"#counter-{x.id}")).to_have_class(re.compile(r"\bover\b"))
        expect(page.locator(f"#counter-{x.id}")).to_have_text("324 / 280")
        expect(page.locator(f"#counter-{mastodon.id}")).not_to_have_class(re.compile(r"\bover\b"))
        expect(page.locator(f"#findings-{x.id} .finding.blocking")).to_have_count(1)
        expect(page.locator(f"#preview-{x.id} a")).to_have_text("https://damario.example/menu?utm_source=x")
        # Edit the X variant: it stops following the base and fits.
        page.locator(f"#text-{x.id}").fill("Pizza stasera!")
        expect(page.locator(f"#counter-{x.id}")).not_to_have_class(re.compile(r"\bover\b"))
        expect(page.locator(f"#reset-{x.id}")).to_be_visible()
        page.locator("#base-text").fill("Domani pranzo")
        expect(page.locator(f"#text-{mastodon.id}")).to_have_value("Domani pranzo")
        expect(page.locator(f"#text-{x.id}")).to_have_value("Pizza stasera!")
        page.locator("#save-post").click()
        expect(page.locator("#post-status")).to_have_text("Draft")

    post = session.scalars(select(Post)).one()
    targets = {t.account_id: t for t in post.targets}
    assert (targets[x.id].customised, targets[x.id].text) == (True, "Pizza stasera!")
    assert (targets[mastodon.id].customised, targets[mastodon.id].text) == (False, "Domani pranzo")
