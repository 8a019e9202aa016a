"""Statistics archived per period and district assessment scores (models and services).

考核评分 of a district for a period (parameters/scoring.yaml): four components, each
``weight x min(1, ratio / full_at)`` over the district's problems of the period (last
detection ``last_period``), restricted by business line (``scope``: all, the social insurance
``fund_lines`` for 追回基金, the other lines for 追回资金); a component with nothing to measure
scores its full weight or zero (``when_empty``). The city enters an extra score (额外得分,
within ``extra_min``..``extra_max``, with a reason); the total (综合评分) is the sum.

Archiving a period (city handler or reviewer, logged) freezes its statistics cells (per
district and indicator: ``statistics_archive_cell``), its scores (``score_archive``) and the
scoring parameters used; afterwards the statistics and scores of that period are read from the
archive and its extra scores can no longer change. A period is archived once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, DateTime, ForeignKey, Numeric, String, Text, and_, false, insert, select, true
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from workbench import params as param_files
from workbench import validators
from workbench.districts import DISTRICTS, NAMES
from workbench.errors import OfficeError, PermissionDenied
from workbench.office import actionlog, db, statistics
from workbench.office.accounts import Account
from workbench.office.models import ACTOR, CODE, DISTRICT, PERIOD, Base, now
from workbench.office.roles import Role
from workbench.office.statistics import Cell, Figures

SCORE = Numeric(8, 2)
CENT = Decimal("0.01")
PERIOD_RE = re.compile(r"^\d{4}(0[1-9]|1[0-2])$")
COMPONENTS = ("warning", "rectification", "recovered_money", "recovered_fund")
LABELS = {"warning": "申请预警指标得分", "rectification": "整改问题得分", "recovered_money": "追回资金得分",
          "recovered_fund": "追回基金得分", "extra": "额外得分", "total": "综合评分"}


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


class ArchivedScore(Base):
    """The assessment score of one district in an archived period."""

    __tablename__ = "score_archive"

    period: Mapped[str] = mapped_column(ForeignKey("statistics_archive.period", ondelete="CASCADE"),
                                        primary_key=True)
    district_code: Mapped[str] = mapped_column(String(DISTRICT), primary_key=True)
    warning: Mapped[Decimal] = mapped_column(SCORE)
    rectification: Mapped[Decimal] = mapped_column(SCORE)
    recovered_money: Mapped[Decimal] = mapped_column(SCORE)
    recovered_fund: Mapped[Decimal] = mapped_column(SCORE)
    extra: Mapped[Decimal] = mapped_column(SCORE)
    total: Mapped[Decimal] = mapped_column(SCORE)
    extra_reason: Mapped[str | None] = mapped_column(Text)


class ExtraScore(Base):
    """额外得分 entered by the city for a district and period (replaced until archived)."""

    __tablename__ = "district_extra_score"

    period: Mapped[str] = mapped_column(String(PERIOD), primary_key=True)
    district_code: Mapped[str] = mapped_column(String(DISTRICT), primary_key=True)
    score: Mapped[Decimal] = mapped_column(SCORE)
    reason: Mapped[str] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(ACTOR))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


ARCHIVE, CELL = StatisticsArchive.__table__, ArchivedCell.__table__
SCORE_T, EXTRA = ArchivedScore.__table__, ExtraScore.__table__


def scoring_params() -> dict[str, Any]:
    return param_files.load("scoring")


def _period(period: str) -> str:
    period = (period or "").strip()
    if not PERIOD_RE.match(period):
        raise OfficeError(f"{period!r} is not a period (YYYYMM)", "期间格式应为 YYYYMM，如 202406")
    return period


def _city(account: Account, what: str) -> None:
    if not account.has(Role.CITY_HANDLER, Role.CITY_REVIEWER):
        raise PermissionDenied(f"{account.username} may not {what}", "只有市级处理人或审核人可以执行此操作")


def _district_scope(account: Account, column: Any) -> ColumnElement[bool]:
    """The rows of districts ``account`` may see (mirrors ``workflow.visible``)."""
    if account.has(Role.CITY_HANDLER, Role.CITY_REVIEWER):
        return true()
    if account.has(Role.DISTRICT_HANDLER, Role.DISTRICT_REVIEWER) and account.district_code:
        return column == account.district_code
    return false()


def _visible_districts(account: Account) -> list[str]:
    if account.has(Role.CITY_HANDLER, Role.CITY_REVIEWER):
        return list(DISTRICTS)
    if account.has(Role.DISTRICT_HANDLER, Role.DISTRICT_REVIEWER) and account.district_code in DISTRICTS:
        return [str(account.district_code)]
    return []


# ------------------------------------------------------------------------------ scoring
@dataclass(frozen=True)
class Score:
    district_code: str
    district_name: str
    warning: Decimal
    rectification: Decimal
    recovered_money: Decimal
    recovered_fund: Decimal
    extra: Decimal
    extra_reason: str | None
    total: Decimal


@dataclass(frozen=True)
class ScoreSheet:
    period: str
    rows: list[Score]
    archived_at: datetime | None = None


def ratio(f: Figures, name: str) -> Decimal | None:
    """The ratio ``name`` of parameters/scoring.yaml; None when its base is empty."""
    num, den = {
        "in_time_of_due": (Decimal(f.in_time), Decimal(f.due)),
        "closed_of_problems": (Decimal(f.closed), Decimal(f.problems)),
        "rectified_of_closed_true": (Decimal(f.closed_true_rectified), Decimal(f.closed_true)),
        "recovered_of_involved": (f.closed_recovered, f.closed_involved),
        "recovered_and_fines_of_involved": (f.closed_recovered + f.closed_fines, f.closed_involved),
    }[name]
    return None if den == 0 else num / den


def component(f: Figures, spec: dict[str, Any], when_empty: str) -> Decimal:
    """weight x min(1, ratio / full_at), rounded to 0.01."""
    weight = Decimal(spec["weight"])
    r = ratio(f, spec["ratio"])
    if r is None:
        value = weight if when_empty == "full" else Decimal(0)
    else:
        value = weight * min(Decimal(1), r / Decimal(spec["full_at"]))
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def compute(cells: list[Cell], districts: list[str], extras: dict[str, tuple[Decimal, str]],
            p: dict[str, Any]) -> list[Score]:
    """The scores of ``districts`` from the period's cells, extra scores and parameters ``p``."""
    fund_lines = set(p["fund_lines"])
    scopes = {
        "all": lambda c: True,
        "fund": lambda c: statistics.business_line(c.indicator_code) in fund_lines,
        "money": lambda c: statistics.business_line(c.indicator_code) not in fund_lines,
    }
    folded = {scope: statistics.fold((c for c in cells if keep(c)), lambda c: c.district_code)
              for scope, keep in scopes.items()}
    out = []
    for d in districts:
        parts = {name: component(folded[p[name]["scope"]].get(d, Figures()), p[name], p["when_empty"])
                 for name in COMPONENTS}
        extra, reason = extras.get(d, (Decimal("0.00"), None))
        out.append(Score(d, NAMES.get(d, d), **parts, extra=extra, extra_reason=reason,
                         total=sum(parts.values(), Decimal(0)) + extra))
    return out


