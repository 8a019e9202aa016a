"""考核评分: the assessment score of each district for a period, and why it is what it is.

A district's score (parameters/scoring.yaml) has four components over the district's problems
of the period (those whose last detection ``last_period`` is the period), each restricted by
business line (``scope``: all lines; the social insurance ``fund_lines`` for 追回基金; the
other lines for 追回资金):

* 申请预警指标得分: problems closed by their deadline among those closed or overdue;
* 整改问题得分: closed problems found true (属实) that were rectified;
* 追回资金得分 / 追回基金得分: the amount recovered of the amount involved (findings of closed
  problems).

Each earns ``weight`` times its ratio, scaled so that the ratio ``full_at`` already earns the
whole weight, rounded to 0.01. A component with nothing to measure (its base is empty: no
problem due, none closed found true, no amount involved) earns what ``when_empty`` says:
``zero`` (the default: nothing handled earns nothing, and the explanation says so) or ``full``
(nothing to measure counts as perfect). The city enters an extra score (额外得分, within
``extra_min``..``extra_max``, with a reason, ``scoring.extra``); the total (综合评分) is the sum.

Every ``Score`` carries ``notes``: one Chinese sentence per part saying what was counted, the
figures and how the score follows (``Score.explanation`` lists them with their labels), and
``ScoreSheet.rules`` says the rules themselves in words. Pages show these, never the file or a
formula. Scores of an archived period (``statistics.archive_period``) are read from the
archive and explained from its archived cells and the parameters used when it was archived.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, DateTime, ForeignKey, Numeric, String, Text, and_, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Mapped, mapped_column

from workbench import access, money, validators
from workbench import params as param_files
from workbench.districts import DISTRICTS, NAMES
from workbench.errors import OfficeError
from workbench.office import actionlog, db, statistics
from workbench.office.accounts import Account
from workbench.office.models import ACTOR, DISTRICT, PERIOD, Base, now
from workbench.office.states import Action
from workbench.office.statistics import ARCHIVE, Cell, Figures
from workbench.office.versioning import period_of

SCORE = Numeric(8, 2)
ZERO = Decimal("0.00")
COMPONENTS = ("warning", "rectification", "recovered_money", "recovered_fund")
PARTS = (*COMPONENTS, "extra", "total")
LABELS = {"warning": "申请预警指标得分", "rectification": "整改问题得分", "recovered_money": "追回资金得分",
          "recovered_fund": "追回基金得分", "extra": "额外得分", "total": "综合评分"}


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


SCORE_T, EXTRA = ArchivedScore.__table__, ExtraScore.__table__


def scoring_params() -> dict[str, Any]:
    return param_files.load("scoring")


# ------------------------------------------------------------------------------ ratios
@dataclass(frozen=True)
class Ratio:
    """A ratio of parameters/scoring.yaml in words: the base counted, the part of it that
    earns points, and how to read both from a district's ``Figures``."""

    base_zh: str                                  # 到期或已办结的问题
    part_zh: str                                  # 按期办结
    empty_zh: str                                 # what "nothing to measure" means
    base: Callable[[Figures], Decimal]
    part: Callable[[Figures], Decimal]
    amounts: bool = False                         # money (元) rather than a number of problems


RATIOS: dict[str, Ratio] = {
    "in_time_of_due": Ratio("到期或已办结的问题", "按期办结", "没有到期或已办结的问题",
                            lambda f: Decimal(f.due), lambda f: Decimal(f.in_time)),
    "closed_of_problems": Ratio("问题", "已办结", "没有问题",
                                lambda f: Decimal(f.problems), lambda f: Decimal(f.closed)),
    "rectified_of_closed_true": Ratio("已办结且核查属实的问题", "已整改", "没有已办结且核查属实的问题",
                                      lambda f: Decimal(f.closed_true), lambda f: Decimal(f.closed_true_rectified)),
    "recovered_of_involved": Ratio("已办结问题核查涉及的金额", "追回的金额", "已办结的问题没有核查涉及金额",
                                   lambda f: f.closed_involved, lambda f: f.closed_recovered, amounts=True),
    "recovered_and_fines_of_involved": Ratio(
        "已办结问题核查涉及的金额", "追回的金额与收缴的罚款", "已办结的问题没有核查涉及金额",
        lambda f: f.closed_involved, lambda f: f.closed_recovered + f.closed_fines, amounts=True),
}


def ratio(f: Figures, name: str) -> Decimal | None:
    """The ratio ``name`` of parameters/scoring.yaml; None when its base is empty."""
    r = RATIOS[name]
    den = r.base(f)
    return None if den == 0 else r.part(f) / den


