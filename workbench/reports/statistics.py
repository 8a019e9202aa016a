"""The statistics report (``notebooks/statistics.ipynb``): period P against the months
before it, by district, business line and indicator; it only reads.

* hits and amounts per period: each indicator's latest succeeded run of each period in the
  window (the office's run history, ``office.runs``), new/updated/reopened from the latest
  succeeded run of each period;
* insured persons per district: ``sb_person`` of P in the warehouse (ibis), to compare
  districts of different sizes;
* problem states per office: the office's problems as they stand now
  (``office.statistics.states_by_district``).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import ibis
import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from workbench.districts import CITY_CODE, NAMES
from workbench.office import runs as office_runs
from workbench.office import statistics as office_statistics
from workbench.office.states import LABELS, ProblemState
from workbench.periods import add_months, check_period
from workbench.reports import charts
from workbench.reports.charts import configure
from workbench.reports.data import connected, volume_window
from workbench.reports.indicator_report import (
    LINES,
    OFFICES,
    TOP,
    _barh,
    _int,
    _short,
    _yuan,
    meta,
    office_of,
    period_hits,
    period_text,
    styled,
)
from workbench.reports.notebook import image, markdown
from workbench.warehouse import PERIOD_COL, Warehouse

PER = 10_000  # hits per this many insured persons


def _label(period: str) -> str:
    return f"{period[:4]}-{period[4:]}"


# --- reads ------------------------------------------------------------------------------------

def history(period: str, periods: int | None = None, url: str | None = None) -> pd.DataFrame:
    """Hits and amount per period, indicator and office over ``volume_window(period,
    periods)``: period, indicator_code, business_line, office, hits, amount (each
    indicator from its latest succeeded run of each period)."""
    rows = office_runs.hits_by_period(volume_window(check_period(period), periods), url)
    df = pd.DataFrame(rows, columns=["period", "indicator_code", "district_code", "hits", "amount"])
    df["office"] = df["district_code"].map(office_of)
    df["amount"] = df["amount"].map(lambda v: math.nan if v is None else float(v)).astype("float64")
    df["business_line"] = df["indicator_code"].map(meta().set_index("indicator_code")["business_line"]).fillna("—")
    df = (df.groupby(["period", "indicator_code", "business_line", "office"], as_index=False)
          .agg(hits=("hits", "sum"), amount=("amount", lambda s: s.sum(min_count=1))))
    df["hits"] = df["hits"].astype("int64")
    return df


def runs(period: str, periods: int | None = None, url: str | None = None) -> pd.DataFrame:
    """The latest succeeded run of each period of the window: period, run_id, evaluated,
    new, updated, reopened."""
    rows = office_runs.latest_runs(volume_window(check_period(period), periods), url)
    return pd.DataFrame(rows, columns=["period", "run_id", "evaluated", "new", "updated", "reopened"])


def insured(period: str, *, warehouse: Warehouse | None = None) -> pd.Series:
    """Insured persons (``sb_person`` of P) per office."""
    check_period(period)
    with connected(warehouse) as wh:
        t = wh.table("sb_person")
        df = t.filter(t[PERIOD_COL] == period).group_by("district_code").agg(n=ibis._.count()).to_pandas()
    counts: dict[str, int] = {}
    for code, n in zip(df["district_code"], df["n"], strict=True):
        office = office_of(code)
        counts[office] = counts.get(office, 0) + int(n)
    return pd.Series({o: counts.get(o, 0) for o in OFFICES}, dtype="int64")


def problem_states(url: str | None = None) -> pd.DataFrame:
    """Problems in the office now, per office and state: office, district, one column per
    state (Chinese label), 合计."""
    table = {o: dict.fromkeys(ProblemState, 0) for o in OFFICES}
    for (code, state), n in office_statistics.states_by_district(url=url).items():
        table.setdefault(office_of(code), dict.fromkeys(ProblemState, 0))[ProblemState(state)] += n
    df = pd.DataFrame([{"office": o, "district": NAMES.get(o, o),
                        **{LABELS[s]: c for s, c in counts.items()}} for o, counts in table.items()])
    df["合计"] = df[[LABELS[s] for s in ProblemState]].sum(axis=1)
    return df


# --- aggregations ------------------------------------------------------------------------------

def trend(hist: pd.DataFrame, run_counts: pd.DataFrame) -> pd.DataFrame:
    """Per period with a run: hits, amount, indicators with hits, new, updated, reopened."""
    per = (hist.groupby("period").agg(hits=("hits", "sum"), amount=("amount", lambda s: s.sum(min_count=1)),
                                      indicators=("indicator_code", "nunique"))
           if not hist.empty else pd.DataFrame(columns=["hits", "amount", "indicators"]))
    df = run_counts.set_index("period")[["evaluated", "new", "updated", "reopened"]].join(per, how="left")
    df[["hits", "indicators"]] = df[["hits", "indicators"]].fillna(0).astype("int64")
    df["amount"] = df["amount"].astype("float64")
    return df.reset_index()[["period", "evaluated", "indicators", "hits", "amount", "new", "updated", "reopened"]]


def districts(hist: pd.DataFrame, period: str, persons: pd.Series, states: pd.DataFrame) -> pd.DataFrame:
    """Per office: hits of P and of the month before, change, amount, insured persons,
    hits per 10,000 insured, open problems now."""
    previous = add_months(period, -1)
    now = hist[hist["period"] == period].groupby("office").agg(hits=("hits", "sum"),
                                                              amount=("amount", lambda s: s.sum(min_count=1)))
    before = hist[hist["period"] == previous].groupby("office")["hits"].sum()
    open_ = states.set_index("office")["合计"] - states.set_index("office")[LABELS[ProblemState.CLOSED]]
    rows = []
    for o in OFFICES:
        h = int(now["hits"].get(o, 0))
        p = int(before.get(o, 0))
        n = int(persons.get(o, 0))
        rows.append({"office": o, "district": NAMES[o], "hits": h, "previous": p, "change": h - p,
                     "amount": float(now["amount"].get(o, math.nan)), "insured": n,
                     "per_10k": h / n * PER if n and o != CITY_CODE else math.nan, "open": int(open_.get(o, 0))})
    return pd.DataFrame(rows)


def lines_by_period(hist: pd.DataFrame, periods: list[str]) -> pd.DataFrame:
    """Hits per period (rows) and business line (columns, every line)."""
    wide = (hist.pivot_table(index="period", columns="business_line", values="hits", aggfunc="sum", fill_value=0)
            if not hist.empty else pd.DataFrame())
    return wide.reindex(index=periods, columns=list(LINES), fill_value=0).fillna(0).astype("int64")


def top_indicators(hist: pd.DataFrame, period: str, n: int = TOP) -> pd.DataFrame:
    """The ``n`` indicators with most hits in P, with their hits the month before."""
    previous = add_months(period, -1)
    per = hist.groupby(["period", "indicator_code"]).agg(hits=("hits", "sum"),
                                                         amount=("amount", lambda s: s.sum(min_count=1)))
    now = per.loc[period] if period in per.index.get_level_values(0) else per.iloc[0:0].droplevel(0)
    before = per.loc[previous]["hits"] if previous in per.index.get_level_values(0) else pd.Series(dtype="int64")
    df = meta().merge(now.reset_index(), on="indicator_code", how="inner")
    df["previous"] = df["indicator_code"].map(before).fillna(0).astype("int64")
    df["change"] = df["hits"] - df["previous"]
    df = df.sort_values(["hits", "indicator_code"], ascending=[False, True], kind="stable").head(n)
    return df[["indicator_code", "name", "business_line", "severity", "hits", "previous", "change", "amount"]] \
        .reset_index(drop=True)


def amounts(hits: pd.DataFrame) -> pd.DataFrame:
    """The distribution of the amounts of P's hits per business line."""
    rows = []
    for line in [*LINES, "合计"]:
        part = hits if line == "合计" else hits[hits["business_line"] == line]
        a = part["amount"].dropna()
        if line != "合计" and a.empty:
            continue
        rows.append({"business_line": line, "with_amount": len(a), "amount": a.sum() if len(a) else math.nan,
                     "median": a.median() if len(a) else math.nan,
                     "p90": a.quantile(0.9) if len(a) else math.nan, "max": a.max() if len(a) else math.nan})
    return pd.DataFrame(rows)