def _extras(conn: Connection, period: str) -> dict[str, tuple[Decimal, str]]:
    rows = conn.execute(select(EXTRA.c.district_code, EXTRA.c.score, EXTRA.c.reason).where(EXTRA.c.period == period))
    return {r.district_code: (Decimal(r.score).quantize(CENT), r.reason) for r in rows}


def _archived_at(conn: Connection, period: str) -> datetime | None:
    return conn.execute(select(ARCHIVE.c.archived_at).where(ARCHIVE.c.period == period)).scalar_one_or_none()


def scores(account: Account, period: str, *, url: str | None = None) -> ScoreSheet:
    """考核评分 of ``period`` for the districts ``account`` may see (archived figures if archived)."""
    period = _period(period)
    districts = _visible_districts(account)
    with db.ready(url).connect() as conn:
        at = _archived_at(conn, period)
        if at is not None:
            rows = conn.execute(select(SCORE_T).where(and_(SCORE_T.c.period == period,
                                                           _district_scope(account, SCORE_T.c.district_code)))
                                .order_by(SCORE_T.c.district_code)).all()
            return ScoreSheet(period, [Score(r.district_code, NAMES.get(r.district_code, r.district_code),
                                             r.warning, r.rectification, r.recovered_money, r.recovered_fund,
                                             r.extra, r.extra_reason, r.total) for r in rows], at)
        if not districts:
            return ScoreSheet(period, [])
        cells = statistics.live_cells(conn, statistics.visible(account), period)
        return ScoreSheet(period, compute(cells, districts, _extras(conn, period), scoring_params()))


