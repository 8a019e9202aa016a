"""statistics archived per period and district assessment scores

Revision ID: 0006_statistics_archive
Revises: 0005_office_records
Create Date: 2026-11-27
"""

from __future__ import annotations

revision = "0006_statistics_archive"
down_revision = "0005_office_records"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
