"""Benchmark comparison: the 40 core indicators (indicators-core.md) as plain pandas.

    .venv/bin/python benchmarks/indicators/pandas_core.py --warehouse FILE.duckdb --period 202406

This is what an analyst would otherwise write in a notebook: read the tables of the period
from the DuckDB warehouse into DataFrames (one ``SELECT *`` per table: the rows/snapshot of
P, or history up to P for ``sb_contrib``), then merge / groupby / filter per indicator. It
is the yardstick for the workbench's ibis indicators (``workbench.indicators``), and gives
exactly their results (tests/test_pandas_core.py).

Notes on how it differs from the workbench:

* Money: DuckDB's ``.df()`` gives DECIMAL(18,2) as float64; every money column is turned
  into exact integer cents right after reading (``round(x * 100)``, exact below 2**50
  cents), summed as integers and printed as yuan with two decimals at the end. Thresholds
  (``base_jump_ratio``, ``overpay_tolerance``) are applied as exact fractions.
* GC-002 / GF-002 scan the raw ``sb_contrib`` history (every loaded period up to P): the
  analyst has no compact ``contrib_history`` table, which the workbench reads instead.
* Parameters are the defaults of parameters/indicators/*.yaml (no overrides).

The CLI prints one JSON object: total seconds, peak memory (ru_maxrss), seconds to read
each table, seconds and problems per indicator.
"""

from __future__ import annotations

import argparse
import calendar
import functools
import json
import resource
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import duckdb
import numpy as np
import pandas as pd

from workbench.indicators.params import defaults

CITY = "110000"  # the district of an application (GC/GF)
RECOGNIZED = ["1", "2"]  # gsrd_case.result: 认定工伤, 视同工伤
JOB_SUBSIDIES = ["11", "12"]
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

# Tables read for P (rows of P, or the snapshot of P); sb_contrib is read with its history.
PERIOD_TABLES = [
    "sb_person", "jm_person", "jg_person", "sb_unit", "sb_benefit_pay", "sb_benefit_approval",
    "sb_account", "jm_benefit_pay", "jg_benefit_pay", "jg_contrib", "rlzy_subsidy", "gsrd_case",
    "ldnl_appraisal", "ref_death", "ref_prison", "ref_identity_change", "ref_car_apply", "ref_house_apply",
]
HISTORY_TABLES = ["sb_contrib"]
MONEY_COLUMNS = {
    "sb_contrib": ["base", "unit_amount", "person_amount"],
    "jg_contrib": ["base", "unit_amount", "person_amount"],
    "sb_benefit_pay": ["amount"],
    "jm_benefit_pay": ["amount"],
    "jg_benefit_pay": ["amount"],
    "sb_benefit_approval": ["monthly_amount"],
    "sb_account": ["opening_balance", "credited", "interest", "withdrawn", "closing_balance"],
    "rlzy_subsidy": ["amount"],
}


# --- small helpers ------------------------------------------------------------------------


def to_cents(values: pd.Series) -> pd.Series:
    """Yuan (float64 from DuckDB's DECIMAL(18,2)) -> exact integer cents (nullable)."""
    return (values * 100).round().astype("Int64")


def cents_text(cents) -> str:
    return f"{Decimal(int(cents)).scaleb(-2):.2f}"


def period_month(period: pd.Series) -> pd.Series:
    """'YYYYMM' -> year * 12 + month - 1 (consecutive months are consecutive integers)."""
    return pd.to_numeric(period.str[:4]) * 12 + pd.to_numeric(period.str[4:6]) - 1


def date_month(day: pd.Series) -> pd.Series:
    """The month index of a date column (NaN for NaT)."""
    return day.dt.year * 12 + day.dt.month - 1


def age_at(birth: pd.Series, month) -> pd.Series:
    """Completed years from ``birth`` to the first day of month index ``month``."""
    year, mon = month // 12, month % 12 + 1
    before_birthday = (mon < birth.dt.month) | ((mon == birth.dt.month) & (birth.dt.day > 1))
    return year - birth.dt.year - before_birthday.astype(int)


def ratio(value) -> Fraction:
    """A parameter as an exact fraction (money is compared without binary floats)."""
    return Fraction(Decimal(str(value)))


def true(mask: pd.Series) -> pd.Series:
    """A comparison's mask with unknown (NA) as False, as a SQL WHERE treats it."""
    return mask.fillna(False).astype(bool)


