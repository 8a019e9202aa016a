"""the compiled SQL is kept once per run and indicator; a problem points to its last run

Revision ID: 0002_run_sql
Revises: 0001_office_schema
Create Date: 2026-11-27

``problem.sql_text`` repeated the same SQL on every problem of an indicator (kilobytes
each, 200,000 problems): ``run_indicator.sql_text`` holds it once per run, and
``problem.last_run_id`` names the run that last detected the problem (its SQL and
parameters are that run's). Existing problems get the run of their latest event.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0002_run_sql"
down_revision = "0001_office_schema"
branch_labels = None
depends_on = None


def _problem(with_run: bool) -> sa.Table | None:
    """``problem`` as 0001 left it (``with_run``: and with ``last_run_id``), for the batch copy on
    SQLite in offline SQL, where no table can be read from a database; None otherwise."""
    if not (context.is_offline_mode() and op.get_context().dialect.name == "sqlite"):
        return None
    ts = sa.DateTime(timezone=True)
    m = sa.MetaData()
    sa.Table("indicator_run", m, sa.Column("id", sa.Integer(), primary_key=True))
    run = ([sa.Column("last_run_id", sa.Integer(), nullable=True),
            sa.ForeignKeyConstraint(["last_run_id"], ["indicator_run.id"], name="fk_problem_last_run_id")]
           if with_run else [])
    return sa.Table(
        "problem", m,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(32), nullable=False),
        sa.Column("indicator_version", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(16), nullable=False),
        sa.Column("subject_key", sa.String(128), nullable=False),
        sa.Column("district_code", sa.String(12), nullable=False),
        sa.Column("first_period", sa.String(6), nullable=False),
        sa.Column("last_period", sa.String(6), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("deadline", ts, nullable=True),
        sa.Column("recurrence_of", sa.Integer(), nullable=True),
        sa.Column("params_json", sa.Text(), nullable=True),
        sa.Column("sql_text", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        *run,
        sa.ForeignKeyConstraint(["recurrence_of"], ["problem.id"], name="fk_problem_recurrence_of"),
        sa.PrimaryKeyConstraint("id", name="pk_problem"),
        sa.Index("ix_problem_indicator_subject", "indicator_code", "subject_key"),
        sa.Index("ix_problem_district_state", "district_code", "state"),
        sa.Index("ix_problem_state", "state"),
        sa.Index("ix_problem_last_period", "last_period"))


def upgrade() -> None:
    with op.batch_alter_table("run_indicator") as batch:
        batch.add_column(sa.Column("sql_text", sa.Text(), nullable=True))
    with op.batch_alter_table("problem", copy_from=_problem(with_run=False)) as batch:
        batch.add_column(sa.Column("last_run_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_problem_last_run_id", "indicator_run", ["last_run_id"], ["id"])
    op.execute(
        "UPDATE problem SET last_run_id = (SELECT MAX(e.run_id) FROM problem_event e "
        "WHERE e.problem_id = problem.id)"
    )
    with op.batch_alter_table("problem", copy_from=_problem(with_run=True)) as batch:
        batch.drop_column("sql_text")


def downgrade() -> None:
    with op.batch_alter_table("problem") as batch:
        batch.add_column(sa.Column("sql_text", sa.Text(), nullable=True))
    op.execute(
        "UPDATE problem SET sql_text = (SELECT r.sql_text FROM run_indicator r "
        "WHERE r.run_id = problem.last_run_id AND r.indicator_code = problem.indicator_code)"
    )
    with op.batch_alter_table("problem") as batch:
        batch.drop_constraint("fk_problem_last_run_id", type_="foreignkey")
        batch.drop_column("last_run_id")
    with op.batch_alter_table("run_indicator") as batch:
        batch.drop_column("sql_text")
