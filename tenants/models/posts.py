"""Posts written once, their per-account targets, comment threads and one-click approval tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.models.base import Base, UTCDateTime, utcnow

POST_STATUSES = ("draft", "in_review", "awaiting_client", "approved", "scheduled")


class Post(Base):
    """One piece of content for a client, with a target (variant) per social account."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_client_scheduled", "client_id", "scheduled_at"),
        Index("ix_posts_agency_scheduled", "agency_id", "scheduled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    base_text: Mapped[str] = mapped_column(Text, default="")
    pillar: Mapped[str | None] = mapped_column(String(40), default=None)
    persona: Mapped[str | None] = mapped_column(String(120), default=None)
    media_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Bumped on every content edit: approvals and approval links are for one revision only.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    checks: Mapped[dict] = mapped_column(JSON, default=dict)
    overrides: Mapped[list[dict]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(20), default="composer")  # composer, api, csv, demo
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    targets: Mapped[list[PostTarget]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="PostTarget.id"
    )


class PostTarget(Base):
    """The post on one social account: its own text (a variant of the base) and media."""

    __tablename__ = "post_targets"
    __table_args__ = (UniqueConstraint("post_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("social_accounts.id", ondelete="CASCADE"), index=True)
    network: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    # False while the variant simply follows the base text.
    customised: Mapped[bool] = mapped_column(Boolean, default=False)
    media_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Publishing states arrive with the publishing pipeline; until then a target is "pending".
    status: Mapped[str] = mapped_column(String(20), default="pending")
    remote_id: Mapped[str | None] = mapped_column(String(200), default=None)
    remote_url: Mapped[str | None] = mapped_column(String(500), default=None)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    post: Mapped[Post] = relationship(back_populates="targets")


class PostComment(Base):
    """A message in a post's thread, from staff or a client contact."""

    __tablename__ = "post_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    author_label: Mapped[str] = mapped_column(String(254), default="")
    kind: Mapped[str] = mapped_column(String(20), default="comment")  # comment, approved, rejected
    # Internal notes (and the agency's own review steps) are never shown to client contacts.
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApprovalToken(Base):
    """A signed one-click approval link for one client approver, one post and one revision."""

    __tablename__ = "approval_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    post_revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
