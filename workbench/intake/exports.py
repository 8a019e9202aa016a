"""Exports of intake results (cli.md: ``workbench rejects export``)."""

from __future__ import annotations

import csv
from pathlib import Path

import ibis

from workbench.outputs import atomic_write, check_out
from workbench.periods import check_period
from workbench.warehouse import PERIOD_COL, Warehouse

REJECTS_HEADER = ("table", "line_no", "reason", "raw")


def export_rejects(period: str, out: Path, warehouse: Warehouse | None = None) -> int:
    """Write every rejected row of ``period`` as UTF-8 CSV; return the row count. ``out`` is
    checked before anything is read and written atomically."""
    check_period(period)
    out = check_out(out)
    own = warehouse is None
    wh = warehouse or Warehouse()
    try:
        wh.ensure_schema()
        t = wh.table("intake_rejects")
        expr = (t.filter(ibis._[PERIOD_COL] == period)
                .select("table_name", "line_no", "reason", "raw")
                .order_by(["table_name", "line_no"]))
        rows = expr.to_pyarrow().to_pylist()
    finally:
        if own:
            wh.close()
    with atomic_write(out, newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(REJECTS_HEADER)
        for r in rows:
            w.writerow((r["table_name"], r["line_no"], r["reason"], r["raw"]))
    return len(rows)
