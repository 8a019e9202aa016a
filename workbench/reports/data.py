"""What an intake report shows, as pandas DataFrames read from the warehouse (ibis only).

Every function takes the delivery period, optionally a source (``None``: every table of
the contract) and optionally an open ``Warehouse`` (else one is opened and closed). Tables
come out in contract order and reject reasons in rule order, so reports read the same
every month.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import ibis
import pandas as pd

from workbench import params
from workbench.contract import REASON_RANK, SOURCES, TABLE_MAP, TABLES
from workbench.errors import UsageError, suggest
from workbench.periods import check_period, month_range
from workbench.reports.labels import reason_label
from workbench.warehouse import PERIOD_COL, Warehouse

_ = ibis._


@contextlib.contextmanager
def connected(warehouse: Warehouse | None = None) -> Iterator[Warehouse]:
    """``warehouse`` itself, or a new connection closed on exit; the schema exists."""
    wh = warehouse or Warehouse()
    try:
        wh.ensure_schema()
        yield wh
    finally:
        if warehouse is None:
            wh.close()


def tables_of(source: str | None) -> list[str]:
    """The contract tables of ``source`` in contract order (every table for ``None``)."""
    if source is None:
        return [t.name for t in TABLES]
    if source not in SOURCES:
        raise UsageError(f"unknown source {source!r}{suggest(source, list(SOURCES))}")
    return list(SOURCES[source])


def _order(df: pd.DataFrame, by_reason: bool = False) -> pd.DataFrame:
    """Sort by contract table order (then reason rank, then line number when present)."""
    if df.empty:
        return df.reset_index(drop=True)
    tables = {name: i for i, name in enumerate(TABLE_MAP)}
    reasons = {code: i for i, code in enumerate(REASON_RANK)}
    keys = pd.DataFrame({"t": df["table"].map(tables)}, index=df.index)
    if by_reason:
        keys["r"] = df["reason"].map(reasons).fillna(len(reasons))
    if "line_no" in df:
        keys["l"] = df["line_no"]
    return df.loc[keys.sort_values(list(keys.columns), kind="stable").index].reset_index(drop=True)


def _files(wh: Warehouse, periods: list[str], names: list[str]) -> pd.DataFrame:
    t = wh.table("intake_files")
    return t.filter(t[PERIOD_COL].isin(periods), t.table_name.isin(names)).to_pandas()


def counts(period: str, source: str | None = None, *, warehouse: Warehouse | None = None) -> pd.DataFrame:
    """One row per table of the source: rows in, loaded, rejected, duplicates for ``period``.

    The counts are those of the file in the warehouse (``intake_files``); ``status`` is the
    outcome of the latest attempt (``intake_log``): ``loaded``, ``refused`` (``note`` gives
    the reason, and says when an earlier load of the period is still in the warehouse) or
    ``absent`` (not delivered).
    """
    check_period(period)
    names = tables_of(source)
    with connected(warehouse) as wh:
        files = _files(wh, [period], names)
        log = wh.table("intake_log")
        log = log.filter(log[PERIOD_COL] == period, log.table_name.isin(names)).to_pandas()
    files = {r["table_name"]: r for r in files.to_dict("records")}
    latest = {r["table_name"]: r for r in log.sort_values("at", kind="stable").to_dict("records")}
    rows = []
    for name in names:
        contract, file, last = TABLE_MAP[name], files.get(name), latest.get(name)
        row = {"table": name, "title": contract.title, "kind": str(contract.kind),
               "file": None, "encoding": None, "rows_in": pd.NA, "loaded": pd.NA,
               "rejected": pd.NA, "duplicates": pd.NA, "status": "absent", "note": None}
        if file is not None:
            row.update({k: file[k] for k in ("file", "encoding", "rows_in", "loaded", "rejected",
                                             "duplicates")})
            row["status"] = "loaded"
        if last is not None and last["status"] == "refused":
            row["status"] = "refused"
            row["file"] = row["file"] or last["file"]
            row["note"] = f"拒收原因：{last['reason']}"
            if file is not None:
                row["note"] += f"；仓库中保留 {file['loaded_at']:%Y-%m-%d %H:%M} 接收的本期数据"
        rows.append(row)
    df = pd.DataFrame(rows)
    for col in ("rows_in", "loaded", "rejected", "duplicates"):
        df[col] = df[col].astype("Int64")
    return df


def rejects_by_reason(period: str, source: str | None = None, *,
                      warehouse: Warehouse | None = None) -> pd.DataFrame:
    """Rejected rows of ``period`` per table and reason: table, reason, reason_label, rows."""
    check_period(period)
    names = tables_of(source)
    with connected(warehouse) as wh:
        t = wh.table("intake_rejects")
        expr = (t.filter(t[PERIOD_COL] == period, t.table_name.isin(names))
                .group_by(["table_name", "reason"]).agg(rows=_.count()))
        df = expr.to_pandas().rename(columns={"table_name": "table"})
    df["rows"] = df["rows"].astype("int64")
    df.insert(2, "reason_label", df["reason"].map(reason_label))
    return _order(df[["table", "reason", "reason_label", "rows"]], by_reason=True)


def reject_examples(period: str, source: str | None = None, n: int | None = None, *,
                    warehouse: Warehouse | None = None) -> pd.DataFrame:
    """The first ``n`` rejected rows (default: parameters/reports.yaml ``reject_examples``)
    of each table and reason: table, reason, reason_label, line_no, raw."""
    check_period(period)
    names = tables_of(source)
    n = params.load("reports")["reject_examples"] if n is None else n
    with connected(warehouse) as wh:
        t = wh.table("intake_rejects")
        t = t.filter(t[PERIOD_COL] == period, t.table_name.isin(names))
        rank = ibis.row_number().over(group_by=[t.table_name, t.reason], order_by=t.line_no)
        expr = (t.mutate(k=rank).filter(_.k < n)
                .select(table=_.table_name, reason=_.reason, line_no=_.line_no, raw=_.raw))
        df = expr.to_pandas()
    df["line_no"] = df["line_no"].astype("int64")
    df.insert(2, "reason_label", df["reason"].map(reason_label))
    return _order(df, by_reason=True)


def duplicates(period: str, source: str | None = None, *,
               warehouse: Warehouse | None = None) -> pd.DataFrame:
    """Per delivered table of ``period``: rows in, exact duplicates dropped (and their share
    of the rows in), and rows rejected as KEY_CONFLICT (same key, different content)."""
    check_period(period)
    names = tables_of(source)
    with connected(warehouse) as wh:
        files = _files(wh, [period], names)
        t = wh.table("intake_rejects")
        conflicts = (t.filter(t[PERIOD_COL] == period, t.table_name.isin(names),
                              t.reason == "KEY_CONFLICT")
                     .group_by("table_name").agg(n=_.count()).to_pandas())
    conflict = dict(zip(conflicts["table_name"], conflicts["n"], strict=True))
    df = pd.DataFrame({
        "table": files["table_name"],
        "title": files["table_name"].map(lambda n: TABLE_MAP[n].title),
        "rows_in": files["rows_in"].astype("int64"),
        "duplicates": files["duplicates"].astype("int64"),
    })
    df["duplicate_share"] = (df["duplicates"] / df["rows_in"].where(df["rows_in"] > 0)).astype("float64")
    df["key_conflicts"] = df["table"].map(lambda n: int(conflict.get(n, 0))).astype("int64")
    return _order(df)


def volume_window(period: str, history: int | None = None) -> list[str]:
    """``period`` and the ``history`` months before it (default: parameters/reports.yaml
    ``history_periods``), oldest first."""
    history = params.load("reports")["history_periods"] if history is None else history
    return month_range(check_period(period), history + 1)


def volumes(period: str, source: str | None = None, history: int | None = None, *,
            warehouse: Warehouse | None = None) -> pd.DataFrame:
    """Loaded rows per table and period over ``volume_window(period, history)``: one row
    per table and month (``loaded`` is missing for a month without a loaded file)."""
    window = volume_window(period, history)
    names = tables_of(source)
    with connected(warehouse) as wh:
        files = _files(wh, window, names)
    got = {(r["table_name"], r[PERIOD_COL]): int(r["loaded"]) for r in files.to_dict("records")}
    delivered = [n for n in names if any((n, p) in got for p in window)]
    df = pd.DataFrame([{"table": n, "period": p, "loaded": got.get((n, p), pd.NA)}
                       for n in delivered for p in window], columns=["table", "period", "loaded"])
    df["loaded"] = df["loaded"].astype("Int64")
    return df


def quality(period: str, source: str | None = None, *, warehouse: Warehouse | None = None) -> pd.DataFrame:
    """The data-quality checks of ``period`` on the source's tables (``intake_quality``):
    check_code, table, description, rows, example."""
    check_period(period)
    names = tables_of(source)
    with connected(warehouse) as wh:
        t = wh.table("intake_quality")
        expr = (t.filter(t[PERIOD_COL] == period, t.table_name.isin(names))
                .select(check_code=_.check_code, table=_.table_name, description=_.description,
                        rows=_.rows, example=_.example)
                .order_by("check_code"))
        df = expr.to_pandas()
    df["rows"] = df["rows"].astype("int64")
    return df.reset_index(drop=True)
