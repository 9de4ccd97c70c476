"""Posting time slots per account, the next free slot for a post, and moving posts between days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tenants.errors import N_, Invalid, NotFound
from tenants.models import Client, Membership, Post, PostTarget, SocialAccount, TimeSlot, User
from tenants.models.base import utcnow
from tenants.permissions import Perm
from tenants.services import approvals, audit, local_time, posts
from tenants.services.access import require

SLOT_HORIZON = timedelta(weeks=8)
DEFAULT_TIME = time(9, 0)
MAX_SLOTS_PER_ACCOUNT = 7 * 24


def parse_hhmm(value: str, *, field: str = "slots") -> int:
    """Minute of the day from 'HH:MM' (or 'HH.MM', as Italian spreadsheets write it)."""
    text = (value or "").strip().replace(".", ":")
    hours, sep, minutes = text.partition(":")
    valid = sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2
    if valid and int(hours) <= 23 and int(minutes) <= 59:
        return int(hours) * 60 + int(minutes)
    raise Invalid(N_("Use a time like 09:30."), field=field)


def format_minute(minute: int) -> str:
    """'HH:MM' of a minute of the day."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _account(session: Session, client: Client, account_id: int) -> SocialAccount:
    account = session.scalars(
        select(SocialAccount).where(
            SocialAccount.agency_id == client.agency_id,
            SocialAccount.client_id == client.id,
            SocialAccount.id == account_id,
        )
    ).first()
    if account is None:
        raise NotFound(N_("Account not found."))
    return account


def set_slots(
    *,
    session: Session,
    client: Client,
    membership: Membership,
    actor: User | None,
    account_id: int,
    slots: Iterable[tuple[int, str]],
) -> list[TimeSlot]:
    """Replace an account's weekly slots with (weekday 0 = Monday, 'HH:MM') pairs in the client's zone."""
    require(membership, Perm.POSTS_WRITE)
    account = _account(session, client, account_id)
    wanted = set()
    for weekday, text in slots:
        if type(weekday) is not int or not 0 <= weekday <= 6:
            raise Invalid(N_("A weekday is a number from 0 (Monday) to 6 (Sunday)."), field="slots")
        wanted.add((weekday, parse_hhmm(text)))
    if len(wanted) > MAX_SLOTS_PER_ACCOUNT:
        raise Invalid(N_("Too many time slots for one account."), field="slots")
    session.execute(
        delete(TimeSlot).where(TimeSlot.client_id == client.id, TimeSlot.account_id == account.id)
    )
    created = [
        TimeSlot(agency_id=client.agency_id, client_id=client.id, account_id=account.id, weekday=w, minute=m)
        for w, m in sorted(wanted)
    ]
    session.add_all(created)
    audit.record(
        session=session,
        agency_id=client.agency_id,
        client_id=client.id,
        action="calendar.slots_updated",
        actor=actor,
        target_type="social_account",
        target_id=account.id,
        details={"slots": [[w, format_minute(m)] for w, m in sorted(wanted)]},
    )
    session.flush()
    return created


def list_slots(*, session: Session, client: Client) -> dict[int, list[TimeSlot]]:
    """The client's slots by account id, in weekday and time order."""
    query = (
        select(TimeSlot)
        .where(TimeSlot.agency_id == client.agency_id, TimeSlot.client_id == client.id)
        .order_by(TimeSlot.account_id, TimeSlot.weekday, TimeSlot.minute)
    )
    slots: dict[int, list[TimeSlot]] = {}
    for slot in session.scalars(query):
        slots.setdefault(slot.account_id, []).append(slot)
    return slots