def semi_join(left: pd.DataFrame, right: pd.DataFrame, on: list[str], where: Callable | None = None) -> pd.DataFrame:
    """Rows of ``left`` with at least one row of ``right`` equal on ``on`` (and satisfying ``where``)."""
    if where is None:
        return left.merge(right[on].drop_duplicates(), on=on)
    m = left.reset_index().merge(right, on=on)
    return left[left.index.isin(m.loc[where(m), "index"])]


def anti_join(left: pd.DataFrame, right: pd.DataFrame, on: list[str], where: Callable) -> pd.DataFrame:
    """Rows of ``left`` with no row of ``right`` equal on ``on`` and satisfying ``where``."""
    m = left.reset_index().merge(right, on=on)
    return left[~left.index.isin(m.loc[where(m), "index"])]


# --- the period's data --------------------------------------------------------------------


class Data:
    """The tables of period P as DataFrames, and the frames most indicators share."""

    def __init__(self, con: duckdb.DuckDBPyConnection, period: str):
        self.period = period
        self.p = int(period[:4]) * 12 + int(period[4:]) - 1
        self.read_seconds: dict[str, float] = {}
        self.t: dict[str, pd.DataFrame] = {}
        for name in PERIOD_TABLES:
            self.t[name] = self.read(con, name, f"SELECT * FROM {name} WHERE delivery_period = ?")
        for name in HISTORY_TABLES:
            self.t[name + "_history"] = self.read(con, name, f"SELECT * FROM {name} WHERE delivery_period <= ?")
        started = time.perf_counter()
        self.shared()
        self.read_seconds["(shared frames)"] = time.perf_counter() - started

    def read(self, con, name: str, sql: str) -> pd.DataFrame:
        started = time.perf_counter()
        df = con.execute(sql, [self.period]).df()
        for col in MONEY_COLUMNS.get(name, []):
            df[col] = to_cents(df[col])
        self.read_seconds[name] = time.perf_counter() - started
        return df

    def shared(self) -> None:
        t = self.t
        # person_id -> id through each scheme's snapshot of P; id -> facts of its smallest person_id
        self.ids, self.facts = {}, {}
        for scheme in ("sb", "jm", "jg"):
            people = t[f"{scheme}_person"]
            people = people[people.id_no.notna()]
            self.ids[scheme] = people[["person_id", "id_no"]].rename(columns={"id_no": "id"})
            first = people.sort_values("person_id").drop_duplicates("id_no")
            self.facts[scheme] = first[["id_no", "district_code", "sex", "birth_date"]].rename(columns={"id_no": "id"})
        deaths = t["ref_death"].groupby("id_no", as_index=False).death_date.min()
        self.death = pd.DataFrame({"id": deaths.id_no, "death_month": date_month(deaths.death_date)})
        # sb pay rows of P with the person's id and the period's month index
        pay = self.with_ids(t["sb_benefit_pay"])
        pay["pm"] = period_month(pay.period)
        self.pay = pay
        self.pension_pay = pay[(pay.insurance_type == "110") & (pay.benefit_item == "11")]
        self.unemployment_pay = pay[(pay.insurance_type == "210") & (pay.benefit_item == "21")]
        history = t["sb_contrib_history"]
        self.contrib = history[history.delivery_period == self.period]  # rows of P
        c = self.contrib
        self.normal_110 = self.with_ids(c[(c.insurance_type == "110") & (c.pay_type == "1")])

    def with_ids(self, rows: pd.DataFrame, scheme: str = "sb") -> pd.DataFrame:
        """``rows`` with their person's ``id``; rows whose person_id is not in the snapshot are left out."""
        return rows.merge(self.ids[scheme], on="person_id")

    def person_hits(self, hits: pd.DataFrame, amount: str | None = None, scheme: str = "sb") -> pd.DataFrame:
        """A person subject's hits: subject id, district of its smallest person_id, amount (cents)."""
        cols = ["id"] + ([amount] if amount else [])
        j = hits[cols].merge(self.facts[scheme][["id", "district_code"]], on="id")
        return pd.DataFrame({"subject_key": j.id, "district_code": j.district_code,
                             "amount": j[amount] if amount else None})


@functools.cache
def param(code: str, name: str):
    """An indicator's parameter default: its own section of parameters/indicators/*.yaml, then common."""
    table = defaults()
    return table.get(code, {}).get(name, table["common"].get(name))


