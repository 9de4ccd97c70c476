"""Agencies, the people who log in, and their memberships."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.models.base import Base, UTCDateTime, utcnow

membership_clients = Table(
    "membership_clients",
    Base.metadata,
    Column("membership_id", ForeignKey("memberships.id", ondelete="CASCADE"), primary_key=True),
    Column("client_id", ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True),
)


class Agency(Base):
    """A customer of Cadenza: a social-media agency with staff and clients."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class User(Base):
    """A person who logs in: agency staff or a client contact."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # The session login identity: changing the password changes it, which ends every other session.
    @property
    def session_id(self) -> str:
        """Identifier stored in the login cookie."""
        return f"{self.id}:{self.password_hash[-12:]}"

    @property
    def name_or_email(self) -> str:
        """How the person is shown to others."""
        return self.name or self.email

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """Login identity for Flask-Login (duck-typed; no web import here)."""
        return self.session_id


class Membership(Base):
    """A user's role in one agency; client contacts are tied to exactly one client."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    # For client contacts: the one client they belong to.
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), default=None, index=True
    )
    # For managers, editors and analysts: when true, only `limited_clients` are visible.
    limited: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    agency: Mapped[Agency] = relationship()
    limited_clients = relationship("Client", secondary=membership_clients, lazy="selectin")
