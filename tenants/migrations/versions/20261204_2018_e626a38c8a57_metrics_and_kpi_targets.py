"""metrics: raw readings, daily rollups per post, account and client; sync states; KPI targets

Revision ID: e626a38c8a57
Revises: 511b42417dfd
Create Date: 2026-12-04 20:18:07.135469
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e626a38c8a57"
down_revision = "511b42417dfd"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_metric_days",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("followers", sa.BigInteger(), nullable=True),
        sa.Column("followers_gain", sa.BigInteger(), nullable=True),
        sa.Column("posts_published", sa.Integer(), nullable=False),
        sa.Column("impressions_gain", sa.BigInteger(), nullable=True),
        sa.Column("reach_gain", sa.BigInteger(), nullable=True),
        sa.Column("likes_gain", sa.BigInteger(), nullable=True),
        sa.Column("comments_gain", sa.BigInteger(), nullable=True),
        sa.Column("shares_gain", sa.BigInteger(), nullable=True),
        sa.Column("saves_gain", sa.BigInteger(), nullable=True),
        sa.Column("clicks_gain", sa.BigInteger(), nullable=True),
        sa.Column("rated_engagements_gain", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_client_metric_days_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_client_metric_days_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_metric_days")),
        sa.UniqueConstraint("client_id", "day", name=op.f("uq_client_metric_days_client_id")),
    )
    op.create_table(
        "kpi_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("kpi", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_kpi_targets_agency_id_agencies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_kpi_targets_client_id_clients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_kpi_targets_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_targets")),
        sa.UniqueConstraint("client_id", "kpi", name=op.f("uq_kpi_targets_client_id")),
    )
    with op.batch_alter_table("kpi_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kpi_targets_client_id"), ["client_id"], unique=False)

    op.create_table(
        "account_metric_days",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("followers", sa.BigInteger(), nullable=True),
        sa.Column("followers_gain", sa.BigInteger(), nullable=True),
        sa.Column("posts_published", sa.Integer(), nullable=False),
        sa.Column("impressions_gain", sa.BigInteger(), nullable=True),
        sa.Column("reach_gain", sa.BigInteger(), nullable=True),
        sa.Column("likes_gain", sa.BigInteger(), nullable=True),
        sa.Column("comments_gain", sa.BigInteger(), nullable=True),
        sa.Column("shares_gain", sa.BigInteger(), nullable=True),
        sa.Column("saves_gain", sa.BigInteger(), nullable=True),
        sa.Column("clicks_gain", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["social_accounts.id"],
            name=op.f("fk_account_metric_days_account_id_social_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_account_metric_days_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_account_metric_days_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_metric_days")),
        sa.UniqueConstraint("account_id", "day", name=op.f("uq_account_metric_days_account_id")),
    )
    with op.batch_alter_table("account_metric_days", schema=None) as batch_op:
        batch_op.create_index("ix_account_metric_days_client_day", ["client_id", "day"], unique=False)

    op.create_table(
        "metric_readings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("post_remote_id", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["social_accounts.id"],
            name=op.f("fk_metric_readings_account_id_social_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_metric_readings_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_metric_readings_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_readings")),
    )
    with op.batch_alter_table("metric_readings", schema=None) as batch_op:
        batch_op.create_index("ix_metric_readings_client_read", ["client_id", "read_at"], unique=False)
        batch_op.create_index(
            "ix_metric_readings_series", ["account_id", "name", "post_remote_id", "read_at"], unique=False
        )

    op.create_table(
        "metric_sync_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("next_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("error_class", sa.String(length=20), nullable=True),
        sa.Column("error_message", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["social_accounts.id"],
            name=op.f("fk_metric_sync_states_account_id_social_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_metric_sync_states_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_metric_sync_states_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_sync_states")),
        sa.UniqueConstraint("account_id", name=op.f("uq_metric_sync_states_account_id")),
    )
    with op.batch_alter_table("metric_sync_states", schema=None) as batch_op:
        batch_op.create_index("ix_metric_sync_due", ["next_sync_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_metric_sync_states_client_id"), ["client_id"], unique=False)

    op.create_table(
        "post_metric_days",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("impressions", sa.BigInteger(), nullable=True),
        sa.Column("reach", sa.BigInteger(), nullable=True),
        sa.Column("likes", sa.BigInteger(), nullable=True),
        sa.Column("comments", sa.BigInteger(), nullable=True),
        sa.Column("shares", sa.BigInteger(), nullable=True),
        sa.Column("saves", sa.BigInteger(), nullable=True),
        sa.Column("clicks", sa.BigInteger(), nullable=True),
        sa.Column("impressions_gain", sa.BigInteger(), nullable=True),
        sa.Column("reach_gain", sa.BigInteger(), nullable=True),
        sa.Column("likes_gain", sa.BigInteger(), nullable=True),
        sa.Column("comments_gain", sa.BigInteger(), nullable=True),
        sa.Column("shares_gain", sa.BigInteger(), nullable=True),
        sa.Column("saves_gain", sa.BigInteger(), nullable=True),
        sa.Column("clicks_gain", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["social_accounts.id"],
            name=op.f("fk_post_metric_days_account_id_social_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_post_metric_days_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_post_metric_days_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_metric_days_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["post_targets.id"],
            name=op.f("fk_post_metric_days_target_id_post_targets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_metric_days")),
        sa.UniqueConstraint("target_id", "day", name=op.f("uq_post_metric_days_target_id")),
    )
    with op.batch_alter_table("post_metric_days", schema=None) as batch_op:
        batch_op.create_index("ix_post_metric_days_account_day", ["account_id", "day"], unique=False)
        batch_op.create_index("ix_post_metric_days_client_day", ["client_id", "day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("post_metric_days", schema=None) as batch_op:
        batch_op.drop_index("ix_post_metric_days_client_day")
        batch_op.drop_index("ix_post_metric_days_account_day")

    op.drop_table("post_metric_days")
    with op.batch_alter_table("metric_sync_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metric_sync_states_client_id"))
        batch_op.drop_index("ix_metric_sync_due")

    op.drop_table("metric_sync_states")
    with op.batch_alter_table("metric_readings", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_readings_series")
        batch_op.drop_index("ix_metric_readings_client_read")

    op.drop_table("metric_readings")
    with op.batch_alter_table("account_metric_days", schema=None) as batch_op:
        batch_op.drop_index("ix_account_metric_days_client_day")

    op.drop_table("account_metric_days")
    with op.batch_alter_table("kpi_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kpi_targets_client_id"))

    op.drop_table("kpi_targets")
    op.drop_table("client_metric_days")
