"""In-app notifications: who hears about a client's events, and their unread list."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.models import Membership, Notification, User, utcnow
from tenants.permissions import Role
from tenants.services import mail
from tenants.services.access import visible_client_ids
from tenants.services.notification_texts import ONE_CLICK, link_lines, render
from tenants.settings import Settings


def people_for_client(
    *, session: Session, agency_id: int, client_id: int, roles: tuple[str, ...]
) -> list[User]:
    """Active users with one of `roles` who can see the client."""
    query = (
        select(Membership)
        .join(User)
        .where(Membership.agency_id == agency_id, Membership.role.in_(roles), User.is_active.is_(True))
    )
    people = []
    for membership in session.scalars(query):
        if client_id in visible_client_ids(session=session, membership=membership):
            people.append(membership.user)
    return people


def notify(
    *,
    session: Session,
    agency_id: int,
    client_id: int | None,
    users: list[User],
    kind: str,
    params: dict | None = None,
    link: str | None = None,
) -> list[Notification]:
    """Add one notification per user (rendered later, in each reader's language)."""
    created = [
        Notification(
            agency_id=agency_id,
            client_id=client_id,
            user_id=user.id,
            kind=kind,
            params=params or {},
            link=link,
        )
        for user in {u.id: u for u in users}.values()
    ]
    session.add_all(created)
    session.flush()
    return created


def notify_client_team(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    kind: str,
    params: dict | None = None,
    link: str | None = None,
    include_contacts: bool = False,
) -> list[Notification]:
    """Tell the client's managers (and, if asked, its contacts)."""
    roles = (Role.OWNER.value, Role.ADMIN.value, Role.MANAGER.value)
    if include_contacts:
        roles += (Role.APPROVER.value, Role.VIEWER.value)
    users = people_for_client(session=session, agency_id=agency_id, client_id=client_id, roles=roles)
    return notify(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        users=users,
        kind=kind,
        params=params,
        link=link,
    )


def list_for_user(*, session: Session, agency_id: int, user_id: int, limit: int = 50) -> list[Notification]:
    """A user's newest notifications in one agency."""
    query = (
        select(Notification)
        .where(Notification.agency_id == agency_id, Notification.user_id == user_id)
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def unread_count(*, session: Session, agency_id: int, user_id: int) -> int:
    """How many unread notifications the user has in the agency."""
    query = select(func.count(Notification.id)).where(
        Notification.agency_id == agency_id, Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return int(session.scalar(query) or 0)


def mark_all_read(*, session: Session, agency_id: int, user_id: int) -> None:
    """Mark every notification of the user in the agency as read."""
    for item in session.scalars(
        select(Notification).where(
            Notification.agency_id == agency_id,
            Notification.user_id == user_id,
            Notification.read_at.is_(None),
        )
    ):
        item.read_at = utcnow()
    session.flush()


def email_notifications(
    *,
    session: Session,
    settings: Settings,
    items: list[Notification],
    base_url: str,
    one_click: dict[int, str] | None = None,
) -> list[int]:
    """Put one email per notification in the outbox, in each reader's language; returns the message ids.

    `one_click` maps a reader's user id to a no-login link (approval links) added to their email only.
    """
    ids = []
    for item in items:
        user = session.get(User, item.user_id)
        subject, sentence = render(item.kind, item.params or {}, user.locale)
        lines = link_lines(item.params or {})
        networks = "\n\n" + "\n".join(lines) if lines else ""
        link = f"\n\n{base_url}{item.link}" if item.link else ""
        if one_click and user.id in one_click:
            text = ONE_CLICK.get(user.locale or "en", ONE_CLICK["en"])
            link += "\n\n" + text % {"link": one_click[user.id]}
        message = mail.compose(
            session=session,
            settings=settings,
            agency_id=item.agency_id,
            to=user.email,
            subject=f"Cadenza: {subject}",
            body=f"{sentence}{networks}{link}\n",
        )
        ids.append(message.id)
    return ids