def slot_instant(day: date, minute: int, timezone: str) -> datetime:
    """A slot's UTC instant on a local day: a skipped time moves past the change, a repeated one is first."""
    local = datetime.combine(day, time(minute // 60, minute % 60))
    resolution = local_time.resolve(local, timezone)
    return resolution.options[1] if resolution.kind == "gap" else resolution.options[0]


def next_free_slot(
    *,
    session: Session,
    client: Client,
    post: Post,
    after: datetime | None = None,
    until: datetime | None = None,
) -> datetime | None:
    """The first slot of any of the post's accounts, a minute or more ahead, where that account is free."""
    floor = max(after or utcnow(), utcnow() + timedelta(minutes=1))
    horizon = until or floor + SLOT_HORIZON
    account_ids = [t.account_id for t in post.targets]
    if not account_ids or horizon <= floor:
        return None
    slots = session.scalars(
        select(TimeSlot).where(
            TimeSlot.agency_id == client.agency_id,
            TimeSlot.client_id == client.id,
            TimeSlot.account_id.in_(account_ids),
        )
    ).all()
    if not slots:
        return None
    busy_query = (
        select(PostTarget.account_id, Post.scheduled_at)
        .join(Post, Post.id == PostTarget.post_id)
        .where(
            Post.agency_id == client.agency_id,
            Post.client_id == client.id,
            PostTarget.account_id.in_(account_ids),
            Post.scheduled_at >= floor,
            Post.scheduled_at < horizon,
        )
    )
    if post.id is not None:
        busy_query = busy_query.where(Post.id != post.id)
    busy = {(account_id, moment) for account_id, moment in session.execute(busy_query)}
    by_weekday: dict[int, list[TimeSlot]] = {}
    for slot in slots:
        by_weekday.setdefault(slot.weekday, []).append(slot)
    day = local_time.to_local(floor, client.timezone).date()
    last_day = local_time.to_local(horizon, client.timezone).date()
    while day <= last_day:
        free = [
            moment
            for slot in by_weekday.get(day.weekday(), [])
            if floor <= (moment := slot_instant(day, slot.minute, client.timezone)) < horizon
            and (slot.account_id, moment) not in busy
        ]
        if free:
            return min(free)
        day += timedelta(days=1)
    return None


def _drop_time(session: Session, client: Client, post: Post, day: date, choice: str | None) -> datetime:
    """Where an undated post dropped on a day goes: that day's first free slot, else 09:00 local."""
    start, end = local_time.day_bounds(day, client.timezone)
    slot = next_free_slot(session=session, client=client, post=post, after=start, until=end)
    return slot or local_time.to_utc(datetime.combine(day, DEFAULT_TIME), client.timezone, choice)


def move_post(
    *,
    session: Session,
    client: Client,
    membership: Membership,
    actor: User | None,
    post_id: int,
    day: date,
    dst_choice: str | None = None,
) -> Post:
    """Drag and drop: the same local time on another day (or a first date); the approval stands."""
    require(membership, Perm.POSTS_WRITE)
    post = posts.get_post(
        session=session,
        agency_id=client.agency_id,
        client_id=client.id,
        post_id=post_id,
        membership=membership,
    )
    if post.scheduled_at is not None:
        moment = local_time.move_to_day(post.scheduled_at, day, client.timezone, dst_choice)
    else:
        moment = _drop_time(session, client, post, day, dst_choice)
    return approvals.reschedule(session=session, post=post, membership=membership, actor=actor, moment=moment)


def assign_next_slot(
    *, session: Session, client: Client, membership: Membership, actor: User | None, post_id: int
) -> Post:
    """Move the post to the next free slot of its accounts."""
    require(membership, Perm.POSTS_WRITE)
    post = posts.get_post(
        session=session,
        agency_id=client.agency_id,
        client_id=client.id,
        post_id=post_id,
        membership=membership,
    )
    moment = next_free_slot(session=session, client=client, post=post)
    if moment is None:
        raise Invalid(
            N_("No free time slot in the next 8 weeks for this post's accounts; add slots or pick a date."),
            field="scheduled_at",
        )
    return approvals.reschedule(session=session, post=post, membership=membership, actor=actor, moment=moment)
