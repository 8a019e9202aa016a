"""One intake run: a delivery for period P into the warehouse, every row accounted for."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from workbench import params
from workbench.config import settings
from workbench.contract import SOURCES, TABLE_MAP, table
from workbench.diskspace import ensure_room
from workbench.errors import AccountingError, FileRefused, UsageError, suggest
from workbench.intake import clean, decode, history, quality
from workbench.intake.fetch import Delivery, open_delivery
from workbench.periods import check_period
from workbench.warehouse import FILES_SCHEMA, PERIOD_COL, REJECTS_SCHEMA, Warehouse


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
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.report(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


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


def run_intake(landing: str, period: str, *, sources: list[str] | None = None,
               tables: list[str] | None = None, warehouse: Warehouse | None = None,
               progress: bool = False) -> IntakeResult:
    """Take the delivery for ``period`` from ``landing`` into the warehouse."""
    check_period(period)
    only = select_tables(sources, tables)
    cfg = params.load("intake")
    delivery = open_delivery(landing, period)
    own = warehouse is None
    wh = warehouse or Warehouse()
    home = settings()
    home.tmp.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"intake-{period}-", dir=home.tmp))
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
                _take_file(wh, db, delivery, entry, outcome, workdir)
            except FileRefused as exc:
                outcome = TableOutcome(entry.table, entry.file, entry.encoding, refused=exc.reason,
                                       phases=outcome.phases)
            outcome.seconds = (dt.datetime.now() - started).total_seconds()
            outcomes[key] = outcome
            _log_attempt(wh, period, delivery.source, outcome)
        loaded_tables = {o.table for o in outcomes.values() if not o.refused}
        checks = quality.run_checks(wh, period, loaded_tables)
        listed = {e.file for e in delivery.entries} | {"MANIFEST.csv"}
        unlisted = sorted(p.name for p in delivery.folder.iterdir()
                          if p.is_file() and p.name not in listed and not p.name.endswith(".part"))
        return IntakeResult(period, delivery.source, outcomes, checks, unlisted)
    finally:
        db.close()
        shutil.rmtree(workdir, ignore_errors=True)
        if own:
            wh.close()


def _progress(entries: list, show: bool, period: str):
    if not show:
        return entries
    from tqdm.auto import tqdm

    return tqdm(entries, desc=f"intake {period}", unit="file")


def _take_file(wh: Warehouse, db, delivery: Delivery, entry, outcome: TableOutcome,
               workdir: Path) -> None:
    """Verify, decode, clean and load one file; raise FileRefused to refuse it whole."""
    if entry.problem:
        raise FileRefused(entry.file, entry.problem, entry.table)
    if entry.file in delivery.missing:
        raise FileRefused(entry.file, "listed in the manifest but not on the server", entry.table)
    contract = TABLE_MAP[entry.table]
    source_file = delivery.folder / entry.file
    if entry.encoding != "UTF-8" and source_file.is_file():
        ensure_room(workdir, 2 * source_file.stat().st_size, f"decoding {entry.file}")
    clock = time.perf_counter()
    path = decode.verify_and_decode(source_file, entry, workdir)
    header = decode.read_header(path, entry)
    missing = [c for c in contract.required if c not in header]
    if missing:
        raise FileRefused(entry.file, f"header lacks required column(s) {', '.join(missing)}",
                          entry.table)
    outcome.phases["decode"] = time.perf_counter() - clock
    clock = time.perf_counter()
    result = clean.clean_file(db, path, header, contract, delivery.period)
    outcome.phases["clean"] = time.perf_counter() - clock
    if path != delivery.folder / entry.file:
        path.unlink(missing_ok=True)
    if result.rows_in != entry.rows:
        raise FileRefused(
            entry.file, f"row count mismatch: manifest {entry.rows}, file {result.rows_in}", entry.table
        )
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
    wh.replace_partitions(replacements)


def _log_attempt(wh: Warehouse, period: str, source: str, outcome: TableOutcome) -> None:
    """Append the attempt to ``intake_log`` (refusals included): the run history."""
    row = {"delivery_period": period, "table_name": outcome.table, "file": outcome.file,
           "source": source, "status": "refused" if outcome.refused else "loaded",
           "reason": outcome.refused, "rows_in": outcome.rows_in, "loaded": outcome.loaded,
           "rejected": outcome.rejected, "duplicates": outcome.duplicates,
           "seconds": round(outcome.seconds, 3),
           **{f"{k}_seconds": round(outcome.phases.get(k, 0.0), 3) for k in ("decode", "clean", "load")},
           "at": dt.datetime.now().replace(microsecond=0)}
    wh.append_log(row)
