"""notices, staff, district supervision reports, implementation status

Revision ID: 0005_office_records
Revises: 0004_problem_work
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import oracle

revision = "0005_office_records"
down_revision = "0004_problem_work"
branch_labels = None
depends_on = None

# Oracle: TIMESTAMP WITH TIME ZONE (a DateTime is a DATE there: no fraction of a second, no zone)
TS = sa.DateTime(timezone=True).with_variant(oracle.TIMESTAMP(timezone=True), "oracle")
AMOUNT = sa.Numeric(18, 2)
# (name, name on Oracle)
REPORT_UQ = ("uq_district_report_district_period", "uq_district_report_period")
STATUS_UQ = ("uq_implementation_status_district_period", "uq_impl_status_district_period")
STATUS_IX = ("ix_implementation_status_period", "ix_impl_status_period")


def _oracle(long: str, short: str) -> str:
    """``short`` on Oracle (30 characters at most), else ``long`` (0013_short_names renames it)."""
    return short if op.get_context().dialect.name == "oracle" else long


def _by_district_period() -> list[sa.Column]:
    return [sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
            sa.Column("district_code", sa.String(12), nullable=False),
            sa.Column("period", sa.String(6), nullable=False)]


def _submitted() -> list[sa.Column]:
    return [sa.Column("submitted_by", sa.String(64), nullable=False),
            sa.Column("submitted_at", TS, nullable=False),
            sa.Column("updated_by", sa.String(64), nullable=False),
            sa.Column("updated_at", TS, nullable=False),
            sa.Column("version", sa.Integer(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "office_notice",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("published_at", TS, nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("withdrawn", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_office_notice"),
    )
    op.create_index("ix_office_notice_published_at", "office_notice", ["published_at"])
    op.create_table(
        "staff_member",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("district_code", sa.String(12), nullable=False),
        sa.Column("position", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_member"),
    )
    op.create_index("ix_staff_member_district_code", "staff_member", ["district_code"])
    op.create_table(
        "district_report",
        *_by_district_period(),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("amount_involved", AMOUNT, nullable=False),
        sa.Column("amount_recovered", AMOUNT, nullable=False),
        sa.Column("rectification", sa.String(32), nullable=False),
        *_submitted(),
        sa.PrimaryKeyConstraint("id", name="pk_district_report"),
        sa.UniqueConstraint("district_code", "period", name=_oracle(*REPORT_UQ)),
    )
    op.create_index("ix_district_report_period", "district_report", ["period"])
    op.create_table(
        "implementation_status",
        *_by_district_period(),
        sa.Column("inspections", sa.Integer(), nullable=False),
        sa.Column("problems_found", sa.Integer(), nullable=False),
        sa.Column("fund_losses_found", AMOUNT, nullable=False),
        sa.Column("problems_handled", sa.Integer(), nullable=False),
        sa.Column("losses_recovered", AMOUNT, nullable=False),
        sa.Column("fines_recovered", AMOUNT, nullable=False),
        sa.Column("persons_punished", sa.Integer(), nullable=False),
        *_submitted(),
        sa.PrimaryKeyConstraint("id", name="pk_implementation_status"),
        sa.UniqueConstraint("district_code", "period", name=_oracle(*STATUS_UQ)),
    )
    op.create_index(_oracle(*STATUS_IX), "implementation_status", ["period"])


def downgrade() -> None:
    op.drop_index(_oracle(*STATUS_IX), table_name="implementation_status")
    op.drop_table("implementation_status")
    op.drop_index("ix_district_report_period", table_name="district_report")
    op.drop_table("district_report")
    op.drop_index("ix_staff_member_district_code", table_name="staff_member")
    op.drop_table("staff_member")
    op.drop_index("ix_office_notice_published_at", table_name="office_notice")
    op.drop_table("office_notice")