def retire_age(sex: pd.Series, code: str) -> pd.Series:
    return np.where(sex == "1", int(param(code, "retire_age_male")), int(param(code, "retire_age_female")))


# --- pension (YL) -------------------------------------------------------------------------


def paid_after_death(d: Data, pay: pd.DataFrame, scheme: str = "sb") -> pd.DataFrame:
    h = pay.merge(d.death, on="id")
    h = h[period_month(h.period) > h.death_month]
    return d.person_hits(h, "amount", scheme)


def in_prison(d: Data, pay: pd.DataFrame) -> pd.DataFrame:
    """``pay`` rows (with id, pm) whose period lies within a ref_prison record of the id."""
    pr = d.t["ref_prison"]
    pr = pd.DataFrame({"id": pr.id_no, "start": date_month(pr.start_date), "end": date_month(pr.end_date)})
    return semi_join(pay, pr, ["id"], lambda m: (m.pm >= m.start) & (m.end.isna() | (m.pm <= m.end)))


def latest_approval(d: Data, pay: pd.DataFrame, insurance: str) -> pd.DataFrame:
    """``pay`` rows with the id's latest ``insurance`` approval (by approve_date, then approval_id)
    whose start_period <= the row's period; rows without one are left out."""
    ap = d.t["sb_benefit_approval"]
    ap = d.with_ids(ap[ap.insurance_type == insurance])
    ap = ap[["id", "approval_id", "approve_date", "start_period", "monthly_amount", "months_entitled"]]
    j = pay.merge(ap, on="id")
    j = j[period_month(j.start_period) <= j.pm]
    j = j.sort_values(["approve_date", "approval_id"], ascending=False)
    return j.drop_duplicates("pay_id")


def approvals_of_p(d: Data) -> pd.DataFrame:
    """110 approvals of the snapshot approved in P, with the person's id, sex and birth date."""
    ap = d.t["sb_benefit_approval"]
    ap = ap[(ap.insurance_type == "110") & (date_month(ap.approve_date) == d.p)]
    return d.with_ids(ap).merge(d.facts["sb"][["id", "sex", "birth_date"]], on="id")


def yl_001(d: Data):
    return paid_after_death(d, d.pension_pay)


def yl_002(d: Data):
    return d.person_hits(in_prison(d, d.pension_pay), "amount")


def yl_003(d: Data):
    other = pd.concat([d.with_ids(d.t["jg_benefit_pay"], "jg"), d.with_ids(d.t["jm_benefit_pay"], "jm")])
    hits = semi_join(other, d.pension_pay, ["id", "period"])
    return d.person_hits(hits, "amount")


def yl_004(d: Data):
    hits = semi_join(d.normal_110, d.pension_pay, ["id", "period"])
    hits = hits.assign(paid=hits.unit_amount + hits.person_amount)
    return d.person_hits(hits, "paid")


def yl_005(d: Data):
    cur = d.normal_110[d.normal_110.period == d.period]
    b1 = cur.groupby("id").base.max().rename("base_now")
    h = d.t["sb_contrib_history"]
    p12 = f"{(d.p - 12) // 12:04d}{(d.p - 12) % 12 + 1:02d}"
    old = d.with_ids(h[(h.insurance_type == "110") & (h.pay_type == "1") & (h.period == p12)])
    b0 = old.groupby("id").base.max().rename("base_before")
    j = pd.concat([b1, b0], axis=1, join="inner").reset_index()
    jump = ratio(param("YL-005", "base_jump_ratio"))
    j = j[true(j.base_now * jump.denominator >= j.base_before * jump.numerator)]
    j = j.merge(d.facts["sb"][["id", "sex", "birth_date"]], on="id")
    near = int(param("YL-005", "near_retire_years"))
    j = j[age_at(j.birth_date, d.p) >= retire_age(j.sex, "YL-005") - near]
    return d.person_hits(j)


def yl_006(d: Data):
    c = d.contrib
    c = d.with_ids(c[(c.insurance_type == "110") & (c.pay_type == "2")])
    months = c.groupby("id").period.nunique()
    many = months[months >= int(param("YL-006", "backpay_min_months"))].index
    hits = c[c.id.isin(many)]
    hits = hits.assign(paid=hits.unit_amount + hits.person_amount)
    return d.person_hits(hits, "paid")


