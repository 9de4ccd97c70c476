"""Demo editorial calendar for `make run`: three weeks of posts at every approval stage."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.errors import DomainError
from tenants.models import Client, Membership, Post, SocialAccount, TimeSlot, User
from tenants.models.base import utcnow
from tenants.services import approvals, media, posts
from tenants.settings import Settings

# (days from today, local time, networks, pillar, persona, final status, text); time "soon" is a few
# minutes after seeding, so a newcomer watches the worker publish it on `make run`.
SOON = timedelta(minutes=3)
DEMO_POSTS = (
    (
        0,
        "soon",
        ("mastodon", "x"),
        "entertainment",
        None,
        "scheduled",
        "Benvenuti da Mario! Forno acceso dalle 11, il menu è qui: https://damario.example/menu #DaMario",
    ),
    (
        1,
        "12:00",
        ("facebook", "mastodon", "instagram"),
        "promotional",
        "Giulia",
        "scheduled",
        "Pausa pranzo? Oggi menù del giorno a 12 euro: primo, secondo e caffè. Prenota al tavolo! #DaMario",
    ),
    (
        2,
        "19:30",
        ("x", "mastodon"),
        "educational",
        "Roberto",
        "scheduled",
        "Il nostro ragù cuoce sei ore, come lo faceva nonna Rosa: ecco perché profuma di casa. #DaMario",
    ),
    (
        3,
        "12:30",
        ("facebook",),
        "entertainment",
        None,
        "approved",
        "Chi indovina quante pizze abbiamo sfornato sabato sera? Scrivilo nei commenti! #DaMario",
    ),
    (
        4,
        "18:00",
        ("facebook", "x", "instagram"),
        "user_generated",
        "Giulia",
        "awaiting_client",
        "Grazie a Laura per questa foto della nostra carbonara: la condividiamo con piacere! #DaMario",
    ),
    (
        6,
        "12:00",
        ("mastodon",),
        "educational",
        None,
        "in_review",
        "Da questa settimana la pasta fresca è fatta con farina di grani antichi del Molise. #DaMario",
    ),
    (
        8,
        "19:00",
        ("facebook", "mastodon"),
        "entertainment",
        "Roberto",
        "draft",
        "Venerdì sera musica dal vivo con il trio jazz del quartiere. Posti limitati! #DaMario",
    ),
    (
        10,
        "12:15",
        ("x",),
        "promotional",
        "Giulia",
        "draft",
        "Nuovo menù vegetariano: parmigiana di melanzane, orecchiette alle cime di rapa e tiramisù. #DaMario",
    ),
    (
        13,
        "11:00",
        ("facebook", "instagram"),
        "user_generated",
        None,
        "draft",
        "Mostraci il tuo piatto preferito con #DaMario: ogni mese il più bello vince una cena per due.",
    ),
    (
        16,
        "18:30",
        ("mastodon", "x"),
        "educational",
        "Roberto",
        "draft",
        "Come scegliamo il vino della casa? Lo racconta il nostro fornitore di Montepulciano. #DaMario",
    ),
)
log = logging.getLogger("cadenza.demo")
DEMO_SLOTS = ((0, "12:00"), (2, "12:00"), (4, "18:30"), (5, "11:00"))


def _advance(session: Session, post: Post, status: str, owner: Membership, user: User, approver) -> None:
    order = ("draft", "in_review", "awaiting_client", "approved", "scheduled")
    steps = order.index(status)
    if steps >= 1:
        approvals.submit(session=session, post=post, membership=owner, actor=user)
    if steps >= 2:
        approvals.approve(session=session, post=post, membership=owner, actor=user)
    if steps >= 3 and approver is not None:
        approvals.approve(session=session, post=post, membership=approver[0], actor=approver[1])
    if steps >= 4:
        approvals.schedule(session=session, post=post, membership=owner, actor=user)


def demo_picture() -> bytes:
    """A small drawn picture of a pizza (JPEG), so demo Instagram posts have an image."""
    from io import BytesIO

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1080, 1080), "#f4e9d8")
    draw = ImageDraw.Draw(image)
    draw.ellipse((140, 140, 940, 940), fill="#e0a458", outline="#a0522d", width=24)
    draw.ellipse((200, 200, 880, 880), fill="#c0392b")
    for x, y in ((380, 360), (640, 420), (470, 620), (700, 680), (330, 560), (560, 300)):
        draw.ellipse((x - 55, y - 55, x + 55, y + 55), fill="#fdf6e3")
    for x, y in ((520, 480), (420, 760), (760, 540)):
        draw.ellipse((x - 28, y - 18, x + 28, y + 18), fill="#2e7d32")
    out = BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _picture(
    session: Session, settings: Settings | None, client: Client, owner: Membership, user: User
) -> list[int]:
    if settings is None:
        return []
    asset = media.store_upload(
        session=session,
        settings=settings,
        agency_id=client.agency_id,
        client_id=client.id,
        membership=owner,
        actor=user,
        filename="pizza-margherita.jpg",
        data=demo_picture(),
        alt_text="Una pizza margherita vista dall'alto, con mozzarella e basilico",
    )
    return [asset.id]


def seed_demo_calendar(*, session: Session, client: Client, settings: Settings | None = None) -> int:
    """Fill the demo client's calendar once (needs its sandbox accounts); returns the posts created.

    With settings (where the media library lives) the demo picture is added and used on Instagram posts.
    """
    if session.scalars(select(Post.id).where(Post.client_id == client.id).limit(1)).first() is not None:
        return 0
    owner = session.scalars(
        select(Membership).where(Membership.agency_id == client.agency_id, Membership.role == "owner")
    ).first()
    contact = session.scalars(
        select(Membership).where(Membership.client_id == client.id, Membership.role == "approver")
    ).first()
    approver = (contact, session.get(User, contact.user_id)) if contact else None
    accounts = {
        a.network: a
        for a in session.scalars(
            select(SocialAccount).where(
                SocialAccount.client_id == client.id, SocialAccount.status == "connected"
            )
        )
    }
    user = session.get(User, owner.user_id)
    picture = _picture(session, settings, client, owner, user)
    zone = ZoneInfo(client.timezone)
    today = utcnow().astimezone(zone).date()
    created = 0
    for days, at, networks, pillar, persona, status, text in DEMO_POSTS:
        wanted = [n for n in networks if n != "instagram" or picture]
        targets = [accounts[n].id for n in wanted if n in accounts]
        if not targets:
            continue
        local = (
            utcnow().astimezone(zone).replace(second=0, microsecond=0) + SOON
            if at == "soon"
            else datetime.combine(today + timedelta(days=days), time.fromisoformat(at), tzinfo=zone)
        )
        post = posts.create_post(
            session=session,
            agency_id=client.agency_id,
            client_id=client.id,
            membership=owner,
            actor=user,
            source="demo",
            data={
                "text": text,
                "targets": targets,
                "pillar": pillar,
                "persona": persona,
                "scheduled_at": local.isoformat(),
                "media_ids": picture if "instagram" in wanted else [],
            },
        )
        try:
            _advance(session, post, status, owner, user, approver)
        except DomainError as exc:
            # A sandbox account that needs reconnecting stops a post early: still a fine demo.
            log.warning("demo post %s stays %s: %s", post.id, post.status, exc)
        created += 1
    for account in accounts.values():
        for weekday, at in DEMO_SLOTS:
            hours, minutes = map(int, at.split(":"))
            session.add(
                TimeSlot(
                    agency_id=client.agency_id,
                    client_id=client.id,
                    account_id=account.id,
                    weekday=weekday,
                    minute=hours * 60 + minutes,
                )
            )
    session.flush()
    return created
