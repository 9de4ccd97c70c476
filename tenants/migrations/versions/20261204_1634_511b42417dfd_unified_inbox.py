"""the unified inbox: items, sync state, actions, notes, tags, saved replies, settings, rules, alerts

Revision ID: 511b42417dfd
Revises: a41c7e2d9b03
Create Date: 2026-12-04 16:34:54.521961
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "511b42417dfd"
down_revision = "a41c7e2d9b03"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crisis_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_negative", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("webhook_status", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["users.id"],
            name=op.f("fk_crisis_alerts_acknowledged_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_crisis_alerts_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_crisis_alerts_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_alerts")),
    )
    with op.batch_alter_table("crisis_alerts", schema=None) as batch_op:
        batch_op.create_index("ix_crisis_alerts_client_fired", ["client_id", "fired_at"], unique=False)

    op.create_table(
        "inbox_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("business_hours", sa.JSON(), nullable=False),
        sa.Column("first_response_minutes", sa.Integer(), nullable=False),
        sa.Column("resolution_minutes", sa.Integer(), nullable=False),
        sa.Column("sync_minutes", sa.Integer(), nullable=False),
        sa.Column("crisis", sa.JSON(), nullable=False),
        sa.Column("crisis_webhook_enc", sa.Text(), nullable=True),
        sa.Column("holding_statement", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_inbox_settings_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_inbox_settings_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_settings")),
        sa.UniqueConstraint("client_id", name=op.f("uq_inbox_settings_client_id")),
    )
    op.create_table(
        "inbox_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_inbox_tags_agency_id_agencies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_inbox_tags_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_tags")),
        sa.UniqueConstraint("client_id", "name", name=op.f("uq_inbox_tags_client_id")),
    )
    op.create_table(
        "saved_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_saved_replies_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_saved_replies_client_id_clients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_saved_replies_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_replies")),
        sa.UniqueConstraint("client_id", "title", name=op.f("uq_saved_replies_client_id")),
    )
    op.create_table(
        "moderation_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("match_offensive", sa.Boolean(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_moderation_rules_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["users.id"],
            name=op.f("fk_moderation_rules_assignee_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_moderation_rules_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"],
            ["inbox_tags.id"],
            name=op.f("fk_moderation_rules_tag_id_inbox_tags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_rules")),
    )
    with op.batch_alter_table("moderation_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_moderation_rules_client_id"), ["client_id"], unique=False)

    op.create_table(
        "inbox_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("remote_id", sa.String(length=300), nullable=False),
        sa.Column("thread_key", sa.String(length=300), nullable=False),
        sa.Column("post_remote_id", sa.String(length=300), nullable=True),
        sa.Column("parent_remote_id", sa.String(length=300), nullable=True),
        sa.Column("author_id", sa.String(length=200), nullable=False),
        sa.Column("author_handle", sa.String(length=200), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("author_followers", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("sentiment", sa.String(length=10), nullable=False),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("is_question", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("first_response_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("liked", sa.Boolean(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["social_accounts.id"],
            name=op.f("fk_inbox_items_account_id_social_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_inbox_items_agency_id_agencies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_inbox_items_assignee_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_inbox_items_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_items")),
        sa.UniqueConstraint("account_id", "remote_id", name=op.f("uq_inbox_items_account_id")),
    )
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbox_items_agency_created", ["agency_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_inbox_items_assignee_status", ["assignee_id", "status", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_inbox_items_client_author", ["client_id", "author_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_inbox_items_client_created", ["client_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_inbox_items_client_status_created", ["client_id", "status", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_inbox_items_client_thread", ["client_id", "thread_key", "created_at"], unique=False
        )

    op.create_table(
        "inbox_sync_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("next_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_new_items", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("error_class", sa.String(length=20), nullable=True),
        sa.Column("error_message", sa.String(length=500), nullable=True),
        sa.Column("resume_cursor", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["social_accounts.id"],
            name=op.f("fk_inbox_sync_states_account_id_social_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_inbox_sync_states_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_inbox_sync_states_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_sync_states")),
        sa.UniqueConstraint("account_id", "kind", name=op.f("uq_inbox_sync_states_account_id")),
    )
    with op.batch_alter_table("inbox_sync_states", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_sync_due", ["next_sync_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbox_sync_states_client_id"), ["client_id"], unique=False)

    op.create_table(
        "inbox_actions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("saved_reply_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("remote_id", sa.String(length=300), nullable=True),
        sa.Column("error_class", sa.String(length=20), nullable=True),
        sa.Column("error_message", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_inbox_actions_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_inbox_actions_client_id_clients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["inbox_items.id"],
            name=op.f("fk_inbox_actions_item_id_inbox_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["saved_reply_id"],
            ["saved_replies.id"],
            name=op.f("fk_inbox_actions_saved_reply_id_saved_replies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_inbox_actions_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_actions")),
        sa.UniqueConstraint("item_id", "request_key", name=op.f("uq_inbox_actions_item_id")),
    )
    with op.batch_alter_table("inbox_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_actions_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbox_actions_item_id"), ["item_id"], unique=False)
        batch_op.create_index("ix_inbox_actions_status", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "inbox_item_tags",
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_inbox_item_tags_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_inbox_item_tags_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["inbox_items.id"],
            name=op.f("fk_inbox_item_tags_item_id_inbox_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"],
            ["inbox_tags.id"],
            name=op.f("fk_inbox_item_tags_tag_id_inbox_tags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "tag_id", name=op.f("pk_inbox_item_tags")),
    )
    with op.batch_alter_table("inbox_item_tags", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_item_tags_tag_item", ["tag_id", "item_id"], unique=False)

    op.create_table(
        "inbox_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("mentioned_user_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_inbox_notes_agency_id_agencies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_inbox_notes_client_id_clients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["inbox_items.id"],
            name=op.f("fk_inbox_notes_item_id_inbox_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_inbox_notes_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_notes")),
    )
    with op.batch_alter_table("inbox_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_notes_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbox_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_notes_item_id"))

    op.drop_table("inbox_notes")
    with op.batch_alter_table("inbox_item_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_item_tags_tag_item")

    op.drop_table("inbox_item_tags")
    with op.batch_alter_table("inbox_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_actions_status")
        batch_op.drop_index(batch_op.f("ix_inbox_actions_item_id"))
        batch_op.drop_index(batch_op.f("ix_inbox_actions_client_id"))

    op.drop_table("inbox_actions")
    with op.batch_alter_table("inbox_sync_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_sync_states_client_id"))
        batch_op.drop_index("ix_inbox_sync_due")

    op.drop_table("inbox_sync_states")
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_items_client_thread")
        batch_op.drop_index("ix_inbox_items_client_status_created")
        batch_op.drop_index("ix_inbox_items_client_created")
        batch_op.drop_index("ix_inbox_items_client_author")
        batch_op.drop_index("ix_inbox_items_assignee_status")
        batch_op.drop_index("ix_inbox_items_agency_created")

    op.drop_table("inbox_items")
    with op.batch_alter_table("moderation_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_rules_client_id"))

    op.drop_table("moderation_rules")
    op.drop_table("saved_replies")
    op.drop_table("inbox_tags")
    op.drop_table("inbox_settings")
    with op.batch_alter_table("crisis_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_crisis_alerts_client_fired")

    op.drop_table("crisis_alerts")
