"""clients: when the report cadence was chosen, so periods due before it are not mailed

Revision ID: 9b7e4d2c6a13
Revises: 5f0c3a9d21be
Create Date: 2026-12-04 23:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9b7e4d2c6a13"
down_revision = "5f0c3a9d21be"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for clients scheduled before this column: their next period is due as before.
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report_cadence_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("report_cadence_since")
