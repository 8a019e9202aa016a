"""short names: every office identifier fits Oracle 11g R2's 30 characters

Revision ID: 0013_short_names
Revises: 0012_field_limits
Create Date: 2026-12-07

Oracle before 12.2 refuses an identifier longer than 30 characters (ORA-00972); six names of
0004-0006 were longer. Each is renamed here, its data and meaning unchanged (``RENAMED``):

* PostgreSQL: ``ALTER INDEX ... RENAME TO`` and ``ALTER TABLE ... RENAME CONSTRAINT`` (a unique
  constraint's index follows its constraint), in place, no row touched.
* SQLite cannot rename an index or a constraint: an index is dropped and created again under
  its new name; a constraint is renamed by Alembic's batch copy of its table (created anew,
  rows copied, old table dropped). None of the four tables is referred to by another, so the
  copy cascades nothing away. Offline (``--sql``) the copy is written from the tables as 0012
  left them (``BEFORE``), since nothing can be read from a database there.
* Oracle: 0004-0006 create the short names directly on Oracle (an Oracle office could never
  hold the long ones), so there is nothing to rename; a comment says so in offline SQL.

The fk of ``statistics_archive_cell`` is the one the models' naming convention gives now
(``workbench.office.models.short``: a name over 30 characters becomes its first 21, ``_`` and
8 hex digits of its SHA-1); the others are chosen names, as in the models.

Downgrade renames them back (SQLite and PostgreSQL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0013_short_names"
down_revision = "0012_field_limits"
branch_labels = None
depends_on = None

# kind, table, old name, new name, columns (unique constraints and indexes) or
# (column, referred table.column, on delete) for foreign keys
RENAMED = (
    ("index", "problem_attachment", "ix_problem_attachment_problem_id", "ix_problem_attachment_problem",
     ("problem_id",)),
    ("fk", "problem_attachment", "fk_problem_attachment_problem_id", "fk_problem_attachment_problem",
     ("problem_id", "problem.id", "CASCADE")),
    ("fk", "statistics_archive_cell", "fk_statistics_archive_cell_period", "fk_statistics_archive_00282f0d",
     ("period", "statistics_archive.period", "CASCADE")),
    ("unique", "district_report", "uq_district_report_district_period", "uq_district_report_period",
     ("district_code", "period")),
    ("unique", "implementation_status", "uq_implementation_status_district_period",
     "uq_impl_status_district_period", ("district_code", "period")),
    ("index", "implementation_status", "ix_implementation_status_period", "ix_impl_status_period", ("period",)),
)

TS = sa.DateTime(timezone=True)
AMOUNT = sa.Numeric(18, 2)


def _submitted() -> list[sa.Column]:
    return [sa.Column("submitted_by", sa.String(64), nullable=False),
            sa.Column("submitted_at", TS, nullable=False),
            sa.Column("updated_by", sa.String(64), nullable=False),
            sa.Column("updated_at", TS, nullable=False),
            sa.Column("version", sa.Integer(), nullable=False)]


def _before(table: str, names: dict[str, str], index: str | None) -> sa.Table:
    """``table`` as 0012 left it, its constraints named by ``names`` (kind -> name) and its
    renamed index (if any) called ``index``; for the offline batch copy on SQLite only (online,
    the table is read from the database)."""
    m = sa.MetaData()
    if table == "problem_attachment":
        sa.Table("problem", m, sa.Column("id", sa.Integer(), primary_key=True))
        return sa.Table(
            table, m,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("problem_id", sa.Integer(), nullable=False),
            sa.Column("at", TS, nullable=False),
            sa.Column("author", sa.String(64), nullable=False),
            sa.Column("filename", sa.String(255), nullable=False),
            sa.Column("size", sa.Integer(), nullable=False),
            sa.Column("sha256", sa.String(64), nullable=False),
            sa.ForeignKeyConstraint(["problem_id"], ["problem.id"], name=names["fk"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id", name="pk_problem_attachment"),
            sa.Index(index, "problem_id"))
    if table == "statistics_archive_cell":
        sa.Table("statistics_archive", m, sa.Column("period", sa.String(6), primary_key=True))
        return sa.Table(
            table, m,
            sa.Column("period", sa.String(6), nullable=False),
            sa.Column("district_code", sa.String(12), nullable=False),
            sa.Column("indicator_code", sa.String(32), nullable=False),
            sa.Column("figures_json", sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(["period"], ["statistics_archive.period"], name=names["fk"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("period", "district_code", "indicator_code", name="pk_statistics_archive_cell"))
    columns = [sa.Column("id", sa.Integer(), nullable=False),
               sa.Column("district_code", sa.String(12), nullable=False),
               sa.Column("period", sa.String(6), nullable=False)]
    if table == "district_report":
        index = "ix_district_report_period"  # not renamed
        columns += [sa.Column("summary", sa.Text(), nullable=False),
                    sa.Column("amount_involved", AMOUNT, nullable=False),
                    sa.Column("amount_recovered", AMOUNT, nullable=False),
                    sa.Column("rectification", sa.String(32), nullable=False)]
    else:
        columns += [sa.Column("inspections", sa.Integer(), nullable=False),
                    sa.Column("problems_found", sa.Integer(), nullable=False),
                    sa.Column("fund_losses_found", AMOUNT, nullable=False),
                    sa.Column("problems_handled", sa.Integer(), nullable=False),
                    sa.Column("losses_recovered", AMOUNT, nullable=False),
                    sa.Column("fines_recovered", AMOUNT, nullable=False),
                    sa.Column("persons_punished", sa.Integer(), nullable=False)]
    return sa.Table(table, m, *columns, *_submitted(),
                    sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
                    sa.UniqueConstraint("district_code", "period", name=names["unique"]),
                    sa.Index(index, "period"))


def _rename(back: bool) -> None:
    dialect = op.get_context().dialect.name
    pairs = [(kind, table, new, old, spec) if back else (kind, table, old, new, spec)
             for kind, table, old, new, spec in RENAMED]
    if dialect == "oracle":
        if context.is_offline_mode():
            op.execute("-- 0013_short_names: nothing to rename on Oracle (0004-0006 create the short names there)")
        return
    if dialect != "sqlite":
        for kind, table, src, dst, _spec in pairs:
            if kind == "index":
                op.execute(f"ALTER INDEX {src} RENAME TO {dst}")
            else:
                op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {src} TO {dst}")
        return
    indexes = {}
    for kind, table, src, dst, spec in pairs:
        if kind == "index":
            op.drop_index(src, table_name=table)
            op.create_index(dst, table, list(spec))
            indexes[table] = dst
    for table in dict.fromkeys(t for kind, t, *_ in pairs if kind != "index"):
        renames = [(kind, src, dst, spec) for kind, t, src, dst, spec in pairs if t == table and kind != "index"]
        copy_from = _before(table, {kind: src for kind, src, _dst, _spec in renames}, indexes.get(table)) \
            if context.is_offline_mode() else None
        with op.batch_alter_table(table, recreate="always", copy_from=copy_from) as batch:
            for kind, src, dst, spec in renames:
                if kind == "unique":
                    batch.drop_constraint(src, type_="unique")
                    batch.create_unique_constraint(dst, list(spec))
                else:
                    column, target, ondelete = spec
                    referred, referred_column = target.split(".")
                    batch.drop_constraint(src, type_="foreignkey")
                    batch.create_foreign_key(dst, referred, [column], [referred_column], ondelete=ondelete)


def upgrade() -> None:
    _rename(back=False)


def downgrade() -> None:
    _rename(back=True)
