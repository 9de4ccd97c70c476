"""The tenant: a client workspace."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column

from tenants.models.base import Base, UTCDateTime, utcnow

DEFAULT_TIMEZONE = "Europe/Rome"


class Client(Base):
    """One client of an agency; everything tenant-owned hangs off it."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    locale: Mapped[str] = mapped_column(String(5), default="it")
    brand_color: Mapped[str] = mapped_column(String(7), default="#3b5bdb")
    logo_url: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # none, internal, client (internal then client)
    approval_workflow: Mapped[str] = mapped_column(String(12), default="internal")
    check_severities: Mapped[dict] = mapped_column(JSON, default=dict)
    extra_offensive: Mapped[list[str]] = mapped_column(JSON, default=list)
    utm_template: Mapped[str] = mapped_column(String(500), default="")
    # Links in published posts become counted short links (/l/<code>); the composer still shows the long one.
    link_tracking: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    ical_token_hash: Mapped[str | None] = mapped_column(String(64), default=None, unique=True)
    # Scheduled PDF reports: off, weekly or biweekly (periods of local Monday-Sunday weeks).
    report_cadence: Mapped[str] = mapped_column(String(10), default="off", server_default="off")
    # When that cadence was chosen: periods due before it are not mailed (None: since before this existed).
    report_cadence_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    @property
    def is_archived(self) -> bool:
        """True once the client was archived (read-only, hidden from the default list)."""
        return self.archived_at is not None
