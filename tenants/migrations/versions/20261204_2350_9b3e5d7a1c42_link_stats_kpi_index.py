"""link_daily_stats: a covering index for the KPIs' per-account sums over a range

Revision ID: 9b3e5d7a1c42
Revises: 9b7e4d2c6a13
Create Date: 2026-12-04 23:50:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "9b3e5d7a1c42"
down_revision = "9b7e4d2c6a13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_link_daily_stats_client_day_kpis",
        "link_daily_stats",
        ["client_id", "day"],
        postgresql_include=["agency_id", "account_id", "clicks", "conversions"],
    )


def downgrade() -> None:
    op.drop_index("ix_link_daily_stats_client_day_kpis", table_name="link_daily_stats")