def set_extra(account: Account, period: str, district_code: str, score: Decimal | str, reason: str, *,
              url: str | None = None) -> Decimal:
    """Enter (or replace) a district's extra score for a period; city roles only, logged."""
    _city(account, "enter extra scores")
    period = _period(period)
    if district_code not in DISTRICTS:
        raise OfficeError(f"{district_code!r} is not a district", "请选择区县")
    p = scoring_params()
    try:
        value = Decimal(str(score).strip())
    except InvalidOperation:
        raise OfficeError(f"{score!r} is not a score", "额外得分须为数字") from None
    if (not value.is_finite() or not p["extra_min"] <= value <= p["extra_max"]
            or value != value.quantize(CENT)):  # bounded first: quantize refuses a huge exponent
        raise OfficeError(f"extra score {score!r} outside {p['extra_min']}..{p['extra_max']}",
                          f"额外得分须在 {p['extra_min']} 至 {p['extra_max']} 之间，最多两位小数")
    reason = validators.REASON.clean(reason)
    with db.ready(url).begin() as conn:
        if _archived_at(conn, period) is not None:
            raise OfficeError(f"period {period} is archived", f"{period} 已归档，不能再修改额外得分")
        row = {"score": value, "reason": reason, "entered_by": account.username, "entered_at": now()}
        key = and_(EXTRA.c.period == period, EXTRA.c.district_code == district_code)
        if conn.execute(select(EXTRA.c.period).where(key)).first():
            conn.execute(sql_update(EXTRA).where(key).values(**row))
        else:
            conn.execute(insert(EXTRA).values(period=period, district_code=district_code, **row))
        actionlog.append(conn, account.username, actionlog.Action.EXTRA_SCORE, f"score:{period}", district_code,
                         period=period, score=str(value), reason=reason)
    return value


# ------------------------------------------------------------------------------ archive
def archive_period(account: Account, period: str, *, url: str | None = None) -> int:
    """Freeze a period's statistics and scores (city roles, logged); return the archived cells."""
    _city(account, "archive statistics")
    period = _period(period)
    p = scoring_params()
    with db.ready(url).begin() as conn:
        if _archived_at(conn, period) is not None:
            raise OfficeError(f"period {period} is already archived", f"{period} 已归档")
        cells = statistics.live_cells(conn, true(), period)
        sheet = compute(cells, list(DISTRICTS), _extras(conn, period), p)
        conn.execute(insert(ARCHIVE).values(period=period, archived_at=now(), archived_by=account.username,
                                            scoring_json=json.dumps(p, ensure_ascii=False, default=str)))
        if cells:
            conn.execute(insert(CELL), [{"period": period, "district_code": c.district_code,
                                         "indicator_code": c.indicator_code,
                                         "figures_json": json.dumps(c.figures.to_json())} for c in cells])
        conn.execute(insert(SCORE_T), [{"period": period, "district_code": s.district_code, "warning": s.warning,
                                        "rectification": s.rectification, "recovered_money": s.recovered_money,
                                        "recovered_fund": s.recovered_fund, "extra": s.extra,
                                        "extra_reason": s.extra_reason, "total": s.total} for s in sheet])
        total = statistics.summarize(cells, period).total
        actionlog.append(conn, account.username, actionlog.Action.ARCHIVE, f"period:{period}", None, period=period,
                         cells=len(cells), problems=total.problems, amount=str(total.amount))
    return len(cells)


def archived_cells(conn: Connection, account: Account, period: str) -> tuple[datetime, list[Cell]] | None:
    """The archived cells of ``period`` that ``account`` may see, or None if it is not archived."""
    at = _archived_at(conn, period)
    if at is None:
        return None
    rows = conn.execute(select(CELL).where(and_(CELL.c.period == period,
                                                _district_scope(account, CELL.c.district_code))))
    return at, [Cell(r.district_code, r.indicator_code, Figures.from_json(json.loads(r.figures_json))) for r in rows]


def archived_periods(*, url: str | None = None) -> dict[str, tuple[datetime, str]]:
    """Archived periods: when and by whom, newest first."""
    with db.ready(url).connect() as conn:
        rows = conn.execute(select(ARCHIVE.c.period, ARCHIVE.c.archived_at, ARCHIVE.c.archived_by)
                            .order_by(ARCHIVE.c.period.desc()))
        return {r.period: (r.archived_at, r.archived_by) for r in rows}
