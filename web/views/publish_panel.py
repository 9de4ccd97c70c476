"""Where a post stands on each account: the "Publishing" panel and its JSON (polled by publishing.js).

Staff read each account's state with the reason in plain words and what to do about it; client contacts
only learn whether the post is out (with its link) or not yet.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from flask import g, url_for
from flask_babel import gettext as _

from tenants.models import Client, Post, PostTarget, SocialAccount, utcnow
from tenants.models.posts import TARGET_FINAL
from tenants.networks import deletes_posts
from tenants.permissions import Perm, is_client_role, role_allows
from tenants.services import remote_delete, social_accounts
from web.context import db
from web.views.composer_state import format_local, network_name
from web.views.post_labels import shown_post_status, status_label

# The panel shows once a post is in the queue (or went through it).
PANEL_STATUSES = ("scheduled", "published", "failed")
DUE_SOON = timedelta(minutes=5)


def web_url(url: str | None) -> str | None:
    """The network's link to a post, only when it is a plain web address (never javascript: and co.)."""
    if not url:
        return None
    parsed = urlparse(url)
    return url if parsed.scheme in ("http", "https") and parsed.netloc else None


def _staff_label(target: PostTarget, client: Client) -> str:
    if target.status == "retry":
        when = format_local(target.next_attempt_at, client.timezone, "%H:%M")
        return _("Will retry at %(time)s", time=when) if when else _("Will retry soon")
    if target.status == "failed":
        return _("Failed: %(reason)s", reason=target.error_message or _("no reason given"))
    if target.status == "deleting" and target.next_attempt_at and target.error_message:
        when = format_local(target.next_attempt_at, client.timezone, "%H:%M")
        return _("Deleting: will try again at %(time)s", time=when)
    if target.status == "deleted":
        return _("Deleted from %(network)s", network=network_name(target.network))
    labels = {
        "pending": _("Waiting"),
        "queued": _("Queued"),
        "publishing": _("Publishing"),
        "unconfirmed": _("Checking with the network"),
        "published": _("Published"),
        "cancelled": _("Cancelled"),
        "deleting": _("Deleting…"),
    }
    return labels.get(target.status, target.status)


def _what_to_do(target: PostTarget, client: Client) -> tuple[str | None, str | None]:
    """Advice for a failed account in plain words, and a link when the fix is elsewhere."""
    if target.status in ("retry", "deleting") and target.error_message:
        return target.error_message, None
    if target.status == "published" and target.error_message:
        # Only a refused deletion leaves a reason on a published account.
        advice = _("Not deleted: %(reason)s", reason=target.error_message)
        if target.error_class == "reconnect":
            return advice, url_for("accounts.index", client_slug=client.slug)
        return advice, None
    if target.status != "failed":
        return None, None
    if target.error_class == "reconnect":
        return _("Reconnect the account, then retry."), url_for("accounts.index", client_slug=client.slug)
    if target.error_class == "rejected":
        return _("The network refused this version: edit the post and retry."), None
    return _("The network did not take the post in time; retry when it is available again."), None


def _target_row(target: PostTarget, account: SocialAccount | None, client: Client, staff: bool) -> dict:
    live = target.status in remote_delete.LIVE  # a post being deleted is still up until the network says
    row: dict[str, Any] = {
        "id": target.id,
        "network": target.network,
        "network_name": network_name(target.network),
        # Instagram's API cannot delete a post: its rows never carry the button at all.
        "network_deletes": deletes_posts(target.network),
        "handle": account.handle if account else "",
        "final": target.status in TARGET_FINAL,
        "remote_url": web_url(target.remote_url) if live else None,
        "advice": None,
        "advice_url": None,
        "can_retry": False,
        "can_cancel": False,
        "can_delete_remote": False,
    }
    if not staff:
        # Client contacts: out with its link, taken back, or not yet; never the pipeline's inner states.
        if target.status == "deleted":
            label = _("Deleted from %(network)s", network=network_name(target.network))
            return row | {"status": "deleted", "label": label}
        status = "published" if live else "not_published"
        return row | {"status": status, "label": _("Published") if live else _("Not published yet")}
    advice, advice_url = _what_to_do(target, client)
    writer = role_allows(g.membership.role, Perm.POSTS_WRITE)
    return row | {
        "status": target.status,
        "label": _staff_label(target, client),
        "advice": advice,
        "advice_url": advice_url,
        "can_retry": writer and target.status == "failed",
        "can_cancel": writer and target.status in ("pending", "retry", "failed"),
        "can_delete_remote": writer and remote_delete.can_delete(target),
    }


def panel(client: Client, post: Post) -> dict[str, Any]:
    """The post's publishing state for the current member: the page renders it, the JSON returns it."""
    staff = not is_client_role(g.membership.role)
    accounts = {
        a.id: a
        for a in social_accounts.list_accounts(
            session=db(), agency_id=client.agency_id, client_id=client.id, include_disconnected=True
        )
    }
    targets = [_target_row(t, accounts.get(t.account_id), client, staff) for t in post.targets]
    status = shown_post_status(post)
    done = all(t["final"] for t in targets)
    due_soon = post.scheduled_at is not None and post.scheduled_at <= utcnow() + DUE_SOON
    moving = any(t.status not in ("pending", *TARGET_FINAL) for t in post.targets)
    return {
        "post": {"id": post.id, "status": status, "label": status_label(status)},
        "targets": targets,
        "done": done,
        # Pages poll fast only around the moment of publishing; a post due in days is asked about rarely.
        "active": not done and (due_soon or moving),
        "visible": post.status in PANEL_STATUSES,
    }
