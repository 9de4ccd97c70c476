"""Which posts wait for a member's approval: client contacts see the client's turn, staff see both turns."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.models import Membership, Post
from tenants.permissions import is_client_role
from tenants.services import posts
from tenants.services.access import get_visible_client


def statuses_awaiting(membership: Membership) -> tuple[str, ...]:
    """The statuses a member's approval queue lists."""
    return ("awaiting_client",) if is_client_role(membership.role) else ("in_review", "awaiting_client")


def awaiting(*, session: Session, agency_id: int, client_id: int, membership: Membership) -> list[Post]:
    """The client's posts in this member's approval queue, by planned time."""
    return posts.list_posts(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        membership=membership,
        statuses=statuses_awaiting(membership),
    )


def count_awaiting(*, session: Session, agency_id: int, client_id: int, membership: Membership) -> int:
    """How many of the client's posts are in this member's approval queue."""
    get_visible_client(session=session, membership=membership, client_id=client_id)
    query = posts.posts_query(agency_id=agency_id, client_id=client_id, membership=membership).where(
        Post.status.in_(statuses_awaiting(membership))
    )
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