def _pct(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def _points(value: Decimal) -> str:
    return f"{money.cents(value)} 分"


def _scope_zh(scope: str, fund_lines: list[str]) -> str:
    lines = "、".join(fund_lines)
    return {"all": "全部业务", "fund": f"基金类业务（{lines}）", "money": f"基金类业务（{lines}）以外的业务"}[scope]


def _amount(value: Decimal, amounts: bool) -> str:
    return f"{money.text(value)} 元" if amounts else f"{int(value)} 个"


def rule_zh(name: str, spec: dict[str, Any], p: dict[str, Any]) -> str:
    """The rule of component ``name`` in words."""
    r = RATIOS[spec["ratio"]]
    full_at = Decimal(str(spec["full_at"]))
    full = ("比例达到 100% 得满分" if full_at >= 1 else f"比例达到 {_pct(full_at)} 即得满分") + "，不足时按比例折算"
    empty = "得满分" if p["when_empty"] == "full" else "得 0 分"
    weight = _points(Decimal(str(spec["weight"])))
    where = _scope_zh(spec["scope"], p["fund_lines"])
    return (f"{LABELS[name]}（满分 {weight}）：{where}中，{r.base_zh}里{r.part_zh}的比例；{full}；"
            f"本期{r.empty_zh}时{empty}。")


def component(f: Figures, spec: dict[str, Any], when_empty: str) -> Decimal:
    """The score of one component: its weight times the ratio scaled to ``full_at`` (at most
    the weight), rounded to 0.01; ``when_empty`` when there is nothing to measure."""
    return _component(f, spec, when_empty)[0]


def _component(f: Figures, spec: dict[str, Any], when_empty: str) -> tuple[Decimal, str]:
    """(score, the sentence explaining it) of one component for figures ``f``."""
    r = RATIOS[spec["ratio"]]
    weight = Decimal(str(spec["weight"]))
    full_at = Decimal(str(spec["full_at"]))
    base, part = r.base(f), r.part(f)
    if base == 0:
        if when_empty == "full":
            return money.cents(weight), f"本期{r.empty_zh}，无可计量的内容，按规则得满分 {_points(weight)}。"
        return ZERO, f"本期{r.empty_zh}，无可计量的内容，本项得 0 分。"
    share = part / base
    counted = f"{r.base_zh} {_amount(base, r.amounts)}，其中{r.part_zh} {_amount(part, r.amounts)}，比例 {_pct(share)}"
    if share >= full_at:
        reached = "达到满分要求" if full_at >= 1 else f"达到满分线 {_pct(full_at)}"
        return money.cents(weight), f"{counted}，{reached}，得满分 {_points(weight)}。"
    value = money.cents(weight * share / full_at)
    line = "满分要求 100%" if full_at >= 1 else f"满分线 {_pct(full_at)}"
    return value, (f"{counted}，未达到{line}，按比例折算得 {_points(value)}"
                   f"（满分 {_points(weight)}）。")


# ------------------------------------------------------------------------------ scores
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
    notes: dict[str, str] = field(default_factory=dict, compare=False)  # part -> the sentence explaining it

    @property
    def explanation(self) -> list[str]:
        """Each part's score and why, in Chinese: ``申请预警指标得分 15.00 分：…`` (parts in
        ``PARTS`` order; only those with a note)."""
        return [f"{LABELS[p]} {_points(getattr(self, p))}：{self.notes[p]}" for p in PARTS if p in self.notes]


@dataclass(frozen=True)
class ScoreSheet:
    period: str
    rows: list[Score]
    archived_at: datetime | None = None
    rules: list[str] = field(default_factory=list)  # the scoring rules in words, one per part


def rules_zh(p: dict[str, Any]) -> list[str]:
    """The rules of the score in words (for the page, in place of the parameters file)."""
    return [*(rule_zh(name, p[name], p) for name in COMPONENTS),
            f"额外得分：市级处理人或审核人可为区县录入 {p['extra_min']} 至 {p['extra_max']} 分，并须说明理由。",
            "综合评分：以上四项得分与额外得分之和。"]


def _extra_note(extra: Decimal, reason: str | None) -> str:
    if reason is None:
        return "市级未录入额外得分，本项为 0 分。"
    return f"市级录入额外得分 {_points(extra)}，理由：{reason}。"


def _total_note(parts: dict[str, Decimal], extra: Decimal, total: Decimal) -> str:
    items = "、".join(f"{LABELS[n]} {money.cents(parts[n])}" for n in COMPONENTS)
    return f"四项得分（{items}）与额外得分 {money.cents(extra)} 之和，为 {_points(total)}。"


def compute(cells: list[Cell], districts: list[str], extras: dict[str, tuple[Decimal, str]],
            p: dict[str, Any]) -> list[Score]:
    """The scores, with their explanations, of ``districts`` from the period's cells, extra
    scores and parameters ``p``."""
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
        parts, notes = {}, {}
        for name in COMPONENTS:
            spec = p[name]
            parts[name], notes[name] = _component(folded[spec["scope"]].get(d, Figures()), spec, p["when_empty"])
        extra, reason = extras.get(d, (ZERO, None))
        total = sum(parts.values(), Decimal(0)) + extra
        notes["extra"], notes["total"] = _extra_note(extra, reason), _total_note(parts, extra, total)
        out.append(Score(d, NAMES.get(d, d), **parts, extra=extra, extra_reason=reason, total=total, notes=notes))
    return out


def _extras(conn: Connection, period: str) -> dict[str, tuple[Decimal, str]]:
    rows = conn.execute(select(EXTRA.c.district_code, EXTRA.c.score, EXTRA.c.reason).where(EXTRA.c.period == period))
    return {r.district_code: (money.cents(r.score), r.reason) for r in rows}


def _archived(conn: Connection, account: Account, period: str) -> ScoreSheet | None:
    """The archived sheet of ``period`` (scores as archived, explained from the archived cells
    and parameters), or None if the period is not archived."""
    head = conn.execute(select(ARCHIVE.c.archived_at, ARCHIVE.c.scoring_json)
                        .where(ARCHIVE.c.period == period)).first()
    if head is None:
        return None
    p = json.loads(head.scoring_json)
    rows = conn.execute(select(SCORE_T).where(and_(SCORE_T.c.period == period,
                                                   access.district_scope(account, SCORE_T.c.district_code)))
                        .order_by(SCORE_T.c.district_code)).all()
    found = statistics.archived_cells(conn, account, period)
    cells = found[1] if found else []
    extras = {r.district_code: (money.cents(r.extra), r.extra_reason) for r in rows if r.extra_reason is not None}
    explained = {s.district_code: s for s in compute(cells, [r.district_code for r in rows], extras, p)}
    out = []
    for r in rows:
        notes = dict(explained[r.district_code].notes)
        parts = {n: getattr(r, n) for n in COMPONENTS}
        notes["extra"], notes["total"] = _extra_note(r.extra, r.extra_reason), _total_note(parts, r.extra, r.total)
        out.append(Score(r.district_code, NAMES.get(r.district_code, r.district_code), **parts, extra=r.extra,
                         extra_reason=r.extra_reason, total=r.total, notes=notes))
    return ScoreSheet(period, out, head.archived_at, rules_zh(p))


def scores(account: Account, period: str, *, url: str | None = None) -> ScoreSheet:
    """考核评分 of ``period`` for the districts ``account`` may see (``access.districts``: none
    for an account without a district scope), archived figures if archived."""
    period = period_of(period)
    p = scoring_params()
    with db.ready(url).connect() as conn:
        archived = _archived(conn, account, period)
        if archived is not None:
            return archived
        districts = list(access.districts(account))
        if not districts:
            return ScoreSheet(period, [], None, rules_zh(p))
        cells = statistics.live_cells(conn, access.problem_scope(account), period)
        return ScoreSheet(period, compute(cells, districts, _extras(conn, period), p), None, rules_zh(p))


def freeze(conn: Connection, period: str, cells: list[Cell], p: dict[str, Any]) -> None:
    """Archive the scores of every district for ``period`` from its ``cells`` and parameters
    ``p`` (called by ``statistics.archive_period`` in its transaction)."""
    sheet = compute(cells, list(DISTRICTS), _extras(conn, period), p)
    conn.execute(insert(SCORE_T), [{"period": period, "district_code": s.district_code, "warning": s.warning,
                                    "rectification": s.rectification, "recovered_money": s.recovered_money,
                                    "recovered_fund": s.recovered_fund, "extra": s.extra,
                                    "extra_reason": s.extra_reason, "total": s.total} for s in sheet])


def set_extra(account: Account, period: str, district_code: str, score: Decimal | str, reason: str, *,
              url: str | None = None) -> Decimal:
    """Enter (or replace) a district's extra score for a period (``scoring.extra``), logged."""
    access.require(account, "scoring.extra", access.Target("scoring", district_code=district_code))
    period = period_of(period)
    if district_code not in DISTRICTS:
        raise OfficeError(f"{district_code!r} is not a district", "请选择区县")
    p = scoring_params()
    try:
        value = Decimal(str(score).strip())
    except InvalidOperation:
        raise OfficeError(f"{score!r} is not a score", "额外得分须为数字") from None
    if (not value.is_finite() or not p["extra_min"] <= value <= p["extra_max"]
            or value != value.quantize(money.CENT)):  # bounded first: quantize refuses a huge exponent
        raise OfficeError(f"extra score {score!r} outside {p['extra_min']}..{p['extra_max']}",
                          f"额外得分须在 {p['extra_min']} 至 {p['extra_max']} 之间，最多两位小数")
    reason = validators.REASON.clean(reason)
    with db.ready(url).begin() as conn:
        if statistics.archived_at(conn, period) is not None:
            raise OfficeError(f"period {period} is archived", f"{period} 已归档，不能再修改额外得分")
        row = {"score": value, "reason": reason, "entered_by": account.username, "entered_at": now()}
        key = and_(EXTRA.c.period == period, EXTRA.c.district_code == district_code)
        if conn.execute(select(EXTRA.c.period).where(key)).first():
            conn.execute(sql_update(EXTRA).where(key).values(**row))
        else:
            conn.execute(insert(EXTRA).values(period=period, district_code=district_code, **row))
        actionlog.append(conn, account.username, Action.EXTRA_SCORE, f"score:{period}", district_code,
                         period=period, score=str(value), reason=reason)
    return value