# --- charts -----------------------------------------------------------------------------------------

def plot_trend(tr: pd.DataFrame, period: str) -> Figure:
    """Hits per period (bars, P highlighted) and amount (line, right axis)."""
    configure()
    if tr.empty:
        return charts._empty("对比期内没有成功的指标运行")
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax = fig.add_subplot()
    x = list(range(len(tr)))
    colors = [charts.CURRENT if p == period else charts.EARLIER for p in tr["period"]]
    ax.bar(x, tr["hits"], color=colors, width=0.6, label="命中数")
    for xi, h in zip(x, tr["hits"], strict=True):
        ax.text(xi, h, f"{h:,}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x)
    ax.set_xticklabels([_label(p) for p in tr["period"]], fontsize=9)
    ax.set_ylabel("命中数")
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.set_ylim(0, max(tr["hits"].max(), 1) * 1.2)
    ax.spines[["top"]].set_visible(False)
    if tr["amount"].notna().any():
        ax2 = ax.twinx()
        ax2.plot(x, tr["amount"].fillna(0), color="#333333", marker="o", linewidth=1.5, label="涉及金额")
        ax2.set_ylabel("涉及金额（元）")
        ax2.yaxis.set_major_formatter(FuncFormatter(_yuan))
        ax2.set_ylim(0, max(tr["amount"].max(), 1) * 1.25)
        ax2.spines[["top"]].set_visible(False)
        handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
        ax.legend(handles, ["命中数", "涉及金额（右轴）"], loc="upper left", fontsize=9, frameon=False)
    ax.set_title(f"各期命中数与涉及金额（红色：{period_text(period)}）", fontsize=12)
    return fig


def plot_districts(df: pd.DataFrame, period: str) -> Figure:
    """Per office: hits of P against the month before, and hits per 10,000 insured."""
    configure()
    if not (df["hits"].sum() or df["previous"].sum()):
        return charts._empty("本期和上期都没有命中")
    fig = Figure(figsize=(11, 0.3 * len(df) + 1.4), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 2]})
    y = np.arange(len(df))[::-1]
    h = 0.38
    left.barh(y + h / 2, df["hits"], height=h, color=charts.CURRENT, label=period_text(period))
    left.barh(y - h / 2, df["previous"], height=h, color=charts.EARLIER,
              label=period_text(add_months(period, -1)))
    left.set_yticks(y)
    left.set_yticklabels(df["district"], fontsize=9)
    left.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    left.spines[["top", "right"]].set_visible(False)
    left.legend(fontsize=9, frameon=False, loc="lower right")
    left.set_title("命中数：本期与上期", fontsize=10)
    rates = [0.0 if math.isnan(v) else v for v in df["per_10k"]]
    _barh(right, df["district"].tolist(), rates, "#8e6c8a", lambda v, _p=None: f"{v:,.1f}")
    right.set_title(f"每万名职工参保人命中数（{period_text(period)}，市级不计）", fontsize=10)
    fig.suptitle("各区对比", fontsize=12)
    return fig


