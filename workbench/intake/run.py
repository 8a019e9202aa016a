"""One intake run: a delivery for period P into the warehouse, every row accounted for."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from workbench import outputs, params
from workbench.config import settings
from workbench.contract import MANIFEST_NAME, SOURCES, TABLE_MAP, Kind, table
from workbench.diskspace import ensure_room
from workbench.errors import (
    AccountingError,
    DeliveryRefused,
    FileRefused,
    UsageError,
    WorkbenchError,
    first_line,
    suggest,
)
from workbench.intake import clean, decode, history, quality
from workbench.intake.fetch import Delivery, open_delivery
from workbench.intake.workdir import private_workdir
from workbench.periods import check_period
from workbench.warehouse import FILES_SCHEMA, LINE_COL, PERIOD_COL, REJECTS_SCHEMA, Warehouse, redact


@dataclass
class TableOutcome:
    """What happened to one delivered file (one row of the intake report)."""

    table: str
    file: str
    encoding: str
    rows_in: int = 0
    loaded: int = 0
    rejected: int = 0
    duplicates: int = 0
    refused: str | None = None
    reasons: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # decode, clean, load seconds

    def report(self) -> dict:
        return {"rows_in": self.rows_in, "loaded": self.loaded, "rejected": self.rejected,
                "duplicates": self.duplicates, "refused": self.refused}


@dataclass
class IntakeResult:
    period: str
    source: str
    tables: dict[str, TableOutcome]
    quality: list[dict]
    unlisted_files: list[str]

    @property
    def refused(self) -> list[TableOutcome]:
        return [t for t in self.tables.values() if t.refused]

    @property
    def exit_code(self) -> int:
        return 3 if self.refused else 0

    def report(self) -> dict:
        """The ``--report`` JSON of cli.md."""
        return {"period": self.period, "tables": {k: v.report() for k, v in self.tables.items()}}

    def write_report(self, path: Path) -> None:
        outputs.write_text(outputs.check_out(path, option="--report"),
                           json.dumps(self.report(), ensure_ascii=False, indent=2) + "\n")


def select_tables(sources: list[str] | None, tables: list[str] | None) -> set[str] | None:
    """The tables an intake restricts itself to, or None for the whole delivery."""
    if not sources and not tables:
        return None
    chosen: set[str] = set()
    for s in sources or []:
        if s not in SOURCES:
            raise UsageError(f"unknown source {s!r}{suggest(s, list(SOURCES))}")
        chosen.update(SOURCES[s])
    for t in tables or []:
        chosen.add(table(t).name)
    return chosen


def allowed_empty(names: list[str] | None) -> frozenset[str]:
    """The snapshot tables ``--allow-empty`` lets be delivered with no data rows."""
    chosen = set()
    for name in names or []:
        t = table(name)
        if t.kind is not Kind.SNAPSHOT:
            raise UsageError(f"--allow-empty {name}: {name} is a monthly table, not a snapshot; "
                             "a monthly table may always be empty")
        chosen.add(t.name)
    return frozenset(chosen)


def run_intake(landing: str, period: str, *, sources: list[str] | None = None,
               tables: list[str] | None = None, allow_empty: list[str] | None = None,
               warehouse: Warehouse | None = None, progress: bool = False) -> IntakeResult:
    """Take the delivery for ``period`` from ``landing`` into the warehouse. A snapshot
    table delivered empty while an earlier period has rows is refused (EMPTY_SNAPSHOT)
    unless named in ``allow_empty``. A refused delivery (DeliveryRefused: its manifest
    missing or unreadable) is written to the intake log, then raised."""
    check_period(period)
    only = select_tables(sources, tables)
    empty_ok = allowed_empty(allow_empty)
    cfg = params.load("intake")
    delivery = open_checked(landing, period, warehouse)
    own = warehouse is None
    wh = warehouse or Warehouse()
    try:
        with private_workdir(settings().tmp, period) as workdir:
            return _run(wh, delivery, only, empty_ok, cfg, workdir, progress)
    finally:
        if own:
            wh.close()


def open_checked(landing: str, period: str, warehouse: Warehouse | None = None) -> Delivery:
    """``open_delivery``, with a refused delivery (DeliveryRefused) written to the intake
    log before it is raised."""
    try:
        return open_delivery(landing, period)
    except DeliveryRefused as exc:
        _log_refused_delivery(warehouse, period, landing, exc)
        raise


def _run(wh: Warehouse, delivery: Delivery, only: set[str] | None, empty_ok: frozenset[str],
         cfg: dict, workdir: Path, progress: bool) -> IntakeResult:
    period = delivery.period
    db = clean.staging_connection(workdir / "spill", cfg["staging_memory_limit"], cfg["staging_threads"])
    try:
        wh.ensure_schema()
        wh.drop_stale_stages()
        history.backfill(wh, db)
        entries = [e for e in delivery.entries if only is None or e.table in only]
        outcomes: dict[str, TableOutcome] = {}
        bar = _progress(entries, progress, period)
        for entry in bar:
            key = entry.table if entry.table in TABLE_MAP and entry.table not in outcomes else entry.file
            outcome = TableOutcome(entry.table, entry.file, entry.encoding)
            started = dt.datetime.now()
            try:
                _take_file(wh, db, delivery, entry, outcome, workdir, cfg["max_line_bytes"], empty_ok)
            except FileRefused as exc:
                outcome = TableOutcome(entry.table, entry.file, entry.encoding,
                                       refused=printable(exc.reason), phases=outcome.phases)
            outcome.seconds = (dt.datetime.now() - started).total_seconds()
            outcomes[key] = outcome
            _log_attempt(wh, period, delivery.source, outcome)
        loaded_tables = {o.table for o in outcomes.values() if not o.refused}
        checks = quality.run_checks(wh, period, loaded_tables)
        listed = {e.file for e in delivery.entries} | {"MANIFEST.csv"}
        unlisted = sorted(printable(p.name) for p in delivery.folder.iterdir()
                          if p.is_file() and p.name not in listed and not p.name.endswith(".part"))
        return IntakeResult(period, delivery.source, outcomes, checks, unlisted)
    finally:
        db.close()


def _progress(entries: list, show: bool, period: str):
    if not show:
        return entries
    from tqdm.auto import tqdm

    return tqdm(entries, desc=f"intake {period}", unit="file")


def _take_file(wh: Warehouse, db, delivery: Delivery, entry, outcome: TableOutcome,
               workdir: Path, max_line_bytes: int, empty_ok: frozenset[str]) -> None:
    """Verify, decode, clean and load one file; raise FileRefused to refuse it whole."""
    if entry.problem:
        raise FileRefused(entry.file, entry.problem, entry.table)
    if entry.file in delivery.missing:
        raise FileRefused(entry.file, "listed in the manifest but not on the server", entry.table)
    contract = TABLE_MAP[entry.table]
    source_file = delivery.file_path(entry)
    if entry.encoding != "UTF-8" and source_file.is_file():
        ensure_room(workdir, 2 * source_file.stat().st_size, f"decoding {entry.file}")
    clock = time.perf_counter()
    path = decode.verify_and_decode(source_file, entry, workdir, max_line_bytes)
    header = decode.read_header(path, entry)
    missing = [c for c in contract.required if c not in header]
    if missing:
        raise FileRefused(entry.file, f"header lacks required column(s) {', '.join(missing)}",
                          entry.table)
    outcome.phases["decode"] = time.perf_counter() - clock
    clock = time.perf_counter()
    result = clean.clean_file(db, path, header, contract, delivery.period)
    outcome.phases["clean"] = time.perf_counter() - clock
    if path != source_file:
        path.unlink(missing_ok=True)
    if result.rows_in != entry.rows:
        raise FileRefused(
            entry.file, f"row count mismatch: manifest {entry.rows}, file {result.rows_in}", entry.table
        )
    if result.rows_in == 0 and contract.kind is Kind.SNAPSHOT and contract.name not in empty_ok:
        _refuse_if_emptied(wh, entry, delivery.period)
    if result.loaded.num_rows + result.rejected + result.duplicates != result.rows_in:
        raise AccountingError(
            f"{entry.file}: rows in {result.rows_in} != loaded {result.loaded.num_rows} + rejected "
            f"{result.rejected} + duplicates {result.duplicates}", table=entry.table)
    outcome.rows_in = result.rows_in
    outcome.loaded = result.loaded.num_rows
    outcome.rejected = result.rejected
    outcome.duplicates = result.duplicates
    outcome.reasons = result.reasons
    clock = time.perf_counter()
    _store(wh, db, delivery, entry, outcome, result)
    outcome.phases["load"] = time.perf_counter() - clock


def _store(wh: Warehouse, db, delivery: Delivery, entry, outcome: TableOutcome, result: clean.Cleaned) -> None:
    """Replace the table's rows, rejects and file record for P in one transaction."""
    period = delivery.period
    n = result.rejects.num_rows
    rejects = pa.table({
        PERIOD_COL: pa.array([period] * n, pa.string()),
        "table_name": pa.array([entry.table] * n, pa.string()),
        "line_no": result.rejects["line_no"].cast(pa.int64()),
        "reason": result.rejects["reason"],
        "raw": result.rejects["raw"],
    }).cast(REJECTS_SCHEMA.to_pyarrow())
    files = pa.Table.from_pylist([{
        PERIOD_COL: period, "table_name": entry.table, "file": entry.file,
        "encoding": entry.encoding, "sha256": entry.sha256, "rows_in": outcome.rows_in,
        "loaded": outcome.loaded, "rejected": outcome.rejected, "duplicates": outcome.duplicates,
        "refused": None, "loaded_at": dt.datetime.now().replace(microsecond=0),
    }], schema=FILES_SCHEMA.to_pyarrow())
    wh.ensure_room(result.loaded.nbytes + rejects.nbytes, f"loading {entry.table} of {period}")
    match = {PERIOD_COL: period}
    replacements = [
        (entry.table, match, result.loaded),
        ("intake_rejects", {**match, "table_name": entry.table}, rejects),
        ("intake_files", {**match, "table_name": entry.table}, files),
    ]
    if entry.table == "sb_contrib":
        replacements.append(("contrib_history", match, history.compact(db, result.loaded, period)))
    try:
        wh.replace_partitions(replacements)
    except Exception as exc:
        why = engine_refusal(exc)
        if why is None:
            raise
        wh.drop_stale_stages()  # a stage table whose copy failed half-way
        where = first_nul(result)
        raise FileRefused(
            entry.file, f"UNSTORABLE_VALUE: the warehouse ({_ENGINES.get(wh.backend, wh.backend)}) "
            f"cannot store a value of this file{where}: {printable(why)}", entry.table) from None