def yl_007(d: Data):
    ap = approvals_of_p(d)
    ap = ap[ap.retire_type == "1"]
    ap = ap[age_at(ap.birth_date, period_month(ap.start_period)) < retire_age(ap.sex, "YL-007")]
    return d.person_hits(ap)


def yl_008(d: Data):
    ap = approvals_of_p(d)
    return d.person_hits(ap[ap.contrib_months < int(param("YL-008", "min_contrib_months"))])


def yl_009(d: Data):
    pay = latest_approval(d, d.pension_pay, "110")
    limit = 1 + ratio(param("YL-009", "overpay_tolerance"))
    hits = pay[true(pay.amount * limit.denominator > pay.monthly_amount * limit.numerator)]
    hits = hits.assign(excess=hits.amount - hits.monthly_amount)
    return d.person_hits(hits, "excess")


def yl_010(d: Data):
    keys = ["person_id", "id", "insurance_type", "benefit_item", "period"]
    g = d.pay.groupby(keys, dropna=False).agg(rows=("pay_id", "count"), total=("amount", "sum"),
                                              largest=("amount", "max")).reset_index()
    g = g[g.rows >= 2]
    g = g.assign(extra=g.total - g.largest)
    return d.person_hits(g, "extra")


# --- unemployment (SY) --------------------------------------------------------------------


def sy_001(d: Data):
    return d.person_hits(semi_join(d.unemployment_pay, d.normal_110, ["id", "period"]), "amount")


def sy_002(d: Data):
    return d.person_hits(semi_join(d.unemployment_pay, d.pension_pay, ["id", "period"]), "amount")


def sy_003(d: Data):
    return paid_after_death(d, d.unemployment_pay)


def sy_004(d: Data):
    pay = latest_approval(d, d.unemployment_pay, "210")
    last = period_month(pay.start_period) + pay.months_entitled - 1
    hits = pay[pay.months_entitled.notna() & (pay.pm > last)]
    return d.person_hits(hits, "amount")


def sy_005(d: Data):
    return d.person_hits(in_prison(d, d.unemployment_pay), "amount")


# --- work injury (GS) ---------------------------------------------------------------------


def recognized_cases(d: Data) -> pd.DataFrame:
    c = d.t["gsrd_case"]
    return c[c.result.isin(RECOGNIZED)]


def case_hits(hits: pd.DataFrame, key: str = "case_id") -> pd.DataFrame:
    return pd.DataFrame({"subject_key": hits[key], "district_code": hits.district_code, "amount": None})


def injury_pay(d: Data, item: str | None = None) -> pd.DataFrame:
    pay = d.pay[d.pay.insurance_type == "410"]
    return pay if item is None else pay[pay.benefit_item == item]


def gs_001(d: Data):
    cases = recognized_cases(d)
    cases = cases.assign(month=date_month(cases.accident_date))
    cases = cases[cases.month <= d.p]
    c = d.contrib
    c = d.with_ids(c[(c.insurance_type == "410") & (c.pay_type == "2")])
    c = pd.DataFrame({"id_no": c.id, "month": period_month(c.period)})
    return case_hits(semi_join(cases, c, ["id_no", "month"]))


def gs_002(d: Data):
    cases = recognized_cases(d)
    cases = cases[cases.decision_date.notna()]
    cases = pd.DataFrame({"id": cases.id_no, "decided": cases.decision_date})
    hits = anti_join(injury_pay(d), cases, ["id"], lambda m: m.decided <= m.pay_date)
    return d.person_hits(hits, "amount")


def gs_003(d: Data):
    ap = d.t["ldnl_appraisal"]
    ap = ap[(ap.disability_grade >= 1) & (ap.disability_grade <= 6)]
    ap = pd.DataFrame({"id": ap.id_no, "concluded": ap.conclusion_date})
    hits = anti_join(injury_pay(d, "41"), ap, ["id"], lambda m: m.concluded <= m.pay_date)
    return d.person_hits(hits, "amount")


def gs_004(d: Data):
    ap = d.t["ldnl_appraisal"]
    ap = ap[ap.appraisal_type == "1"]
    cases = d.t["gsrd_case"][["case_id", "decision_date", "result"]]
    j = ap.merge(cases, on="case_id")
    hits = j[j.decision_date.isna() | (j.result == "3") | (j.decision_date > j.conclusion_date)]
    return case_hits(hits, "appraisal_id")