def plot_lines(wide: pd.DataFrame, period: str) -> Figure:
    """Hits per period stacked by business line."""
    configure()
    wide = wide.loc[:, wide.sum() > 0]
    if wide.empty or not wide.to_numpy().sum():
        return charts._empty("对比期内没有命中")
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(wide))
    bottom = np.zeros(len(wide))
    palette = matplotlib.colormaps["tab10"]
    for line in wide.columns:
        values = wide[line].to_numpy()
        ax.bar(x, values, bottom=bottom, width=0.6, color=palette(LINES.index(line) % 10), label=line)
        bottom += values
    ax.set_xticks(x)
    ax.set_xticklabels([_label(p) for p in wide.index], fontsize=9)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="outside right upper", fontsize=9, frameon=False)
    ax.set_title(f"各期命中数（按业务条线），{period_text(period)}为最后一期", fontsize=12)
    return fig


def plot_top(df: pd.DataFrame, period: str) -> Figure:
    """The indicators with most hits in P against the month before."""
    configure()
    if df.empty:
        return charts._empty("本期没有命中")
    fig = Figure(figsize=(10, 0.34 * len(df) + 1.1), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(df))[::-1]
    h = 0.38
    ax.barh(y + h / 2, df["hits"], height=h, color=charts.CURRENT, label=period_text(period))
    ax.barh(y - h / 2, df["previous"], height=h, color=charts.EARLIER, label=period_text(add_months(period, -1)))
    for yi, v in zip(y, df["hits"], strict=True):
        ax.text(v, yi + h / 2, f" {v:,}", va="center", fontsize=8)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{c} {_short(n)}" for c, n in zip(df["indicator_code"], df["name"], strict=True)],
                       fontsize=9)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=9, frameon=False, loc="lower right")
    ax.set_title("命中数最多的指标：本期与上期", fontsize=12)
    return fig


