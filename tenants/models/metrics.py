"""What the networks count (followers, impressions, likes, ...): raw readings, daily rollups, KPI targets.

Rollup columns hold NULL where the network does not report a metric: "not available", never a zero.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.models.base import Base, UTCDateTime, utcnow
from tenants.models.inbox import BigId

# Counters a post gathers over its life, in Cadenza's one vocabulary (see tenants/metrics/vocabulary.py).
POST_COUNTERS = ("impressions", "reach", "likes", "comments", "shares", "saves", "clicks")


class MetricReading(Base):
    """One value read from a network: an account's (post_remote_id NULL) or one of its posts', cumulative."""

    __tablename__ = "metric_readings"
    __table_args__ = (
        Index("ix_metric_readings_client_read", "client_id", "read_at"),
        Index("ix_metric_readings_series", "account_id", "name", "post_remote_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("social_accounts.id", ondelete="CASCADE"))
    post_remote_id: Mapped[str | None] = mapped_column(String(200), default=None)
    name: Mapped[str] = mapped_column(String(30))
    value: Mapped[int] = mapped_column(BigInteger)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DayGains:
    """What each post counter gained over a day (NULL: the network does not count it)."""

    impressions_gain: Mapped[int | None] = mapped_column(BigInteger, default=None)
    reach_gain: Mapped[int | None] = mapped_column(BigInteger, default=None)
    likes_gain: Mapped[int | None] = mapped_column(BigInteger, default=None)
    comments_gain: Mapped[int | None] = mapped_column(BigInteger, default=None)
    shares_gain: Mapped[int | None] = mapped_column(BigInteger, default=None)
    saves_gain: Mapped[int | None] = mapped_column(BigInteger, default=None)
    clicks_gain: Mapped[int | None] = mapped_column(BigInteger, default=None)


class PostMetricDay(DayGains, Base):
    """One published post (a target) on one local day: its counters at the day's end and what they gained."""

    __tablename__ = "post_metric_days"
    __table_args__ = (
        UniqueConstraint("target_id", "day"),
        Index("ix_post_metric_days_client_day", "client_id", "day"),
        Index("ix_post_metric_days_account_day", "account_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("social_accounts.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("post_targets.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    # Totals at the end of the day (the last reading), then the gain over the day before.
    impressions: Mapped[int | None] = mapped_column(BigInteger, default=None)
    reach: Mapped[int | None] = mapped_column(BigInteger, default=None)
    likes: Mapped[int | None] = mapped_column(BigInteger, default=None)
    comments: Mapped[int | None] = mapped_column(BigInteger, default=None)
    shares: Mapped[int | None] = mapped_column(BigInteger, default=None)
    saves: Mapped[int | None] = mapped_column(BigInteger, default=None)
    clicks: Mapped[int | None] = mapped_column(BigInteger, default=None)


class AccountMetricDay(DayGains, Base):
    """One account on one local day: followers, posts published, and what all its posts gained."""

    __tablename__ = "account_metric_days"
    __table_args__ = (
        UniqueConstraint("account_id", "day"),
        Index("ix_account_metric_days_client_day", "client_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("social_accounts.id", ondelete="CASCADE"))
    network: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date)
    followers: Mapped[int | None] = mapped_column(BigInteger, default=None)
    followers_gain: Mapped[int | None] = mapped_column(BigInteger, default=None)
    posts_published: Mapped[int] = mapped_column(Integer, default=0)


class ClientMetricDay(DayGains, Base):
    """All of a client's accounts on one local day (sums; NULL where no account reports the metric)."""

    __tablename__ = "client_metric_days"
    __table_args__ = (UniqueConstraint("client_id", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    followers: Mapped[int | None] = mapped_column(BigInteger, default=None)
    followers_gain: Mapped[int | None] = mapped_column(BigInteger, default=None)
    posts_published: Mapped[int] = mapped_column(Integer, default=0)
    # Engagements on the accounts that report impressions only: over impressions_gain, the engagement
    # rate (an account without impressions would inflate it).
    rated_engagements_gain: Mapped[int | None] = mapped_column(BigInteger, default=None)


class MetricSyncState(Base):
    """When an account's metrics are read next, and how the last read went."""

    __tablename__ = "metric_sync_states"
    __table_args__ = (Index("ix_metric_sync_due", "next_sync_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("social_accounts.id", ondelete="CASCADE"), unique=True)
    next_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Posts older than a week move slowly: their counters are read once a day, not at every read.
    older_posts_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    error_class: Mapped[str | None] = mapped_column(String(20), default=None)
    error_message: Mapped[str | None] = mapped_column(String(500), default=None)


class KpiTarget(Base):
    """A KPI the agency agreed with the client: a value to reach per week, month or quarter."""

    __tablename__ = "kpi_targets"
    __table_args__ = (UniqueConstraint("client_id", "kpi"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    kpi: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(10), default="month")  # week, month, quarter
    target: Mapped[float] = mapped_column(Float)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
