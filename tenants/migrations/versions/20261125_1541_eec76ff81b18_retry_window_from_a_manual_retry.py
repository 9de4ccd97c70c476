"""retry window from a manual retry

Revision ID: eec76ff81b18
Revises: 786f3ec8085d
Create Date: 2026-11-25 15:41:26.249925
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "eec76ff81b18"
down_revision = "786f3ec8085d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("post_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retry_window_from", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("post_targets", schema=None) as batch_op:
        batch_op.drop_column("retry_window_from")
