"""field limits: columns wide enough for the limits of security.md

Revision ID: 0012_field_limits
Revises: 0011_log_mac
Create Date: 2026-12-04

security.md limits person names to 100 characters and titles to 300 (workbench.validators);
the columns that hold them were narrower (a longer value was a database error on
PostgreSQL): ``app_user.display_name`` and ``staff_member.name`` 64 -> 100,
``office_notice.title`` 200 -> 300. Widening keeps every value.

SQLite does not enforce VARCHAR lengths, but its schema should say what the models say. A
batch copy of ``app_user`` would drop the table its users' roles and sessions refer to
(ON DELETE CASCADE), so on SQLite each column is replaced in place instead: a new column of
the new size, the values copied, the old column dropped and the new one renamed (SQLite
3.35 or later). Downgrading narrows them again (on PostgreSQL it fails while a longer
value is stored).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_field_limits"
down_revision = "0011_log_mac"
branch_labels = None
depends_on = None

# table, column, size before, size after
WIDENED = (("app_user", "display_name", 64, 100), ("staff_member", "name", 64, 100),
           ("office_notice", "title", 200, 300))


def _resize(table: str, column: str, old: int, new: int) -> None:
    if op.get_context().dialect.name != "sqlite":
        op.alter_column(table, column, type_=sa.String(new), existing_type=sa.String(old), existing_nullable=False)
        return
    tmp = f"{column}_resized"
    op.execute(f"ALTER TABLE {table} ADD COLUMN {tmp} VARCHAR({new}) NOT NULL DEFAULT ''")
    op.execute(f"UPDATE {table} SET {tmp} = {column}")
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {tmp} TO {column}")


def upgrade() -> None:
    for table, column, old, new in WIDENED:
        _resize(table, column, old, new)


def downgrade() -> None:
    for table, column, old, new in WIDENED:
        _resize(table, column, new, old)
