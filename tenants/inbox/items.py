"""Reading the inbox: one item, filtered pages newest first (keyset), a thread, an author's history."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from tenants.errors import N_, Invalid, NotFound
from tenants.models import InboxItem, InboxItemTag, Post, PostTarget
from tenants.models.base import utcnow
from tenants.models.inbox import ITEM_KINDS, ITEM_STATUSES, SENTIMENTS

PAGE_SIZE = 50


@dataclass(frozen=True)
class InboxFilter:
    """What a person narrowed the inbox to; empty fields do not filter."""

    status: str = ""
    network: str = ""
    kind: str = ""
    sentiment: str = ""
    assignee_id: int | None = None
    unassigned: bool = False
    tag_id: int | None = None
    overdue: bool = False
    account_id: int | None = None
    search: str = ""

    def validated(self) -> InboxFilter:
        """Raise Invalid for values no item can have (a typo should not look like an empty inbox)."""
        for name, allowed in (("status", ITEM_STATUSES), ("kind", ITEM_KINDS), ("sentiment", SENTIMENTS)):
            value = getattr(self, name)
            if value and value not in allowed:
                raise Invalid(N_("Unknown filter value."), field=name)
        return self


@dataclass(frozen=True)
class Page:
    """One page of items and the cursor of the next (None at the end)."""

    items: list[InboxItem]
    next_cursor: str | None


def get_item(*, session: Session, agency_id: int, client_id: int, item_id: int) -> InboxItem:
    """One of the client's items; NotFound for anything else."""
    item = session.get(InboxItem, item_id)
    if item is None or item.agency_id != agency_id or item.client_id != client_id:
        raise NotFound(N_("No such inbox item."))
    return item


def encode_cursor(item: InboxItem) -> str:
    """An opaque cursor after this item."""
    raw = f"{item.created_at.isoformat()}|{item.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (created_at, id) a cursor points after; Invalid for a damaged cursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, item_id = raw.partition("|")
        return datetime.fromisoformat(when), int(item_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid(N_("The page cursor is not valid."), field="cursor") from exc


def list_items(
    *,
    session: Session,
    agency_id: int,
    client_ids: list[int],
    filters: InboxFilter | None = None,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    now: datetime | None = None,
) -> Page:
    """Items of these clients (one, or all a person sees), newest first, one keyset page at a time."""
    filters = (filters or InboxFilter()).validated()
    now = now or utcnow()
    if not client_ids:
        return Page(items=[], next_cursor=None)
    query = select(InboxItem).where(InboxItem.agency_id == agency_id)
    query = query.where(
        InboxItem.client_id == client_ids[0] if len(client_ids) == 1 else InboxItem.client_id.in_(client_ids)
    )
    query = _filtered(query, filters, now)
    if cursor:
        when, item_id = decode_cursor(cursor)
        query = query.where(
            or_(InboxItem.created_at < when, and_(InboxItem.created_at == when, InboxItem.id < item_id))
        )
    rows = list(
        session.scalars(query.order_by(InboxItem.created_at.desc(), InboxItem.id.desc()).limit(limit + 1))
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_cursor=encode_cursor(rows[-1]) if more and rows else None)


def _filtered(query, filters: InboxFilter, now: datetime):
    for name in ("status", "network", "kind", "sentiment"):
        value = getattr(filters, name)
        if value:
            query = query.where(getattr(InboxItem, name) == value)
    if filters.account_id:
        query = query.where(InboxItem.account_id == filters.account_id)
    if filters.unassigned:
        query = query.where(InboxItem.assignee_id.is_(None))
    elif filters.assignee_id:
        query = query.where(InboxItem.assignee_id == filters.assignee_id)
    if filters.tag_id:
        query = query.where(
            exists().where(InboxItemTag.item_id == InboxItem.id, InboxItemTag.tag_id == filters.tag_id)
        )
    if filters.overdue:
        query = query.where(InboxItem.status != "closed", overdue_clause(now))
    if filters.search.strip():
        needle = filters.search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(
            or_(
                InboxItem.text.ilike(f"%{needle}%", escape="\\"),
                InboxItem.author_name.ilike(f"%{needle}%", escape="\\"),
            )
        )
    return query


def overdue_clause(now: datetime):
    """SQL: the first response or the resolution is late at `now`."""
    return or_(
        and_(InboxItem.first_response_at.is_(None), InboxItem.first_response_due_at < now),
        InboxItem.resolution_due_at < now,
    )


def is_overdue(item: InboxItem, now: datetime | None = None) -> bool:
    """The same rule as overdue_clause, for one loaded item."""
    now = now or utcnow()
    if item.status == "closed":
        return False
    late_answer = item.first_response_at is None and item.first_response_due_at is not None
    return (late_answer and item.first_response_due_at < now) or (
        item.resolution_due_at is not None and item.resolution_due_at < now
    )


def latest_id(*, session: Session, agency_id: int, client_ids: list[int]) -> int:
    """The newest stored item id of these clients (where the live view starts watching)."""
    if not client_ids:
        return 0
    query = select(func.max(InboxItem.id)).where(
        InboxItem.agency_id == agency_id, InboxItem.client_id.in_(client_ids)
    )
    return session.scalar(query) or 0


def newer_than(
    *,
    session: Session,
    agency_id: int,
    client_ids: list[int],
    after_id: int,
    filters: InboxFilter | None = None,
) -> list[InboxItem]:
    """Items stored after `after_id` that match the filters (the live view's question), newest first."""
    if not client_ids:
        return []
    query = select(InboxItem).where(
        InboxItem.agency_id == agency_id, InboxItem.client_id.in_(client_ids), InboxItem.id > after_id
    )
    query = _filtered(query, (filters or InboxFilter()).validated(), utcnow())
    return list(session.scalars(query.order_by(InboxItem.id.desc()).limit(200)))


def thread_of(*, session: Session, item: InboxItem, limit: int = 100) -> list[InboxItem]:
    """The conversation the item belongs to (same DM thread or same post), oldest first."""
    return list(
        reversed(
            session.scalars(
                select(InboxItem)
                .where(
                    InboxItem.agency_id == item.agency_id,
                    InboxItem.client_id == item.client_id,
                    InboxItem.account_id == item.account_id,
                    InboxItem.thread_key == item.thread_key,
                )
                .order_by(InboxItem.created_at.desc(), InboxItem.id.desc())
                .limit(limit)
            ).all()
        )
    )


def author_history(*, session: Session, item: InboxItem, limit: int = 20) -> list[InboxItem]:
    """The author's earlier messages to this client on the same network, newest first."""
    return list(
        session.scalars(
            select(InboxItem)
            .where(
                InboxItem.agency_id == item.agency_id,
                InboxItem.client_id == item.client_id,
                InboxItem.author_id == item.author_id,
                InboxItem.network == item.network,
                InboxItem.id != item.id,
                InboxItem.created_at <= item.created_at,
            )
            .order_by(InboxItem.created_at.desc())
            .limit(limit)
        )
    )


def post_of(*, session: Session, item: InboxItem) -> tuple[Post, PostTarget] | None:
    """The Cadenza post the item comments on, when Cadenza published it."""
    if not item.post_remote_id:
        return None
    row = session.execute(
        select(Post, PostTarget)
        .join(PostTarget, PostTarget.post_id == Post.id)
        .where(
            PostTarget.agency_id == item.agency_id,
            PostTarget.client_id == item.client_id,
            PostTarget.account_id == item.account_id,
            PostTarget.remote_id == item.post_remote_id,
        )
    ).first()
    return (row[0], row[1]) if row else None
