"""publish notification preferences

Revision ID: 367894d74d3d
Revises: eec76ff81b18
Create Date: 2026-12-04 14:01:46.837575
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "367894d74d3d"
down_revision = "eec76ff81b18"
branch_labels = None
depends_on = None


def _owned_by_a_client(table: str) -> list[sa.SchemaItem]:
    """The id, tenant and user columns both new tables share, with their foreign keys."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f(f"fk_{table}_agency_id_agencies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f(f"fk_{table}_client_id_clients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "notification_preferences",
        *_owned_by_a_client("notification_preferences"),
        sa.Column("post_published", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "client_id", name=op.f("uq_notification_preferences_user_id")),
    )
    op.create_table(
        "post_watchers",
        *_owned_by_a_client("post_watchers"),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_watchers_post_id_posts"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint("post_id", "user_id", name=op.f("uq_post_watchers_post_id")),
    )
    for table in ("notification_preferences", "post_watchers"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_agency_id"), ["agency_id"], unique=False)
            batch_op.create_index(batch_op.f(f"ix_{table}_client_id"), ["client_id"], unique=False)
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_notice_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("published_notice_at")
    for table in ("post_watchers", "notification_preferences"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_client_id"))
            batch_op.drop_index(batch_op.f(f"ix_{table}_agency_id"))
        op.drop_table(table)
