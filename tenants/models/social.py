"""Connected social accounts, OAuth hand-offs in progress, Mastodon app registrations, onboarding links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.models.base import Base, UTCDateTime, utcnow

ACCOUNT_STATUSES = ("connected", "needs_reconnect", "disconnected")


class SocialAccount(Base):
    """A client's account on one network; tokens are stored encrypted (tenants.crypto)."""

    __tablename__ = "social_accounts"
    __table_args__ = (UniqueConstraint("agency_id", "network", "remote_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    network: Mapped[str] = mapped_column(String(20))
    remote_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), default="profile")
    handle: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="connected")
    status_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    access_token_enc: Mapped[str | None] = mapped_column(Text, default=None)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text, default=None)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    extra: Mapped[dict] = mapped_column(JSON, default=dict)  # instance_url, did, pds_url, page_id, ...
    connected_via: Mapped[str] = mapped_column(String(20), default="staff")  # staff, onboarding, demo
    onboarding_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("onboarding_links.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    @property
    def is_active(self) -> bool:
        """True while Cadenza may act as this account."""
        return self.status == "connected"


class MastodonApp(Base):
    """Cadenza's app registration at one Mastodon instance (shared by every agency on this install)."""

    __tablename__ = "mastodon_apps"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance: Mapped[str] = mapped_column(String(255), unique=True)
    redirect_uri: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PendingConnection(Base):
    """Tokens from one exchanged code, kept (encrypted, minutes) while a person picks accounts."""

    __tablename__ = "pending_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    network: Mapped[str] = mapped_column(String(20))
    payload_enc: Mapped[str] = mapped_column(Text)  # tokens and discovered accounts, JSON, encrypted
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), default=None)
    onboarding_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("onboarding_links.id", ondelete="CASCADE"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class OnboardingLink(Base):
    """A no-login link a client uses to connect their own accounts."""

    __tablename__ = "onboarding_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    networks: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_accounts: Mapped[int] = mapped_column(Integer, default=10)
    message: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    accounts_connected: Mapped[int] = mapped_column(Integer, default=0)
