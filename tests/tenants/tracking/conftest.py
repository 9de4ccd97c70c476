"""A client with a post published on two accounts, and helpers to click its short links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from tenants.models import Client, Post, PostTarget, SocialAccount, TrackedLink
from tenants.tracking import clicks, shortening
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory

SECRET = "test-secret-key-not-for-production"
BASE = "https://cadenza.example"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)


@dataclass
class Shop:
    client: Client
    accounts: dict[str, SocialAccount]
    post: Post
    targets: dict[str, PostTarget]

    @property
    def scope(self) -> dict:
        return {"agency_id": self.client.agency_id, "client_id": self.client.id}


def published_post(session, client: Client, accounts: list[SocialAccount], text: str) -> Post:
    """A post published on the accounts (rows written directly: the pipeline is tested elsewhere)."""
    post = Post(agency_id=client.agency_id, client_id=client.id, status="published", base_text=text)
    for account in accounts:
        post.targets.append(
            PostTarget(
                agency_id=client.agency_id,
                client_id=client.id,
                account_id=account.id,
                network=account.network,
                text=text,
                status="published",
            )
        )
    session.add(post)
    session.commit()
    return post


def make_shop(session, **client_fields) -> Shop:
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, **client_fields)
    accounts = {
        network: SocialAccountFactory(agency_id=agency.id, client_id=client.id, network=network)
        for network in ("mastodon", "x")
    }
    post = published_post(session, client, list(accounts.values()), "Menu: https://shop.example/menu")
    return Shop(client, accounts, post, {t.network: t for t in post.targets})


@pytest.fixture
def shop(session) -> Shop:
    return make_shop(session)


def link_for(session, target: PostTarget, url: str = "https://shop.example/menu") -> TrackedLink:
    """The short link of the url in the target's text (made as publishing makes it)."""
    text = shortening.shorten_links(session=session, target=target, text=url, base_url=BASE)
    session.commit()
    return shortening.resolve(session=session, code=text.rsplit("/", 1)[1]).link


def click(
    session,
    link: TrackedLink,
    *,
    agent: str | None = CHROME,
    ip: str = "203.0.113.7",
    method: str = "GET",
    headers: dict | None = None,
    at: datetime | None = None,
) -> clicks.ClickResult:
    """A request for the short link, recorded and committed as the web edge does."""
    resolved = shortening.resolve(session=session, code=link.code)
    result = clicks.record_click(
        session=session,
        agency_id=link.agency_id,
        client_id=link.client_id,
        link=link,
        timezone=resolved.timezone,
        hit=clicks.Hit(method=method, user_agent=agent, ip=ip, headers=headers or {}),
        secret=SECRET,
        now=at,
    )
    session.commit()
    return result
