"""notices, staff, district supervision reports, implementation status

Revision ID: 0005_office_records
Revises: 0004_problem_work
Create Date: 2026-11-27
"""

from __future__ import annotations

revision = "0005_office_records"
down_revision = "0004_problem_work"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
