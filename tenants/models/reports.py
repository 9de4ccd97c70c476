"""The report archive: one row per PDF + CSV report of a client over a period, scheduled or asked for."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.models.base import Base, UTCDateTime, utcnow


class Report(Base):
    """A report of a client's local days [period_start, period_end], its progress and, once done, its files.

    A scheduled report is unique per client and period (schedule_key), claimed in the database before any
    work, so several schedulers, workers or a retry after a crash make one report and one email per period.
    The files live in the row (deferred: listing never loads them), committed together with "done", so
    every process that sees the database sees the files, and no crash leaves a file without its row.
    """

    __tablename__ = "reports"
    __table_args__ = (
        # NULL for on-demand reports: they may repeat a range, NULLs never collide.
        UniqueConstraint("client_id", "schedule_key"),
        Index("ix_reports_client_created", "client_id", "created_at"),
        Index("ix_reports_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # scheduled, on_demand
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    # "weekly:2026-11-30/2026-12-06" for scheduled reports; None on demand.
    schedule_key: Mapped[str | None] = mapped_column(String(40), default=None)
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued, running, done, failed
    progress: Mapped[int] = mapped_column(Integer, default=0)  # 0-100
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # While running: the worker's claim; after it a crashed run may be taken over by a retry.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, default=None, deferred=True)
    csv: Mapped[str | None] = mapped_column(Text, default=None, deferred=True)
    pdf_bytes: Mapped[int] = mapped_column(Integer, default=0)
    csv_bytes: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # When the client's contacts were emailed (scheduled reports), in the same commit as "done".
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    recipients: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def is_finished(self) -> bool:
        """True once done or failed for good."""
        return self.status in ("done", "failed")
