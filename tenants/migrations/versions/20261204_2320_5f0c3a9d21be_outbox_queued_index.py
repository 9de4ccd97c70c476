"""outbox: a partial index of the messages still queued, for the sweep that re-queues lost deliveries

Revision ID: 5f0c3a9d21be
Revises: 2558774b7470
Create Date: 2026-12-04 23:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5f0c3a9d21be"
down_revision = "2558774b7470"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_queued",
        "outbox",
        ["created_at"],
        postgresql_where=sa.text("status = 'queued'"),
        sqlite_where=sa.text("status = 'queued'"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_queued", table_name="outbox")
