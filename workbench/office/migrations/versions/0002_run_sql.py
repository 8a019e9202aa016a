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
from alembic import op

revision = "0002_run_sql"
down_revision = "0001_office_schema"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("run_indicator") as batch:
        batch.add_column(sa.Column("sql_text", sa.Text(), nullable=True))
    with op.batch_alter_table("problem") as batch:
        batch.add_column(sa.Column("last_run_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_problem_last_run_id", "indicator_run", ["last_run_id"], ["id"])
    op.execute(
        "UPDATE problem SET last_run_id = (SELECT MAX(e.run_id) FROM problem_event e "
        "WHERE e.problem_id = problem.id)"
    )
    with op.batch_alter_table("problem") as batch:
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
