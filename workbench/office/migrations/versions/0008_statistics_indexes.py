"""covering indexes for the statistics: cells by district and indicator, figures by period

Revision ID: 0008_statistics_indexes
Revises: 0007_queue_indexes
Create Date: 2026-11-27

The statistics group the problems by (district, indicator) and by last_period and read only
state, deadline, updated_at and amount. Indexes holding those columns after the grouping keys
let SQLite read the groups in order from the index alone, without sorting and without visiting
the table: at 200,000 problems the problems' part of the cells fell from ~0.33 s to ~0.1 s.
``ix_problem_last_period`` is the prefix of the period index and goes.
"""

from __future__ import annotations

from alembic import op

revision = "0008_statistics_indexes"
down_revision = "0007_queue_indexes"
branch_labels = None
depends_on = None

FIGURES = ["state", "deadline", "updated_at", "amount"]


def upgrade() -> None:
    op.create_index("ix_problem_cells", "problem", ["district_code", "indicator_code", "last_period", *FIGURES])
    op.create_index("ix_problem_period_cells", "problem",
                    ["last_period", "district_code", "indicator_code", *FIGURES])
    op.drop_index("ix_problem_last_period", table_name="problem")


def downgrade() -> None:
    op.create_index("ix_problem_last_period", "problem", ["last_period"])
    op.drop_index("ix_problem_period_cells", table_name="problem")
    op.drop_index("ix_problem_cells", table_name="problem")
