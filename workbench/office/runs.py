"""The run record: one row of ``indicator_run`` per ``workbench indicators`` run.

A run is written as ``running`` in its own transaction before anything is published,
then marked ``succeeded`` (with its counts) inside the publishing transaction, or
``failed`` (with the error) in a transaction of its own when publishing fails, so a failed
run leaves its record and nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from workbench.office.models import IndicatorRun, now

RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"
RUN = IndicatorRun.__table__


@dataclass
class RunSummary:
    run_id: int
    period: str
    status: str
    evaluated: int = 0
    hits: int = 0
    new: int = 0
    updated: int = 0
    reopened: int = 0
    error: str | None = None


def dumps(value: Any) -> str:
    """JSON text as stored (Chinese kept readable, keys sorted, odd types as strings)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def start_run(eng: Engine, period: str, only: list[str] | None, params: dict[str, Any] | None = None) -> int:
    """Insert a ``running`` run and commit it; return its id."""
    with eng.begin() as conn:
        return conn.execute(insert(RUN).returning(RUN.c.id), {
            "period": period, "started_at": now(), "status": RUNNING,
            "params_json": dumps(params or {}), "only_codes": ",".join(only) if only else None,
            "evaluated": 0, "hits": 0, "new": 0, "updated": 0, "reopened": 0,
        }).scalar_one()


def succeed_run(conn: Connection, summary: RunSummary) -> None:
    """Mark the run succeeded with its counts (inside the publishing transaction)."""
    summary.status = SUCCEEDED
    conn.execute(update(RUN).where(RUN.c.id == summary.run_id).values(
        status=SUCCEEDED, ended_at=now(), evaluated=summary.evaluated, hits=summary.hits,
        new=summary.new, updated=summary.updated, reopened=summary.reopened, error=None))


def fail_run(eng: Engine, run_id: int, error: BaseException | str) -> None:
    """Mark the run failed with the error text, in a transaction of its own."""
    text = error if isinstance(error, str) else (f"{type(error).__name__}: {error}".strip())
    with eng.begin() as conn:
        conn.execute(update(RUN).where(RUN.c.id == run_id).values(
            status=FAILED, ended_at=now(), error=text[:4000], evaluated=0, hits=0, new=0, updated=0, reopened=0))


def record_failed_run(period: str, error: BaseException | str, only: list[str] | None = None,
                      url: str | None = None) -> int:
    """A run that failed before publishing (e.g. in evaluation): its record only; returns its id."""
    from workbench.office import db

    eng = db.ready(url)
    run_id = start_run(eng, period, only)
    fail_run(eng, run_id, error)
    return run_id


def runs(period: str | None = None, url: str | None = None) -> list[dict[str, Any]]:
    """The run records (of ``period``, or all), newest first, as dicts."""
    from workbench.office import db

    eng = db.ready(url)
    query = select(RUN).order_by(RUN.c.id.desc())
    if period:
        query = query.where(RUN.c.period == period)
    with eng.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
