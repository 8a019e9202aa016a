"""The run record: one row of ``indicator_run`` per ``workbench indicators`` run.

A run is written as ``running`` in its own transaction before anything is published,
then marked ``succeeded`` (with its counts) inside the publishing transaction, or
``failed`` (with the error) in a transaction of its own when publishing fails, so a failed
run leaves its record and nothing else.

The run history as plain data, for the HTML reports the scheduler runs (no account: they read
the office as the system, and hold no person's view): ``runs``, ``run``, ``latest_runs``,
``hits_by_period``, ``run_indicators`` and ``run_outcomes``; the monthly job asks
``last_run_id`` and ``newest_run``. Nothing outside the office reads
its tables itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from workbench.office.models import IndicatorRun, Problem, ProblemEvent, RunHit, RunIndicator, now
from workbench.office.states import Action

RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"
RUN, RI, HIT = IndicatorRun.__table__, RunIndicator.__table__, RunHit.__table__
PROBLEM, EVENT = Problem.__table__, ProblemEvent.__table__


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


def run(period: str | None = None, run_id: int | None = None, url: str | None = None) -> dict[str, Any] | None:
    """The run record ``run_id``, or the latest succeeded run of ``period`` (None: none)."""
    from workbench.office import db

    query = select(RUN)
    if run_id is not None:
        query = query.where(RUN.c.id == run_id)
    else:
        query = query.where(RUN.c.period == period, RUN.c.status == SUCCEEDED).order_by(RUN.c.id.desc()).limit(1)
    with db.ready(url).connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else dict(row._mapping)


def last_run_id(url: str | None = None) -> int:
    """The id of the newest run record, whatever its period and status (0: none)."""
    from workbench.office import db

    with db.ready(url).connect() as conn:
        return int(conn.execute(select(func.max(RUN.c.id))).scalar() or 0)


def newest_run(period: str, after: int = 0, url: str | None = None) -> dict[str, Any] | None:
    """The newest run record of ``period`` with an id above ``after``, whatever its status."""
    from workbench.office import db

    with db.ready(url).connect() as conn:
        row = conn.execute(select(RUN).where(RUN.c.id > after, RUN.c.period == period)
                           .order_by(RUN.c.id.desc()).limit(1)).first()
    return None if row is None else dict(row._mapping)


def latest_runs(periods: Iterable[str], url: str | None = None) -> list[dict[str, Any]]:
    """The latest succeeded run of each of ``periods`` (those that have one), oldest period
    first: period, run_id, evaluated, new, updated, reopened."""
    from workbench.office import db

    window = list(periods)
    last = (select(func.max(RUN.c.id)).where(RUN.c.period.in_(window), RUN.c.status == SUCCEEDED)
            .group_by(RUN.c.period))
    query = select(RUN.c.period, RUN.c.id.label("run_id"), RUN.c.evaluated, RUN.c.new, RUN.c.updated,
                   RUN.c.reopened).where(RUN.c.id.in_(last)).order_by(RUN.c.period)
    with db.ready(url).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def hits_by_period(periods: Iterable[str], url: str | None = None) -> list[dict[str, Any]]:
    """Hits and their amount per period, indicator and district of the hit, each indicator
    from its latest succeeded run of each of ``periods``: period, indicator_code,
    district_code, hits, amount (``Decimal``, None when no hit has one)."""
    from workbench.office import db

    window = list(periods)
    latest = (select(RUN.c.period, RI.c.indicator_code, func.max(RI.c.run_id).label("run_id"))
              .join(RUN, RUN.c.id == RI.c.run_id)
              .where(RUN.c.period.in_(window), RUN.c.status == SUCCEEDED)
              .group_by(RUN.c.period, RI.c.indicator_code)).subquery("latest")
    query = (select(latest.c.period, HIT.c.indicator_code, HIT.c.district_code,
                    func.count().label("hits"), func.sum(HIT.c.amount).label("amount"))
             .join(latest, and_(HIT.c.run_id == latest.c.run_id, HIT.c.indicator_code == latest.c.indicator_code))
             .group_by(latest.c.period, HIT.c.indicator_code, HIT.c.district_code))
    with db.ready(url).connect() as conn:
        return [{**r._mapping, "amount": _decimal(r.amount), "hits": int(r.hits)} for r in conn.execute(query)]


def run_indicators(run_id: int, url: str | None = None) -> list[dict[str, Any]]:
    """The indicators run ``run_id`` covered (also those without hits): indicator_code, hits,
    seconds, amount (sum of the hits' amounts, ``Decimal`` or None)."""
    from workbench.office import db

    with db.ready(url).connect() as conn:
        covered = conn.execute(select(RI.c.indicator_code, RI.c.hits, RI.c.seconds)
                               .where(RI.c.run_id == run_id)).all()
        amounts = {r.indicator_code: _decimal(r.amount) for r in conn.execute(
            select(HIT.c.indicator_code, func.sum(HIT.c.amount).label("amount"))
            .where(HIT.c.run_id == run_id).group_by(HIT.c.indicator_code))}
    return [{"indicator_code": r.indicator_code, "hits": int(r.hits), "seconds": r.seconds,
             "amount": amounts.get(r.indicator_code)} for r in covered]


def run_outcomes(run_id: int, url: str | None = None) -> list[tuple[str, str, int]]:
    """What run ``run_id`` did to the office's problems: (indicator_code, event action, count)
    for its ``published``, ``redetected`` and ``reopened`` events."""
    from workbench.office import db

    actions = [Action.PUBLISHED.value, Action.REDETECTED.value, Action.REOPENED.value]
    with db.ready(url).connect() as conn:
        rows = conn.execute(select(PROBLEM.c.indicator_code, EVENT.c.action, func.count().label("n"))
                            .join(PROBLEM, PROBLEM.c.id == EVENT.c.problem_id)
                            .where(EVENT.c.run_id == run_id, EVENT.c.action.in_(actions))
                            .group_by(PROBLEM.c.indicator_code, EVENT.c.action)).all()
    return [(r.indicator_code, r.action, int(r.n)) for r in rows]


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))
