"""Fixtures of the worker tests: the demo client with an account on every sandbox network."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tenants.models import Client, SocialAccount

NETWORKS = ("mastodon", "x", "facebook", "instagram", "linkedin", "bluesky")


@pytest.fixture
def demo(worker_env, sandbox, session):
    """The demo client with one sandbox account per network (connected through each network's real flow)."""
    from tenants.demo import seed_demo_data
    from tenants.passwords import make_password_hasher
    from web.demo_accounts import connect_demo_accounts

    seed_demo_data(session=session, hasher=make_password_hasher(worker_env))
    session.commit()
    connect_demo_accounts(worker_env)
    session.expire_all()
    client = session.scalars(select(Client)).one()
    accounts = {
        a.network: a
        for a in session.scalars(select(SocialAccount).where(SocialAccount.client_id == client.id))
    }
    assert set(NETWORKS) <= set(accounts)
    return client, accounts
