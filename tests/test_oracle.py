"""Oracle (11g R2 and later) without an Oracle server: the office DDL of every migration, the
warehouse's own statements and every indicator compiled for Oracle, parsed back with sqlglot
and checked for identifiers Oracle refuses (over 30 characters) or reads otherwise (unquoted
reserved words or mixed case); ``workbench db ddl`` on all three dialects; and
0013_short_names upgrading and downgrading real SQLite and PostgreSQL offices with their rows."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import ibis
import pytest
import sqlglot
import sqlglot.expressions as sge
from sqlalchemy import inspect, text
from tests_support import unbound_context

from workbench.cli import main
from workbench.contract import TABLES
from workbench.indicators import params as iparams
from workbench.indicators.registry import all_indicators
from workbench.office import db
from workbench.office.ddl import DIALECTS, ddl
from workbench.office.models import ORACLE_NAME_MAX, short
from workbench.warehouse import PERIOD_COL, SUPPORT_TABLES, quoted, replace_sql

# Oracle Database SQL Language Reference, "Oracle SQL Reserved Words" (not usable unquoted)
RESERVED = frozenset("""ACCESS ADD ALL ALTER AND ANY AS ASC AUDIT BETWEEN BY CHAR CHECK CLUSTER COLUMN COMMENT
COMPRESS CONNECT CREATE CURRENT DATE DECIMAL DEFAULT DELETE DESC DISTINCT DROP ELSE EXCLUSIVE EXISTS FILE
FLOAT FOR FROM GRANT GROUP HAVING IDENTIFIED IMMEDIATE IN INCREMENT INDEX INITIAL INSERT INTEGER INTERSECT
INTO IS LEVEL LIKE LOCK LONG MAXEXTENTS MINUS MLSLABEL MODE MODIFY NOAUDIT NOCOMPRESS NOT NOWAIT NULL NUMBER
OF OFFLINE ON ONLINE OPTION OR ORDER PCTFREE PRIOR PRIVILEGES PUBLIC RAW RENAME RESOURCE REVOKE ROW ROWID
ROWNUM ROWS SELECT SESSION SET SHARE SIZE SMALLINT START SUCCESSFUL SYNONYM SYSDATE TABLE THEN TO TRIGGER
UID UNION UNIQUE UPDATE USER VALIDATE VALUES VARCHAR VARCHAR2 VIEW WHENEVER WHERE WITH""".split())  # noqa: SIM905 (the list as printed)
PLAIN = re.compile(r"[a-z][a-z0-9_$#]*")  # what Oracle may upper-case without changing its meaning
WORD = re.compile(r'"[^"]*"|\b[A-Za-z_][A-Za-z0-9_$#]*\b')
TABLE_DDL = re.compile(r"^(CREATE (UNIQUE )?INDEX|CREATE TABLE|ALTER TABLE|DROP |INSERT |UPDATE |DELETE )")
TRIGGER = re.compile(r"CREATE OR REPLACE TRIGGER (\w+)\nBEFORE INSERT ON (\w+) FOR EACH ROW\nWHEN \(new\.id IS NULL\)\n"
                     r"BEGIN\n    SELECT (\w+)\.NEXTVAL INTO :new\.id FROM dual;\nEND;")


def oracle_statements(sql: str) -> list[str]:
    """The statements of Alembic's Oracle script (each ends with a line holding ``/``),
    without the comment lines."""
    out = []
    for chunk in re.split(r"^/\s*$", sql, flags=re.M):
        body = "\n".join(line for line in chunk.splitlines() if not line.lstrip().startswith("--")).strip()
        if body:
            out.append(body)
    return out


def without_strings(statement: str) -> str:
    return re.sub(r"'(?:[^']|'')*'", "''", statement)


def identifier_problems(statement: str, tree: sge.Expression | None) -> list[str]:
    """What Oracle would refuse or misread in ``statement``: any word over 30 characters (no
    keyword is that long, so it is an identifier), an unquoted identifier that is a reserved
    word or not plain lower case, a quoted one that is empty or too long."""
    found = []
    for word in WORD.findall(without_strings(statement)):
        name = word.strip('"')
        if len(name) > ORACLE_NAME_MAX or not name:
            found.append(f"{word}: {len(name)} characters")
    if tree is not None:
        for ident in tree.find_all(sge.Identifier):
            if ident.quoted:
                continue
            if ident.name.upper() in RESERVED or not PLAIN.fullmatch(ident.name):
                found.append(f"{ident.name}: unquoted")
    return found


# ------------------------------------------------------------------ the office DDL


@pytest.fixture(scope="module")
def oracle_ddl() -> str:
    return ddl("oracle")


def test_every_office_identifier_fits_oracle_and_every_statement_parses(oracle_ddl: str) -> None:
    statements = oracle_statements(oracle_ddl)
    assert len(statements) > 80
    problems, kinds = [], set()
    for statement in statements:
        if statement.startswith("CREATE OR REPLACE TRIGGER"):  # PL/SQL: sqlglot reads SQL only
            assert TRIGGER.fullmatch(statement), statement
            problems += identifier_problems(statement, None)
            kinds.add("Trigger")
            continue
        try:
            tree = sqlglot.parse_one(statement, read="oracle", error_level=sqlglot.ErrorLevel.RAISE)
        except sqlglot.errors.ParseError as exc:
            problems.append(f"does not parse: {statement[:80]!r}: {str(exc).splitlines()[0]}")
            continue
        if isinstance(tree, sge.Command):  # sqlglot keeps what it does not model (ALTER ... MODIFY) as text
            assert TABLE_DDL.match(tree.sql(dialect="oracle")) or statement.startswith("ALTER"), statement
            tree = None
        kinds.add(type(tree).__name__ if tree is not None else "Command")
        problems += [f"{p} in {statement[:60]!r}" for p in identifier_problems(statement, tree)]
    assert not problems, "\n".join(problems)
    assert {"Create", "Insert", "Update", "Trigger"} <= kinds


def test_oracle_ddl_has_no_identity_column_but_a_sequence_and_trigger_per_table(oracle_ddl: str) -> None:
    """Oracle 11g R2 has no IDENTITY: each table with an identity key gets a sequence and a
    trigger filling the key when an insert leaves it empty."""
    from workbench.office.schema import metadata

    assert "IDENTITY" not in oracle_ddl
    triggers = {table: (trigger, sequence) for trigger, table, sequence in TRIGGER.findall(oracle_ddl)}
    created = set(re.findall(r"^CREATE SEQUENCE (\w+)$", oracle_ddl, flags=re.M))
    identity = {t.name for t in metadata.sorted_tables for c in t.columns if c.identity is not None}
    assert identity and identity <= set(triggers)
    assert {sequence for _, sequence in triggers.values()} == created
    assert "problem_attachment" in triggers  # created by 0004, dropped by 0014: its sequence goes too
    assert "DROP SEQUENCE problem_attachment_id_seq" in oracle_ddl
    assert triggers["problem"] == ("problem_id_trg", "problem_id_seq")
    assert all(len(n) <= ORACLE_NAME_MAX for pair in triggers.values() for n in pair)


def test_oracle_ddl_creates_the_short_names_and_quotes_reserved_words(oracle_ddl: str) -> None:
    for name in ("ix_problem_attachment_problem", "fk_problem_attachment_problem", "uq_district_report_period",
                 "uq_impl_status_district_period", "ix_impl_status_period", "fk_statistics_archive_00282f0d"):
        assert name in oracle_ddl
    assert "uq_implementation_status_district_period" not in oracle_ddl
    assert '"size" ' in oracle_ddl and " size " not in oracle_ddl  # SIZE is reserved
    assert "nothing to rename on Oracle" in oracle_ddl
    # times keep their fraction of a second and zone (an Oracle DATE keeps neither: the log's MACs need both)
    assert not re.search(r"\sDATE\b", oracle_ddl) and " at TIMESTAMP WITH TIME ZONE NOT NULL" in oracle_ddl
    assert oracle_ddl.rstrip().endswith("/")
    assert "UPDATE alembic_version SET version_num='" + db.head() + "'" in oracle_ddl


def test_every_name_of_the_models_fits_oracle() -> None:
    from workbench.office.schema import metadata

    names = []
    for table in metadata.sorted_tables:
        names += [table.name, *(c.name for c in table.columns), *(c.name for c in table.constraints),
                  *(i.name for i in table.indexes)]
    assert all(names)
    assert [n for n in names if len(n) > ORACLE_NAME_MAX] == []


def test_the_naming_convention_shortens_long_names() -> None:
    from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, Table, UniqueConstraint

    from workbench.office.models import NAMING

    m = MetaData(naming_convention=NAMING)
    Table("a_rather_long_parent_table_name", m, Column("id", Integer, primary_key=True))
    t = Table("a_rather_long_table_name_here", m, Column("id", Integer, primary_key=True),
              Column("parent_identifier", ForeignKey("a_rather_long_parent_table_name.id")),
              Column("district_code", Integer), Column("period", Integer),
              UniqueConstraint("district_code", "period"), Index(None, "period"))
    names = {type(c).__name__: c.name for c in [*t.constraints, *t.indexes]}
    assert names["UniqueConstraint"] == short("uq_a_rather_long_table_name_here_district_code_period")
    assert names["ForeignKeyConstraint"] == short("fk_a_rather_long_table_name_here_parent_identifier")
    assert names["Index"] == short("ix_a_rather_long_table_name_here_period")
    assert names["PrimaryKeyConstraint"] == short("pk_a_rather_long_table_name_here")  # 32 characters
    assert len("pk_a_rather_long_table_name_here") > ORACLE_NAME_MAX
    assert all(len(n) <= ORACLE_NAME_MAX for n in names.values())
    assert short("uq_a_rather_long_table_name_here_district_code_period") == \
        "uq_a_rather_long_tabl_" + __import__("hashlib").sha1(
            b"uq_a_rather_long_table_name_here_district_code_period").hexdigest()[:8]
    assert short("pk_short") == "pk_short"
    # a short name of the models is unchanged by the convention (migrations and models agree)
    m2 = MetaData(naming_convention=NAMING)
    small = Table("problem_comment", m2, Column("id", Integer, primary_key=True), Column("problem_id", Integer),
                  Index(None, "problem_id"))
    assert {i.name for i in small.indexes} == {"ix_problem_comment_problem_id"}


# ------------------------------------------------------------------ the other dialects


def test_sqlite_ddl_builds_the_migrated_schema(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from workbench.office.schema import metadata

    path = tmp_path / "office.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(ddl("sqlite"))
    url = f"sqlite:///{path}"
    try:
        assert db.current(url) == db.head()
        with db.engine(url).connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
            chain, last_seq = conn.execute(text("SELECT chain, last_seq FROM log_anchor")).one()
        assert re.fullmatch(r"[0-9a-f]{32}", chain) and last_seq == 0
    finally:
        db.forget(url)


@pytest.mark.postgres
def test_postgresql_ddl_builds_the_migrated_schema(pg_database: str) -> None:
    import psycopg
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from workbench.office.schema import metadata

    with psycopg.connect(pg_database.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        conn.execute(ddl("postgresql"))
    db.forget(pg_database)
    try:
        assert db.current(pg_database) == db.head()
        with db.engine(pg_database).connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
            assert conn.execute(text("SELECT last_seq FROM log_anchor")).scalar_one() == 0
    finally:
        db.forget(pg_database)


def test_ddl_refuses_an_unknown_dialect() -> None:
    from workbench.errors import UsageError

    with pytest.raises(UsageError, match="unknown dialect 'mysql'"):
        ddl("mysql")


# ------------------------------------------------------------------ the CLI


def statements(sql: str) -> list[list[str]]:
    """The statements of a script, each as its sorted lines, sorted: SQLite's batch copies
    list a table's constraints and create its indexes in an order of their own in each
    process (Alembic reads them from sets)."""
    return sorted(sorted(line.strip().rstrip(",") for line in s.strip().splitlines())
                  for s in re.split(r";\s*$|^/\s*$", sql, flags=re.M) if s.strip())


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench.cli", "db", "ddl", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_db_ddl_cli_writes_to_stdout_or_to_out(dialect: str, tmp_path: Path, home: Path) -> None:
    out = tmp_path / f"office-{dialect}.sql"
    done = cli("--dialect", dialect, "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote the {dialect} DDL of the office database to {out}"
    assert statements(out.read_text(encoding="utf-8")) == statements(ddl(dialect))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == [out.name]  # no temporary file
    shown = cli("--dialect", dialect, cwd=tmp_path)
    assert shown.returncode == 0 and statements(shown.stdout) == statements(ddl(dialect))


def test_db_ddl_cli_refusals_exit_2_and_create_nothing(tmp_path: Path, home: Path, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["db", "ddl", "--dialect", "mysql"])
    assert info.value.code == 2 and "invalid choice: 'mysql'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["db", "ddl"])
    assert info.value.code == 2 and "--dialect" in capsys.readouterr().err
    missing = tmp_path / "no-such-folder" / "office.sql"
    assert main(["db", "ddl", "--dialect", "oracle", "--out", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: --out") and "does not exist" in err and err.count("\n") == 1
    assert main(["db", "ddl", "--dialect", "oracle", "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert not missing.parent.exists() and not list(tmp_path.glob("*.sql"))


# ------------------------------------------------------------------ the warehouse


def test_warehouse_statements_quote_every_identifier_for_oracle() -> None:
    columns = ["delivery_period", "source_line", "size", "level", "Mixed"]
    statements = replace_sql("sb_contrib", {PERIOD_COL: "202406", "table_name": "sb_contrib"},
                             "intake_stage_0123456789ab", columns, "oracle")
    statements += replace_sql("intake_files", {PERIOD_COL: "202406"}, None, [], "oracle")
    assert statements[0] == ('DELETE FROM "sb_contrib" WHERE "delivery_period" = \'202406\' '
                             'AND "table_name" = \'sb_contrib\'')
    assert statements[1] == ('INSERT INTO "sb_contrib" ("delivery_period", "source_line", "size", "level", "Mixed") '
                             'SELECT "delivery_period", "source_line", "size", "level", "Mixed" '
                             'FROM "intake_stage_0123456789ab"')
    for statement in statements:
        tree = sqlglot.parse_one(statement, read="oracle", error_level=sqlglot.ErrorLevel.RAISE)
        assert not isinstance(tree, sge.Command)
        idents = list(tree.find_all(sge.Identifier))
        assert idents and all(i.quoted for i in idents), statement
        assert identifier_problems(statement, tree) == []
    assert quoted("size", "oracle") == '"size"' and quoted("x", "spark") == "`x`"


def test_warehouse_tables_and_columns_fit_oracle() -> None:
    names = [t.name for t in TABLES] + [c.name for t in TABLES for c in t.columns] + list(SUPPORT_TABLES) \
        + [c for s in SUPPORT_TABLES.values() for c in s.names]
    assert [n for n in names if len(n) > ORACLE_NAME_MAX] == []
    stage = "intake_stage_" + "0" * 12  # Warehouse.stage's names
    assert len(stage) <= ORACLE_NAME_MAX


# ibis names an in-memory table itself (ibis_pandas_memtable_ and 26 characters; GC-002 and GF-002
# use one, indicators/history.BITS): ibis 12 offers no way to name it, so on Oracle these two
# need 12.2 or later (128 characters); every other name is checked
IBIS_MEMTABLE = re.compile(r"ibis_pandas_memtable_[a-z0-9]{26}")


def test_every_indicator_compiles_for_oracle_with_quoted_short_identifiers() -> None:
    ctx = unbound_context()
    table = iparams.defaults()
    problems = []
    for ind in all_indicators():
        expr = ind.build(ctx, iparams.for_indicator(ind.code, ind.params, table))
        sql = ibis.to_sql(expr, dialect="oracle")
        tree = sqlglot.parse_one(sql, read="oracle", error_level=sqlglot.ErrorLevel.RAISE)
        bad = [i.name for i in tree.find_all(sge.Identifier)
               if (len(i.name) > ORACLE_NAME_MAX and not IBIS_MEMTABLE.fullmatch(i.name))
               or (not i.quoted and not PLAIN.fullmatch(i.name)) or (not i.quoted and i.name.upper() in RESERVED)]
        if bad:
            problems.append(f"{ind.code}: {sorted(set(bad))}")
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------ 0013 on real databases


def test_short_names_rename_in_place_and_back_with_the_rows(office: str) -> None:
    db.upgrade(office, "0012_field_limits")
    eng = db.engine(office)
    with eng.begin() as conn:
        conn.execute(text("INSERT INTO problem (indicator_code, indicator_version, subject_type, subject_key, "
                          "district_code, first_period, last_period, state, version, created_at, updated_at) "
                          "VALUES ('A01', 1, 'person', 'K1', '110105', '202406', '202406', 'pending', 1, "
                          "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        pid = conn.execute(text("SELECT id FROM problem")).scalar_one()
        conn.execute(text("INSERT INTO problem_attachment (problem_id, at, author, filename, size, sha256) "
                          "VALUES (:p, CURRENT_TIMESTAMP, 'dh1', 'a.pdf', 3, :h)"), {"p": pid, "h": "0" * 64})
        conn.execute(text("INSERT INTO statistics_archive (period, archived_at, archived_by, scoring_json) "
                          "VALUES ('202406', CURRENT_TIMESTAMP, 'ch1', '{}')"))
        conn.execute(text("INSERT INTO statistics_archive_cell (period, district_code, indicator_code, "
                          "figures_json) VALUES ('202406', '110105', 'A01', '{\"problems\": 1}')"))
        for table, extra_cols, extra_vals in (
                ("district_report", "summary, amount_involved, amount_recovered, rectification",
                 "'总结', 12.50, 3.25, 'done'"),
                ("implementation_status", "inspections, problems_found, fund_losses_found, problems_handled, "
                 "losses_recovered, fines_recovered, persons_punished", "1, 2, 3.50, 4, 5.00, 6.00, 7")):
            conn.execute(text(f"INSERT INTO {table} (district_code, period, {extra_cols}, submitted_by, "
                              f"submitted_at, updated_by, updated_at, version) VALUES ('110105', '202406', "
                              f"{extra_vals}, 'dh1', CURRENT_TIMESTAMP, 'dh1', CURRENT_TIMESTAMP, 1)"))

    def rows() -> dict[str, list]:
        with eng.connect() as conn:
            return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
                    for t in ("problem_attachment", "statistics_archive_cell", "district_report",
                              "implementation_status")}

    def names(table: str) -> set[str]:
        insp = inspect(eng)
        return ({i["name"] for i in insp.get_indexes(table)} | {u["name"] for u in insp.get_unique_constraints(table)}
                | {f["name"] for f in insp.get_foreign_keys(table)})

    before = rows()
    assert all(before.values())
    long_names = {"problem_attachment": {"ix_problem_attachment_problem_id", "fk_problem_attachment_problem_id"},
                  "statistics_archive_cell": {"fk_statistics_archive_cell_period"},
                  "district_report": {"uq_district_report_district_period", "ix_district_report_period"},
                  "implementation_status": {"uq_implementation_status_district_period",
                                            "ix_implementation_status_period"}}
    short_names = {"problem_attachment": {"ix_problem_attachment_problem", "fk_problem_attachment_problem"},
                   "statistics_archive_cell": {"fk_statistics_archive_00282f0d"},
                   "district_report": {"uq_district_report_period", "ix_district_report_period"},
                   "implementation_status": {"uq_impl_status_district_period", "ix_impl_status_period"}}
    for table, want in long_names.items():
        assert want <= names(table), table
    db.upgrade(office, "0013_short_names")
    assert rows() == before
    for table, want in short_names.items():
        got = names(table)
        assert want <= got and not (long_names[table] - want) & got, (table, got)
    with eng.connect() as conn:  # the renamed unique constraint still holds, the foreign key still cascades
        dup = ("INSERT INTO district_report (district_code, period, summary, amount_involved, amount_recovered, "
               "rectification, submitted_by, submitted_at, updated_by, updated_at, version) VALUES ('110105', "
               "'202406', 'x', 0, 0, 'done', 'dh1', CURRENT_TIMESTAMP, 'dh1', CURRENT_TIMESTAMP, 1)")
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"), conn.begin():
            conn.execute(text(dup))
    db.downgrade(office, "0012_field_limits")
    assert rows() == before
    for table, want in long_names.items():
        assert want <= names(table), table
    db.upgrade(office, "0013_short_names")  # (0014 would look for the attachment's file)
    with eng.connect() as conn:
        amount = conn.execute(text("SELECT amount_involved FROM district_report")).scalar_one()
    assert Decimal(str(amount)) == Decimal("12.50")
    with eng.begin() as conn:
        conn.execute(text("DELETE FROM statistics_archive"))
        assert conn.execute(text("SELECT COUNT(*) FROM statistics_archive_cell")).scalar_one() == 0