_ENGINES = {"postgres": "PostgreSQL", "duckdb": "DuckDB", "oracle": "Oracle", "pyspark": "Spark"}


def engine_refusal(exc: BaseException) -> str | None:
    """The engine's own words when ``exc`` says it cannot store a value (a DB-API
    ``DataError``, as psycopg's for U+0000, or DuckDB's conversion error), else None."""
    import duckdb

    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, duckdb.ConversionException) or any(
                c.__name__ == "DataError" for c in type(e).__mro__):
            return first_line(e)
        todo += [getattr(e, "orig", None), e.__cause__, e.__context__]
    return None


def first_nul(result: clean.Cleaned) -> str:
    """`` (line N, column C holds U+0000)`` for the first NUL in what would be stored, or ''."""
    import pyarrow.compute as pc

    found: list[tuple[int, str]] = []
    for data, lines in ((result.loaded, LINE_COL), (result.rejects, "line_no")):
        for name in data.column_names:
            col = data[name]
            if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
                continue
            hit = pc.match_substring(col, "\x00")
            if pc.any(hit).as_py():
                idx = pc.index(hit, True).as_py()
                found.append((int(data[lines][idx].as_py()), "raw" if lines == "line_no" else name))
    if not found:
        return ""
    line, column = min(found)
    return f" (line {line}, column {column} holds U+0000)"


