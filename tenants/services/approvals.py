"""The approval workflow: draft -> in review -> awaiting client -> approved -> scheduled, and back.

Every transition is audited and notifies whoever acts next. Client approvers also get a one-click link
by email: signed for one approver, one post and one revision, expiring, usable once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from tenants.errors import N_, Conflict, Forbidden, Gone, Invalid
from tenants.models import (
    ApprovalToken,
    Client,
    Membership,
    Notification,
    Post,
    PostComment,
    SocialAccount,
    User,
)
from tenants.models.base import utcnow
from tenants.permissions import Perm, Role, is_client_role, role_allows
from tenants.services import audit, notifications, post_checks, posts
from tenants.services.access import membership_in, require
from tenants.services.tokens import hash_secret, new_secret

WORKFLOWS = ("none", "internal", "client")
APPROVAL_LINK_TTL = timedelta(days=7)
# Statuses in which a content change must be approved again.
REVIEWED_STATUSES = ("in_review", "awaiting_client", "approved", "scheduled")
INTERNAL_APPROVERS = (Role.OWNER.value, Role.ADMIN.value, Role.MANAGER.value)


class ChecksBlocked(Invalid):
    """Blocking check findings are left that no manager has overridden."""

    code = "checks_blocking"


@dataclass
class Outcome:
    """A transition's result: the post, who was notified, and one-click links to email to client approvers."""

    post: Post
    notified: list[Notification] = field(default_factory=list)
    approval_links: dict[int, str] = field(default_factory=dict)


def _actor_label(actor: User | None, actor_label: str | None) -> str | None:
    return actor_label or (actor.email if actor else None)


