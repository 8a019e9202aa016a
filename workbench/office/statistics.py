"""问题统计 and indicator quality: figures over the problems an account may see, aggregated in SQL.

The unit of every figure is a *cell*: the problems of one (district, indicator), with their
counts and amounts summed by ``GROUP BY district_code, indicator_code`` (at most 18 x the number
of indicators rows, whatever the number of problems). Views by district, indicator and business
line (from the indicator registry) fold those cells in Python; the trend by period groups by
``last_period`` instead. A problem belongs to the period of its last detection (``last_period``).

Each grouping is one statement (one consistent snapshot) of two parts joined by ``UNION ALL``:
the problems' own counts, read from a covering index in group order (migration 0008), and the
findings' counts over ``problem_finding JOIN problem``, which has a row for only some problems;
the parts are added up per group in Python. (One ``problem LEFT JOIN problem_finding`` with
every sum in it took 0.7 s on SQLite at 200,000 problems; the two parts take a third of that.)

Archiving a period (``archive_period``: ``statistics.archive``, city roles, logged) freezes its
cells (per district and indicator: ``statistics_archive_cell``), its scores (``scoring.freeze``:
``score_archive``) and the scoring parameters used; afterwards the statistics and scores of that
period are read from the archive and its extra scores can no longer change. A period is archived
once. The live figures of other periods come from the database.

Which problems an account's figures cover is ``access.problem_scope``.

Live cells and the trend by period are kept in memory for ``statistics_cache_seconds``
(parameters/scoring.yaml) per database, visibility scope and period (and per server process): a
city-wide aggregate over 200,000 problems takes a quarter of a second on SQLite, and many people
open the page. Archived periods are always read from the archive, never from the cache.

A closed problem is never updated again (no action applies to 已办结, publishing links a new
problem instead), so its ``updated_at`` is its closing time: "closed in time" compares it with
the deadline.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    ForeignKey,
    String,
    Text,
    and_,
    case,
    cast,
    func,
    insert,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from workbench import access
from workbench.districts import NAMES
from workbench.errors import OfficeError, UsageError
from workbench.office import actionlog, db
from workbench.office.accounts import Account
from workbench.office.findings import Conclusion
from workbench.office.models import ACTOR, AMOUNT, CODE, DISTRICT, PERIOD, Base, Problem, ProblemFinding, now
from workbench.office.states import Action, ProblemState
from workbench.office.versioning import period_of


class StatisticsArchive(Base):
    """An archived period: who archived it, when, with which scoring parameters."""

    __tablename__ = "statistics_archive"

    period: Mapped[str] = mapped_column(String(PERIOD), primary_key=True)
    archived_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    archived_by: Mapped[str] = mapped_column(String(ACTOR))
    scoring_json: Mapped[str] = mapped_column(Text)


class ArchivedCell(Base):
    """The statistics of one (district, indicator) of an archived period (``Figures`` as JSON)."""

    __tablename__ = "statistics_archive_cell"

    period: Mapped[str] = mapped_column(ForeignKey("statistics_archive.period", ondelete="CASCADE"),
                                        primary_key=True)
    district_code: Mapped[str] = mapped_column(String(DISTRICT), primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    figures_json: Mapped[str] = mapped_column(Text)


P, F = Problem.__table__, ProblemFinding.__table__
ARCHIVE, CELL = StatisticsArchive.__table__, ArchivedCell.__table__
CLOSED = ProblemState.CLOSED.value
UNKNOWN_LINE = "其他"

COUNTS = ("problems", "open", "closed", "overdue", "due", "in_time", "findings", "rectified", "unrectified",
          "closed_true", "closed_false", "closed_data_error", "closed_policy", "closed_true_rectified")
AMOUNTS = ("amount", "involved", "recovered", "fines", "closed_involved", "closed_recovered", "closed_fines")


@dataclass
class Figures:
    """Counts and amounts of a set of problems (every field sums over problems).

    ``due``: closed or overdue; ``in_time``: closed by the deadline; ``findings``: problems with
    findings; ``rectified`` / ``unrectified``: findings rectified / found true and not rectified;
    ``closed_*``: closed problems by conclusion; amounts ``involved`` / ``recovered`` / ``fines``
    from the findings, ``closed_*`` amounts from the findings of closed problems."""

    problems: int = 0
    open: int = 0
    closed: int = 0
    overdue: int = 0
    due: int = 0
    in_time: int = 0
    findings: int = 0
    rectified: int = 0
    unrectified: int = 0
    closed_true: int = 0
    closed_false: int = 0
    closed_data_error: int = 0
    closed_policy: int = 0
    closed_true_rectified: int = 0
    amount: Decimal = Decimal("0.00")
    involved: Decimal = Decimal("0.00")
    recovered: Decimal = Decimal("0.00")
    fines: Decimal = Decimal("0.00")
    closed_involved: Decimal = Decimal("0.00")
    closed_recovered: Decimal = Decimal("0.00")
    closed_fines: Decimal = Decimal("0.00")

    def add(self, other: Figures) -> None:
        mine, theirs = self.__dict__, other.__dict__
        for name in FIELDS:
            mine[name] += theirs[name]

    @property
    def true_share(self) -> float | None:
        """Share of closed problems found true (属实); None without closed problems."""
        return self.closed_true / self.closed if self.closed else None

    def to_json(self) -> dict[str, Any]:
        return {f.name: str(getattr(self, f.name)) if f.name in AMOUNTS else getattr(self, f.name)
                for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figures:
        return cls(**{k: Decimal(v) if k in AMOUNTS else int(v) for k, v in data.items() if k in COUNTS + AMOUNTS})


@dataclass(frozen=True)
class Cell:
    district_code: str
    indicator_code: str
    figures: Figures


def _n(cond: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _m(col: Any, cond: ColumnElement[bool] | None = None) -> ColumnElement[Any]:
    expr = col if cond is None else case((cond, col), else_=0)
    return func.coalesce(func.sum(expr), 0, type_=AMOUNT)


def _problem_sums(at: datetime) -> dict[str, ColumnElement[Any]]:
    """The figures a problem row gives alone (no finding needed); ``open`` and ``due`` follow
    from these (``_complete``)."""
    closed = P.c.state == CLOSED
    return {"problems": func.count(), "closed": _n(closed), "overdue": _n(and_(P.c.state != CLOSED, P.c.deadline < at)),
            "in_time": _n(and_(closed, or_(P.c.deadline.is_(None), P.c.updated_at <= P.c.deadline))),
            "amount": _m(P.c.amount)}


def _complete(f: Figures) -> Figures:
    f.open, f.due = f.problems - f.closed, f.closed + f.overdue
    return f


def _finding_sums() -> dict[str, ColumnElement[Any]]:
    """The figures of the findings (over ``problem_finding JOIN problem``)."""
    closed = P.c.state == CLOSED
    true_ = F.c.conclusion == Conclusion.TRUE.value
    return {"findings": func.count(), "rectified": _n(F.c.rectified == 1),
            "unrectified": _n(and_(true_, F.c.rectified == 0)), "closed_true": _n(and_(closed, true_)),
            "closed_false": _n(and_(closed, F.c.conclusion == Conclusion.FALSE.value)),
            "closed_data_error": _n(and_(closed, F.c.conclusion == Conclusion.DATA_ERROR.value)),
            "closed_policy": _n(and_(closed, F.c.conclusion == Conclusion.POLICY_ALLOWED.value)),
            "closed_true_rectified": _n(and_(closed, true_, F.c.rectified == 1)),
            "involved": _m(F.c.amount_involved), "recovered": _m(F.c.amount_recovered), "fines": _m(F.c.fines),
            "closed_involved": _m(F.c.amount_involved, closed), "closed_recovered": _m(F.c.amount_recovered, closed),
            "closed_fines": _m(F.c.fines, closed)}


FIELDS = COUNTS + AMOUNTS


def statement(keys: list[Any], where: ColumnElement[bool], at: datetime) -> Any:
    """The problems' part ``UNION ALL`` the findings' part, grouped by ``keys``."""
    mine, theirs = _problem_sums(at), _finding_sums()

    def zero(name: str) -> ColumnElement[Any]:
        return (cast(literal_column("0"), AMOUNT) if name in AMOUNTS else literal_column("0")).label(name)

    def part(sums: dict[str, ColumnElement[Any]], source: Any) -> Any:
        cols = [sums[f].label(f) if f in sums else zero(f) for f in FIELDS]
        return select(*keys, *cols).select_from(source).where(where).group_by(*keys)

    return union_all(part(mine, P), part(theirs, F.join(P, P.c.id == F.c.problem_id)))


def grouped(conn: Connection, keys: list[Any], where: ColumnElement[bool], at: datetime | None = None
            ) -> dict[tuple[Any, ...], Figures]:
    """The figures of the problems matching ``where``, by the values of ``keys`` (columns of
    ``problem``): one statement, its two parts added up here."""
    out: dict[tuple[Any, ...], Figures] = {}
    width = len(keys)
    for r in conn.execute(statement(keys, where, at or now())):
        out.setdefault(tuple(r[:width]), Figures()).add(_figures(r))
    return {k: _complete(f) for k, f in out.items()}


def _figures(row: Any) -> Figures:
    m = row._mapping
    return Figures(**{k: int(m[k]) for k in COUNTS},
                   **{k: v if isinstance(v := m[k], Decimal) else Decimal(str(v)) for k in AMOUNTS})


_cache: dict[tuple[Any, ...], tuple[float, Any]] = {}
_cache_lock = threading.Lock()
CACHE_ENTRIES = 512


def cache_seconds() -> float:
    from workbench import params

    return float(params.load("scoring")["statistics_cache_seconds"])


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _scope(account: Account) -> tuple[str, ...]:
    """The cache key of what ``account`` sees: the districts (and city level) of its scope."""
    return access.districts(account, city_level=True)


def cached(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """``compute()``, reused for ``statistics_cache_seconds`` under ``key``."""
    ttl = cache_seconds()
    if ttl <= 0:
        return compute()
    at = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and at - hit[0] < ttl:
        return hit[1]
    value = compute()
    with _cache_lock:
        if len(_cache) >= CACHE_ENTRIES:
            _cache.clear()
        _cache[key] = (at, value)
    return value


def period_condition(period: str | None) -> ColumnElement[bool] | None:
    return None if period is None else P.c.last_period == period


def live_cells(conn: Connection, where: ColumnElement[bool], period: str | None = None) -> list[Cell]:
    """The cells of the problems matching ``where`` (and of ``period``)."""
    cond = where if period is None else and_(where, P.c.last_period == period)
    cells = grouped(conn, [P.c.district_code, P.c.indicator_code], cond)
    return [Cell(d, i, f) for (d, i), f in sorted(cells.items())]


@functools.cache
def business_line(code: str) -> str:
    """The business line of an indicator (其他 for a code the registry does not know)."""
    from workbench.indicators.registry import get

    try:
        return str(get(code).business_line.value)
    except UsageError:
        return UNKNOWN_LINE


def indicator_name(code: str) -> str:
    from workbench.indicators.registry import get

    try:
        return get(code).name
    except UsageError:
        return ""


def fold(cells: Iterable[Cell], key: Any) -> dict[str, Figures]:
    """Sum the cells by ``key(cell)``."""
    out: dict[str, Figures] = {}
    for c in cells:
        out.setdefault(key(c), Figures()).add(c.figures)
    return out


@dataclass
class Summary:
    """The figures of a period (or of every period) as ``account`` may see them."""

    period: str | None
    total: Figures
    by_district: dict[str, Figures]
    by_indicator: dict[str, Figures]
    by_line: dict[str, Figures]
    archived_at: datetime | None = None  # set when read from the period's archive
    cells: list[Cell] = field(default_factory=list, repr=False)


def summarize(cells: list[Cell], period: str | None, archived_at: datetime | None = None) -> Summary:
    total = Figures()
    for c in cells:
        total.add(c.figures)
    return Summary(period, total, dict(sorted(fold(cells, lambda c: c.district_code).items())),
                   dict(sorted(fold(cells, lambda c: c.indicator_code).items())),
                   dict(sorted(fold(cells, lambda c: business_line(c.indicator_code)).items())), archived_at, cells)


def summary(account: Account, period: str | None = None, *, url: str | None = None) -> Summary:
    """问题统计 of ``period`` (None: every period) over the problems ``account`` may see."""
    with db.ready(url).connect() as conn:
        if period is not None:
            archived = archived_cells(conn, account, period)
            if archived is not None:
                return summarize(archived[1], period, archived[0])
        cells = cached((db.normalize(url), _scope(account), "cells", period),
                       lambda: live_cells(conn, access.problem_scope(account), period))
        return summarize(cells, period)


def by_period(account: Account, *, url: str | None = None) -> dict[str, Figures]:
    """Live figures per period (last detection), oldest first."""
    def compute() -> dict[str, Figures]:
        with db.ready(url).connect() as conn:
            rows = grouped(conn, [P.c.last_period], access.problem_scope(account))
        return {k[0]: f for k, f in sorted(rows.items())}

    return cached((db.normalize(url), _scope(account), "by_period"), compute)


def periods(account: Account, *, url: str | None = None) -> list[str]:
    """The periods that have problems visible to ``account``, newest first."""
    stmt = (select(P.c.last_period).where(access.problem_scope(account)).group_by(P.c.last_period)
            .order_by(P.c.last_period.desc()))
    with db.ready(url).connect() as conn:
        return [r[0] for r in conn.execute(stmt)]


def states_by_district(*, url: str | None = None) -> dict[tuple[str, str], int]:
    """Every problem of the office now, counted by (district_code, state): the system's reading
    for the scheduled reports (no account; they show no person's problems)."""
    with db.ready(url).connect() as conn:
        rows = conn.execute(select(P.c.district_code, P.c.state, func.count().label("n"))
                            .group_by(P.c.district_code, P.c.state)).all()
    return {(r.district_code, r.state): int(r.n) for r in rows}


@dataclass(frozen=True)
class Quality:
    """指标质量: how often an indicator's closed problems were found true (属实)."""

    indicator_code: str
    name: str
    business_line: str
    problems: int
    closed: int
    closed_true: int
    closed_false: int
    closed_data_error: int
    closed_policy: int
    true_share: float | None


def indicator_quality(account: Account, period: str | None = None, *, url: str | None = None,
                      summary_: Summary | None = None) -> list[Quality]:
    """Per indicator: problems, closed, found true and the share; best share first (no closed last)."""
    s = summary_ or summary(account, period, url=url)
    rows = [Quality(code, indicator_name(code), business_line(code), f.problems, f.closed, f.closed_true,
                    f.closed_false, f.closed_data_error, f.closed_policy, f.true_share)
            for code, f in s.by_indicator.items()]
    return sorted(rows, key=lambda q: (q.true_share is None, -(q.true_share or 0), -q.closed, q.indicator_code))


def district_name(code: str) -> str:
    return NAMES.get(code, code)


# ------------------------------------------------------------------------------ archive
def archived_at(conn: Connection, period: str) -> datetime | None:
    """When ``period`` was archived (None: not archived)."""
    return conn.execute(select(ARCHIVE.c.archived_at).where(ARCHIVE.c.period == period)).scalar_one_or_none()


def archive_period(account: Account, period: str, *, url: str | None = None) -> int:
    """Freeze a period's statistics and scores (``statistics.archive``, logged); return the
    number of archived cells."""
    from workbench.office import scoring  # scoring reads this module's figures

    access.require(account, "statistics.archive", access.Target("statistics"))
    period = period_of(period)
    p = scoring.scoring_params()
    with db.ready(url).begin() as conn:
        if archived_at(conn, period) is not None:
            raise OfficeError(f"period {period} is already archived", f"{period} 已归档")
        cells = live_cells(conn, true(), period)
        conn.execute(insert(ARCHIVE).values(period=period, archived_at=now(), archived_by=account.username,
                                            scoring_json=json.dumps(p, ensure_ascii=False, default=str)))
        if cells:
            conn.execute(insert(CELL), [{"period": period, "district_code": c.district_code,
                                         "indicator_code": c.indicator_code,
                                         "figures_json": json.dumps(c.figures.to_json())} for c in cells])
        scoring.freeze(conn, period, cells, p)
        total = summarize(cells, period).total
        actionlog.append(conn, account.username, Action.ARCHIVE, f"period:{period}", None, period=period,
                         cells=len(cells), problems=total.problems, amount=str(total.amount))
    return len(cells)


def archived_cells(conn: Connection, account: Account, period: str) -> tuple[datetime, list[Cell]] | None:
    """The archived cells of ``period`` that ``account`` may see, or None if it is not archived."""
    at = archived_at(conn, period)
    if at is None:
        return None
    rows = conn.execute(select(CELL).where(and_(CELL.c.period == period,
                                                access.district_scope(account, CELL.c.district_code))))
    return at, [Cell(r.district_code, r.indicator_code, Figures.from_json(json.loads(r.figures_json))) for r in rows]


def archived_periods(*, url: str | None = None) -> dict[str, tuple[datetime, str]]:
    """Archived periods: when and by whom, newest first."""
    with db.ready(url).connect() as conn:
        rows = conn.execute(select(ARCHIVE.c.period, ARCHIVE.c.archived_at, ARCHIVE.c.archived_by)
                            .order_by(ARCHIVE.c.period.desc()))
        return {r.period: (r.archived_at, r.archived_by) for r in rows}