def gs_005(d: Data):
    days = timedelta(days=int(param("GS-005", "injury_decision_days")))
    year, month = int(d.period[:4]), int(d.period[4:])
    last_day = date(year, month, calendar.monthrange(year, month)[1])
    c = d.t["gsrd_case"]
    late = c.decision_date.notna() & (c.decision_date > c.apply_date + days)
    pending = c.decision_date.isna() & (c.apply_date < pd.Timestamp(last_day - days))
    return case_hits(c[late | pending])


def gs_006(d: Data):
    c = recognized_cases(d)
    m = date_month(c.accident_date)
    c = c[(m >= d.p - 11) & (m <= d.p)]
    c = c[c.groupby("id_no").case_id.transform("count") >= int(param("GS-006", "injury_repeat"))]
    latest = c.sort_values(["accident_date", "case_id"], ascending=False).drop_duplicates("id_no")
    return case_hits(latest, "id_no")


# --- human resources market (JY) ----------------------------------------------------------


def subsidy_hits(hits: pd.DataFrame, key: str, amount: str = "amount") -> pd.DataFrame:
    """Subject ``key``; district of the subject's qualifying row with the smallest subsidy_id."""
    hits = hits[hits[key].notna()]
    home = hits.sort_values("subsidy_id").drop_duplicates(key)[[key, "district_code"]]
    j = hits[[key, amount]].merge(home, on=key)
    return pd.DataFrame({"subject_key": j[key], "district_code": j.district_code, "amount": j[amount]})


def jy_001(d: Data):
    s = d.t["rlzy_subsidy"]
    s = s[(s.recipient_type == "1") & s.unit_uscc.notna() & s.subsidy_type.isin(JOB_SUBSIDIES)]
    h = d.t["sb_contrib_history"]
    paid = d.with_ids(h[h.pay_type == "1"])[["unit_id", "period"]].drop_duplicates()
    paid = d.t["sb_unit"][["unit_id", "uscc"]].merge(paid, on="unit_id")
    paid = paid.rename(columns={"uscc": "unit_uscc"})[["unit_uscc", "period"]].drop_duplicates()
    j = s.merge(paid, on=["unit_uscc", "period"], how="left", indicator=True)
    return subsidy_hits(j[j._merge == "left_only"], "unit_uscc")


def jy_002(d: Data):
    s = d.t["rlzy_subsidy"]
    group = ["id_no", "subsidy_type", "period"]
    s = s[s.groupby(group, dropna=False).subsidy_id.transform("count") >= 2]
    # sum - largest per group: every row counts except the group's largest (by amount, then subsidy_id)
    s = s.sort_values(["amount", "subsidy_id"], ascending=[False, True])
    s = s.assign(excess=s.amount.where(s.duplicated(group), 0))
    return subsidy_hits(s, "id_no", "excess")


def jy_003(d: Data):
    s = d.t["rlzy_subsidy"].merge(d.death.rename(columns={"id": "id_no"}), on="id_no")
    return subsidy_hits(s[period_month(s.period) > s.death_month], "id_no")


def jy_004(d: Data):
    s = d.t["rlzy_subsidy"]
    s = s[s.subsidy_type.isin(JOB_SUBSIDIES)]
    pay = d.unemployment_pay.rename(columns={"id": "id_no"})
    return subsidy_hits(semi_join(s, pay, ["id_no", "period"]), "id_no")


def jy_005(d: Data):
    s = d.t["rlzy_subsidy"]
    s = s[s.recipient_type == "1"]
    u = d.t["sb_unit"]
    u = u[(u.status == "3") & u.close_date.notna() & u.uscc.notna()]
    closed = u.groupby("uscc").close_date.min().rename_axis("unit_uscc").reset_index()
    j = s.merge(closed, on="unit_uscc")
    return subsidy_hits(j[j.close_date < j.pay_date], "unit_uscc")


# --- resident and agency pension (JM, JG) -------------------------------------------------


def jm_001(d: Data):
    pay = d.with_ids(d.t["jm_benefit_pay"], "jm")
    return d.person_hits(semi_join(pay, d.normal_110, ["id", "period"]), "amount", "jm")


def jm_002(d: Data):
    return paid_after_death(d, d.with_ids(d.t["jm_benefit_pay"], "jm"), "jm")


