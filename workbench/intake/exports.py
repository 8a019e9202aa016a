"""Exports of intake results (cli.md: ``workbench rejects export``)."""

from __future__ import annotations

import csv
from pathlib import Path

import ibis

from workbench.periods import check_period
from workbench.warehouse import PERIOD_COL, Warehouse

REJECTS_HEADER = ("table", "line_no", "reason", "raw")


def export_rejects(period: str, out: Path, warehouse: Warehouse | None = None) -> int:
    """Write every rejected row of ``period`` as UTF-8 CSV; return the row count."""
    check_period(period)
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
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(REJECTS_HEADER)
        for r in rows:
            w.writerow((r["table_name"], r["line_no"], r["reason"], r["raw"]))
    tmp.replace(out)
    return len(rows)
