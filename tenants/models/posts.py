"""Posts written once, their per-account targets, comment threads and one-click approval tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.models.base import Base, UTCDateTime, utcnow

POST_STATUSES = ("draft", "in_review", "awaiting_client", "approved", "scheduled", "published", "failed")
# A target once its post is scheduled (worker/publishing.py): pending -> queued -> publishing -> published,
# or retry (queued again when due), unconfirmed (reconciled first), failed; cancelled by a person.
# A published target a person takes back: deleting (worker/jobs/remote_delete.py) -> deleted, or back to
# published with the reason when the network refuses.
TARGET_STATUSES = (
    "pending",
    "queued",
    "publishing",
    "retry",
    "unconfirmed",
    "published",
    "failed",
    "cancelled",
    "deleting",
    "deleted",
)
TARGET_FINAL = ("published", "failed", "cancelled", "deleted")


class Post(Base):
    """One piece of content for a client, with a target (variant) per social account."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_client_scheduled", "client_id", "scheduled_at"),
        Index("ix_posts_agency_scheduled", "agency_id", "scheduled_at"),
        Index("ix_posts_status_scheduled", "status", "scheduled_at"),  # the dispatcher's question
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
    # When the people who asked were told the post is out: set once, so nobody hears it twice.
    published_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    targets: Mapped[list[PostTarget]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="PostTarget.id"
    )


class PostTarget(Base):
    """The post on one social account: its own text (a variant of the base) and media."""

    __tablename__ = "post_targets"
    __table_args__ = (
        UniqueConstraint("post_id", "account_id"),
        Index("ix_post_targets_status_next", "status", "next_attempt_at"),
        Index("ix_post_targets_client_published", "client_id", "published_at"),  # reports' "published in"
    )

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
    status: Mapped[str] = mapped_column(String(20), default="pending")
    remote_id: Mapped[str | None] = mapped_column(String(200), default=None)
    remote_url: Mapped[str | None] = mapped_column(String(500), default=None)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When a target waiting to retry is due again (the network's Retry-After, or backoff with jitter).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    error_class: Mapped[str | None] = mapped_column(String(20), default=None)
    error_message: Mapped[str | None] = mapped_column(String(1000), default=None)
    # A person's "retry" restarts the retry window (which otherwise runs from the post's due time); a
    # request to delete the post at the network starts the window in which deleting is retried.
    retry_window_from: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # When the network confirmed the post gone (the target is then "deleted"; remote_id stays on record).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    post: Mapped[Post] = relationship(back_populates="targets")


class PublishAttempt(Base):
    """One try at publishing a target, recorded before the network is called (the publish log)."""

    __tablename__ = "publish_attempts"
    __table_args__ = (
        UniqueConstraint("target_id", "number"),
        Index("ix_publish_attempts_client_started", "client_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("post_targets.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), default="publish")  # publish, reconcile, delete
    job_id: Mapped[str | None] = mapped_column(String(120), default=None)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # published, found (reconciled), deleted, retry_later, reconnect, rejected, unknown, lost (worker died)
    outcome: Mapped[str | None] = mapped_column(String(20), default=None)
    detail: Mapped[str | None] = mapped_column(String(1000), default=None)


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
