"""publishing targets and attempts

Revision ID: 786f3ec8085d
Revises: 98dd85e12028
Create Date: 2026-11-25 15:17:44.553892
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "786f3ec8085d"
down_revision = "98dd85e12028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publish_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("job_id", sa.String(length=120), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("detail", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_publish_attempts_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_publish_attempts_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_publish_attempts_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["post_targets.id"],
            name=op.f("fk_publish_attempts_target_id_post_targets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publish_attempts")),
        sa.UniqueConstraint("target_id", "number", name=op.f("uq_publish_attempts_target_id")),
    )
    with op.batch_alter_table("publish_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publish_attempts_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index("ix_publish_attempts_client_started", ["client_id", "started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_publish_attempts_post_id"), ["post_id"], unique=False)

    with op.batch_alter_table("post_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("error_class", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("error_message", sa.String(length=1000), nullable=True))
        batch_op.create_index("ix_post_targets_status_next", ["status", "next_attempt_at"], unique=False)

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index("ix_posts_status_scheduled", ["status", "scheduled_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_status_scheduled")

    with op.batch_alter_table("post_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_post_targets_status_next")
        batch_op.drop_column("error_message")
        batch_op.drop_column("error_class")
        batch_op.drop_column("started_at")
        batch_op.drop_column("queued_at")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")

    with op.batch_alter_table("publish_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publish_attempts_post_id"))
        batch_op.drop_index("ix_publish_attempts_client_started")
        batch_op.drop_index(batch_op.f("ix_publish_attempts_agency_id"))

    op.drop_table("publish_attempts")