_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with control characters written as ``\\xNN`` / ``\\uNNNN`` escapes: what a
    refusal quotes from a file reaches the log, the report and a terminal as plain text."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _refuse_if_emptied(wh: Warehouse, entry, period: str) -> None:
    """EMPTY_SNAPSHOT when the latest earlier period of the snapshot table has rows."""
    t = wh.table(entry.table)
    earlier = t.filter(t[PERIOD_COL] < period)[PERIOD_COL].max().execute()
    if earlier is None or earlier != earlier:
        return
    had = int(t.filter(t[PERIOD_COL] == earlier).count().execute())
    raise FileRefused(
        entry.file, f"EMPTY_SNAPSHOT: no data rows, while {earlier} had {had:,}; a snapshot holds the "
        f"full current contents, so this would empty the table (pass --allow-empty {entry.table} "
        "if it really is empty now)", entry.table)


def _log_attempt(wh: Warehouse, period: str, source: str, outcome: TableOutcome) -> None:
    """Append the attempt to ``intake_log`` (refusals included): the run history."""
    row = {"delivery_period": period, "table_name": outcome.table and printable(outcome.table),
           "file": printable(outcome.file), "source": printable(source),
           "status": "refused" if outcome.refused else "loaded", "reason": outcome.refused,
           "rows_in": outcome.rows_in, "loaded": outcome.loaded,
           "rejected": outcome.rejected, "duplicates": outcome.duplicates,
           "seconds": round(outcome.seconds, 3),
           **{f"{k}_seconds": round(outcome.phases.get(k, 0.0), 3) for k in ("decode", "clean", "load")},
           "at": dt.datetime.now().replace(microsecond=0)}
    wh.append_log(row)


def _log_refused_delivery(warehouse: Warehouse | None, period: str, landing: str,
                          exc: DeliveryRefused) -> None:
    """Write a refused delivery to ``intake_log`` (no table; file MANIFEST.csv). Best effort:
    a warehouse that cannot be written does not hide the refusal itself."""
    outcome = TableOutcome(table=None, file=MANIFEST_NAME, encoding="UTF-8",  # type: ignore[arg-type]
                           refused=printable(str(exc)))
    try:
        wh = warehouse or Warehouse()
        try:
            wh.ensure_schema()
            _log_attempt(wh, period, redact(landing), outcome)
        finally:
            if warehouse is None:
                wh.close()
    except WorkbenchError:
        pass
