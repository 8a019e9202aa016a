"""login attempts: throttling per (user name, source address) and per address

Revision ID: 0010_login_attempt
Revises: 0009_session_page_key
Create Date: 2026-12-04

security.md counts failed logins in the office database, so that the limits hold across
server processes; an account is no longer locked by failures (strangers could lock anyone
out), only disabled by an admin.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import oracle

revision = "0010_login_attempt"
down_revision = "0009_session_page_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer, sa.Identity(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True).with_variant(oracle.TIMESTAMP(timezone=True), "oracle"),
                  nullable=False),
        sa.Column("username", sa.String(128), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("ok", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempt"),
    )
    op.create_index("ix_login_attempt_user_addr", "login_attempt", ["username", "address", "at"])
    op.create_index("ix_login_attempt_addr_at", "login_attempt", ["address", "at"])


def downgrade() -> None:
    op.drop_index("ix_login_attempt_addr_at", table_name="login_attempt")
    op.drop_index("ix_login_attempt_user_addr", table_name="login_attempt")
    op.drop_table("login_attempt")
