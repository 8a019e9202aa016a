"""``workbench monthly``: the scheduled monthly job (docs/cli.md).

For period P and the delivery in ``landing`` it runs, each in a papermill kernel of its
own, one step after the other:

1. the seven per-source intake notebooks (``notebooks/intake_<source>.ipynb``): fetch,
   clean and load each source's files, and report on them;
2. ``notebooks/indicators.ipynb``: run every indicator on P and publish the suspected
   problems to the office (one transaction), and report the hits;
3. ``notebooks/statistics.ipynb``: P against earlier periods (read only).

Executed notebooks and their HTML go to ``WORKBENCH_HOME/reports/P/``. The job ends in
the same warehouse and office state as ``workbench intake`` followed by ``workbench
indicators``. This process never holds the warehouse open while a kernel writes to it:
it opens it between steps, to count what the intake did, and closes it.

A failed step stops the job with one ``WorkbenchError`` line naming the step. Every run
of the job, succeeded or failed, appends one JSON line to
``WORKBENCH_HOME/runs/monthly.jsonl`` (parameters, start, end, status, steps, counts).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from workbench.config import settings
from workbench.contract import SOURCES
from workbench.errors import DeliveryRefused, UsageError, WorkbenchError
from workbench.periods import check_period

STEPS: tuple[str, ...] = (*(f"intake_{s}" for s in SOURCES), "indicators", "statistics")
SUCCEEDED, FAILED = "succeeded", "failed"


def record_path() -> Path:
    """The append-only run records of the job: ``WORKBENCH_HOME/runs/monthly.jsonl``."""
    return settings().home / "runs" / "monthly.jsonl"


@dataclass
class StepRecord:
    name: str
    status: str
    seconds: float
    report: str | None = None
    error: str | None = None


@dataclass
class MonthlyResult:
    period: str
    landing: str
    started: str
    ended: str | None = None
    status: str = "running"
    steps: list[StepRecord] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    indicator_run_id: int | None = None
    error: str | None = None

    @property
    def reports(self) -> list[Path]:
        return [Path(s.report) for s in self.steps if s.report]

    @property
    def exit_code(self) -> int:
        """As ``workbench intake``: 3 when a delivered file was refused, else 0."""
        return 3 if self.counts.get("files_refused") else 0

    def record(self) -> dict[str, Any]:
        """The JSON record of the run."""
        return {"job": "monthly", "parameters": {"landing": self.landing, "period": self.period},
                "started": self.started, "ended": self.ended, "status": self.status,
                "counts": self.counts, "indicator_run_id": self.indicator_run_id,
                "steps": [asdict(s) for s in self.steps], "error": self.error,
                "exit_code": self.exit_code if self.status == SUCCEEDED else None}


def _now() -> dt.datetime:
    return dt.datetime.now().astimezone().replace(microsecond=0)


def _shown(landing: str) -> str:
    from workbench.warehouse import redact

    return redact(landing)


def run_monthly(landing: str, period: str, progress: bool = True,
                allow_empty: list[str] | None = None) -> MonthlyResult:
    """Run the monthly job for ``period`` on the delivery in ``landing``; return its record
    (also appended to ``record_path()``). ``allow_empty``: snapshot tables that may come
    without data rows (``workbench intake --allow-empty``). A failing step raises a
    WorkbenchError naming it; a refused delivery (a folder landing whose manifest is missing
    or unreadable) raises DeliveryRefused (exit 3) before any step runs."""
    check_period(period)
    if not landing or not str(landing).strip():
        raise UsageError("--landing is empty: give the delivery folder or ftp:// URL")
    from workbench.intake.run import allowed_empty, open_checked

    allowed_empty(allow_empty)  # unknown or monthly tables: exit 2 before any work
    from workbench.reports import run as nbrun
    from workbench.reports.templates import report_notebook_path

    started = _now()
    result = MonthlyResult(period=period, landing=_shown(landing), started=started.isoformat())
    out = settings().reports / period
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(STEPS), desc=f"monthly {period}", unit="step", file=sys.stderr)
    current = STEPS[0]

    def step(name: str, work: Callable[[], Path | None]) -> None:
        nonlocal current
        current = name
        if bar is not None:
            bar.set_postfix_str(name)
        t0 = time.perf_counter()
        try:
            report = work()
        except BaseException as exc:
            result.steps.append(StepRecord(name, FAILED, round(time.perf_counter() - t0, 3), error=_line(exc)))
            raise
        result.steps.append(StepRecord(name, SUCCEEDED, round(time.perf_counter() - t0, 3),
                                       str(report) if report else None))
        if bar is not None:
            bar.update(1)

    try:
        last_run = _last_indicator_run()
        if "://" not in landing and (Path(landing) / period).is_dir():
            open_checked(landing, period)  # FTP deliveries and missing folders: the intake steps tell
        out.mkdir(parents=True, exist_ok=True)
        for source in SOURCES:
            step(f"intake_{source}", lambda s=source: nbrun.run_source_reports(
                landing, period, sources=[s], allow_empty=allow_empty)[0])
        result.counts.update(intake_counts(period, started))
        step("indicators", lambda: nbrun.run_notebook(
            report_notebook_path("indicators"), out / "indicators.ipynb", {"period": period},
            title=f"监督指标运行报告 {period}"))
        run = _indicator_run_after(period, last_run)
        result.indicator_run_id = run["id"]
        result.counts.update({k: int(run[k]) for k in ("evaluated", "hits", "new", "updated", "reopened")})
        step("statistics", lambda: nbrun.run_notebook(
            report_notebook_path("statistics"), out / "statistics.ipynb", {"period": period},
            title=f"基金监督统计报告 {period}"))
        result.status = SUCCEEDED
    except KeyboardInterrupt:
        result.status, result.error = FAILED, f"step {current}: interrupted"
        raise
    except DeliveryRefused as exc:
        result.status, result.error = FAILED, f"delivery refused: {_line(exc)}"
        raise
    except Exception as exc:
        result.status, result.error = FAILED, f"step {current}: {_line(exc)}"
        raise WorkbenchError(f"monthly job {period} failed at step {current}: {_line(exc)} "
                             f"(run record: {record_path()})", period=period) from None
    finally:
        if bar is not None:
            bar.close()
        result.ended = _now().isoformat()
        append_record(result.record())
    return result


def intake_counts(period: str, since: dt.datetime) -> dict[str, int]:
    """Files loaded and refused, rows loaded and rejected by the intake attempts of P made
    since ``since`` (``intake_log``; the warehouse is opened and closed here)."""
    import ibis

    from workbench.warehouse import PERIOD_COL, Warehouse

    _ = ibis._
    naive = since.astimezone().replace(tzinfo=None)  # intake_log keeps local time without zone
    with Warehouse() as wh:
        wh.ensure_schema()
        t = wh.table("intake_log")
        df = (t.filter(t[PERIOD_COL] == period, t["at"] >= naive)
              .group_by("status").agg(files=_.count(), loaded=_.loaded.sum(), rejected=_.rejected.sum())
              .to_pandas())
    by = {r["status"]: r for r in df.to_dict("records")}

    def get(status: str, col: str) -> int:
        value = by.get(status, {}).get(col)
        return 0 if value is None or value != value else int(value)

    return {"files_loaded": get("loaded", "files"), "files_refused": get("refused", "files"),
            "rows_loaded": get("loaded", "loaded"), "rows_rejected": get("loaded", "rejected")}


def _last_indicator_run() -> int:
    """The id of the latest indicator run in the office (0: none)."""
    from workbench.office import runs

    return runs.last_run_id()


def _indicator_run_after(period: str, after: int) -> dict[str, Any]:
    """The succeeded indicator run of P the indicators step published (id > ``after``)."""
    from workbench.office import runs

    row = runs.newest_run(period, after)
    if row is None or row["status"] != SUCCEEDED:
        why = "no indicator run was recorded" if row is None else f"indicator run {row['id']} is {row['status']}"
        raise WorkbenchError(f"the indicators notebook ended but {why}", period=period)
    return row


def append_record(record: dict[str, Any]) -> Path:
    """Append one run record (one JSON line) to ``record_path()``."""
    path = record_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    return path


def records(period: str | None = None) -> list[dict[str, Any]]:
    """The run records of the job (of ``period``, or all), oldest first."""
    path = record_path()
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if period is None or r["parameters"]["period"] == period]


def print_summary(result: MonthlyResult, out: TextIO = sys.stdout) -> None:
    """The run record, as people read it."""
    c = result.counts
    seconds = sum(s.seconds for s in result.steps)
    print(f"monthly {result.period} from {result.landing}: {result.status} in {seconds:,.0f}s "
          f"({len(result.steps)} steps)", file=out)
    print(f"  intake: {c.get('files_loaded', 0)} files loaded, {c.get('files_refused', 0)} refused; "
          f"{c.get('rows_loaded', 0):,} rows loaded, {c.get('rows_rejected', 0):,} rejected", file=out)
    print(f"  indicators: {c.get('evaluated', 0)} evaluated, {c.get('hits', 0):,} hits; published: "
          f"{c.get('new', 0):,} new, {c.get('updated', 0):,} updated, {c.get('reopened', 0):,} reopened "
          f"(run {result.indicator_run_id})", file=out)
    for s in result.steps:
        print(f"  {s.name:<12} {s.seconds:>6.1f}s  {s.report or ''}", file=out)
    print(f"  run record: {record_path()}", file=out)


def _line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text if isinstance(exc, WorkbenchError) else f"{type(exc).__name__}: {text}"
