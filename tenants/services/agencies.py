"""Agency sign-up and the owner account that comes with it."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.db import flush_or_conflict
from tenants.errors import N_, Conflict
from tenants.models import Agency, Membership, User
from tenants.permissions import Role
from tenants.services import audit
from tenants.services.validation import clean_email, clean_name, clean_password, slugify


def unique_slug(*, session: Session, model: type, base: str) -> str:
    """The first free slug among base, base-2, base-3, ... that fits the model's slug column."""
    base = base[: model.slug.property.columns[0].type.length - 6].rstrip("-") or "x"
    taken = set(session.scalars(select(model.slug).where(model.slug.like(f"{base}%"))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def create_agency(
    *,
    session: Session,
    hasher: PasswordHasher,
    name: str,
    owner_email: str,
    owner_password: str,
    owner_name: str = "",
    locale: str | None = None,
) -> tuple[Agency, User]:
    """Create an agency and its owner (a new user, or an existing one proving their password)."""
    name = clean_name(name)
    email = clean_email(owner_email, field="owner_email")
    password = clean_password(owner_password)
    if session.scalars(select(User).where(User.email == email)).first() is not None:
        raise Conflict(N_("An account with this email already exists; log in instead."), field="owner_email")
    agency = Agency(name=name, slug=unique_slug(session=session, model=Agency, base=slugify(name)))
    owner = User(
        email=email, name=(owner_name or "").strip()[:120], password_hash=hasher.hash(password), locale=locale
    )
    session.add_all([agency, owner])
    flush_or_conflict(
        session, message=N_("An account with this email already exists; log in instead."), field="owner_email"
    )
    session.add(Membership(user_id=owner.id, agency_id=agency.id, role=Role.OWNER.value))
    audit.record(
        session=session,
        agency_id=agency.id,
        action="agency.created",
        actor=owner,
        target_type="agency",
        target_id=agency.id,
        details={"name": name},
    )
    session.flush()
    return agency, owner


def get_agency_by_slug(*, session: Session, slug: str) -> Agency | None:
    """The agency with this slug, if any."""
    return session.scalars(select(Agency).where(Agency.slug == slug)).first()