def _transition(
    session: Session,
    post: Post,
    *,
    to: str,
    action: str,
    actor: User | None,
    actor_label: str | None,
    details: Mapping[str, Any] | None = None,
) -> None:
    previous = post.status
    session.flush()
    # Guarded on the state this request read: two approvers at once, or an approval racing an edit,
    # leave exactly one winner; the other gets a Conflict instead of overwriting.
    claimed = session.execute(
        update(Post)
        .where(Post.id == post.id, Post.status == previous, Post.revision == post.revision)
        .values(status=to, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise Conflict(N_("Someone changed this post at the same moment; reload it and look again."))
    set_committed_value(post, "status", to)
    audit.record_post(
        session=session,
        post=post,
        action=action,
        actor=actor,
        actor_label=actor_label,
        details={"from": previous, "to": to, "revision": post.revision, **(details or {})},
    )


def _people(session: Session, post: Post, roles: tuple[str, ...]) -> list[User]:
    return notifications.people_for_client(
        session=session, agency_id=post.agency_id, client_id=post.client_id, roles=roles
    )


def _notify(session: Session, post: Post, users: list[User], kind: str, actor: User | None, **params: Any):
    users = [u for u in users if actor is None or u.id != actor.id]
    excerpt = " ".join(post.base_text.split())[:80]
    return notifications.notify(
        session=session,
        agency_id=post.agency_id,
        client_id=post.client_id,
        users=users,
        kind=kind,
        params={"post": excerpt, "actor": actor.name_or_email if actor else "", **params},
        link=f"/posts/{post.id}",
    )


def _author(session: Session, post: Post) -> list[User]:
    author = session.get(User, post.created_by_id) if post.created_by_id else None
    return (
        [author]
        if author is not None
        and author.is_active
        and posts.can_see_post(session=session, user=author, post=post)
        else []
    )


def _client(session: Session, post: Post) -> Client:
    return session.get(Client, post.client_id)


def _require_status(post: Post, *allowed: str) -> None:
    if post.status not in allowed:
        raise Conflict(
            N_("This post is %(status)s; that is not possible now. Reload to see its current state."),
            field="status",
            status=post.status,
        )


def _require_revision(post: Post, expected: int | None) -> None:
    if expected is not None and expected != post.revision:
        raise Conflict(
            N_("This post changed since you opened it; look at the new version before deciding."),
            field="revision",
        )


def _require_checks_pass(session: Session, client: Client, post: Post) -> None:
    """Blocking findings stop every step forward, not only the submission (edits come after it)."""
    checks = post_checks.check_post(session=session, client=client, post=post, suggest=False)
    if checks["blocking"]:
        raise ChecksBlocked(
            N_("Some checks block this post; fix them or ask a manager to override them."),
            field="checks",
            details=checks,
        )


def _client_approvers(session: Session, post: Post) -> list[User]:
    return _people(session, post, (Role.APPROVER.value,))


def _issue_links(session: Session, post: Post, approvers: list[User]) -> dict[int, str]:
    links = {}
    for user in approvers:
        token = new_secret("apv_")
        session.add(
            ApprovalToken(
                agency_id=post.agency_id,
                client_id=post.client_id,
                post_id=post.id,
                user_id=user.id,
                token_hash=hash_secret(token),
                post_revision=post.revision,
                expires_at=utcnow() + APPROVAL_LINK_TTL,
            )
        )
        links[user.id] = token
    session.flush()
    return links


def _to_client(session: Session, post: Post, actor: User | None) -> Outcome:
    approvers = _client_approvers(session, post)
    outcome = Outcome(post)
    outcome.notified = _notify(session, post, approvers, "post.awaiting_client", actor)
    outcome.approval_links = _issue_links(session, post, approvers)
    return outcome


def submit(
    *,
    session: Session,
    post: Post,
    membership: Membership,
    actor: User | None,
    actor_label: str | None = None,
) -> Outcome:
    """Send a draft for approval after the checks (with suggestions) pass or are overridden."""
    require(membership, Perm.POSTS_WRITE)
    _require_status(post, "draft")
    if not post.targets:
        raise Invalid(N_("Choose at least one account for this post."), field="targets")
    client = _client(session, post)
    checks = post_checks.check_post(session=session, client=client, post=post, suggest=True)
    if checks["blocking"]:
        raise ChecksBlocked(
            N_("Some checks block this post; fix them or ask a manager to override them."),
            field="checks",
            details=checks,
        )
    label = _actor_label(actor, actor_label)
    post.submitted_at = utcnow()
    if client.approval_workflow == "none":
        post.approved_at = utcnow()
        _transition(session, post, to="approved", action="post.submitted", actor=actor, actor_label=label)
        return Outcome(post)
    _transition(session, post, to="in_review", action="post.submitted", actor=actor, actor_label=label)
    reviewers = _people(session, post, INTERNAL_APPROVERS)
    return Outcome(post, notified=_notify(session, post, reviewers, "post.review_requested", actor))


def approve(
    *,
    session: Session,
    post: Post,
    membership: Membership,
    actor: User | None,
    actor_label: str | None = None,
    note: str = "",
    revision: int | None = None,
) -> Outcome:
    """Approve at the post's current stage: internal review, then (if the client wants) the client."""
    _require_status(post, "in_review", "awaiting_client")
    _require_revision(post, revision)
    client = _client(session, post)
    label = _actor_label(actor, actor_label)
    require(
        membership, Perm.POSTS_APPROVE_INTERNAL if post.status == "in_review" else Perm.POSTS_APPROVE_CLIENT
    )
    _require_checks_pass(session, client, post)
    if post.status == "in_review":
        if client.approval_workflow == "client" and not _client_approvers(session, post):
            raise Conflict(
                N_("This client has no client approver yet: invite one, or change the approval workflow."),
                field="workflow",
            )
        _comment(session, post, actor, label, "approved", note, internal=True)
        if client.approval_workflow == "client":
            _transition(
                session,
                post,
                to="awaiting_client",
                action="post.approved_internally",
                actor=actor,
                actor_label=label,
            )
            return _to_client(session, post, actor)
        action = "post.approved"
    else:
        _comment(session, post, actor, label, "approved", note, internal=False)
        action = "post.approved_by_client"
    post.approved_at = utcnow()
    _transition(session, post, to="approved", action=action, actor=actor, actor_label=label)
    _spend_links(session, post)
    watchers = _author(session, post) + _people(session, post, INTERNAL_APPROVERS)
    return Outcome(post, notified=_notify(session, post, watchers, "post.approved", actor))


def reject(
    *,
    session: Session,
    post: Post,
    membership: Membership,
    actor: User | None,
    reason: str,
    actor_label: str | None = None,
    revision: int | None = None,
) -> Outcome:
    """Send the post back to draft with the reason in its thread."""
    _require_status(post, "in_review", "awaiting_client")
    _require_revision(post, revision)
    require(
        membership, Perm.POSTS_APPROVE_INTERNAL if post.status == "in_review" else Perm.POSTS_APPROVE_CLIENT
    )
    reason = " ".join((reason or "").split())
    if not reason:
        raise Invalid(N_("Say what should change, so the author knows what to fix."), field="reason")
    label = _actor_label(actor, actor_label)
    _comment(session, post, actor, label, "rejected", reason[:2000], internal=post.status == "in_review")
    _transition(
        session,
        post,
        to="draft",
        action="post.rejected",
        actor=actor,
        actor_label=label,
        details={"reason": reason[:500]},
    )
    _spend_links(session, post)
    watchers = _author(session, post) + _people(session, post, INTERNAL_APPROVERS)
    return Outcome(
        post, notified=_notify(session, post, watchers, "post.rejected", actor, reason=reason[:200])
    )


def ensure_ready_to_queue(*, session: Session, post: Post) -> None:
    """Invalid unless the post has accounts, all of them connected, and no blocking finding left."""
    if not post.targets:
        raise Invalid(N_("Choose at least one account for this post."), field="targets")
    accounts = session.scalars(
        select(SocialAccount).where(
            SocialAccount.agency_id == post.agency_id,
            SocialAccount.client_id == post.client_id,
            SocialAccount.id.in_([t.account_id for t in post.targets]),
        )
    ).all()
    broken = [a.handle for a in accounts if not a.is_active]
    if broken:
        raise Invalid(
            N_("Reconnect these accounts before scheduling: %(accounts)s."),
            field="targets",
            accounts=", ".join(sorted(broken)),
        )
    _require_checks_pass(session, _client(session, post), post)


def schedule(
    *,
    session: Session,
    post: Post,
    membership: Membership,
    actor: User | None,
    actor_label: str | None = None,
) -> Outcome:
    """Put an approved post in the queue for its date, on accounts that are connected."""
    require(membership, Perm.POSTS_WRITE)
    _require_status(post, "approved")
    if post.scheduled_at is None:
        raise Invalid(N_("Pick a date and time first."), field="scheduled_at")
    posts.ensure_future(post.scheduled_at)
    ensure_ready_to_queue(session=session, post=post)
    _transition(
        session,
        post,
        to="scheduled",
        action="post.scheduled",
        actor=actor,
        actor_label=_actor_label(actor, actor_label),
        details={"at": post.scheduled_at.isoformat()},
    )
    return Outcome(post, notified=_notify(session, post, _author(session, post), "post.scheduled", actor))


def unschedule(
    *,
    session: Session,
    post: Post,
    membership: Membership,
    actor: User | None,
    actor_label: str | None = None,
) -> Outcome:
    """Take a scheduled post out of the queue; it stays approved."""
    require(membership, Perm.POSTS_WRITE)
    _require_status(post, "scheduled")
    if any(t.status != "pending" for t in post.targets):
        raise Conflict(N_("Publishing has started for this post; it can no longer be unscheduled."))
    _transition(
        session,
        post,
        to="approved",
        action="post.unscheduled",
        actor=actor,
        actor_label=_actor_label(actor, actor_label),
    )
    return Outcome(post)


def edit(
    *,
    session: Session,
    post: Post,
    membership: Membership,
    actor: User | None,
    data: Mapping[str, Any],
    actor_label: str | None = None,
) -> Outcome:
    """Change a post; a content change after submission sends it back for review (old approvals lapse)."""
    require(membership, Perm.POSTS_WRITE)
    client = _client(session, post)
    if any(t.status not in ("pending", "cancelled") for t in post.targets):
        raise Conflict(N_("Publishing has started for this post; it can no longer be edited."))
    was_scheduled = post.status == "scheduled"
    changed = posts.apply_changes(session=session, client=client, post=post, data=data)
    post.updated_at = utcnow()
    label = _actor_label(actor, actor_label)
    outcome = Outcome(post)
    if changed:
        post.revision += 1
        post.overrides = []
        _spend_links(session, post)
    post_checks.check_post(session=session, client=client, post=post, suggest=False)
    if post.status == "scheduled" and post.scheduled_at is None:
        raise Invalid(N_("A scheduled post needs a date; unschedule it first."), field="scheduled_at")
    if changed and post.status in REVIEWED_STATUSES and post.status != "in_review":
        if client.approval_workflow == "none":
            if post.checks["blocking"]:
                _transition(session, post, to="draft", action="post.edited", actor=actor, actor_label=label)
        else:
            _transition(session, post, to="in_review", action="post.edited", actor=actor, actor_label=label)
            reviewers = _people(session, post, INTERNAL_APPROVERS)
            outcome.notified = _notify(session, post, reviewers, "post.review_requested", actor)
    else:
        audit.record_post(
            session=session,
            post=post,
            action="post.edited",
            actor=actor,
            actor_label=label,
            details={"revision": post.revision, "fields": sorted(data)},
        )
    if was_scheduled and post.status == "scheduled" and post.scheduled_at is not None:
        posts.ensure_future(post.scheduled_at)
    return outcome


def override(
    *,
    session: Session,
    post: Post,
    membership: Membership,
    actor: User | None,
    code: str,
    network: str | None,
    reason: str,
    actor_label: str | None = None,
) -> Post:
    """A manager lets one blocking check pass for this revision, with a reason kept in the audit log."""
    require(membership, Perm.CHECKS_OVERRIDE)
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise Invalid(N_("Give a reason for the override (at least 5 characters)."), field="reason")
    blocking = {
        (f["code"], r["network"])
        for r in (post.checks or {}).get("results", [])
        for f in r["findings"]
        if f["severity"] == "blocking"
    }
    if (code, network) not in blocking:
        raise Invalid(
            N_("There is no such blocking finding on this post; run the checks again."), field="code"
        )
    label = _actor_label(actor, actor_label)
    post.overrides = [
        *[o for o in post.overrides or [] if (o["code"], o.get("network")) != (code, network)],
        {"code": code, "network": network, "reason": reason[:500], "by": label, "at": utcnow().isoformat()},
    ]
    audit.record_post(
        session=session,
        post=post,
        action="post.check_overridden",
        actor=actor,
        actor_label=label,
        details={"code": code, "network": network, "reason": reason[:500], "revision": post.revision},
    )
    post_checks.check_post(session=session, client=_client(session, post), post=post, suggest=False)
    return post


def _comment(
    session: Session,
    post: Post,
    actor: User | None,
    label: str | None,
    kind: str,
    body: str,
    *,
    internal: bool,
) -> None:
    session.add(
        PostComment(
            internal=internal,
            agency_id=post.agency_id,
            client_id=post.client_id,
            post_id=post.id,
            author_id=actor.id if actor else None,
            author_label=(actor.name_or_email if actor else label) or "",
            kind=kind,
            body=body,
        )
    )


def add_comment(
    *, session: Session, post: Post, membership: Membership, actor: User, body: str, internal: bool = False
) -> tuple[PostComment, list[Notification]]:
    """Add a message to the post's thread (internal notes stay with the agency) and tell the others in it."""
    require(membership, Perm.CLIENT_VIEW)
    body = (body or "").strip()
    if not body or len(body) > 5000:
        raise Invalid(N_("Write a comment of at most 5000 characters."), field="body")
    internal = internal and not is_client_role(membership.role)
    comment = PostComment(
        internal=internal,
        agency_id=post.agency_id,
        client_id=post.client_id,
        post_id=post.id,
        author_id=actor.id,
        author_label=actor.name_or_email,
        kind="comment",
        body=body,
    )
    session.add(comment)
    session.flush()
    participants = set(
        session.scalars(
            select(PostComment.author_id).where(
                PostComment.post_id == post.id, PostComment.author_id.is_not(None)
            )
        )
    ) | ({post.created_by_id} if post.created_by_id else set())
    users = [session.get(User, uid) for uid in participants if uid != actor.id]
    users = [
        u
        for u in users
        if u is not None
        and u.is_active
        and posts.can_see_post(session=session, user=u, post=post, internal=internal)
    ]
    return comment, _notify(session, post, users, "post.comment", actor)


def comments_of(*, session: Session, post: Post, membership: Membership | None = None) -> list[PostComment]:
    """The post's thread, oldest first; client contacts do not see the agency's internal notes."""
    query = select(PostComment).where(PostComment.post_id == post.id)
    if membership is not None and is_client_role(membership.role):
        query = query.where(PostComment.internal.is_(False))
    return list(session.scalars(query.order_by(PostComment.id)))


def _spend_links(session: Session, post: Post) -> None:
    session.execute(
        update(ApprovalToken)
        .where(ApprovalToken.post_id == post.id, ApprovalToken.used_at.is_(None))
        .values(used_at=utcnow())
    )


def open_link(*, session: Session, token: str, lock: bool = False) -> tuple[ApprovalToken, Post, Membership]:
    """The approval link's token, post and approver; Gone when used, expired or the post changed."""
    query = select(ApprovalToken).where(ApprovalToken.token_hash == hash_secret(token or ""))
    if lock:
        query = query.with_for_update()
    link = session.scalars(query).first()
    if link is None:
        raise Gone(N_("This approval link is not valid."))
    post = session.get(Post, link.post_id)
    membership = membership_in(session=session, user_id=link.user_id, agency_id=link.agency_id)
    user = session.get(User, link.user_id)
    if link.used_at is not None:
        raise Gone(N_("This approval link was already used or replaced by a newer one."))
    if link.expires_at < utcnow():
        raise Gone(N_("This approval link has expired; open the post in Cadenza instead."))
    if post is None or post.revision != link.post_revision or post.status != "awaiting_client":
        raise Gone(N_("The post changed after this link was sent; a new link comes with the next request."))
    if (
        membership is None
        or user is None
        or not user.is_active
        or membership.client_id != post.client_id
        or not role_allows(membership.role, Perm.POSTS_APPROVE_CLIENT)
    ):
        raise Forbidden(N_("You can no longer approve this client's posts."))
    return link, post, membership


def decide_by_link(
    *, session: Session, token: str, decision: str, reason: str = "", ip_address: str | None = None
) -> Outcome:
    """Approve or reject from the email link; the link is spent whatever the decision."""
    link, post, membership = open_link(session=session, token=token, lock=True)
    claimed = session.execute(
        update(ApprovalToken)
        .where(ApprovalToken.id == link.id, ApprovalToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if claimed.rowcount != 1:
        raise Gone(N_("This approval link was already used or replaced by a newer one."))
    user = session.get(User, link.user_id)
    label = f"{user.email} (email link)"
    if decision not in ("approve", "reject"):
        raise Invalid(N_("Choose approve or reject."), field="decision")
    audit.record_post(
        session=session,
        post=post,
        action="post.approval_link_used",
        actor=user,
        actor_label=label,
        details={"decision": decision, "revision": link.post_revision},
        ip_address=ip_address,
    )
    if decision == "approve":
        return approve(session=session, post=post, membership=membership, actor=user, actor_label=label)
    return reject(
        session=session, post=post, membership=membership, actor=user, reason=reason, actor_label=label
    )


def reschedule(
    *,
    session: Session,
    post: Post,
    membership: Membership,
    actor: User | None,
    moment: datetime,
    actor_label: str | None = None,
) -> Post:
    """Move the post to another time (drag and drop); the approval stands, the date is not content."""
    require(membership, Perm.POSTS_WRITE)
    if any(t.status not in ("pending", "cancelled") for t in post.targets):
        raise Conflict(N_("Publishing has started for this post; it can no longer be moved."))
    posts.ensure_future(moment)
    previous = post.scheduled_at
    post.scheduled_at = moment
    post.updated_at = utcnow()
    audit.record_post(
        session=session,
        post=post,
        action="post.rescheduled",
        actor=actor,
        actor_label=_actor_label(actor, actor_label),
        details={"from": previous.isoformat() if previous else None, "to": moment.isoformat()},
    )
    return post
