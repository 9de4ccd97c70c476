"""inbox items keep their first-response and resolution times in business seconds; report indexes;
when an account's older posts were last read

Revision ID: 7c1d2e9f4a10
Revises: e626a38c8a57
Create Date: 2026-12-04 20:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7c1d2e9f4a10"
down_revision = "e626a38c8a57"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows answered before this column existed stay NULL: the reports compute theirs on the fly.
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_response_seconds", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("resolution_seconds", sa.Float(), nullable=True))
    op.create_index(
        "ix_inbox_items_client_answered",
        "inbox_items",
        ["client_id", "created_at"],
        postgresql_include=["first_response_seconds", "agency_id"],
        postgresql_where=sa.text("first_response_seconds IS NOT NULL"),
        sqlite_where=sa.text("first_response_seconds IS NOT NULL"),
    )
    op.create_index(
        "ix_inbox_items_client_unstamped",
        "inbox_items",
        ["client_id", "created_at"],
        postgresql_where=sa.text("first_response_at IS NOT NULL AND first_response_seconds IS NULL"),
        sqlite_where=sa.text("first_response_at IS NOT NULL AND first_response_seconds IS NULL"),
    )
    op.create_index("ix_post_targets_client_published", "post_targets", ["client_id", "published_at"])
    with op.batch_alter_table("metric_sync_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("older_posts_read_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("metric_sync_states", schema=None) as batch_op:
        batch_op.drop_column("older_posts_read_at")
    op.drop_index("ix_post_targets_client_published", table_name="post_targets")
    op.drop_index("ix_inbox_items_client_unstamped", table_name="inbox_items")
    op.drop_index("ix_inbox_items_client_answered", table_name="inbox_items")
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.drop_column("resolution_seconds")
        batch_op.drop_column("first_response_seconds")
