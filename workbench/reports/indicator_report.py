"""The indicators report (``notebooks/indicators.ipynb``): run the indicators of a period,
publish them to the office, and show what they found.

Data come from the office database (SQLAlchemy): the detections of period P are those of
each indicator's latest succeeded run of P (as ``workbench problems export``), enriched
with the registry's metadata (name, business line, severity) and the office each problem
goes to (its district, else 市级). Functions return pandas DataFrames; ``plot_*`` return
matplotlib Figures; ``IndicatorReport`` is what the notebook calls, one method per cell.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from workbench.districts import CITY_CODE, NAMES
from workbench.errors import UsageError, WorkbenchError
from workbench.indicators.registry import BusinessLine, all_indicators
from workbench.office import runs as office_runs
from workbench.periods import check_period
from workbench.reports import charts
from workbench.reports.charts import configure
from workbench.reports.notebook import image, markdown

TOP = 10  # indicators shown in "top" tables and charts unless told
OFFICES: tuple[str, ...] = (*(c for c in NAMES if c != CITY_CODE), CITY_CODE)  # 17 districts, then 市级
LINES: tuple[str, ...] = tuple(b.value for b in BusinessLine)
MONEY = ("amount", "median", "p90", "max")
ACTIONS = {"published": "new", "redetected": "updated", "reopened": "reopened"}

HIT_COLUMNS = ["indicator_code", "name", "business_line", "severity", "subject_type", "subject_key",
               "district_code", "office", "district", "amount"]

COLUMNS: dict[str, str] = {
    "indicator_code": "指标代码",
    "name": "指标名称",
    "business_line": "业务条线",
    "severity": "风险等级",
    "subject_type": "对象类型",
    "subject_key": "对象",
    "office": "区划代码",
    "district": "区",
    "hits": "命中数",
    "amount": "涉及金额（元）",
    "indicators": "有命中的指标数",
    "evaluated": "运行指标数",
    "new": "新增问题",
    "updated": "更新问题",
    "reopened": "重新打开",
    "seconds": "耗时（秒）",
    "share": "占比",
    "period": "期别",
    "previous": "上期命中数",
    "change": "较上期",
    "insured": "本期职工参保人数",
    "per_10k": "每万参保人命中数",
    "open": "未办结问题",
    "with_amount": "有金额的命中数",
    "median": "中位数（元）",
    "p90": "90%分位数（元）",
    "max": "最大值（元）",
    "state": "处理状态",
}


# --- office reads -----------------------------------------------------------------------

def meta() -> pd.DataFrame:
    """The registry: indicator_code, name, business_line, severity (in code order)."""
    return pd.DataFrame([{"indicator_code": i.code, "name": i.name, "business_line": i.business_line.value,
                          "severity": i.severity.value} for i in all_indicators()],
                        columns=["indicator_code", "name", "business_line", "severity"])


def office_of(district_code: str | None) -> str:
    """The office a detection goes to (as the office publishes it)."""
    from workbench.office.publish import route

    return route(district_code)


def _amount(value: Any) -> float:
    return math.nan if value is None else float(Decimal(value))


def describe(hits: pd.DataFrame) -> pd.DataFrame:
    """Detections (indicator_code, subject_type, subject_key, district_code, amount, …)
    with the registry's name, business line and severity and the office's name."""
    m = meta().set_index("indicator_code")
    df = hits.copy()
    df["name"] = df["indicator_code"].map(m["name"]).fillna(df["indicator_code"])
    df["business_line"] = df["indicator_code"].map(m["business_line"]).fillna("—")
    df["severity"] = df["indicator_code"].map(m["severity"]).fillna("—")
    df["office"] = df["district_code"].map(office_of)
    df["district"] = df["office"].map(NAMES)
    df["amount"] = df["amount"].astype("float64")
    return df


def latest_run(period: str, url: str | None = None, run_id: int | None = None) -> dict[str, Any] | None:
    """The run record (``indicator_run``) ``run_id``, or the latest succeeded run of P."""
    check_period(period)
    return office_runs.run(period, run_id, url)


def period_hits(period: str, url: str | None = None) -> pd.DataFrame:
    """The detections of P (each indicator from its latest succeeded run of P), described;
    empty when no run of P succeeded."""
    from workbench.office.exports import latest_hits

    check_period(period)
    try:
        hits = latest_hits(period, url)
    except UsageError:
        hits = []
    df = pd.DataFrame([{"indicator_code": h.indicator_code, "subject_type": h.subject_type,
                        "subject_key": h.subject_key, "district_code": h.district_code,
                        "amount": _amount(h.amount)} for h in hits],
                      columns=["indicator_code", "subject_type", "subject_key", "district_code", "amount"])
    return describe(df)[HIT_COLUMNS]


def run_indicators_table(run_id: int, url: str | None = None) -> pd.DataFrame:
    """The indicators a run covered: indicator_code, name, business_line, severity, hits,
    amount, seconds (every indicator of the run, also those without hits)."""
    rows = office_runs.run_indicators(run_id, url)
    covered = pd.DataFrame([{k: r[k] for k in ("indicator_code", "hits", "seconds")} for r in rows],
                           columns=["indicator_code", "hits", "seconds"])
    amounts = {r["indicator_code"]: _amount(r["amount"]) for r in rows}
    df = meta().merge(covered, on="indicator_code", how="inner")
    df["hits"] = df["hits"].astype("int64")
    df["amount"] = df["indicator_code"].map(amounts).astype("float64")
    df["seconds"] = df["seconds"].astype("float64")
    return df.sort_values("indicator_code", kind="stable").reset_index(drop=True)


def outcomes(run_id: int, url: str | None = None) -> pd.DataFrame:
    """New, updated and reopened problems of a run per business line (from its events)."""
    rows = office_runs.run_outcomes(run_id, url)
    lines = meta().set_index("indicator_code")["business_line"]
    counts = {line: {"new": 0, "updated": 0, "reopened": 0} for line in LINES}
    for code, action, n in rows:
        counts.setdefault(lines.get(code, "—"), {"new": 0, "updated": 0, "reopened": 0})[ACTIONS[action]] += n
    df = pd.DataFrame([{"business_line": line, **c} for line, c in counts.items()])
    total = {"business_line": "合计", **{k: int(df[k].sum()) for k in ("new", "updated", "reopened")}}
    return pd.concat([df, pd.DataFrame([total])], ignore_index=True)


# --- aggregations of the detections (a ``period_hits`` frame) ---------------------------------

def _sum(amounts: pd.Series) -> float:
    return float(amounts.sum()) if amounts.notna().any() else math.nan


def by_indicator(hits: pd.DataFrame) -> pd.DataFrame:
    """Hits and amount per indicator with hits, most hits first."""
    if hits.empty:
        return pd.DataFrame(columns=["indicator_code", "name", "business_line", "severity", "hits", "amount"])
    df = (hits.groupby(["indicator_code", "name", "business_line", "severity"], sort=False)
          .agg(hits=("subject_key", "size"), amount=("amount", _sum)).reset_index())
    return df.sort_values(["hits", "indicator_code"], ascending=[False, True], kind="stable").reset_index(drop=True)


def top(hits: pd.DataFrame, n: int = TOP) -> pd.DataFrame:
    """The ``n`` indicators with most hits, with their share of all hits."""
    df = by_indicator(hits).head(n).copy()
    df["share"] = df["hits"] / max(len(hits), 1)
    return df


def by_district(hits: pd.DataFrame) -> pd.DataFrame:
    """One row per office (17 districts, then 市级): hits, amount, indicators with hits."""
    rows = []
    for code in OFFICES:
        part = hits[hits["office"] == code]
        rows.append({"office": code, "district": NAMES[code], "hits": len(part),
                     "amount": _sum(part["amount"]), "indicators": part["indicator_code"].nunique()})
    df = pd.DataFrame(rows)
    total = {"office": "", "district": "合计", "hits": len(hits), "amount": _sum(hits["amount"]),
             "indicators": hits["indicator_code"].nunique()}
    return pd.concat([df, pd.DataFrame([total])], ignore_index=True)


def by_business_line(hits: pd.DataFrame) -> pd.DataFrame:
    """One row per business line: indicators with hits, hits, amount."""
    rows = []
    for line in LINES:
        part = hits[hits["business_line"] == line]
        rows.append({"business_line": line, "indicators": part["indicator_code"].nunique(),
                     "hits": len(part), "amount": _sum(part["amount"])})
    df = pd.DataFrame(rows)
    total = {"business_line": "合计", "indicators": hits["indicator_code"].nunique(), "hits": len(hits),
             "amount": _sum(hits["amount"])}
    return pd.concat([df, pd.DataFrame([total])], ignore_index=True)


# --- charts -----------------------------------------------------------------------------------

def _yuan(value: float, _pos: int | None = None) -> str:
    if abs(value) >= 100_000:
        return f"{value / 10_000:,.0f}万"
    return f"{value:,.0f}" if abs(value) >= 1 or value == 0 else f"{value:g}"


def _int(value: float, _pos: int | None = None) -> str:
    return f"{value:,.0f}"


def _barh(ax, labels: list[str], values: list[float], color: str, fmt) -> None:
    y = list(range(len(labels)))[::-1]
    ax.barh(y, values, color=color, height=0.65)
    top_value = max([v for v in values if not math.isnan(v)] or [0])
    for yi, v in zip(y, values, strict=True):
        if v and not math.isnan(v):
            ax.text(v + top_value * 0.01, yi, fmt(v), va="center", fontsize=8)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=9)
    ax.set_xlim(0, top_value * 1.18 or 1)
    ax.xaxis.set_major_formatter(FuncFormatter(fmt))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.tick_params(axis="x", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)


def plot_districts(districts: pd.DataFrame, title: str) -> Figure:
    """Hits and amount per office (a ``by_district`` frame), side by side."""
    configure()
    df = districts[districts["office"] != ""]
    if not df["hits"].sum():
        return charts._empty("本期没有命中")
    fig = Figure(figsize=(11, 0.26 * len(df) + 1.2), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    labels = df["district"].tolist()
    _barh(left, labels, [float(v) for v in df["hits"]], charts.CURRENT, _int)
    left.set_title("命中数", fontsize=10)
    _barh(right, labels, [0.0 if math.isnan(v) else v for v in df["amount"]], charts.EARLIER, _yuan)
    right.set_title("涉及金额（元）", fontsize=10)
    fig.suptitle(title, fontsize=12)
    return fig


def plot_business_lines(lines: pd.DataFrame, title: str) -> Figure:
    """Hits per business line (a ``by_business_line`` frame)."""
    configure()
    df = lines[lines["business_line"] != "合计"]
    if not df["hits"].sum():
        return charts._empty("本期没有命中")
    fig = Figure(figsize=(9, 0.38 * len(df) + 1.2), layout="constrained")
    ax = fig.add_subplot()
    palette = matplotlib.colormaps["tab10"]
    y = list(range(len(df)))[::-1]
    ax.barh(y, df["hits"], color=[palette(i % 10) for i in range(len(df))], height=0.65)
    for yi, h, a in zip(y, df["hits"], df["amount"], strict=True):
        if h:
            ax.text(h, yi, f" {h:,}" + ("" if math.isnan(a) else f"（{_yuan(a)} 元）"), va="center", fontsize=9)
    ax.set_yticks(y)
    ax.set_yticklabels(df["business_line"], fontsize=10)
    ax.set_xlim(0, max(df["hits"]) * 1.35)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title, fontsize=12)
    return fig


def plot_top(top_df: pd.DataFrame, title: str) -> Figure:
    """The indicators with most hits (a ``top`` frame)."""
    configure()
    if top_df.empty:
        return charts._empty("本期没有命中")
    fig = Figure(figsize=(10, 0.3 * len(top_df) + 1.0), layout="constrained")
    ax = fig.add_subplot()
    labels = [f"{c} {_short(n)}" for c, n in zip(top_df["indicator_code"], top_df["name"], strict=True)]
    _barh(ax, labels, [float(v) for v in top_df["hits"]], charts.CURRENT, _int)
    ax.set_title(title, fontsize=12)
    return fig


def _short(text: str, width: int = 22) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


# --- running and publishing --------------------------------------------------------------------

def evaluate_and_publish(period: str, only: list[str] | None = None, overrides: list[str] | None = None):
    """Evaluate the indicators of P and publish them in one office transaction; return the
    ``RunSummary``. An evaluation that fails publishes nothing and leaves a failed run record."""
    from workbench.indicators.runner import evaluate
    from workbench.office.publish import publish
    from workbench.office.runs import record_failed_run

    try:
        evaluations = evaluate(period, only=only, overrides=overrides)
    except WorkbenchError as exc:
        if not isinstance(exc, UsageError):
            record_failed_run(period, exc, only)
        raise
    return publish(evaluations, period, only=only)


# --- the notebook ---------------------------------------------------------------------------

def styled(df: pd.DataFrame, caption: str | None = None, percent: tuple[str, ...] = ()):
    from workbench.reports.notebook import styled as base

    money = [COLUMNS.get(c, c) for c in df.columns if c in MONEY]
    text = [COLUMNS.get(c, c) for c in df.columns
            if (df[c].dtype == object or pd.api.types.is_string_dtype(df[c])) and c not in MONEY]
    df = df.rename(columns=COLUMNS)
    styler = base(df, caption, percent=tuple(COLUMNS.get(c, c) for c in percent), plain=("区划代码",))
    if text:
        styler = styler.set_properties(subset=text, **{"text-align": "left"})
    if money:
        styler = styler.format(lambda v: "—" if pd.isna(v) else f"{v:,.2f}", subset=money)
    return styler


def period_text(period: str) -> str:
    return f"{period[:4]}年{period[4:]}月"


class IndicatorReport:
    """The indicators of one period: run and publish, then hits by indicator, district and
    business line, and what the publication changed in the office."""

    def __init__(self, period: str, *, top: int | None = None) -> None:
        self.period = check_period(period)
        self.top_n = TOP if top is None else top
        self.summary = None  # the RunSummary once ``run()`` published
        self._hits: pd.DataFrame | None = None

    @property
    def hits(self) -> pd.DataFrame:
        if self._hits is None:
            self._hits = period_hits(self.period)
        return self._hits

    @property
    def run_record(self) -> dict[str, Any] | None:
        return latest_run(self.period, run_id=self.summary.run_id if self.summary else None)

    def overview(self):
        n = len(all_indicators())
        return markdown(f"**期别**：{period_text(self.period)}　**已登记指标**：{n} 个"
                         f"　**生成时间**：{dt.datetime.now():%Y-%m-%d %H:%M}")

    def run(self, run: bool = True, only: str | list[str] | None = None, overrides: list[str] | None = None):
        """Evaluate and publish (``run``), or report the latest published run of P."""
        if run:
            codes = only.split(",") if isinstance(only, str) else only
            self.summary = evaluate_and_publish(self.period, codes, overrides)
            self._hits = None
        rec = self.run_record
        if rec is None:
            return markdown(f"{period_text(self.period)}还没有成功发布的指标运行。")
        how = "本次运行并发布" if run else "以下为已发布的最近一次运行"
        return markdown(
            f"{how}（运行编号 {rec['id']}）：运行指标 **{rec['evaluated']}** 个，命中 **{rec['hits']:,}** 条；"
            f"发布到监督办公库：新增问题 **{rec['new']:,}** 个，更新 **{rec['updated']:,}** 个，"
            f"重新打开 **{rec['reopened']:,}** 个。")

    def by_indicator(self):
        rec = self.run_record
        if rec is None:
            return markdown("没有可报告的运行。")
        df = run_indicators_table(rec["id"])
        hit = df[df["hits"] > 0]
        return styled(hit.drop(columns=["seconds"]),
                      caption=f"有命中的指标 {len(hit)} 个（共运行 {len(df)} 个）；金额为命中对象涉及金额之和")

    def top_chart(self):
        return image(plot_top(top(self.hits, self.top_n), f"命中数最多的 {self.top_n} 个指标"))

    def by_district(self):
        return styled(by_district(self.hits), caption="区划代码不属于 17 个区的问题归市级")

    def district_chart(self):
        return image(plot_districts(by_district(self.hits), f"{period_text(self.period)}各区命中数与涉及金额"))

    def by_business_line(self):
        return styled(by_business_line(self.hits))

    def business_line_chart(self):
        return image(plot_business_lines(by_business_line(self.hits),
                                          f"{period_text(self.period)}各业务条线命中数（括号内为涉及金额）"))

    def outcome(self):
        rec = self.run_record
        if rec is None:
            return markdown("没有可报告的运行。")
        return styled(outcomes(rec["id"]),
                      caption="新增：首次发现；更新：未办结问题再次命中；重新打开：已办结问题再次命中，新建关联问题")

    def run_details(self):
        rec = self.run_record
        if rec is None:
            return markdown("没有可报告的运行。")
        df = run_indicators_table(rec["id"])
        return styled(df[["indicator_code", "name", "business_line", "severity", "hits", "seconds"]],
                      caption=f"运行编号 {rec['id']}，开始于 {rec['started_at']:%Y-%m-%d %H:%M:%S}")
