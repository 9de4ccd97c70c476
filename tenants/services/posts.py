"""Posts: write once with a variant per account, read them back, list them by period, delete them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from tenants.errors import N_, Invalid, NotFound
from tenants.models import (
    Client,
    CommunicationPlan,
    MediaAsset,
    Membership,
    Post,
    PostTarget,
    SocialAccount,
    User,
)
from tenants.models.base import utcnow
from tenants.permissions import Perm, is_client_role
from tenants.services import audit, local_time, plans, post_checks
from tenants.services.access import get_visible_client, membership_in, require, visible_client_ids

MAX_TEXT = 100_000
MAX_TARGETS = 30
# What client contacts may see of the calendar: nothing still being written or reviewed inside the agency.
# A failed post stays visible to them, shown as "not published yet" (the agency fixes it; no details).
CLIENT_VISIBLE_STATUSES = ("awaiting_client", "approved", "scheduled", "published", "failed")
_FIELDS = {
    "text",
    "pillar",
    "persona",
    "media_ids",
    "targets",
    "scheduled_at",
    "scheduled_local",
    "dst_choice",
}


def _ids(value: Any, field: str, limit: int) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > limit or not all(type(v) is int for v in value):
        raise Invalid(N_("'%(name)s' must be a list of at most %(n)s ids."), field=field, name=field, n=limit)
    return list(dict.fromkeys(value))


def _text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise Invalid(N_("Use at most %(n)s characters."), field=field, n=MAX_TEXT)
    return value.replace("\r\n", "\n")


def _media(session: Session, client: Client, ids: list[int], field: str) -> list[int]:
    if not ids:
        return []
    found = set(
        session.scalars(
            select(MediaAsset.id).where(
                MediaAsset.agency_id == client.agency_id,
                MediaAsset.client_id == client.id,
                MediaAsset.id.in_(ids),
                MediaAsset.deleted_at.is_(None),
            )
        )
    )
    if set(ids) - found:
        raise Invalid(N_("Some media are not in this client's library."), field=field)
    return ids


def _accounts(session: Session, client: Client, ids: list[int]) -> dict[int, SocialAccount]:
    accounts = {
        a.id: a
        for a in session.scalars(
            select(SocialAccount).where(
                SocialAccount.agency_id == client.agency_id,
                SocialAccount.client_id == client.id,
                SocialAccount.id.in_(ids),
            )
        )
    }
    if set(ids) - set(accounts):
        raise Invalid(N_("Some accounts do not belong to this client."), field="targets")
    if any(a.status == "disconnected" for a in accounts.values()):
        raise Invalid(N_("A disconnected account cannot get posts; reconnect it first."), field="targets")
    return accounts


def _plan_choice(plan: CommunicationPlan | None, value: Any, kind: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise Invalid(N_("Unknown %(name)s."), field=kind, name=kind)
    data = plan.data if plan else {}
    known = (
        [p["key"] for p in data.get("pillars", [])]
        if kind == "pillar"
        else [p["name"] for p in data.get("personas", [])]
    )
    if value not in known:
        raise Invalid(N_("Unknown %(name)s."), field=kind, name=kind)
    return value


def parse_moment(data: Mapping[str, Any], client: Client) -> datetime | None:
    """The planned moment from 'scheduled_at' (ISO with offset) or 'scheduled_local' (client's wall clock)."""
    if data.get("scheduled_local"):
        local = local_time.parse_local(data["scheduled_local"], field="scheduled_local")
        moment = local_time.to_utc(local, client.timezone, data.get("dst_choice") or None)
    elif data.get("scheduled_at"):
        moment = local_time.parse_instant(data["scheduled_at"])
    else:
        return None
    ensure_future(moment)
    return moment


def ensure_future(moment: datetime) -> None:
    """Invalid unless the moment is at least a minute from now."""
    if moment < utcnow() + timedelta(minutes=1):
        raise Invalid(
            N_("This time is in the past; pick a time at least a minute from now."), field="scheduled_at"
        )


def _snapshot(post: Post) -> tuple:
    """What an approver approved: texts, accounts and media (not the date, the pillar or the persona)."""
    return (
        post.base_text,
        tuple(post.media_ids or ()),
        tuple(sorted((t.account_id, t.text, tuple(t.media_ids or ())) for t in post.targets)),
    )


def _apply_targets(session: Session, client: Client, post: Post, items: Any) -> None:
    if not isinstance(items, list) or len(items) > MAX_TARGETS:
        raise Invalid(
            N_("'%(name)s' must be a list of at most %(n)s ids."),
            field="targets",
            name="targets",
            n=MAX_TARGETS,
        )
    wanted: dict[int, Mapping[str, Any]] = {}
    for item in items:
        item = {"account_id": item} if type(item) is int else item
        if not isinstance(item, Mapping) or type(item.get("account_id")) is not int:
            raise Invalid(N_("Each target needs an account_id."), field="targets")
        wanted[item["account_id"]] = item
    accounts = _accounts(session, client, list(wanted))
    existing = {t.account_id: t for t in post.targets}
    for account_id, target in existing.items():
        if account_id not in wanted:
            post.targets.remove(target)
    for account_id, item in wanted.items():
        target = existing.get(account_id)
        if target is None:
            target = PostTarget(
                agency_id=client.agency_id,
                client_id=client.id,
                account_id=account_id,
                network=accounts[account_id].network,
                # A new variant starts with the post's media; it may then keep fewer (a text-only X post).
                media_ids=list(post.media_ids or []),
            )
            post.targets.append(target)
        text = item.get("text")
        if text is not None and _text(text, "targets.text") != post.base_text:
            target.text, target.customised = _text(text, "targets.text"), True
        elif text is not None or item.get("customised") is False:
            target.customised = False
        if "media_ids" in item:
            target.media_ids = _media(
                session, client, _ids(item["media_ids"], "targets.media_ids", 20), "targets"
            )


def _follow_base(post: Post) -> None:
    for target in post.targets:
        if not target.customised:
            target.text = post.base_text


def apply_changes(*, session: Session, client: Client, post: Post, data: Mapping[str, Any]) -> bool:
    """Apply the given fields to the post; True when what an approver sees has changed."""
    unknown = set(data) - _FIELDS
    if unknown:
        raise Invalid(N_("Unknown field: %(name)s."), field=sorted(unknown)[0], name=sorted(unknown)[0])
    plan = plans.current_plan(session=session, agency_id=client.agency_id, client_id=client.id)
    before = _snapshot(post) if post.id else None
    if "text" in data:
        post.base_text = _text(data["text"], "text")
    if "pillar" in data:
        post.pillar = _plan_choice(plan, data["pillar"], "pillar")
    if "persona" in data:
        post.persona = _plan_choice(plan, data["persona"], "persona")
    if "media_ids" in data:
        previous = list(post.media_ids or [])
        post.media_ids = _media(session, client, _ids(data["media_ids"], "media_ids", 20), "media_ids")
        for target in post.targets:
            if target.media_ids == previous:
                target.media_ids = list(post.media_ids)
    if "targets" in data:
        _apply_targets(session, client, post, data["targets"])
    if "scheduled_at" in data or "scheduled_local" in data:
        post.scheduled_at = parse_moment(data, client)
    _follow_base(post)
    return before is not None and before != _snapshot(post)


def create_post(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    membership: Membership,
    actor: User | None,
    data: Mapping[str, Any],
    source: str = "composer",
    actor_label: str | None = None,
) -> Post:
    """A new draft from the composer, the API or an import."""
    require(membership, Perm.POSTS_WRITE)
    client = get_visible_client(session=session, membership=membership, client_id=client_id)
    if client.agency_id != agency_id:
        raise NotFound(N_("Client not found."))
    if client.is_archived:
        raise Invalid(N_("This client is archived; restore it to plan new posts."))
    post = Post(
        agency_id=agency_id,
        client_id=client.id,
        status="draft",
        base_text="",
        media_ids=[],
        source=source,
        created_by_id=actor.id if actor else None,
    )
    apply_changes(session=session, client=client, post=post, data=data)
    session.add(post)
    session.flush()
    # Stored with the post from the start (the calendar and the page show them); suggestions come on submit.
    post_checks.check_post(session=session, client=client, post=post, suggest=False)
    audit.record_post(
        session=session,
        post=post,
        action="post.created",
        actor=actor,
        actor_label=actor_label,
        details={"source": source, "accounts": [t.account_id for t in post.targets]},
    )
    return post


def posts_query(*, agency_id: int, client_id: int, membership: Membership) -> Select[tuple[Post]]:
    """SELECT of a client's posts as this member may see them."""
    query = (
        select(Post)
        .where(Post.agency_id == agency_id, Post.client_id == client_id)
        .options(selectinload(Post.targets))
    )
    if is_client_role(membership.role):
        query = query.where(Post.status.in_(CLIENT_VISIBLE_STATUSES))
    return query


def get_post(
    *, session: Session, agency_id: int, client_id: int, post_id: int, membership: Membership
) -> Post:
    """One post of the client if this member may see it; NotFound otherwise."""
    get_visible_client(session=session, membership=membership, client_id=client_id)
    post = session.scalars(
        posts_query(agency_id=agency_id, client_id=client_id, membership=membership).where(Post.id == post_id)
    ).first()
    if post is None:
        raise NotFound(N_("Post not found."))
    return post


def find_post(*, session: Session, membership: Membership, post_id: int) -> Post:
    """A post by id alone (API), within the clients this member may see."""
    client_id = session.scalar(
        select(Post.client_id).where(Post.id == post_id, Post.agency_id == membership.agency_id)
    )
    if client_id is None or client_id not in visible_client_ids(session=session, membership=membership):
        raise NotFound(N_("Post not found."))
    return get_post(
        session=session,
        agency_id=membership.agency_id,
        client_id=client_id,
        post_id=post_id,
        membership=membership,
    )


def list_posts(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    membership: Membership,
    start: datetime | None = None,
    end: datetime | None = None,
    statuses: tuple[str, ...] = (),
    unscheduled: bool = False,
    limit: int = 1000,
) -> list[Post]:
    """The client's posts planned in [start, end), by time; optionally those with no date yet."""
    get_visible_client(session=session, membership=membership, client_id=client_id)
    query = posts_query(agency_id=agency_id, client_id=client_id, membership=membership)
    if unscheduled:
        query = query.where(Post.scheduled_at.is_(None))
    else:
        if start is not None:
            query = query.where(Post.scheduled_at >= start)
        if end is not None:
            query = query.where(Post.scheduled_at < end)
    if statuses:
        query = query.where(Post.status.in_(statuses))
    return list(session.scalars(query.order_by(Post.scheduled_at, Post.id).limit(limit)))


def delete_post(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    post_id: int,
    membership: Membership,
    actor: User | None,
    actor_label: str | None = None,
) -> None:
    """Delete a post that has not been published anywhere."""
    require(membership, Perm.POSTS_WRITE)
    post = get_post(
        session=session, agency_id=agency_id, client_id=client_id, post_id=post_id, membership=membership
    )
    if any(t.status not in ("pending", "cancelled") for t in post.targets):
        raise Invalid(N_("This post is being published or was published; it cannot be deleted here."))
    audit.record_post(
        session=session,
        post=post,
        action="post.deleted",
        actor=actor,
        actor_label=actor_label,
        details={"status": post.status, "text": post.base_text[:200]},
    )
    session.delete(post)
    session.flush()


def post_as_dict(post: Post, *, timezone: str) -> dict[str, Any]:
    """The public JSON shape of a post."""
    local = local_time.to_local(post.scheduled_at, timezone) if post.scheduled_at else None
    return {
        "id": post.id,
        "client_id": post.client_id,
        "status": post.status,
        "text": post.base_text,
        "pillar": post.pillar,
        "persona": post.persona,
        "media_ids": list(post.media_ids or []),
        "scheduled_at": post.scheduled_at.isoformat() if post.scheduled_at else None,
        "scheduled_local": local.strftime("%Y-%m-%dT%H:%M") if local else None,
        "timezone": timezone,
        "revision": post.revision,
        "source": post.source,
        "checks": post.checks or {},
        "overrides": list(post.overrides or []),
        "targets": [
            {
                "id": t.id,
                "account_id": t.account_id,
                "network": t.network,
                "text": t.text,
                "customised": t.customised,
                "media_ids": list(t.media_ids or []),
                "status": t.status,
                "remote_url": t.remote_url,
                "deleted_at": t.deleted_at.isoformat() if t.deleted_at else None,
            }
            for t in post.targets
        ],
        "created_at": post.created_at.isoformat(),
        "updated_at": post.updated_at.isoformat(),
    }


def can_see_post(*, session: Session, user: User, post: Post, internal: bool = False) -> bool:
    """Whether this person may read the post now (with `internal`, only the agency's own staff)."""
    membership = membership_in(session=session, user_id=user.id, agency_id=post.agency_id)
    if membership is None or (internal and is_client_role(membership.role)):
        return False
    try:
        get_post(
            session=session,
            agency_id=post.agency_id,
            client_id=post.client_id,
            post_id=post.id,
            membership=membership,
        )
    except NotFound:
        return False
    return True
