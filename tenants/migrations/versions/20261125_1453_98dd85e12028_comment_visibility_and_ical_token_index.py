"""comment visibility and ical token index

Revision ID: 98dd85e12028
Revises: 70b5c337dff9
Create Date: 2026-11-25 14:53:57.286853
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "98dd85e12028"
down_revision = "70b5c337dff9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_clients_ical_token_hash"), ["ical_token_hash"])

    with op.batch_alter_table("post_comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("internal", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("post_comments", schema=None) as batch_op:
        batch_op.drop_column("internal")

    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_clients_ical_token_hash"), type_="unique")
