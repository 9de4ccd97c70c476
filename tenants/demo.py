"""Demo data for `make run`: one agency, its owner, one client with a plan and a client approver."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.metrics.targets import replace_targets
from tenants.models import Agency, Membership, User
from tenants.services.agencies import create_agency
from tenants.services.clients import create_client
from tenants.services.plans import save_plan

DEMO_EMAIL = "demo@cadenza.example"
DEMO_PASSWORD = "cadenza-demo"
DEMO_CLIENT_SLUG = "trattoria-da-mario"
DEMO_APPROVER_EMAIL = "mario@trattoria.example"
DEMO_PLAN = {
    "objectives": ["Più prenotazioni a pranzo nei giorni feriali", "Far conoscere il nuovo menù vegetariano"],
    "personas": [
        {
            "name": "Giulia",
            "age_range": "25-34",
            "gender": "donna",
            "habits": "pranza vicino all'ufficio",
            "buying_habits": "prenota dal telefono all'ultimo momento",
            "interests": "cucina sana, sport",
            "pains": "poco tempo in pausa pranzo",
        },
        {
            "name": "Roberto",
            "age_range": "45-60",
            "gender": "uomo",
            "habits": "cena con la famiglia nel weekend",
            "buying_habits": "sceglie i locali di cui si fida",
            "interests": "vino, tradizione",
            "pains": "trovare posto il sabato",
        },
    ],
    "channels": [
        {"network": "instagram", "role": "ispirazione e piatti del giorno", "posts_per_week": 4},
        {"network": "facebook", "role": "eventi e recensioni", "posts_per_week": 2},
        {"network": "mastodon", "role": "comunità locale", "posts_per_week": 1},
    ],
    "tone": {
        "adjectives": ["caldo", "genuino", "allegro"],
        "do_words": ["freschezza", "stagione"],
        "dont_words": ["economico"],
        "address": "tu",
        "emoji": "some",
        "hashtag_policy": "al massimo 5 hashtag, sempre quello del brand",
        "brand_hashtags": ["#DaMario"],
    },
    "pillars": [
        {"key": "educational", "name": "Dietro le quinte", "target_share": 30},
        {"key": "entertainment", "name": "Storie del locale", "target_share": 30},
        {"key": "promotional", "name": "Offerte", "target_share": 20},
        {"key": "user_generated", "name": "Foto dei clienti", "target_share": 20},
    ],
    "forbidden_words": ["concorrenza"],
    "forbidden_topics": ["politica"],
    "brand_words": ["Mario", "Mariolino"],
}


def seed_demo_data(*, session: Session, hasher: PasswordHasher) -> bool:
    """Seed the demo agency if the database has no agency at all; True when it did."""
    if session.scalars(select(Agency.id).limit(1)).first() is not None:
        return False
    agency, owner = create_agency(
        session=session,
        hasher=hasher,
        name="Demo Agency",
        owner_email=DEMO_EMAIL,
        owner_password=DEMO_PASSWORD,
        owner_name="Demo Owner",
    )
    membership = session.scalars(select(Membership).where(Membership.user_id == owner.id)).one()
    client = create_client(
        session=session,
        agency_id=agency.id,
        membership=membership,
        actor=owner,
        data={
            "name": "Trattoria Da Mario",
            "slug": DEMO_CLIENT_SLUG,
            "timezone": "Europe/Rome",
            "locale": "it",
            "brand_color": "#c92a2a",
        },
    )
    client.approval_workflow = "client"
    _schedule_demo_reports(session=session, client=client)
    approver = User(
        email=DEMO_APPROVER_EMAIL, name="Mario Rossi", password_hash=hasher.hash(DEMO_PASSWORD), locale="it"
    )
    session.add(approver)
    session.flush()
    session.add(Membership(user_id=approver.id, agency_id=agency.id, role="approver", client_id=client.id))
    save_plan(
        session=session,
        agency_id=agency.id,
        client_id=client.id,
        membership=membership,
        actor=owner,
        data=DEMO_PLAN,
    )
    _seed_demo_inbox(session=session, agency_id=agency.id, client_id=client.id, owner=owner)
    replace_targets(
        session=session,
        agency_id=agency.id,
        client_id=client.id,
        membership=membership,
        actor=owner,
        data=DEMO_KPI_TARGETS,
    )
    return True


# What the demo agency agreed with the trattoria: a newcomer sees progress against these at once.
DEMO_KPI_TARGETS = {
    "follower_growth": {"target": 200, "period": "month"},
    "engagement_rate": {"target": 4, "period": "month"},
    "posts_published": {"target": 12, "period": "week"},
    "response_time": {"target": 3600, "period": "month"},
}


def _schedule_demo_reports(*, session: Session, client) -> None:
    """Weekly PDF reports, the first one (last week's) at once: the scheduler's next sweep makes it and
    mails it to the client's contact, so the outbox shows one right after `make run`, whatever the hour."""
    from tenants.models import utcnow
    from tenants.reports.periods import last_finished_period
    from tenants.reports.runner import schedule_period

    client.report_cadence = "weekly"
    start, end = last_finished_period("weekly", now=utcnow(), timezone=client.timezone)
    session.flush()
    schedule_period(session=session, client=client, cadence="weekly", start=start, end=end)


DEMO_SAVED_REPLIES = (
    ("Grazie", "Grazie {first_name}! Ci fa piacere, ti aspettiamo presto da {brand} 😊"),
    ("Orari", "Ciao {first_name}, siamo aperti dal martedì alla domenica, 12–15 e 19–23. A presto!"),
    ("Prenotazioni", "Ciao {first_name}, per prenotare scrivici in privato o chiama lo 06 1234567."),
    ("Scuse", "Ciao {first_name}, ci dispiace molto. Ti scriviamo in privato per capire cosa è successo."),
)
DEMO_HOLDING_STATEMENT = (
    "Abbiamo letto i vostri messaggi e stiamo verificando cosa è successo. "
    "Vi aggiorniamo qui entro oggi. Grazie per la pazienza. — Lo staff di Da Mario"
)


def _seed_demo_inbox(*, session: Session, agency_id: int, client_id: int, owner: User) -> None:
    """Saved replies, a holding statement and a moderation rule, so a newcomer can answer at once."""
    from tenants.inbox import moderation, saved_replies, triage
    from tenants.inbox.settings_store import get_settings

    for title, text in DEMO_SAVED_REPLIES:
        saved_replies.save_reply(
            session=session, agency_id=agency_id, client_id=client_id, title=title, text=text, user=owner
        )
    get_settings(
        session=session, agency_id=agency_id, client_id=client_id
    ).holding_statement = DEMO_HOLDING_STATEMENT
    complaint = triage.get_or_create_tag(
        session=session, agency_id=agency_id, client_id=client_id, name="reclamo"
    )
    moderation.create_rule(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        name="Reclami",
        keywords=["terrible", "pessimo", "rimborso", "refund"],
        match_offensive=False,
        action="tag",
        tag_id=complaint.id,
    )
