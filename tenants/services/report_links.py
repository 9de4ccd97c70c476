"""Signed, short-lived links that open a client's live reports in the Streamlit app."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from tenants.errors import DomainError
from tenants.models import Client, User
from tenants.permissions import Perm, is_client_role
from tenants.services.access import get_visible_client, membership_in, require
from tenants.settings import Settings

_SALT = "cadenza.reports-link.v1"


@dataclass(frozen=True)
class ReportViewer:
    """Who opened the reports, and for which client."""

    user: User
    client: Client
    role: str

    @property
    def language(self) -> str | None:
        """The user's language; client contacts default to their client's, staff to their browser's."""
        return self.user.locale or (self.client.locale if is_client_role(self.role) else None)


class LinkRejected(Exception):
    """The link is forged, expired, or no longer grants access."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=_SALT)


def mint_link(*, settings: Settings, user_id: int, agency_id: int, client_id: int) -> str:
    """A reports URL carrying a signed, single-use token for this user and client."""
    token = _serializer(settings).dumps(
        {"u": user_id, "a": agency_id, "c": client_id, "n": secrets.token_urlsafe(12)}
    )
    return f"{settings.reports_url}/?t={token}"


def open_link(
    *, session: Session, settings: Settings, token: str, claim_once: Callable[[str, int], bool]
) -> ReportViewer:
    """Check the token, that it was never used before, and the user's current access; else LinkRejected.

    `claim_once(nonce, ttl_seconds)` must atomically record the nonce and say whether it was new.
    """
    try:
        claims = _serializer(settings).loads(token, max_age=settings.report_link_ttl_seconds)
    except SignatureExpired as exc:
        raise LinkRejected("expired") from exc
    except BadSignature as exc:
        raise LinkRejected("invalid") from exc
    nonce = claims.get("n")
    if not isinstance(nonce, str) or not claim_once(nonce, settings.report_link_ttl_seconds + 60):
        raise LinkRejected("used")
    return resolve_viewer(
        session=session, user_id=claims.get("u"), agency_id=claims.get("a"), client_id=claims.get("c")
    )


def resolve_viewer(*, session: Session, user_id: int, agency_id: int, client_id: int) -> ReportViewer:
    """The viewer if the user may still see this client's reports now; LinkRejected otherwise."""
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active or not isinstance(agency_id, int):
        raise LinkRejected("invalid")
    membership = membership_in(session=session, user_id=user.id, agency_id=agency_id)
    if membership is None:
        raise LinkRejected("no_access")
    try:
        require(membership, Perm.REPORTS_VIEW)
        client = get_visible_client(session=session, membership=membership, client_id=client_id)
    except DomainError as exc:
        raise LinkRejected("no_access") from exc
    return ReportViewer(user=user, client=client, role=membership.role)
