"""A post's status in words, as the current member may see it."""

from __future__ import annotations

from flask import g
from flask_babel import gettext as _

from tenants.models import Post
from tenants.permissions import is_client_role
from tenants.services.remote_delete import taken_down


def status_label(status: str) -> str:
    """A post status in the user's language."""
    labels = {
        "draft": _("Draft"),
        "in_review": _("In internal review"),
        "awaiting_client": _("Awaiting client approval"),
        "approved": _("Approved"),
        "scheduled": _("Scheduled"),
        "published": _("Published"),
        "failed": _("Failed"),
        "not_published": _("Not published yet"),
        "taken_down": _("Deleted from the networks"),
    }
    return labels.get(status, status)


def shown_status(status: str) -> str:
    """The status as the current member sees it: client contacts see a failed post as not published yet."""
    membership = g.get("membership")
    if status == "failed" and membership is not None and is_client_role(membership.role):
        return "not_published"
    return status


def shown_post_status(post: Post) -> str:
    """The post's shown status; a post deleted from every network it reached no longer shows as published."""
    return "taken_down" if taken_down(post) else shown_status(post.status)