def jm_003(d: Data):
    pay = d.with_ids(d.t["jm_benefit_pay"], "jm").merge(d.facts["jm"][["id", "birth_date"]], on="id")
    hits = pay[age_at(pay.birth_date, period_month(pay.period)) < param("JM-003", "resident_pension_age")]
    return d.person_hits(hits, "amount", "jm")


def jg_001(d: Data):
    return paid_after_death(d, d.with_ids(d.t["jg_benefit_pay"], "jg"), "jg")


def jg_002(d: Data):
    c = d.with_ids(d.t["jg_contrib"], "jg")
    return d.person_hits(semi_join(c[c.pay_type == "1"], d.normal_110, ["id", "period"]), None, "jg")


# --- cross-source and data quality (ZH) ---------------------------------------------------


def zh_001(d: Data):
    people = d.t["sb_person"]
    holders = people.groupby("id_no").person_id.nunique()
    return d.person_hits(pd.DataFrame({"id": holders[holders >= 2].index}))


def zh_002(d: Data):
    ids = d.t["sb_person"].id_no
    ids = ids[ids.str.fullmatch(r"[0-9]{17}[0-9X]").fillna(False).astype(bool)]
    total = sum(ids.str[i].astype(int) * w for i, w in enumerate(ID_WEIGHTS))
    expected = (total % 11).map(dict(enumerate(ID_CHECK_CHARS)))
    return d.person_hits(pd.DataFrame({"id": ids[expected != ids.str[17]]}))


def zh_003(d: Data):
    units = d.normal_110.groupby(["id", "period"]).unit_id.nunique()
    return d.person_hits(units[units >= 2].reset_index())


def zh_004(d: Data):
    a = d.with_ids(d.t["sb_account"])
    a = a.assign(gap=(a.opening_balance + a.credited + a.interest - a.withdrawn - a.closing_balance).abs())
    return d.person_hits(a[true(a.gap > 1) | true(a.closing_balance < 0)], "gap")


def zh_005(d: Data):
    c = d.normal_110
    limits = param("ZH-005", "base_limits")
    within = [c.period.between(str(r["from"]), str(r["to"])) for r in limits]
    in_table = np.logical_or.reduce(within) if within else np.zeros(len(c), bool)
    lower = np.select(within, [int(Decimal(str(r["lower"])) * 100) for r in limits]) if within else 0
    upper = np.select(within, [int(Decimal(str(r["upper"])) * 100) for r in limits]) if within else 0
    return d.person_hits(c[in_table & true((c.base < lower) | (c.base > upper))])


# --- car and house purchase (GC, GF) ------------------------------------------------------


def identity_change(d: Data, table: str, code: str):
    apps = d.t[table]
    ch = d.t["ref_identity_change"]
    ch = ch[true(ch.old_id_no != ch.new_id_no) & true(ch.old_name != ch.new_name)]
    j = apps.merge(ch.rename(columns={"new_id_no": "id_no"})[["id_no", "change_date"]], on="id_no")
    # change_date >= apply_date - N calendar months (the day clamped to the month's end)
    target = date_month(j.apply_date) - int(param(code, "identity_change_months"))
    month = date_month(j.change_date)
    day = j.change_date.dt.day
    same_month_ok = (day >= j.apply_date.dt.day) | (day == j.change_date.dt.days_in_month)
    recent = (month > target) | ((month == target) & same_month_ok)
    hits = j[recent & (j.change_date <= j.apply_date)]
    return pd.DataFrame({"subject_key": hits.apply_id, "district_code": CITY, "amount": None})


def short_contribution(d: Data, table: str, code: str):
    need = int(param(code, "required_months"))
    types = ["1", "2"] if param(code, "count_backpay") else ["1"]
    apps = d.t[table]
    apps = apps[apps.hukou_type == "2"]
    apps = apps.assign(apply_month=date_month(apps.apply_date))
    # the analyst's way: scan the raw contribution history of the applicants
    persons = d.ids["sb"][d.ids["sb"].id.isin(apps.id_no)]
    h = d.t["sb_contrib_history"]
    h = h[(h.insurance_type == "110") & h.pay_type.isin(types) & h.person_id.isin(persons.person_id)]
    paid = pd.DataFrame({"person_id": h.person_id, "month": period_month(h.period)}).drop_duplicates()
    paid = paid.merge(persons, on="person_id")[["id", "month"]].drop_duplicates()
    j = apps.merge(paid.rename(columns={"id": "id_no"}), on="id_no")
    j = j[(j.month >= j.apply_month - need) & (j.month < j.apply_month)]
    months_paid = apps.apply_id.map(j.groupby("apply_id").month.nunique()).fillna(0)
    hits = apps[months_paid < need]
    return pd.DataFrame({"subject_key": hits.apply_id, "district_code": CITY, "amount": None})


