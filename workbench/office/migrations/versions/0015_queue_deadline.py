"""indexes for the work queue by state: a page of the work set in deadline order, unsorted

Revision ID: 0015_queue_deadline
Revises: 0014_documents
Create Date: 2026-12-08

The default queue (我的待办, ``workflow.work``) is a union of (districts, state) parts. With
indexes ending in the queue's order (deadline, id) after state, each part yields its first rows
of a page already in order, so a page of 50 reads about 50 rows per part instead of sorting the
whole work set (a city handler: 23,000 rows sorted at 200,000 problems). The new indexes
widen ``ix_problem_state`` (state) and ``ix_problem_district_state`` (district_code, state),
which are their prefixes and are dropped (same number of indexes to maintain on publish; the
counts read the wider ones alone as they read the narrow ones).
"""

from __future__ import annotations

from alembic import op

revision = "0015_queue_deadline"
down_revision = "0014_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_problem_state_deadline", "problem", ["state", "deadline", "id"])
    op.create_index("ix_problem_dist_state_dl", "problem", ["district_code", "state", "deadline", "id"])
    op.drop_index("ix_problem_state", table_name="problem")
    op.drop_index("ix_problem_district_state", table_name="problem")


def downgrade() -> None:
    op.create_index("ix_problem_district_state", "problem", ["district_code", "state"])
    op.create_index("ix_problem_state", "problem", ["state"])
    op.drop_index("ix_problem_dist_state_dl", table_name="problem")
    op.drop_index("ix_problem_state_deadline", table_name="problem")
