"""the work on a problem: findings, comments, attachments, escalation and deferral

Revision ID: 0004_problem_work
Revises: 0003_users_log
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import oracle

revision = "0004_problem_work"
down_revision = "0003_users_log"
branch_labels = None
depends_on = None

# Oracle: TIMESTAMP WITH TIME ZONE (a DateTime is a DATE there: no fraction of a second, no zone)
TS = sa.DateTime(timezone=True).with_variant(oracle.TIMESTAMP(timezone=True), "oracle")
AMOUNT = sa.Numeric(18, 2)

# (name, name on Oracle)
ATTACHMENT_FK = ("fk_problem_attachment_problem_id", "fk_problem_attachment_problem")
ATTACHMENT_IX = ("ix_problem_attachment_problem_id", "ix_problem_attachment_problem")


def _oracle(long: str, short: str) -> str:
    """``short`` on Oracle (30 characters at most), else ``long`` (0013_short_names renames it)."""
    return short if op.get_context().dialect.name == "oracle" else long


def upgrade() -> None:
    with op.batch_alter_table("problem") as batch:
        batch.add_column(sa.Column("escalation", sa.String(16), nullable=True))
        batch.add_column(sa.Column("deferral_until", TS, nullable=True))
    op.create_table(
        "problem_finding",
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("conclusion", sa.String(32), nullable=False),
        sa.Column("amount_involved", AMOUNT, nullable=False),
        sa.Column("amount_recovered", AMOUNT, nullable=False),
        sa.Column("fines", AMOUNT, nullable=False),
        sa.Column("rectified", sa.Integer(), nullable=False),
        sa.Column("persons_punished", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["problem_id"], ["problem.id"], name="fk_problem_finding_problem_id",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("problem_id", name="pk_problem_finding"),
    )
    op.create_table(
        "problem_comment",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["problem_id"], ["problem.id"], name="fk_problem_comment_problem_id",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_problem_comment"),
    )
    op.create_index("ix_problem_comment_problem_id", "problem_comment", ["problem_id"])
    op.create_table(
        "problem_attachment",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["problem_id"], ["problem.id"], name=_oracle(*ATTACHMENT_FK),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_problem_attachment"),
    )
    op.create_index(_oracle(*ATTACHMENT_IX), "problem_attachment", ["problem_id"])


def downgrade() -> None:
    op.drop_index(_oracle(*ATTACHMENT_IX), table_name="problem_attachment")
    op.drop_table("problem_attachment")
    op.drop_index("ix_problem_comment_problem_id", table_name="problem_comment")
    op.drop_table("problem_comment")
    op.drop_table("problem_finding")
    with op.batch_alter_table("problem") as batch:
        batch.drop_column("deferral_until")
        batch.drop_column("escalation")