def gc_001(d: Data):
    return identity_change(d, "ref_car_apply", "GC-001")


def gc_002(d: Data):
    return short_contribution(d, "ref_car_apply", "GC-002")


def gf_001(d: Data):
    return identity_change(d, "ref_house_apply", "GF-001")


def gf_002(d: Data):
    return short_contribution(d, "ref_house_apply", "GF-002")


# --- running ------------------------------------------------------------------------------

# code -> (function, states an amount)
INDICATORS: dict[str, tuple[Callable[[Data], pd.DataFrame], bool]] = {
    "YL-001": (yl_001, True), "YL-002": (yl_002, True), "YL-003": (yl_003, True), "YL-004": (yl_004, True),
    "YL-005": (yl_005, False), "YL-006": (yl_006, True), "YL-007": (yl_007, False), "YL-008": (yl_008, False),
    "YL-009": (yl_009, True), "YL-010": (yl_010, True),
    "SY-001": (sy_001, True), "SY-002": (sy_002, True), "SY-003": (sy_003, True), "SY-004": (sy_004, True),
    "SY-005": (sy_005, True),
    "GS-001": (gs_001, False), "GS-002": (gs_002, True), "GS-003": (gs_003, True), "GS-004": (gs_004, False),
    "GS-005": (gs_005, False), "GS-006": (gs_006, False),
    "JY-001": (jy_001, True), "JY-002": (jy_002, True), "JY-003": (jy_003, True), "JY-004": (jy_004, True),
    "JY-005": (jy_005, True),
    "JM-001": (jm_001, True), "JM-002": (jm_002, True), "JM-003": (jm_003, True),
    "JG-001": (jg_001, True), "JG-002": (jg_002, False),
    "ZH-001": (zh_001, False), "ZH-002": (zh_002, False), "ZH-003": (zh_003, False), "ZH-004": (zh_004, True),
    "ZH-005": (zh_005, False),
    "GC-001": (gc_001, False), "GC-002": (gc_002, False), "GF-001": (gf_001, False), "GF-002": (gf_002, False),
}


def problems(code: str, hits: pd.DataFrame, has_amount: bool) -> set[tuple[str, str, str, str]]:
    """One problem per subject key: its district, and the amount summed (cents -> yuan text)."""
    if hits.empty:
        return set()
    g = hits.groupby("subject_key", sort=False)
    district = g.district_code.first()
    if not has_amount:
        return {(code, str(k), str(v), "") for k, v in district.items()}
    total = g.amount.sum()
    return {(code, str(k), str(district[k]), cents_text(total[k])) for k in district.index}


def run(warehouse_path: str, period: str) -> tuple[set[tuple[str, str, str, str]], dict]:
    """Evaluate the 40 core indicators for ``period``; the problems and the timings."""
    started = time.perf_counter()
    con = duckdb.connect(warehouse_path, read_only=True)
    try:
        d = Data(con, period)
    finally:
        con.close()
    out: set[tuple[str, str, str, str]] = set()
    per: dict[str, dict] = {}
    for code, (fn, has_amount) in INDICATORS.items():
        t0 = time.perf_counter()
        found = problems(code, fn(d), has_amount)
        per[code] = {"seconds": round(time.perf_counter() - t0, 4), "problems": len(found)}
        out |= found
    timing = {"period": period, "total_seconds": round(time.perf_counter() - started, 3),
              "read_seconds": {k: round(v, 4) for k, v in d.read_seconds.items()}, "indicators": per}
    return out, timing


def evaluate_pandas(warehouse_path: str, period: str) -> set[tuple[str, str, str, str]]:
    """(code, subject_key, district_code, amount_text) of the 40 core indicators for ``period``
    (amount_text "" when the indicator states none, else yuan with two decimals)."""
    return run(warehouse_path, period)[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", required=True, help="the DuckDB warehouse file (opened read-only)")
    ap.add_argument("--period", required=True, help="YYYYMM")
    args = ap.parse_args()
    found, timing = run(args.warehouse, args.period)
    timing["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    timing["problems"] = len(found)
    print(json.dumps(timing))


if __name__ == "__main__":
    main()
