"""Helpers shared by the calendar tests: next year's DST days in Rome, a plan, posts at local times."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tenants.models import Agency, Client, Post, SocialAccount, User, utcnow
from tenants.services import local_time, plans
from tests.factories import AgencyFactory, draft_post, membership_of

ROME = "Europe/Rome"
# Next year's DST changes are always in the future, whatever today is.
YEAR = utcnow().year + 1


def last_sunday(year: int, month: int) -> date:
    """The last Sunday of a month (when Europe changes its clocks in March and October)."""
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() - 6) % 7)


SPRING_FORWARD = last_sunday(YEAR, 3)
FALL_BACK = last_sunday(YEAR, 10)
# An ordinary Monday in June of next year, far from any DST change.
JUNE_MONDAY = date(YEAR, 6, 1) + timedelta(days=(7 - date(YEAR, 6, 1).weekday()) % 7)


def save_plan(client: Client, manager: User, **data) -> None:
    """Store a plan for the client, with the given channels and pillars."""
    session = AgencyFactory._meta.sqlalchemy_session
    agency = session.get(Agency, client.agency_id)
    plans.save_plan(
        session=session,
        agency_id=client.agency_id,
        client_id=client.id,
        membership=membership_of(manager, agency),
        actor=manager,
        data=data,
    )
    session.commit()


def post_at(
    client: Client,
    author: User,
    accounts: list[SocialAccount],
    local: datetime | None,
    text: str = "Buongiorno!",
    *,
    status: str | None = None,
    choice: str | None = None,
    **data,
) -> Post:
    """A post planned at a local wall-clock time of the client (or undated), optionally in a given status."""
    if local is not None:
        data["scheduled_at"] = local_time.to_utc(local, client.timezone, choice).isoformat()
    post = draft_post(client, author, accounts, text, **data)
    if status is not None:
        post.status = status
        AgencyFactory._meta.sqlalchemy_session.commit()
    return post


def past_post(client: Client, accounts: list[SocialAccount], moment: datetime, text: str, **fields) -> Post:
    """A post stored directly at a past instant (services refuse past times, history still exists)."""
    from tenants.models import PostTarget

    session = AgencyFactory._meta.sqlalchemy_session
    post = Post(
        agency_id=client.agency_id,
        client_id=client.id,
        base_text=text,
        scheduled_at=moment,
        status=fields.pop("status", "scheduled"),
        media_ids=[],
        **fields,
    )
    post.targets = [
        PostTarget(
            agency_id=client.agency_id, client_id=client.id, account_id=a.id, network=a.network, text=text
        )
        for a in accounts
    ]
    session.add(post)
    session.commit()
    return post
