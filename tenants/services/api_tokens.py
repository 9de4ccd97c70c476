"""Agency-scoped API tokens: created once, stored hashed, revocable."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.errors import N_, NotFound
from tenants.models import Agency, ApiToken, User, utcnow
from tenants.permissions import Perm, role_allows
from tenants.services import audit
from tenants.services.access import membership_in
from tenants.services.tokens import hash_secret, new_secret
from tenants.services.validation import clean_name

TOKEN_PREFIX = "cdz_"


def create_token(
    *, session: Session, agency_id: int, name: str, actor: User | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its plaintext, which is never shown again."""
    name = clean_name(name, max_length=80)
    plaintext = new_secret(TOKEN_PREFIX)
    token = ApiToken(
        agency_id=agency_id,
        name=name,
        prefix=plaintext[:10],
        token_hash=hash_secret(plaintext),
        created_by_id=actor.id if actor else None,
    )
    session.add(token)
    session.flush()
    audit.record(
        session=session,
        agency_id=agency_id,
        action="api_token.created",
        actor=actor,
        actor_label=None if actor else "cli",
        target_type="api_token",
        target_id=token.id,
        details={"name": name},
    )
    return token, plaintext


def authenticate_token(*, session: Session, plaintext: str) -> tuple[ApiToken, Agency] | None:
    """The live token and its agency for a bearer value, or None."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_secret(plaintext))).first()
    if token is None or token.revoked_at is not None:
        return None
    if token.created_by_id is not None:
        # A token acts for its creator: it dies with their removal or demotion (CLI tokens have no creator).
        creator = membership_in(session=session, user_id=token.created_by_id, agency_id=token.agency_id)
        if creator is None or not role_allows(creator.role, Perm.API_TOKENS_MANAGE):
            return None
    token.last_used_at = utcnow()
    return token, session.get(Agency, token.agency_id)


def list_tokens(*, session: Session, agency_id: int) -> list[ApiToken]:
    """The agency's tokens, newest first."""
    query = select(ApiToken).where(ApiToken.agency_id == agency_id).order_by(ApiToken.id.desc())
    return list(session.scalars(query))


def revoke_token(*, session: Session, agency_id: int, token_id: int, actor: User) -> None:
    """Stop a token from working."""
    token = session.get(ApiToken, token_id)
    if token is None or token.agency_id != agency_id:
        raise NotFound(N_("Token not found."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session=session,
            agency_id=agency_id,
            action="api_token.revoked",
            actor=actor,
            target_type="api_token",
            target_id=token.id,
        )
    session.flush()
