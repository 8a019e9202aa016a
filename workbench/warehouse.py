"""The analytical warehouse, reached only through ibis.

Layout (docs/warehouse.md): one table per contract table holding every delivered
period, told apart by ``delivery_period``; a snapshot table keeps each period's full
snapshot, a monthly table each period's records. ``source_line`` is the row's line in
the delivered file. Beside them: ``intake_files`` (one row per delivered file and
period: counts, checksum, refusal), ``intake_rejects`` and ``intake_quality``.

Replacing one period of one table is atomic: the new rows are staged in a table of
their own, then one transaction deletes the period's old rows and inserts the staged
ones, so a crash or refusal leaves the table as it was.

Every statement written here (rather than by ibis) quotes its identifiers in the
backend's own way (``quoted``, ``replace_sql``): ibis creates tables with quoted names, and
an unquoted name would be upper-cased by Oracle (``delivery_period`` is not
``DELIVERY_PERIOD`` there) or clash with a reserved word (``size``, ``level``).
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import pyarrow as pa
import sqlglot as sg
import sqlglot.expressions as sge

from workbench.config import settings
from workbench.contract import TABLES, ColType, Table
from workbench.diskspace import ensure_room
from workbench.errors import WarehouseError, first_line

PERIOD_COL = "delivery_period"
LINE_COL = "source_line"
STAGE_PREFIX = "intake_stage_"
TEMP_PREFIX = "wb_tmp_"  # PostgreSQL temporary tables of Warehouse.materialize
SCRATCH = "wb_scratch"  # DuckDB in-memory database of Warehouse.materialize
MONEY = dt.Decimal(18, 2)

_IBIS_TYPES: dict[ColType, dt.DataType] = {
    ColType.TEXT: dt.string,
    ColType.ID_NO: dt.string,
    ColType.USCC: dt.string,
    ColType.CODE: dt.string,
    ColType.PERIOD: dt.string,
    ColType.DATE: dt.date,
    ColType.MONEY: MONEY,
    ColType.INT: dt.int64,
}

FILES_SCHEMA = ibis.schema(
    {
        PERIOD_COL: "string",
        "table_name": "string",
        "file": "string",
        "encoding": "string",
        "sha256": "string",
        "rows_in": "int64",
        "loaded": "int64",
        "rejected": "int64",
        "duplicates": "int64",
        "refused": "string",
        "loaded_at": "timestamp",
    }
)
REJECTS_SCHEMA = ibis.schema(
    {PERIOD_COL: "string", "table_name": "string", "line_no": "int64", "reason": "string",
     "raw": "string"}
)
QUALITY_SCHEMA = ibis.schema(
    {PERIOD_COL: "string", "check_code": "string", "table_name": "string",
     "description": "string", "rows": "int64", "example": "string"}
)
LOG_SCHEMA = ibis.schema(
    {PERIOD_COL: "string", "table_name": "string", "file": "string", "source": "string",
     "status": "string", "reason": "string", "rows_in": "int64", "loaded": "int64",
     "rejected": "int64", "duplicates": "int64", "seconds": "float64", "decode_seconds": "float64",
     "clean_seconds": "float64", "load_seconds": "float64", "at": "timestamp"}
)
# Compact 110 contribution history (docs/warehouse.md): per delivery period, person and
# contribution year, the months (bit m-1 of a 12-bit mask) covered by a normal (pay_type 1)
# or back-payment (pay_type 2) pension contribution paid in that period.
CONTRIB_HISTORY_SCHEMA = ibis.schema(
    {PERIOD_COL: "string", "person_id": "string", "year": "int64", "normal_mask": "int64",
     "backpay_mask": "int64"}
)
SUPPORT_TABLES = {
    "contrib_history": CONTRIB_HISTORY_SCHEMA,
    "intake_log": LOG_SCHEMA,
    "intake_files": FILES_SCHEMA,
    "intake_rejects": REJECTS_SCHEMA,
    "intake_quality": QUALITY_SCHEMA,
}


def table_schema(table: Table) -> ibis.Schema:
    """Warehouse schema of a contract table: its columns, typed, plus period and line."""
    fields = {c.name: _IBIS_TYPES[c.type] for c in table.columns}
    return ibis.schema({PERIOD_COL: dt.string, LINE_COL: dt.int64, **fields})


def arrow_schema(table: Table) -> pa.Schema:
    return table_schema(table).to_pyarrow()


def quoted(name: str, dialect: str) -> str:
    """``name`` as a quoted identifier of ``dialect`` (sqlglot's quoting: ``"x"``, ```x```)."""
    return sg.to_identifier(name, quoted=True).sql(dialect)


def _table_ref(name: str) -> sge.Table:
    return sge.Table(this=sg.to_identifier(name, quoted=True))


def replace_sql(target: str, match: dict[str, Any], source: str | None, columns: Sequence[str],
                dialect: str) -> list[str]:
    """The statements of one replacement in ``dialect``: delete the rows of ``target`` whose
    columns equal ``match``, then (``source`` given) insert ``columns`` of every row of the
    table ``source``; every table and column name quoted."""
    where = sg.and_(*(sge.column(sg.to_identifier(k, quoted=True)).eq(sge.convert(v)) for k, v in match.items()))
    statements = [sg.delete(_table_ref(target), where=where).sql(dialect)]
    if source is not None:
        names = [sg.to_identifier(c, quoted=True) for c in columns]
        select = sg.select(*(sge.column(n.copy()) for n in names)).from_(_table_ref(source))
        statements.append(sge.insert(select, _table_ref(target), columns=names).sql(dialect))
    return statements


def redact(url: str) -> str:
    """A connection URL without its password, for messages and logs."""
    head, sep, tail = url.partition("://")
    if not sep or "@" not in tail.split("/", 1)[0]:
        return url
    cred, host = tail.split("@", 1)
    user = cred.split(":", 1)[0]
    return f"{head}://{user}@{host}" if user else f"{head}://{host}"


class Warehouse:
    """An ibis connection to the warehouse plus the few writes intake needs."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or settings().warehouse_url
        if self.url.startswith("duckdb://"):
            path = self.url.removeprefix("duckdb://")
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = ibis.connect(self.url)
        except Exception as exc:  # driver-specific errors: one clear line
            if "Could not set lock" in str(exc):
                pid = re.search(r"PID (\d+)", str(exc))
                raise WarehouseError(
                    f"warehouse {redact(self.url)} is busy: another process"
                    f"{f' (PID {pid.group(1)})' if pid else ''} is writing it; try again when it ends"
                ) from exc
            raise WarehouseError(
                f"cannot open warehouse {redact(self.url)}: {first_line(exc)}"
            ) from exc
        self.backend = self.con.name
        self.dialect = self.con.dialect

    @classmethod
    def from_connection(cls, con: Any, url: str) -> Warehouse:
        """Wrap an open ibis connection (e.g. a PySpark session) as a warehouse."""
        self = cls.__new__(cls)
        self.url, self.con, self.backend, self.dialect = url, con, con.name, con.dialect
        return self

    @property
    def local_file(self) -> Path | None:
        """The DuckDB file, when the warehouse is one on this machine."""
        if self.backend != "duckdb":
            return None
        path = self.url.removeprefix("duckdb://")
        return Path(path) if path and path != ":memory:" else None

    def ensure_room(self, nbytes: int, what: str) -> None:
        """Refuse before writing when the warehouse's disk cannot take ``nbytes`` more
        (twice over: DuckDB writes the WAL, then the checkpoint)."""
        if (path := self.local_file) is not None:
            ensure_room(path.parent, 2 * nbytes, what, grows=path)

    # -- schema -------------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create every contract and support table that does not exist yet."""
        existing = set(self.con.list_tables())
        for t in TABLES:
            if t.name not in existing:
                self.con.create_table(t.name, schema=table_schema(t))
        for name, schema in SUPPORT_TABLES.items():
            if name not in existing:
                self.con.create_table(name, schema=schema)

    def drop_stale_stages(self) -> None:
        """Drop stage tables left by a run that crashed before it cleaned up."""
        for name in self.con.list_tables(like=f"{STAGE_PREFIX}.*"):
            self.con.drop_table(name, force=True)

    def table(self, name: str) -> ibis.Table:
        return self.con.table(name)

    def compile(self, expr: ibis.Table) -> tuple[str, str]:
        """``expr`` translated once into (readable SQL, SQL to execute) for this engine.

        The readable text is what ``ibis.to_sql`` gives (kept with each problem). In the text
        executed on DuckDB, a CTE that only filters and projects one table is marked NOT
        MATERIALIZED: ibis turns a subexpression used twice (say the contribution history)
        into a CTE, which DuckDB would copy in full before either use could push its own
        filters into the scan. CTEs that join or aggregate stay materialized: computing them
        once is what saves time there."""
        import ibis.backends.sql.compilers as compilers

        compiler = getattr(compilers, self.backend).compiler
        tree = compiler.to_sqlglot(expr.unbind())
        readable = tree.sql(dialect=compiler.dialect, pretty=True)
        if self.backend != "duckdb":
            return readable, readable
        for cte in tree.find_all(sge.CTE):
            if _plain_scan(cte.this):
                cte.set("materialized", False)
        return readable, tree.sql(dialect=compiler.dialect)

    def fetch(self, expr: ibis.Table, sql: str) -> pa.Table:
        """The rows of ``expr``, whose SQL for this engine is ``sql`` (``compile``'s second
        text). DuckDB runs that text as it is, so an expression is translated once, not
        twice; other engines execute the expression."""
        if self.backend != "duckdb":
            return expr.to_pyarrow()
        self.con._run_pre_execute_hooks(expr)  # registers memtables the SQL names (ibis internals)
        return _arrow_result(expr, self.con.con.sql(sql).to_arrow_table())

    def materialize(self, expr: ibis.Table, name: str) -> ibis.Table:
        """``expr`` computed once into a table that lives as long as this connection: on DuckDB
        in an attached in-memory database (every cursor of the connection sees it), on
        PostgreSQL a temporary table; elsewhere the expression itself (PySpark plans it anew)."""
        if self.backend == "duckdb":
            self.con.raw_sql(f"ATTACH IF NOT EXISTS ':memory:' AS {SCRATCH}")
            return self.con.create_table(name, expr, database=(SCRATCH, "main"), overwrite=True)
        if self.backend == "postgres":
            return self.con.create_table(f"{TEMP_PREFIX}{name}", expr, temp=True, overwrite=True)
        return expr

    @contextlib.contextmanager
    def memory_limit(self, limit: str) -> Iterator[None]:
        """DuckDB's memory limit set to ``limit`` for the block, then restored."""
        if self.backend != "duckdb":
            yield
            return
        con = self.con.con
        before = con.sql("SELECT current_setting('memory_limit')").fetchone()[0]
        con.execute(f"SET memory_limit = '{limit}'")  # limit is validated by parameters/engine.yaml
        try:
            yield
        finally:
            con.execute(f"SET memory_limit = '{before}'")

    def queries(self, workers: int) -> QueryPool:
        """A pool running compiled queries ``workers`` at a time (see ``QueryPool``)."""
        return QueryPool(self, workers)

    # -- writes -------------------------------------------------------------------
    def stage(self, data: pa.Table) -> str:
        """Copy ``data`` into a new stage table and return its name (PostgreSQL: COPY)."""
        name = f"{STAGE_PREFIX}{uuid.uuid4().hex[:12]}"
        if self.backend != "postgres":
            self.con.create_table(name, data)
            return name
        self.con.create_table(name, schema=ibis.Schema.from_pyarrow(data.schema))
        cols = ", ".join(quoted(c, self.dialect) for c in data.column_names)
        copy_sql = f"COPY {quoted(name, self.dialect)} ({cols}) FROM STDIN"
        with self.con.begin() as cursor, cursor.copy(copy_sql) as copy:
            for batch in data.to_batches(65536):
                for row in zip(*(col.to_pylist() for col in batch.columns), strict=True):
                    copy.write_row(row)
        return name

    def replace_partitions(self, replacements: Sequence[tuple[str, dict[str, Any], pa.Table | None]]) -> None:
        """Atomically replace rows: for each (table, match, data), delete the rows whose
        columns equal ``match`` and insert ``data`` (if any), all in one transaction.

        On DuckDB the Arrow data are read in place inside the transaction; elsewhere they
        are first copied into stage tables, which are dropped afterwards."""
        names: list[str | None] = []
        registered = self.backend == "duckdb"
        for _, _, data in replacements:
            if data is None:
                names.append(None)
            elif registered:
                name = f"{STAGE_PREFIX}{uuid.uuid4().hex[:12]}"
                self.con.con.register(name, data)
                names.append(name)
            else:
                names.append(self.stage(data))
        try:
            statements: list[str] = []
            for (target, match, _), source in zip(replacements, names, strict=True):
                cols = list(self.con.table(target).columns) if source is not None else []
                statements += replace_sql(target, match, source, cols, self.dialect)
            with self.transaction() as execute:
                for sql in statements:
                    execute(sql)
            if self.backend == "postgres":
                # fresh statistics, or the planner takes a loaded table for empty and
                # nested-loops every join (seen here: seconds became minutes)
                for target in dict.fromkeys(t for t, _, _ in replacements):
                    self.con.raw_sql(f"ANALYZE {quoted(target, self.dialect)}").close()
        finally:
            for name in filter(None, names):
                if registered:
                    self.con.con.unregister(name)
                else:
                    self.drop(name)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """Yield an ``execute(sql)`` that runs inside one transaction."""
        if self.backend == "duckdb":
            raw = self.con.con
            raw.execute("BEGIN TRANSACTION")
            try:
                yield raw.execute
            except BaseException:
                raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")
        elif hasattr(self.con, "begin"):
            with self.con.begin() as cursor:
                yield cursor.execute
        else:  # pragma: no cover - every supported backend has one of the above
            raise WarehouseError(f"backend {self.backend} has no transactions")

    def append_log(self, row: dict[str, Any]) -> None:
        """Append one record to the append-only ``intake_log``."""
        self.con.insert("intake_log", pa.Table.from_pylist([row], schema=LOG_SCHEMA.to_pyarrow()))

    def drop(self, *names: str) -> None:
        for name in names:
            self.con.drop_table(name, force=True)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.con.disconnect()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _plain_scan(query: sge.Expression) -> bool:
    """A SELECT over one table with no join, grouping, aggregate, window or subquery."""
    if not isinstance(query, sge.Select) or query.args.get("joins") or query.args.get("group"):
        return False
    source = query.args.get("from_") or query.args.get("from")  # the key's name differs across sqlglot releases
    if source is None or not isinstance(source.this, sge.Table):
        return False
    return not any(query.find(kind) for kind in (sge.AggFunc, sge.Window, sge.Subquery, sge.Join))


def _arrow_result(expr: ibis.Table, table: pa.Table) -> pa.Table:
    """DuckDB's Arrow result typed as ibis would type ``expr.to_pyarrow()``."""
    from ibis.backends.duckdb.converter import DuckDBPyArrowData

    return expr.__pyarrow_result__(table, data_mapper=DuckDBPyArrowData)


class QueryPool:
    """Runs compiled queries while the caller prepares the next ones.

    On DuckDB, ``workers`` threads each hold their own cursor (a connection to the same
    database; DuckDB releases the GIL while it works), so building and compiling one
    indicator in Python overlaps executing the ones before it. Queries that read an ibis
    memtable (registered on the main connection only), other engines, and ``workers`` 1
    run at once in the caller's thread. ``submit`` returns a future of (rows, seconds).
    """

    def __init__(self, wh: Warehouse, workers: int) -> None:
        self.wh = wh
        self.pool = ThreadPoolExecutor(workers, "wb-query") if wh.backend == "duckdb" and workers > 1 else None
        self._local = threading.local()
        self._cursors: list[Any] = []
        self._lock = threading.Lock()

    def submit(self, expr: ibis.Table, sql: str) -> Future:
        if self.pool is None or expr.op().find(ops.InMemoryTable):
            done: Future = Future()
            try:
                started = time.perf_counter()
                done.set_result((self.wh.fetch(expr, sql), time.perf_counter() - started))
            except Exception as exc:  # the caller sees it when it asks for the result
                done.set_exception(exc)
            return done
        return self.pool.submit(self._run, expr, sql)

    def _run(self, expr: ibis.Table, sql: str) -> tuple[pa.Table, float]:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._local.cursor = self.wh.con.con.cursor()
            with self._lock:
                self._cursors.append(cur)
        started = time.perf_counter()
        rows = cur.sql(sql).to_arrow_table()
        return _arrow_result(expr, rows), time.perf_counter() - started

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        for cur in self._cursors:
            cur.close()

    def __enter__(self) -> QueryPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
