"""users, roles, sessions and the hash-chained action log

Revision ID: 0003_users_log
Revises: 0002_run_sql
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import oracle

revision = "0003_users_log"
down_revision = "0002_run_sql"
branch_labels = None
depends_on = None

# Oracle: TIMESTAMP WITH TIME ZONE (a DateTime is a DATE there: no fraction of a second, no zone)
TS = sa.DateTime(timezone=True).with_variant(oracle.TIMESTAMP(timezone=True), "oracle")


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("district_code", sa.String(12), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("disabled", sa.Integer(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", TS, nullable=True),
        sa.Column("password_changed_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_app_user"),
        sa.UniqueConstraint("username", name="uq_app_user_username"),
    )
    op.create_table(
        "user_role",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name="fk_user_role_user_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "role", name="pk_user_role"),
    )
    op.create_table(
        "user_session",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name="fk_user_session_user_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash", name="pk_user_session"),
    )
    op.create_index("ix_user_session_user_id", "user_session", ["user_id"])
    op.create_table(
        "action_log",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(128), nullable=True),
        sa.Column("district_code", sa.String(12), nullable=True),
        sa.Column("detail_json", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_action_log"),
    )
    op.create_index("ix_action_log_actor_at", "action_log", ["actor", "at"])
    op.create_index("ix_action_log_action_at", "action_log", ["action", "at"])
    op.create_table(
        "log_anchor",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_log_anchor"),
    )
    anchor = sa.table("log_anchor", sa.column("name", sa.String), sa.column("records", sa.Integer),
                      sa.column("last_id", sa.Integer), sa.column("last_hash", sa.String))
    op.bulk_insert(anchor, [{"name": "action_log", "records": 0, "last_id": 0, "last_hash": "0" * 64}])


def downgrade() -> None:
    op.drop_table("log_anchor")
    op.drop_index("ix_action_log_action_at", table_name="action_log")
    op.drop_index("ix_action_log_actor_at", table_name="action_log")
    op.drop_table("action_log")
    op.drop_index("ix_user_session_user_id", table_name="user_session")
    op.drop_table("user_session")
    op.drop_table("user_role")
    op.drop_table("app_user")
