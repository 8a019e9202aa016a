"""indexes for the work queue: ordered by deadline, city-wide and per district

Revision ID: 0007_queue_indexes
Revises: 0006_statistics_archive
Create Date: 2026-11-27

The queue pages order by (deadline, id); without an index covering that order every page
sorted all open problems (70 ms on SQLite at 200,000 problems, under 5 ms with it).
"""

from __future__ import annotations

from alembic import op

revision = "0007_queue_indexes"
down_revision = "0006_statistics_archive"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_problem_deadline_id", "problem", ["deadline", "id"])
    op.create_index("ix_problem_district_deadline", "problem", ["district_code", "deadline", "id"])


def downgrade() -> None:
    op.drop_index("ix_problem_district_deadline", table_name="problem")
    op.drop_index("ix_problem_deadline_id", table_name="problem")
