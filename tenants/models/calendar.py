"""Calendar helpers stored per client: posting time slots and CSV imports in progress."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.models.base import Base, UTCDateTime, utcnow


class TimeSlot(Base):
    """A recurring local posting time for one account (weekday 0 = Monday, minute of the day)."""

    __tablename__ = "time_slots"
    __table_args__ = (UniqueConstraint("account_id", "weekday", "minute"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("social_accounts.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)
    minute: Mapped[int] = mapped_column(Integer)


class CsvImport(Base):
    """A bulk import of posts from CSV: validated row by row by a job, saved all at once or not at all."""

    __tablename__ = "csv_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    filename: Mapped[str] = mapped_column(String(255), default="")
    content: Mapped[str] = mapped_column(Text)
    # pending -> running -> done | rejected (broken rows, nothing saved) | failed
    status: Mapped[str] = mapped_column(String(12), default="pending")
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_posts: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[list[dict]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
