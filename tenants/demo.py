"""Demo data for `make run`: one agency, its owner, and one client."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.models import Agency, Membership
from tenants.services.agencies import create_agency
from tenants.services.clients import create_client

DEMO_EMAIL = "demo@cadenza.example"
DEMO_PASSWORD = "cadenza-demo"
DEMO_CLIENT_SLUG = "trattoria-da-mario"


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
    create_client(
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
    return True
