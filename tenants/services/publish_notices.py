"""Who hears that a post is out: people who asked, for all of a client's posts or for one post.

A post is announced once, when it becomes published: the claim on `Post.published_notice_at` is a guarded
UPDATE, so the worker that publishes the last account and a person cancelling it cannot both announce it,
and a crash before the commit announces nothing (the notifications go with the same transaction).
"""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from tenants.db import flush_or_conflict
from tenants.errors import N_, NotFound
from tenants.models import (
    Client,
    Membership,
    Notification,
    NotificationPreference,
    Post,
    PostTarget,
    PostWatcher,
    SocialAccount,
    User,
    utcnow,
)
from tenants.networks import NETWORKS
from tenants.services import notifications, posts
from tenants.services.access import get_visible_client, visible_client_ids
from tenants.settings import Settings

KIND = "post.published"
log = logging.getLogger("cadenza.notifications")


def published_alerts(*, session: Session, membership: Membership, user_id: int) -> set[int]:
    """Ids of the clients (among those the member sees) whose published posts the person asked to hear of."""
    wanted = session.scalars(
        select(NotificationPreference.client_id).where(
            NotificationPreference.agency_id == membership.agency_id,
            NotificationPreference.user_id == user_id,
            NotificationPreference.post_published.is_(True),
        )
    )
    return set(wanted) & set(visible_client_ids(session=session, membership=membership))


def set_published_alerts(
    *, session: Session, agency_id: int, client_id: int, membership: Membership, user: User, enabled: bool
) -> None:
    """Turn 'tell me when this client's posts are published' on or off for the member themself."""
    if membership.agency_id != agency_id or membership.user_id != user.id:
        raise NotFound(N_("Client not found."))
    get_visible_client(session=session, membership=membership, client_id=client_id)
    preference = session.scalars(
        select(NotificationPreference).where(
            NotificationPreference.agency_id == agency_id,
            NotificationPreference.client_id == client_id,
            NotificationPreference.user_id == user.id,
        )
    ).first()
    if preference is None:
        preference = NotificationPreference(agency_id=agency_id, client_id=client_id, user_id=user.id)
        session.add(preference)
    preference.post_published = enabled
    preference.updated_at = utcnow()
    flush_or_conflict(session, message=N_("Your settings changed at the same moment; try again."))


def _watcher(session: Session, post: Post, user_id: int) -> PostWatcher | None:
    return session.scalars(
        select(PostWatcher).where(
            PostWatcher.agency_id == post.agency_id,
            PostWatcher.client_id == post.client_id,
            PostWatcher.post_id == post.id,
            PostWatcher.user_id == user_id,
        )
    ).first()


def watch_state(*, session: Session, post: Post, membership: Membership, user_id: int) -> dict[str, bool]:
    """Whether the person will hear of this post: asked for it alone, or for all the client's posts."""
    client_wide = post.client_id in published_alerts(session=session, membership=membership, user_id=user_id)
    return {"watching": _watcher(session, post, user_id) is not None, "client_wide": client_wide}


def set_watching(*, session: Session, post: Post, membership: Membership, user: User, enabled: bool) -> None:
    """Ask (or stop asking) to hear when this one post is published."""
    if membership.user_id != user.id:
        raise NotFound(N_("Post not found."))
    posts.get_post(
        session=session,
        agency_id=post.agency_id,
        client_id=post.client_id,
        post_id=post.id,
        membership=membership,
    )
    existing = _watcher(session, post, user.id)
    if enabled and existing is None:
        session.add(
            PostWatcher(agency_id=post.agency_id, client_id=post.client_id, post_id=post.id, user_id=user.id)
        )
        flush_or_conflict(session, message=N_("Your settings changed at the same moment; try again."))
    elif not enabled and existing is not None:
        session.delete(existing)
        session.flush()


