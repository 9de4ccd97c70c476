"""Tracked links: short links in published posts, their clicks, the conversions the client's site reports,
and the daily rollup that KPI queries read instead of the raw rows."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.models.base import Base, UTCDateTime, utcnow

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids for tables that grow fast.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# In the rollup, a conversion that no click explains is kept under post 0 / account 0.
UNATTRIBUTED = 0
CONVERSION_SOURCES = ("api", "pixel")


class TrackingSettings(Base):
    """A client's link tracking: the public pixel id, the attribution window and the reporting currency."""

    __tablename__ = "tracking_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), unique=True)
    # Public by design (it sits in the client's pages); it only ever adds conversions to known clicks.
    pixel_id: Mapped[str] = mapped_column(String(32), unique=True)
    attribution_days: Mapped[int] = mapped_column(Integer, default=30)
    # Conversion values are summed in this currency; values reported in another one are kept raw only.
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConversionKey(Base):
    """The secret with which a client's site reports conversions; only its hash is stored."""

    __tablename__ = "conversion_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # A rotated key keeps working until this time (the site's deploy of the new key); revoked: now.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class TrackedLink(Base):
    """One destination in one published post on one account, behind an unguessable short code."""

    __tablename__ = "tracked_links"
    __table_args__ = (
        # A publish retry finds the link it made before: the network receives the same text again.
        UniqueConstraint("target_id", "destination_hash"),
        Index("ix_tracked_links_client_post", "client_id", "post_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("post_targets.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("social_accounts.id", ondelete="CASCADE"), index=True)
    network: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(16), unique=True)
    # The final URL, the client's UTM parameters already in it; the redirect goes nowhere else.
    destination: Mapped[str] = mapped_column(Text)
    destination_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LinkClick(Base):
    """One request for a short link: a person's click, or a bot or preview that is not counted as one."""

    __tablename__ = "link_clicks"
    __table_args__ = (
        Index("ix_link_clicks_link_clicked", "link_id", "clicked_at"),
        Index("ix_link_clicks_client_day", "client_id", "day"),
        Index("ix_link_clicks_visitor", "visitor_hash"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    link_id: Mapped[int] = mapped_column(ForeignKey("tracked_links.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(Integer)
    clicked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The client's local day the click was counted in (the rollup's day, whatever the zone becomes).
    day: Mapped[date] = mapped_column(Date)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why it was not counted: "ua:<name>", "empty_ua", "head", "prefetch".
    filter_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    # HMAC of address and browser with a secret salted per client and local day: unique clicks, no raw IP.
    visitor_hash: Mapped[str] = mapped_column(String(64))
    # Added to the destination as cz_click=...; the client's site reports it back with a conversion.
    click_id: Mapped[str] = mapped_column(String(32), unique=True)


class Conversion(Base):
    """A sale, sign-up or other goal reported by the client's site, attributed to a click when it can be."""

    __tablename__ = "conversions"
    __table_args__ = (
        # The site's order (or event) id: a resent conversion counts once.
        UniqueConstraint("client_id", "order_id"),
        Index("ix_conversions_client_day", "client_id", "day"),
        Index("ix_conversions_click", "link_click_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    order_id: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(64), default="conversion")
    # In the currency's minor unit (cents for EUR), so sums are exact.
    value_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)
    currency: Mapped[str | None] = mapped_column(String(3), default=None)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    day: Mapped[date] = mapped_column(Date)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    source: Mapped[str] = mapped_column(String(10), default="api")
    # What it is attributed to; all None when no click of this client explains it within the window.
    link_click_id: Mapped[int | None] = mapped_column(
        ForeignKey("link_clicks.id", ondelete="SET NULL"), default=None
    )
    link_id: Mapped[int | None] = mapped_column(Integer, default=None)
    post_id: Mapped[int | None] = mapped_column(Integer, default=None)
    account_id: Mapped[int | None] = mapped_column(Integer, default=None)

    @property
    def attributed(self) -> bool:
        """True when a click of this client, within the window, explains the conversion."""
        return self.post_id is not None


class LinkDailyStat(Base):
    """Clicks and conversions of one client's post on one account on one local day (the KPI source)."""

    __tablename__ = "link_daily_stats"
    __table_args__ = (
        # Also the index of "a client's stats over a date range".
        UniqueConstraint("client_id", "day", "post_id", "account_id"),
        Index("ix_link_daily_stats_client_post_day", "client_id", "post_id", "day"),
        Index("ix_link_daily_stats_client_account_day", "client_id", "account_id", "day"),
        # The KPIs' per-account sums over a range, read from the index alone on PostgreSQL.
        Index(
            "ix_link_daily_stats_client_day_kpis",
            "client_id",
            "day",
            postgresql_include=["agency_id", "account_id", "clicks", "conversions"],
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    # No foreign keys: the history stays when a post goes; 0 (UNATTRIBUTED) holds unattributed conversions.
    post_id: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(Integer)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    unique_clicks: Mapped[int] = mapped_column(Integer, default=0)
    filtered: Mapped[int] = mapped_column(Integer, default=0)
    conversions: Mapped[int] = mapped_column(Integer, default=0)
    # Minor units of the client's reporting currency (TrackingSettings.currency).
    conversion_value_minor: Mapped[int] = mapped_column(BigInteger, default=0)
