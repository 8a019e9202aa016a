"""statistics archived per period and district assessment scores

Revision ID: 0006_statistics_archive
Revises: 0005_office_records
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import oracle

revision = "0006_statistics_archive"
down_revision = "0005_office_records"
branch_labels = None
depends_on = None

# Oracle: TIMESTAMP WITH TIME ZONE (a DateTime is a DATE there: no fraction of a second, no zone)
TS = sa.DateTime(timezone=True).with_variant(oracle.TIMESTAMP(timezone=True), "oracle")
SCORE = sa.Numeric(8, 2)

# (name, name on Oracle)
CELL_FK = ("fk_statistics_archive_cell_period", "fk_statistics_archive_00282f0d")


def _oracle(long: str, short: str) -> str:
    """``short`` on Oracle (30 characters at most), else ``long`` (0013_short_names renames it)."""
    return short if op.get_context().dialect.name == "oracle" else long


def upgrade() -> None:
    op.create_table(
        "statistics_archive",
        sa.Column("period", sa.String(6), nullable=False),
        sa.Column("archived_at", TS, nullable=False),
        sa.Column("archived_by", sa.String(64), nullable=False),
        sa.Column("scoring_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("period", name="pk_statistics_archive"),
    )
    op.create_table(
        "statistics_archive_cell",
        sa.Column("period", sa.String(6), nullable=False),
        sa.Column("district_code", sa.String(12), nullable=False),
        sa.Column("indicator_code", sa.String(32), nullable=False),
        sa.Column("figures_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["period"], ["statistics_archive.period"],
                                name=_oracle(*CELL_FK), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("period", "district_code", "indicator_code", name="pk_statistics_archive_cell"),
    )
    op.create_table(
        "score_archive",
        sa.Column("period", sa.String(6), nullable=False),
        sa.Column("district_code", sa.String(12), nullable=False),
        sa.Column("warning", SCORE, nullable=False),
        sa.Column("rectification", SCORE, nullable=False),
        sa.Column("recovered_money", SCORE, nullable=False),
        sa.Column("recovered_fund", SCORE, nullable=False),
        sa.Column("extra", SCORE, nullable=False),
        sa.Column("total", SCORE, nullable=False),
        sa.Column("extra_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["period"], ["statistics_archive.period"], name="fk_score_archive_period",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("period", "district_code", name="pk_score_archive"),
    )
    op.create_table(
        "district_extra_score",
        sa.Column("period", sa.String(6), nullable=False),
        sa.Column("district_code", sa.String(12), nullable=False),
        sa.Column("score", SCORE, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("entered_by", sa.String(64), nullable=False),
        sa.Column("entered_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("period", "district_code", name="pk_district_extra_score"),
    )


def downgrade() -> None:
    op.drop_table("district_extra_score")
    op.drop_table("score_archive")
    op.drop_table("statistics_archive_cell")
    op.drop_table("statistics_archive")