def with_listeners(*, session: Session, posts: list[Post]) -> list[Post]:
    """The posts someone asked to hear about, for their client or for the post itself (two queries)."""
    if not posts:
        return []
    asked_clients = set(
        session.scalars(
            select(NotificationPreference.client_id).where(
                NotificationPreference.client_id.in_({p.client_id for p in posts}),
                NotificationPreference.post_published.is_(True),
            )
        )
    )
    watched = set(
        session.scalars(select(PostWatcher.post_id).where(PostWatcher.post_id.in_({p.id for p in posts})))
    )
    return [p for p in posts if p.client_id in asked_clients or p.id in watched]


def recipients(*, session: Session, post: Post) -> list[User]:
    """Active people who asked (for the client or for this post) and may still see the post."""
    asked = set(
        session.scalars(
            select(NotificationPreference.user_id).where(
                NotificationPreference.agency_id == post.agency_id,
                NotificationPreference.client_id == post.client_id,
                NotificationPreference.post_published.is_(True),
            )
        )
    )
    asked |= set(
        session.scalars(
            select(PostWatcher.user_id).where(
                PostWatcher.agency_id == post.agency_id,
                PostWatcher.client_id == post.client_id,
                PostWatcher.post_id == post.id,
            )
        )
    )
    if not asked:
        return []
    people = []
    for user in session.scalars(
        select(User).where(User.id.in_(asked), User.is_active.is_(True)).order_by(User.id)
    ):
        # Access can have changed since they asked: a removed member or a narrowed role hears nothing.
        if not posts.can_see_post(session=session, user=user, post=post):
            continue
        people.append(user)
    return people


def _web_url(url: str | None) -> str | None:
    parsed = urlparse(url or "")
    return url if parsed.scheme in ("http", "https") and parsed.netloc else None


def _params(session: Session, post: Post) -> dict:
    """The notification's words and each network's link (the network's URL only if it is a web address)."""
    targets = session.scalars(
        select(PostTarget)
        .where(PostTarget.post_id == post.id, PostTarget.status == "published")
        .order_by(PostTarget.id)
    ).all()
    accounts = {
        a.id: a
        for a in session.scalars(
            select(SocialAccount).where(
                SocialAccount.agency_id == post.agency_id,
                SocialAccount.client_id == post.client_id,
                SocialAccount.id.in_([t.account_id for t in targets]),
            )
        )
    }
    links = [
        {
            "network": t.network,
            "name": NETWORKS[t.network].name if t.network in NETWORKS else t.network,
            "handle": accounts[t.account_id].handle if t.account_id in accounts else "",
            "url": _web_url(t.remote_url),
        }
        for t in targets
    ]
    return {
        "post": " ".join(post.base_text.split())[:80],
        "client": session.get(Client, post.client_id).name,
        "accounts": ", ".join(f"{link['name']} {link['handle']}".strip() for link in links),
        "links": links,
    }


def notify_published(*, session: Session, agency_id: int, client_id: int, post_id: int) -> list[Notification]:
    """Tell those who asked that the post is out, in the app; once per post ([] when not published yet)."""
    now = utcnow()
    claimed = session.execute(
        update(Post)
        .where(
            Post.id == post_id,
            Post.agency_id == agency_id,
            Post.client_id == client_id,
            Post.status == "published",
            Post.published_notice_at.is_(None),
        )
        .values(published_notice_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return []
    post = session.get(Post, post_id)
    set_committed_value(post, "published_notice_at", now)
    people = recipients(session=session, post=post)
    if not people:
        return []
    return notifications.notify(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        users=people,
        kind=KIND,
        params=_params(session, post),
        link=f"/posts/{post.id}",
    )


def announce_published(
    *, session: Session, settings: Settings, agency_id: int, client_id: int, post_id: int
) -> list[int]:
    """Notify those who asked, in the app and by email (the caller commits, then queues delivery)."""
    try:
        with session.begin_nested():
            created = notify_published(
                session=session, agency_id=agency_id, client_id=client_id, post_id=post_id
            )
            return notifications.email_notifications(
                session=session, settings=settings, items=created, base_url=settings.base_url
            )
    except Exception:  # noqa: BLE001 - logged; the post is out, and a notice must never undo that
        log.exception("post %s is published but those who asked could not be told", post_id)
        return []
