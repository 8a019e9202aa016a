"""Running indicators: build each expression, keep its SQL, execute, group into problems.

``evaluate(period, only, overrides)`` returns one ``Evaluation`` per indicator: the
problems (one per subject key, amount summed and rounded to 0.01), the qualifying rows
as evidence, the parameters used, the compiled SQL and the time taken. It reads the
warehouse only; publishing belongs to the office (workbench.office).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import ibis
import pyarrow as pa

from workbench.errors import UsageError, WorkbenchError, first_line
from workbench.indicators import params as iparams
from workbench.indicators.context import Context
from workbench.indicators.registry import Indicator, all_indicators, get
from workbench.params import load as load_parameters
from workbench.periods import check_period
from workbench.warehouse import PERIOD_COL, Warehouse

CENT = Decimal("0.01")
REQUIRED = ("subject_key", "district_code", "amount")


@dataclass
class Problem:
    indicator_code: str
    subject_type: str
    subject_key: str
    district_code: str
    amount: Decimal | None
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Evaluation:
    indicator: Indicator
    params: dict[str, Any]
    sql: str
    problems: list[Problem]
    seconds: float


def select(only: list[str] | None) -> list[Indicator]:
    """The indicators to run: all, or those named (unknown codes refused with a hint)."""
    if not only:
        return all_indicators()
    return [get(code.strip()) for code in only if code.strip()]


def build(ind: Indicator, ctx: Context, values: dict[str, Any]) -> ibis.Table:
    """The indicator's expression of qualifying rows, checked for the required columns."""
    expr = ind.build(ctx, values)
    missing = [c for c in REQUIRED if c not in expr.columns]
    if missing:
        raise WorkbenchError(f"indicator {ind.code} ({ind.where}) lacks column(s) {', '.join(missing)}")
    return expr


def evaluate(period: str, only: list[str] | None = None, overrides: list[str] | None = None,
             warehouse: Warehouse | None = None, progress: bool = False) -> list[Evaluation]:
    """Evaluate the chosen indicators for ``period`` (nothing is written).

    Each indicator's seconds are its own: building and compiling, executing (on DuckDB
    while later indicators are being compiled, parameters/engine.yaml ``workers``) and
    grouping into problems.
    """
    check_period(period)
    chosen = select(only)
    declared = {i.code: i.params for i in all_indicators()}
    table = iparams.defaults()
    parsed = iparams.parse_overrides(overrides or [], declared, table)
    engine = load_parameters("engine")
    own = warehouse is None
    wh = warehouse or Warehouse()
    try:
        _require_period(wh, period)
        ctx = Context(wh, period)  # the SQL kept with each problem reads the warehouse's own tables
        run = Context(wh, period, shared=True) if engine["share_common_terms"] else ctx
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(chosen), desc=f"indicators {period}", unit="indicator")
        pending: deque = deque()
        out: list[Evaluation] = []

        def collect(item: tuple) -> None:
            ind, values, sql, prepared, future = item
            try:
                rows, executing = future.result()
            except Exception as exc:  # the engine's own error, named for the indicator
                raise WorkbenchError(f"indicator {ind.code} failed on {wh.backend}: {first_line(exc)}") from exc
            started = time.perf_counter()
            problems = group(ind, rows)
            out.append(Evaluation(ind, values, sql, problems, prepared + executing + time.perf_counter() - started))
            if bar is not None:
                bar.update()

        try:
            with wh.memory_limit(engine["memory_limit"]), wh.queries(engine["workers"]) as pool:
                for ind in chosen:
                    values = iparams.for_indicator(ind.code, ind.params, table, parsed.get(ind.code))
                    started = time.perf_counter()
                    expr = build(ind, ctx, values)
                    sql, executed = wh.compile(expr)
                    if run is not ctx:
                        expr = build(ind, run, values)
                        executed = wh.compile(expr)[1]
                    pending.append((ind, values, sql, time.perf_counter() - started, pool.submit(expr, executed)))
                    while pending and pending[0][-1].done():  # results in order, as they are ready
                        collect(pending.popleft())
                while pending:
                    collect(pending.popleft())
        finally:
            if bar is not None:
                bar.close()
        return out
    finally:
        if own:
            wh.close()


def _require_period(wh: Warehouse, period: str) -> None:
    wh.ensure_schema()
    files = wh.table("intake_files")
    loaded = files.filter(files[PERIOD_COL] == period).count().to_pyarrow().as_py()
    if not loaded:
        known = sorted(files.select(PERIOD_COL).distinct().to_pyarrow().column(0).to_pylist())
        raise UsageError(f"no delivery loaded for period {period}"
                         + (f" (loaded: {', '.join(known[-6:])})" if known else " (the warehouse is empty)"))


def group(ind: Indicator, rows: pa.Table) -> list[Problem]:
    """One problem per subject key: district from its rows, amount summed and rounded,
    evidence rows in a fixed order."""
    problems: dict[str, Problem] = {}
    for row in rows.to_pylist():
        key = str(row["subject_key"])
        p = problems.get(key)
        if p is None:
            p = problems[key] = Problem(ind.code, ind.subject_type.value, key, str(row["district_code"]),
                                        Decimal(0) if ind.has_amount else None)
        if ind.has_amount and row["amount"] is not None:
            p.amount += Decimal(row["amount"])
        p.evidence.append({k: _jsonable(v) for k, v in row.items() if k not in REQUIRED or k == "amount"})
    for p in problems.values():
        if p.amount is not None:
            p.amount = p.amount.quantize(CENT, rounding=ROUND_HALF_UP)
        # engines return rows in no fixed order: evidence is kept in one (its values as text)
        p.evidence.sort(key=lambda r: tuple("" if v is None else str(v) for v in r.values()))
    return [problems[k] for k in sorted(problems)]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