def plot_amounts(hits: pd.DataFrame, period: str) -> Figure:
    """Histogram of the amounts of P's hits (logarithmic bins), stacked by business line."""
    configure()
    data = hits.dropna(subset=["amount"])
    data = data[data["amount"] > 0]
    if data.empty:
        return charts._empty("本期命中没有涉及金额")
    low, high = math.floor(math.log10(data["amount"].min())), math.ceil(math.log10(data["amount"].max()))
    bins = np.logspace(low, max(high, low + 1), 4 * max(high - low, 1) + 1)
    lines = [line for line in LINES if (data["business_line"] == line).any()]
    palette = matplotlib.colormaps["tab10"]
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax = fig.add_subplot()
    ax.hist([data.loc[data["business_line"] == line, "amount"] for line in lines], bins=bins, stacked=True,
            color=[palette(LINES.index(line) % 10) for line in lines], label=lines)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(_yuan))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.set_xlabel("涉及金额（元，对数刻度）")
    ax.set_ylabel("命中数")
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(fontsize=9, frameon=False, loc="outside right upper")
    ax.set_title(f"{period_text(period)}命中涉及金额的分布", fontsize=12)
    return fig


def plot_states(states: pd.DataFrame) -> Figure:
    """Problems per office, stacked by state."""
    configure()
    if not states["合计"].sum():
        return charts._empty("监督办公库中还没有问题")
    fig = Figure(figsize=(11, 0.26 * len(states) + 1.4), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(states))[::-1]
    left = np.zeros(len(states))
    colors = ["#c0392b", "#e67e22", "#f1c40f", "#16a085", "#3498db", "#8e44ad", "#95a5a6"]  # one per state
    for state, color in zip(ProblemState, colors, strict=True):
        values = states[LABELS[state]].to_numpy()
        if values.sum():
            ax.barh(y, values, left=left, height=0.65, color=color, label=LABELS[state])
        left += values
    for yi, total in zip(y, left, strict=True):
        if total:
            ax.text(total, yi, f" {int(total):,}", va="center", fontsize=8)
    ax.set_yticks(y)
    ax.set_yticklabels(states["district"], fontsize=9)
    ax.xaxis.set_major_formatter(FuncFormatter(_int))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.set_xlim(0, max(left) * 1.12)
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="outside lower center", ncols=6, fontsize=9, frameon=False)
    ax.set_title("监督办公库中的问题：各区按处理状态", fontsize=12)
    return fig


# --- the notebook --------------------------------------------------------------------------------

