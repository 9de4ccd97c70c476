"""when a published target was deleted at its network

Revision ID: a41c7e2d9b03
Revises: 367894d74d3d
Create Date: 2026-12-04 14:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a41c7e2d9b03"
down_revision = "367894d74d3d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("post_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("post_targets", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
