"""One business view per source, shown at the end of its intake report.

A view is a function ``(warehouse, period) -> DataFrame`` registered with its source and
Chinese title by ``@view``; its columns are already the Chinese headings of the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import pandas as pd

from workbench.contract import SOURCES
from workbench.errors import UsageError, suggest
from workbench.periods import check_period
from workbench.reports.data import connected
from workbench.warehouse import PERIOD_COL, Warehouse

_ = ibis._

INSURANCE = {"110": "企业职工基本养老保险", "210": "失业保险", "410": "工伤保险"}
PAY_TYPE = {"1": "正常缴费", "2": "补缴", "3": "退费"}
RESULT = {"1": "认定工伤", "2": "视同工伤", "3": "不予认定"}
AGENCY = {"1": "公安", "2": "民政", "3": "卫健"}
SUBSIDY = {"11": "社会保险补贴", "12": "岗位补贴", "13": "一次性吸纳就业补贴", "14": "创业担保贷款贴息",
           "15": "职业培训补贴"}


@dataclass(frozen=True)
class View:
    source: str
    title: str
    build: Callable[[Warehouse, str], pd.DataFrame]


VIEWS: dict[str, View] = {}


def view(source: str, title: str) -> Callable[[Callable[[Warehouse, str], pd.DataFrame]],
                                              Callable[[Warehouse, str], pd.DataFrame]]:
    """Register the view of ``source``; a second view for the same source is refused."""
    def register(fn: Callable[[Warehouse, str], pd.DataFrame]) -> Callable[[Warehouse, str], pd.DataFrame]:
        if source not in SOURCES:
            raise ValueError(f"view {fn.__name__}: unknown source {source!r}")
        if source in VIEWS:
            raise ValueError(f"source {source!r} has two views: {VIEWS[source].build.__name__} "
                             f"and {fn.__name__}")
        VIEWS[source] = View(source, title, fn)
        return fn
    return register


def source_view(source: str, period: str, *, warehouse: Warehouse | None = None) -> pd.DataFrame:
    """The view of ``source`` for ``period`` (empty when the period has no such rows)."""
    check_period(period)
    if source not in VIEWS:
        raise UsageError(f"no report view for source {source!r}{suggest(source, list(VIEWS))}")
    with connected(warehouse) as wh:
        return VIEWS[source].build(wh, period).reset_index(drop=True)


def _of(wh: Warehouse, table: str, period: str) -> ibis.Table:
    t = wh.table(table)
    return t.filter(t[PERIOD_COL] == period)


def _count_if(cond: ibis.Value) -> ibis.Value:
    return ibis.ifelse(cond, 1, 0).sum()


def _coded(df: pd.DataFrame, column: str, labels: dict[str, str], heading: str,
           missing: str = "未填") -> pd.DataFrame:
    """Replace code column ``column`` by ``heading`` holding ``code 名称``, in code order."""
    df = df.sort_values(column, na_position="last", kind="stable")
    text = df[column].map(lambda c: missing if c is None or pd.isna(c) else f"{c} {labels.get(c, '')}".strip())
    return df.drop(columns=column).assign(**{heading: text.to_numpy()})[
        [heading, *[c for c in df.columns if c != column]]]


@view("sb", "各险种缴费情况")
def sb_contributions(wh: Warehouse, period: str) -> pd.DataFrame:
    t = _of(wh, "sb_contrib", period)
    df = t.group_by("insurance_type").agg(
        记录数=_.count(), 人数=_.person_id.nunique(), 单位数=_.unit_id.nunique(),
        缴费基数合计=_.base.sum(), 单位缴费=_.unit_amount.sum(), 个人缴费=_.person_amount.sum(),
    ).to_pandas()
    df["缴费合计"] = df["单位缴费"] + df["个人缴费"]
    return _coded(df, "insurance_type", INSURANCE, "险种")


@view("jm", "缴费档次分布")
def jm_grades(wh: Warehouse, period: str) -> pd.DataFrame:
    t = _of(wh, "jm_contrib", period)
    df = t.group_by(缴费档次=_.grade).agg(
        记录数=_.count(), 人数=_.person_id.nunique(), 缴费金额合计=_.amount.sum()).to_pandas()
    return df.sort_values("缴费档次", kind="stable")


@view("jg", "缴费类型分布")
def jg_pay_types(wh: Warehouse, period: str) -> pd.DataFrame:
    t = _of(wh, "jg_contrib", period)
    df = t.group_by("pay_type").agg(
        记录数=_.count(), 人数=_.person_id.nunique(), 单位数=_.unit_id.nunique(),
        单位缴费=_.unit_amount.sum(), 个人缴费=_.person_amount.sum(),
    ).to_pandas()
    return _coded(df, "pay_type", PAY_TYPE, "缴费类型")


@view("gsrd", "认定结论分布")
def gsrd_results(wh: Warehouse, period: str) -> pd.DataFrame:
    t = _of(wh, "gsrd_case", period)
    decided = _.decision_date.notnull() & (_.decision_date.strftime("%Y%m") == period)
    df = t.group_by("result").agg(案件数=_.count(), 本期作出决定=_count_if(decided)).to_pandas()
    return _coded(df, "result", RESULT, "认定结论", missing="尚未作出决定")


@view("ldnl", "伤残等级分布")
def ldnl_grades(wh: Warehouse, period: str) -> pd.DataFrame:
    t = _of(wh, "ldnl_appraisal", period)
    df = t.group_by(伤残等级=_.disability_grade).agg(
        鉴定数=_.count(), 生活自理障碍=_count_if(_.nursing_level != "0")).to_pandas()
    df = df.sort_values("伤残等级", kind="stable")
    df["伤残等级"] = df["伤残等级"].map(lambda g: "未达级" if g == 0 else f"{g}级")
    return df


@view("rlzy", "就业补贴按类型")
def rlzy_subsidies(wh: Warehouse, period: str) -> pd.DataFrame:
    t = _of(wh, "rlzy_subsidy", period)
    df = t.group_by("subsidy_type").agg(
        发放笔数=_.count(), 人数=_.id_no.nunique(), 发放金额合计=_.amount.sum()).to_pandas()
    return _coded(df, "subsidy_type", SUBSIDY, "补贴类型")


@view("ref", "各机构报送的死亡信息")
def ref_deaths(wh: Warehouse, period: str) -> pd.DataFrame:
    t = _of(wh, "ref_death", period)
    per_person = t.group_by("id_no").agg(n_agencies=_.agency.nunique(), first=_.death_date.min(),
                                         last=_.death_date.max())
    j = t.join(per_person, "id_no")
    df = j.group_by("agency").agg(
        报送人数=_.count(), 仅此机构报送=_count_if(_.n_agencies == 1),
        各机构死亡日期不一致=_count_if(_["first"] != _["last"]),
    ).to_pandas()
    return _coded(df, "agency", AGENCY, "报送机构")
