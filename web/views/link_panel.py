"""The "Links" panel of a published post: its short links on each account and what they did."""

from __future__ import annotations

from typing import Any

from flask import g

from tenants.models import Client, Post
from tenants.permissions import Perm, role_allows
from tenants.tracking import shortening, stats
from web.context import db, settings


def panel(client: Client, post: Post) -> dict[str, Any] | None:
    """The post's short links per account with their counts, for those who may read reports; else None."""
    if not role_allows(g.membership.role, Perm.REPORTS_VIEW):
        return None
    accounts = stats.post_links(
        session=db(), agency_id=client.agency_id, client_id=client.id, post_id=post.id
    )
    if not accounts:
        return None
    return {"accounts": accounts, "prefix": shortening.short_prefix(settings().base_url)}