class StatisticsReport:
    """Statistics of period P and the months before it (read only)."""

    def __init__(self, period: str, *, history_periods: int | None = None, top: int | None = None) -> None:
        from workbench import params

        self.period = check_period(period)
        self.history = params.load("reports")["history_periods"] if history_periods is None else history_periods
        self.top_n = TOP if top is None else top
        self.hist = history(self.period, self.history)
        self.runs = runs(self.period, self.history)
        self.hits = period_hits(self.period)
        self.states_df = problem_states()
        self.trend_df = trend(self.hist, self.runs)
        self.districts_df = districts(self.hist, self.period, insured(self.period), self.states_df)

    @property
    def periods(self) -> list[str]:
        """The periods of the window from the first with a run up to P."""
        window = volume_window(self.period, self.history)
        done = set(self.runs["period"])
        first = next((i for i, p in enumerate(window) if p in done), len(window) - 1)
        return window[first:]

    def overview(self):
        ps = self.periods
        return markdown(f"**期别**：{period_text(self.period)}　**对比期**：{period_text(ps[0])}至"
                         f"{period_text(ps[-1])}（{len(ps)} 期）　**生成时间**：{dt.datetime.now():%Y-%m-%d %H:%M}")

    def summary(self):
        """Key figures of P against the month before."""
        tr = self.trend_df.set_index("period")
        previous = add_months(self.period, -1)

        def get(p: str, col: str) -> Any:
            return tr[col].get(p, math.nan) if p in tr.index else math.nan

        if self.period not in tr.index:
            return markdown(f"{period_text(self.period)}还没有成功发布的指标运行：请先运行 `workbench indicators`。")
        items = [("命中数", "hits"), ("涉及金额（元）", "amount"), ("有命中的指标数", "indicators"),
                 ("新增问题", "new"), ("更新问题", "updated"), ("重新打开", "reopened")]
        rows = []
        for label, col in items:
            now, before = get(self.period, col), get(previous, col)
            change = "—" if pd.isna(before) or pd.isna(now) else (
                f"{now - before:+,.2f}" if col == "amount" else f"{int(now - before):+,}")
            rows.append({"项目": label, "本期": now, "上期": before, "较上期": change})
        rows.append({"项目": "监督办公库中现有未办结问题", "本期": int(self.districts_df["open"].sum()),
                     "上期": math.nan, "较上期": "—"})
        return styled(pd.DataFrame(rows), caption=f"{period_text(self.period)}与{period_text(previous)}")

    def trend_chart(self):
        return image(plot_trend(self.trend_df[self.trend_df["period"].isin(self.periods)], self.period))

    def trend(self):
        df = self.trend_df[self.trend_df["period"].isin(self.periods)]
        if df.empty:
            return markdown("对比期内没有成功的指标运行。")
        return styled(df, caption="每期取各指标最近一次成功运行的命中；新增、更新、重新打开取该期最近一次运行")

    def district_chart(self):
        return image(plot_districts(self.districts_df, self.period))

    def districts(self):
        total = self.districts_df.drop(columns=["office", "district"]).sum(numeric_only=True)
        row = {"office": "", "district": "合计", **total.to_dict()}
        row["per_10k"] = row["hits"] / row["insured"] * PER if row["insured"] else math.nan
        row["amount"] = self.districts_df["amount"].sum(min_count=1)
        df = pd.concat([self.districts_df, pd.DataFrame([row])], ignore_index=True)
        for col in ("hits", "previous", "change", "insured", "open"):
            df[col] = df[col].astype("int64")
        styler = styled(df, caption="区划代码不属于 17 个区的问题归市级；未办结问题为监督办公库中现有的，不限期别")
        return styler.format(lambda v: "—" if pd.isna(v) else f"{v:,.1f}", subset=["每万参保人命中数"]) \
            .format(lambda v: f"{v:+,}", subset=["较上期"])

    def business_line_chart(self):
        return image(plot_lines(lines_by_period(self.hist, self.periods), self.period))

    def business_lines(self):
        wide = lines_by_period(self.hist, self.periods)
        wide = wide.loc[:, wide.sum() > 0]
        if wide.empty:
            return markdown("对比期内没有命中。")
        wide["合计"] = wide.sum(axis=1)
        return styled(wide.reset_index().rename(columns={"index": "period"}), caption="各期各业务条线的命中数")

    def top_chart(self):
        return image(plot_top(top_indicators(self.hist, self.period, self.top_n), self.period))

    def top_indicators(self):
        df = top_indicators(self.hist, self.period, self.top_n)
        if df.empty:
            return markdown("本期没有命中。")
        return styled(df, caption=f"命中数最多的 {self.top_n} 个指标").format(
            lambda v: f"{v:+,}", subset=["较上期"])

    def amount_chart(self):
        return image(plot_amounts(self.hits, self.period))

    def amounts(self):
        df = amounts(self.hits)
        return styled(df, caption="只计有金额的命中")

    def _rates(self) -> pd.DataFrame:
        if not hasattr(self, "_rates_df"):
            from workbench.reports import rates

            with connected() as wh:
                self._rates_df = rates.district_rates(self.periods, wh)
        return self._rates_df

    def rates_chart(self):
        from workbench.reports import rates

        return image(rates.plot_rates(self._rates(), self.period))

    def rates(self):
        from workbench.reports import rates

        return styled(rates.table(self._rates(), self.period).reset_index(),
                      caption="各区本期比率；养老金环比以上期为基数，上期未导入时为空")

    def states_chart(self):
        return image(plot_states(self.states_df))

    def states(self):
        df = self.states_df.copy()
        total = {"office": "", "district": "合计", **df.drop(columns=["office", "district"]).sum().to_dict()}
        return styled(pd.concat([df, pd.DataFrame([total])], ignore_index=True))
