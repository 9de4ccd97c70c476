"""The unified inbox: items from the networks, how far each account was read, and what staff did with them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tenants.models.base import Base, UTCDateTime, utcnow

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids for a table that grows fast.
BigId = BigInteger().with_variant(Integer(), "sqlite")

ITEM_KINDS = ("comment", "mention", "dm")
ITEM_STATUSES = ("open", "pending", "closed")
SENTIMENTS = ("positive", "neutral", "negative")


class InboxItem(Base):
    """A comment, mention or direct message addressed to a client's account (text untrusted)."""

    __tablename__ = "inbox_items"
    __table_args__ = (
        UniqueConstraint("account_id", "remote_id"),
        Index("ix_inbox_items_client_created", "client_id", "created_at", "id"),
        Index("ix_inbox_items_client_status_created", "client_id", "status", "created_at", "id"),
        Index("ix_inbox_items_agency_created", "agency_id", "created_at", "id"),
        Index("ix_inbox_items_assignee_status", "assignee_id", "status", "created_at"),
        Index("ix_inbox_items_client_author", "client_id", "author_id", "created_at"),
        Index("ix_inbox_items_client_thread", "client_id", "thread_key", "created_at"),
        # The response-time KPI: a median over the range read from the index alone, and a quick look for
        # items answered before their business time was stamped.
        Index(
            "ix_inbox_items_client_answered",
            "client_id",
            "created_at",
            postgresql_include=["first_response_seconds", "agency_id"],
            postgresql_where=text("first_response_seconds IS NOT NULL"),
            sqlite_where=text("first_response_seconds IS NOT NULL"),
        ),
        Index(
            "ix_inbox_items_client_unstamped",
            "client_id",
            "created_at",
            postgresql_where=text("first_response_at IS NOT NULL AND first_response_seconds IS NULL"),
            sqlite_where=text("first_response_at IS NOT NULL AND first_response_seconds IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("social_accounts.id", ondelete="CASCADE"))
    network: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    remote_id: Mapped[str] = mapped_column(String(300))
    # Groups a conversation: the DM thread, or the post a comment belongs to.
    thread_key: Mapped[str] = mapped_column(String(300), default="")
    post_remote_id: Mapped[str | None] = mapped_column(String(300), default=None)
    parent_remote_id: Mapped[str | None] = mapped_column(String(300), default=None)
    author_id: Mapped[str] = mapped_column(String(200), default="")
    author_handle: Mapped[str] = mapped_column(String(200), default="")
    author_name: Mapped[str] = mapped_column(String(200), default="")
    author_followers: Mapped[int | None] = mapped_column(Integer, default=None)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())  # at the network
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    source: Mapped[str] = mapped_column(String(10), default="poll")  # poll, webhook
    sentiment: Mapped[str] = mapped_column(String(10), default="neutral")
    sentiment_score: Mapped[float] = mapped_column(Float, default=0.0)
    language: Mapped[str] = mapped_column(String(5), default="")
    is_question: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int] = mapped_column(SmallInteger, default=0)
    status: Mapped[str] = mapped_column(String(10), default="open")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The two times in business seconds under the client's hours when they happened, stored then so
    # reports read a column instead of replaying business hours over every item.
    first_response_seconds: Mapped[float | None] = mapped_column(Float, default=None)
    resolution_seconds: Mapped[float | None] = mapped_column(Float, default=None)
    liked: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InboxSyncState(Base):
    """How far Cadenza has read one account's comments, mentions or DMs, and when to read again."""

    __tablename__ = "inbox_sync_states"
    __table_args__ = (UniqueConstraint("account_id", "kind"), Index("ix_inbox_sync_due", "next_sync_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("social_accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    next_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_new_items: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    error_class: Mapped[str | None] = mapped_column(String(20), default=None)
    error_message: Mapped[str | None] = mapped_column(String(500), default=None)
    # Where an interrupted read stopped (a failure, or the page limit): the next read carries on from there
    # once it has caught up with the newest items, so nothing older is skipped.
    resume_cursor: Mapped[str | None] = mapped_column(Text, default=None)


class InboxAction(Base):
    """Something staff asked the network to do to an item (reply, like, hide, delete), done exactly once."""

    __tablename__ = "inbox_actions"
    __table_args__ = (
        UniqueConstraint("item_id", "request_key"),
        Index("ix_inbox_actions_status", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inbox_items.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(10))  # reply, like, hide, unhide, delete
    text: Mapped[str] = mapped_column(Text, default="")
    # One per form submission: a double click or a resent API call finds the first action, not a second.
    request_key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    saved_reply_id: Mapped[int | None] = mapped_column(
        ForeignKey("saved_replies.id", ondelete="SET NULL"), default=None
    )
    # pending -> sending -> sent; or failed (refused), or unknown (the network may have it: check first)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    remote_id: Mapped[str | None] = mapped_column(String(300), default=None)
    error_class: Mapped[str | None] = mapped_column(String(20), default=None)
    error_message: Mapped[str | None] = mapped_column(String(1000), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class InboxNote(Base):
    """An internal note on an item; @mentioned staff are notified."""

    __tablename__ = "inbox_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("inbox_items.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    text: Mapped[str] = mapped_column(Text)
    mentioned_user_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InboxTag(Base):
    """A label a client's team puts on items (complaint, lead, press...)."""

    __tablename__ = "inbox_tags"
    __table_args__ = (UniqueConstraint("client_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InboxItemTag(Base):
    """One tag on one item."""

    __tablename__ = "inbox_item_tags"
    __table_args__ = (Index("ix_inbox_item_tags_tag_item", "tag_id", "item_id"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("inbox_items.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("inbox_tags.id", ondelete="CASCADE"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))


class SavedReply(Base):
    """A client's canned answer; {first_name}, {name}, {handle} and {brand} are filled in per item."""

    __tablename__ = "saved_replies"
    __table_args__ = (UniqueConstraint("client_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uses: Mapped[int] = mapped_column(Integer, default=0)


class InboxSettings(Base):
    """A client's inbox rules: business hours, SLA targets, sync interval, crisis alerting."""

    __tablename__ = "inbox_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), unique=True)
    business_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    first_response_minutes: Mapped[int] = mapped_column(Integer, default=60)
    resolution_minutes: Mapped[int] = mapped_column(Integer, default=8 * 60)
    sync_minutes: Mapped[int] = mapped_column(Integer, default=5)
    crisis: Mapped[dict] = mapped_column(JSON, default=dict)
    crisis_webhook_enc: Mapped[str | None] = mapped_column(Text, default=None)  # a secret URL
    holding_statement: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ModerationRule(Base):
    """Tag, assign or hide new items that match keywords or offensive words."""

    __tablename__ = "moderation_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    match_offensive: Mapped[bool] = mapped_column(Boolean, default=False)
    action: Mapped[str] = mapped_column(String(10))  # tag, assign, hide
    tag_id: Mapped[int | None] = mapped_column(ForeignKey("inbox_tags.id", ondelete="CASCADE"), default=None)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CrisisAlert(Base):
    """A spike of negative items the client's team was alerted about."""

    __tablename__ = "crisis_alerts"
    __table_args__ = (Index("ix_crisis_alerts_client_fired", "client_id", "fired_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    window_negative: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[float] = mapped_column(Float)
    expected: Mapped[float] = mapped_column(Float)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    webhook_status: Mapped[str | None] = mapped_column(String(20), default=None)
