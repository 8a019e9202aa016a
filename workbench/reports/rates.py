"""District evaluation rates (监督评估) per period, for the statistics report.

For every district and delivery period of the window, from the warehouse (ibis, computed in
the database):

* 下限缴费占比: share of normal 110 contributions for the month itself whose base equals the
  lower base limit of that month (limits: ZH-005's ``base_limits``);
* 补缴金额占比: back-paid (pay_type 2) share of the 110 contribution amount delivered;
* 养老金发放环比: growth of the basic-pension payments (110/11) against the period before;
* 每万参保人失业金领取人数: distinct recipients of unemployment benefit (210/21) per 10,000
  persons of the sb_person snapshot.

A person's district is that of the sb_person snapshot of the same delivery period.
"""

from __future__ import annotations

import ibis
import pandas as pd
from matplotlib.figure import Figure

from workbench.districts import DISTRICTS
from workbench.indicators import params as iparams
from workbench.periods import add_months
from workbench.reports.charts import configure
from workbench.warehouse import PERIOD_COL, Warehouse

PER = 10_000
MEASURES = {"lower_share": "下限缴费占比（%）", "backpay_share": "补缴金额占比（%）",
            "pension_growth": "养老金发放环比（%）", "unemployed_per_10k": "每万参保人失业金领取人数"}


def lower_limits(periods: list[str]) -> dict[str, float]:
    """The lower base limit (yuan) of each period that ZH-005's table covers."""
    table = iparams.defaults().get("ZH-005", {}).get("base_limits", [])
    out = {}
    for p in periods:
        for row in table:
            if str(row["from"]) <= p <= str(row["to"]):
                out[p] = float(row["lower"])
    return out


def district_rates(periods: list[str], wh: Warehouse) -> pd.DataFrame:
    """One row per (period, district_code) with the four measures (NaN where undefined)."""
    window = sorted(set(periods) | {add_months(periods[0], -1)})
    person = wh.table("sb_person").filter(ibis._[PERIOD_COL].isin(window))
    person = person.select(pp=person[PERIOD_COL], pid=person.person_id, district_code=person.district_code)
    insured = person.group_by(["pp", "district_code"]).agg(insured=ibis._.count())

    c = wh.table("sb_contrib")
    c = c.filter(c[PERIOD_COL].isin(window) & (c.insurance_type == "110"))
    c = c.join(person, (c[PERIOD_COL] == person.pp) & (c.person_id == person.pid))
    limits = lower_limits(window)
    lim = ibis.memtable(pd.DataFrame({"lp": list(limits), "lower": list(limits.values())}))
    normal = c.filter((c.pay_type == "1") & (c.period == c[PERIOD_COL]))
    normal = normal.join(lim, normal[PERIOD_COL] == lim.lp)
    at_lower = normal.group_by(["pp", "district_code"]).agg(
        normal=ibis._.count(),
        at_lower=ibis.ifelse(normal.base.cast("float64") == normal.lower, 1, 0).sum())
    money = c.unit_amount + c.person_amount
    backpay = c.group_by(["pp", "district_code"]).agg(
        contrib_amount=money.sum(), backpay_amount=ibis.ifelse(c.pay_type == "2", money, 0).sum())

    pay = wh.table("sb_benefit_pay").filter(ibis._[PERIOD_COL].isin(window))
    pay = pay.join(person, (pay[PERIOD_COL] == person.pp) & (pay.person_id == person.pid))
    pension = pay.filter((pay.insurance_type == "110") & (pay.benefit_item == "11")).group_by(
        ["pp", "district_code"]).agg(pension=ibis._.amount.sum())
    unemployed = pay.filter((pay.insurance_type == "210") & (pay.benefit_item == "21")).group_by(
        ["pp", "district_code"]).agg(unemployed=ibis._.pid.nunique())

    frames = [x.to_pandas() for x in (insured, at_lower, backpay, pension, unemployed)]
    df = frames[0]
    for f in frames[1:]:
        df = df.merge(f, on=["pp", "district_code"], how="left")
    df = df.rename(columns={"pp": "period"})
    df = df[df["district_code"].isin(list(DISTRICTS))]
    for col in ("normal", "at_lower", "contrib_amount", "backpay_amount", "pension", "unemployed"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    df["lower_share"] = df["at_lower"] / df["normal"] * 100
    df["backpay_share"] = df["backpay_amount"] / df["contrib_amount"] * 100
    df["unemployed_per_10k"] = df["unemployed"].fillna(0) / df["insured"] * PER
    df = df.sort_values(["district_code", "period"])
    df["pension_growth"] = (df.groupby("district_code")["pension"].pct_change(fill_method=None) * 100)
    df.loc[df["period"].map(lambda p: add_months(p, -1) not in set(window)), "pension_growth"] = float("nan")
    df["district"] = df["district_code"].map(DISTRICTS)
    return df[df["period"].isin(periods)].reset_index(drop=True)


def plot_rates(df: pd.DataFrame, period: str) -> Figure:
    """Four panels: each measure for every district in P, with the city-wide median."""
    configure()
    fig = Figure(figsize=(11, 8.5), layout="constrained")
    axes = fig.subplots(2, 2)
    now = df[df["period"] == period].sort_values("district_code")
    for ax, (col, label) in zip(axes.flat, MEASURES.items(), strict=True):
        values = now[col]
        ax.barh(now["district"], values.fillna(0), color="#4c72b0")
        if values.notna().any():
            ax.axvline(values.median(), color="#c44e52", linestyle="--", linewidth=1, label="各区中位数")
            ax.legend(fontsize=8, loc="lower right")
        ax.set_title(label, fontsize=11)
        ax.invert_yaxis()
        ax.tick_params(labelsize=8)
    fig.suptitle(f"{period[:4]}年{int(period[4:])}月各区监督评估比率", fontsize=13)
    return fig


def table(df: pd.DataFrame, period: str) -> pd.DataFrame:
    """The measures of P per district, named in Chinese, with the window's median beside."""
    now = df[df["period"] == period].set_index("district")[list(MEASURES)].rename(columns=MEASURES)
    return now.round(2)
