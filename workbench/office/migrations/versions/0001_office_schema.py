"""office schema: problems, evidence, events, indicator runs and their hits

Revision ID: 0001_office_schema
Revises:
Create Date: 2024-07-01

Portable to SQLite, PostgreSQL and Oracle: named constraints and indexes (at most 30
characters), string lengths given, JSON as text, identity primary keys, no partial index.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import oracle

revision = "0001_office_schema"
down_revision = None
branch_labels = None
depends_on = None

# Oracle: TIMESTAMP WITH TIME ZONE (a DateTime is a DATE there: no fraction of a second, no zone)
TS = sa.DateTime(timezone=True).with_variant(oracle.TIMESTAMP(timezone=True), "oracle")
AMOUNT = sa.Numeric(precision=18, scale=2)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False)


def upgrade() -> None:
    op.create_table(
        "indicator_run",
        _id(),
        sa.Column("period", sa.String(6), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("params_json", sa.Text(), nullable=True),
        sa.Column("only_codes", sa.Text(), nullable=True),
        sa.Column("evaluated", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_indicator_run"),
    )
    op.create_index("ix_indicator_run_period_status", "indicator_run", ["period", "status"])

    lock = op.create_table(
        "office_lock",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("locked_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_office_lock"),
    )
    op.bulk_insert(lock, [{"name": "publish", "locked_at": None}])

    op.create_table(
        "problem",
        _id(),
        sa.Column("indicator_code", sa.String(32), nullable=False),
        sa.Column("indicator_version", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(16), nullable=False),
        sa.Column("subject_key", sa.String(128), nullable=False),
        sa.Column("district_code", sa.String(12), nullable=False),
        sa.Column("first_period", sa.String(6), nullable=False),
        sa.Column("last_period", sa.String(6), nullable=False),
        sa.Column("amount", AMOUNT, nullable=True),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("deadline", TS, nullable=True),
        sa.Column("recurrence_of", sa.Integer(), nullable=True),
        sa.Column("params_json", sa.Text(), nullable=True),
        sa.Column("sql_text", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["recurrence_of"], ["problem.id"], name="fk_problem_recurrence_of"),
        sa.PrimaryKeyConstraint("id", name="pk_problem"),
    )
    op.create_index("ix_problem_indicator_subject", "problem", ["indicator_code", "subject_key"])
    op.create_index("ix_problem_district_state", "problem", ["district_code", "state"])
    op.create_index("ix_problem_state", "problem", ["state"])
    op.create_index("ix_problem_last_period", "problem", ["last_period"])

    op.create_table(
        "problem_event",
        _id(),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(32), nullable=True),
        sa.Column("to_state", sa.String(32), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("detail_json", sa.Text(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["problem_id"], ["problem.id"], name="fk_problem_event_problem_id"),
        sa.ForeignKeyConstraint(["run_id"], ["indicator_run.id"], name="fk_problem_event_run_id"),
        sa.PrimaryKeyConstraint("id", name="pk_problem_event"),
    )
    op.create_index("ix_problem_event_problem", "problem_event", ["problem_id"])

    op.create_table(
        "problem_evidence",
        _id(),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(6), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("row_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["problem_id"], ["problem.id"], name="fk_problem_evidence_problem_id",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_problem_evidence"),
    )
    op.create_index("ix_evidence_problem_period", "problem_evidence", ["problem_id", "period"])

    op.create_table(
        "run_indicator",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(32), nullable=False),
        sa.Column("indicator_version", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("params_json", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["indicator_run.id"], name="fk_run_indicator_run_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "indicator_code", name="pk_run_indicator"),
    )
    op.create_index("ix_run_indicator_code", "run_indicator", ["indicator_code"])

    op.create_table(
        "run_hit",
        _id(),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(32), nullable=False),
        sa.Column("subject_type", sa.String(16), nullable=False),
        sa.Column("subject_key", sa.String(128), nullable=False),
        sa.Column("district_code", sa.String(12), nullable=False),
        sa.Column("amount", AMOUNT, nullable=True),
        sa.Column("problem_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["indicator_run.id"], name="fk_run_hit_run_id", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["problem_id"], ["problem.id"], name="fk_run_hit_problem_id"),
        sa.PrimaryKeyConstraint("id", name="pk_run_hit"),
    )
    op.create_index("ix_run_hit_run_indicator", "run_hit", ["run_id", "indicator_code"])


def downgrade() -> None:
    op.drop_index("ix_run_hit_run_indicator", table_name="run_hit")
    op.drop_table("run_hit")
    op.drop_index("ix_run_indicator_code", table_name="run_indicator")
    op.drop_table("run_indicator")
    op.drop_index("ix_evidence_problem_period", table_name="problem_evidence")
    op.drop_table("problem_evidence")
    op.drop_index("ix_problem_event_problem", table_name="problem_event")
    op.drop_table("problem_event")
    for name in ("ix_problem_last_period", "ix_problem_state", "ix_problem_district_state",
                 "ix_problem_indicator_subject"):
        op.drop_index(name, table_name="problem")
    op.drop_table("problem")
    op.drop_table("office_lock")
    op.drop_index("ix_indicator_run_period_status", table_name="indicator_run")
    op.drop_table("indicator_run")
