"""the page key of a session: what a served page carries in place of the session token

Revision ID: 0009_session_page_key
Revises: 0008_statistics_indexes
Create Date: 2026-11-28

Bokeh copies the request's cookies into the session token embedded in every page, where the
page's scripts can read them. The page therefore carries a page key (``accounts.page_key``, a
one-way function of the session token) instead of the HttpOnly token, and a page's actions
find their session by the key's SHA-256, kept here. Sessions opened before this migration
have none: their pages send the user to log in again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_session_page_key"
down_revision = "0008_statistics_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_session") as batch:
        batch.add_column(sa.Column("page_key_hash", sa.String(64), nullable=True))
    op.create_index("ix_user_session_page_key", "user_session", ["page_key_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_user_session_page_key", table_name="user_session")
    with op.batch_alter_table("user_session") as batch:
        batch.drop_column("page_key_hash")
