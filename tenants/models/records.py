"""Append-only records: the audit log and the outgoing mail outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from tenants.models.base import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """Who did what, when, in which agency and (optionally) which client."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_agency_created", "agency_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    # No foreign key: the trail must outlive a deleted client or user.
    client_id: Mapped[int | None] = mapped_column(default=None, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(default=None)
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32), default=None)
    target_id: Mapped[str | None] = mapped_column(String(64), default=None)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(45), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxMessage(Base):
    """An email Cadenza sent or queued; without SMTP it stays here for the owner to read."""

    __tablename__ = "outbox"
    __table_args__ = (
        # The sweep for messages whose delivery job was lost reads the few still queued, not every sent one.
        Index(
            "ix_outbox_queued",
            "created_at",
            postgresql_where=text("status = 'queued'"),
            sqlite_where=text("status = 'queued'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # outbox: kept locally (no SMTP); queued: waiting for the mail job; sent; failed.
    status: Mapped[str] = mapped_column(String(12), default="outbox")
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
