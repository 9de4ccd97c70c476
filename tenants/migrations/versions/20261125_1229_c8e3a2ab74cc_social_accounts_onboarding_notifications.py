"""social accounts onboarding notifications

Revision ID: c8e3a2ab74cc
Revises: ac7532422708
Create Date: 2026-11-25 12:29:29.375605
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c8e3a2ab74cc"
down_revision = "ac7532422708"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mastodon_apps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance", sa.String(length=255), nullable=False),
        sa.Column("redirect_uri", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret_enc", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mastodon_apps")),
        sa.UniqueConstraint("instance", name=op.f("uq_mastodon_apps_instance")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_notifications_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_notifications_client_id_clients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_user_unread", ["user_id", "read_at"], unique=False)

    op.create_table(
        "onboarding_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("networks", sa.JSON(), nullable=False),
        sa.Column("max_accounts", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accounts_connected", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_onboarding_links_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_onboarding_links_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_onboarding_links_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_onboarding_links_token_hash")),
    )
    with op.batch_alter_table("onboarding_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_onboarding_links_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_onboarding_links_client_id"), ["client_id"], unique=False)

    op.create_table(
        "pending_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=20), nullable=False),
        sa.Column("payload_enc", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("onboarding_link_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_pending_connections_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_pending_connections_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["onboarding_link_id"],
            ["onboarding_links.id"],
            name=op.f("fk_pending_connections_onboarding_link_id_onboarding_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_pending_connections_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_connections")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_pending_connections_key_hash")),
    )
    with op.batch_alter_table("pending_connections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_connections_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pending_connections_client_id"), ["client_id"], unique=False)

    with op.batch_alter_table("social_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remote_id", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("kind", sa.String(length=30), nullable=False, server_default="profile"))
        batch_op.add_column(
            sa.Column("display_name", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("status_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("access_token_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("refresh_token_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("scopes", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("extra", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(
            sa.Column("connected_via", sa.String(length=20), nullable=False, server_default="staff")
        )
        batch_op.add_column(sa.Column("onboarding_link_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "connected_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
            )
        )
        batch_op.add_column(sa.Column("last_refreshed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("disconnected_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_social_accounts_agency_id"), ["agency_id", "network", "remote_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_social_accounts_onboarding_link_id_onboarding_links"),
            "onboarding_links",
            ["onboarding_link_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("social_accounts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_social_accounts_onboarding_link_id_onboarding_links"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_social_accounts_agency_id"), type_="unique")
        batch_op.drop_column("disconnected_at")
        batch_op.drop_column("last_refreshed_at")
        batch_op.drop_column("connected_at")
        batch_op.drop_column("onboarding_link_id")
        batch_op.drop_column("connected_via")
        batch_op.drop_column("extra")
        batch_op.drop_column("scopes")
        batch_op.drop_column("token_expires_at")
        batch_op.drop_column("refresh_token_enc")
        batch_op.drop_column("access_token_enc")
        batch_op.drop_column("status_reason")
        batch_op.drop_column("display_name")
        batch_op.drop_column("kind")
        batch_op.drop_column("remote_id")

    with op.batch_alter_table("pending_connections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_connections_client_id"))
        batch_op.drop_index(batch_op.f("ix_pending_connections_agency_id"))

    op.drop_table("pending_connections")
    with op.batch_alter_table("onboarding_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_links_client_id"))
        batch_op.drop_index(batch_op.f("ix_onboarding_links_agency_id"))

    op.drop_table("onboarding_links")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_unread")

    op.drop_table("notifications")
    op.drop_table("mastodon_apps")
