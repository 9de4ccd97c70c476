"""communication plans

Revision ID: 322908f6af0a
Revises: c8e3a2ab74cc
Create Date: 2026-11-25 13:45:00.331229
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "322908f6af0a"
down_revision = "c8e3a2ab74cc"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "communication_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_communication_plans_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_communication_plans_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_communication_plans_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communication_plans")),
        sa.UniqueConstraint("client_id", "version", name=op.f("uq_communication_plans_client_id")),
    )
    with op.batch_alter_table("communication_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_communication_plans_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_communication_plans_client_id"), ["client_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("communication_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_communication_plans_client_id"))
        batch_op.drop_index(batch_op.f("ix_communication_plans_agency_id"))

    op.drop_table("communication_plans")
