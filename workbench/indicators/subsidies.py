"""Further human resources market (人力资源市场) indicators: JY-009 … JY-014."""

from __future__ import annotations

from decimal import Decimal

import ibis

from workbench.indicators.context import Context, date_month, month_index
from workbench.indicators.hr_market import JOB_SUBSIDIES, subsidy_problems, unit_subsidies
from workbench.indicators.policies import (
    AGENCY_PENSION,
    BEIJING_EMPLOYMENT_SUBSIDY,
    EMPLOYMENT_FUNDS,
    FUND_SUPERVISION_REGULATION,
    RETIREMENT_AGE,
)
from workbench.indicators.registry import BusinessLine, Severity, SubjectType, WarningKind, indicator
from workbench.indicators.subjects import MONEY

HIRING_SUBSIDIES = ("11", "12", "13")  # 社会保险补贴, 岗位补贴, 一次性吸纳就业补贴: tied to a job
SUBSIDY_POLICY = (EMPLOYMENT_FUNDS, BEIJING_EMPLOYMENT_SUBSIDY)


def money_literal(value) -> ibis.Value:
    """A yuan parameter as an exact decimal literal."""
    return ibis.literal(Decimal(str(value)), type=MONEY)


def id_age_at(id_no, month) -> ibis.Value:
    """Completed years at the first day of month index ``month`` of the birth date written in an
    18-character id number (characters 7-14), from integers only (no date cast of the id)."""
    by = id_no.substr(6, 4).cast("int64")
    bm = id_no.substr(10, 2).cast("int64")
    bd = id_no.substr(12, 2).cast("int64")
    year, mon = month // 12, month % 12 + 1
    before_birthday = (mon < bm) | ((mon == bm) & (bd > 1))
    return (year - by) - ibis.ifelse(before_birthday, 1, 0)


def id_is_male(id_no) -> ibis.Value:
    """The 17th character of an id number is odd for men."""
    return id_no.substr(16, 1).isin(["1", "3", "5", "7", "9"])


def unit_registry(ctx: Context):
    """sb_unit rows of the snapshot of P that carry a uscc."""
    u = ctx.snapshot("sb_unit")
    return u.filter(u.uscc.notnull())


@indicator(
    "JY-009", "就业补贴对象不在法定劳动年龄段", line=BusinessLine.HR_MARKET, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(*SUBSIDY_POLICY, RETIREMENT_AGE), has_amount=True,
    params=("min_work_age", "retire_age_male", "retire_age_female"),
    description=("本期发放的社会保险补贴、岗位补贴或一次性吸纳就业补贴（11、12、13），按补贴对象身份号码中的出生日期和性别，"
                 "补贴所属期时未满最低就业年龄（参数 min_work_age）或已达到法定退休年龄，"
                 "不可能存在合法劳动关系，疑似冒用身份虚报就业套取补贴。"),
)
def jy_009(ctx: Context, p: dict):
    s = ctx.rows("rlzy_subsidy")
    s = s.filter(s.subsidy_type.isin(HIRING_SUBSIDIES))
    s = s.mutate(age=id_age_at(s.id_no, month_index(s.period)))
    retire = ibis.ifelse(id_is_male(s.id_no), int(p["retire_age_male"]), int(p["retire_age_female"]))
    hits = s.filter((s.age < int(p["min_work_age"])) | (s.age >= retire))
    return subsidy_problems(hits, "id_no", age="age")


@indicator(
    "JY-010", "单位参保登记未满规定月数即享受补贴", line=BusinessLine.HR_MARKET, subject=SubjectType.UNIT,
    severity=Severity.MEDIUM, policy=SUBSIDY_POLICY, has_amount=True, kind=WarningKind.ANALYSIS,
    params=("min_insured_months",),
    description=("本期向单位发放的社会保险补贴、岗位补贴或一次性吸纳就业补贴（11、12、13），补贴所属期距该统一社会信用代码"
                 "最早的社保参保登记月份不足规定月数（参数 min_insured_months，所属期早于登记月份的也在内），"
                 "疑似新设单位突击招用人员骗取补贴。"),
)
def jy_010(ctx: Context, p: dict):
    s = unit_subsidies(ctx)
    s = s.filter(s.unit_uscc.notnull() & s.subsidy_type.isin(HIRING_SUBSIDIES))
    u = unit_registry(ctx)
    opened = u.group_by(open_uscc=u.uscc).agg(open_date=u.open_date.min())
    hits = s.join(opened, s.unit_uscc == opened.open_uscc)
    hits = hits.mutate(insured_months=month_index(hits.period) - date_month(hits.open_date))
    hits = hits.filter(hits.insured_months < int(p["min_insured_months"]))
    return subsidy_problems(hits, "unit_uscc", open_date="open_date", insured_months="insured_months")


@indicator(
    "JY-011", "单位补贴金额超过缴费人数上限", line=BusinessLine.HR_MARKET, subject=SubjectType.UNIT,
    severity=Severity.HIGH, policy=SUBSIDY_POLICY, has_amount=True, params=("cap_per_head",),
    description=("本期向单位发放的社会保险补贴和岗位补贴（11、12），按统一社会信用代码和补贴所属期合计，"
                 "超过该单位当期有职工基本养老保险正常缴费的人数乘以每人每月补贴上限（参数 cap_per_head，元），"
                 "疑似虚报享受人数或超标准发放；无任何缴费人员的由 JY-001 反映。金额为超出部分。"),
)
def jy_011(ctx: Context, p: dict):
    s = unit_subsidies(ctx)
    s = s.filter(s.unit_uscc.notnull() & s.subsidy_type.isin(JOB_SUBSIDIES))
    groups = s.group_by(g_uscc=s.unit_uscc, g_period=s.period).agg(
        paid=s.amount.sum(), n_rows=s.subsidy_id.count(), first_id=s.subsidy_id.min())
    units = unit_registry(ctx)
    units = units.filter(units.uscc.isin(groups.g_uscc)).select(h_unit="unit_id", h_uscc="uscc")
    c = ctx.history("sb_contrib")
    c = c.filter((c.insurance_type == "110") & (c.pay_type == "1") & c.period.isin(groups.g_period))
    c = ctx.with_ids(c.filter(c.unit_id.isin(units.h_unit)))
    staff = c.join(units, c.unit_id == units.h_unit)
    staff = staff.group_by(c_uscc=staff.h_uscc, c_period=staff.period).agg(headcount=staff.id.nunique())
    j = groups.join(staff, (groups.g_uscc == staff.c_uscc) & (groups.g_period == staff.c_period))
    j = j.mutate(cap_total=(money_literal(p["cap_per_head"]) * j.headcount).cast(MONEY))
    j = j.mutate(excess=(j.paid - j.cap_total).cast(MONEY))
    j = j.filter(j.excess > 0)
    rows = s.join(j, s.subsidy_id == j.first_id)
    return subsidy_problems(rows, "unit_uscc", amount="excess", paid="paid", subsidy_rows="n_rows",
                            headcount="headcount", cap_total="cap_total")


@indicator(
    "JY-012", "提前发放未到所属期的补贴", line=BusinessLine.HR_MARKET, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(*SUBSIDY_POLICY, FUND_SUPERVISION_REGULATION), has_amount=True,
    description=("本期发放的就业补贴（任一类型），补贴所属期晚于发放日期所在月份，"
                 "补贴应在缴费、在岗或培训等事实发生后按期审核发放，提前发放疑似虚构或预支套取，金额为这些补贴。"),
)
def jy_012(ctx: Context, p: dict):
    s = ctx.rows("rlzy_subsidy")
    hits = s.filter(month_index(s.period) > date_month(s.pay_date))
    return subsidy_problems(hits, "id_no", pay_date="pay_date", recipient_type="recipient_type")


@indicator(
    "JY-013", "机关事业单位参保人员享受就业补贴", line=BusinessLine.HR_MARKET, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(*SUBSIDY_POLICY, AGENCY_PENSION), has_amount=True,
    description=("本期发放的社会保险补贴、岗位补贴或一次性吸纳就业补贴（11、12、13），补贴对象在补贴所属期有机关事业单位"
                 "养老保险（120）正常缴费记录（已载入的各期），机关事业单位工作人员不属于就业补贴对象，疑似虚报就业套取补贴。"),
)
def jy_013(ctx: Context, p: dict):
    s = ctx.rows("rlzy_subsidy")
    s = s.filter(s.subsidy_type.isin(HIRING_SUBSIDIES))
    c = ctx.history("jg_contrib")
    c = ctx.with_ids(c.filter((c.pay_type == "1") & c.period.isin(s.period)), scheme="jg")
    jg = c.select(jg_id=c.id, jg_period=c.period).distinct()
    hits = s.semi_join(jg, (s.id_no == jg.jg_id) & (s.period == jg.jg_period))
    return subsidy_problems(hits, "id_no")


@indicator(
    "JY-014", "补贴发放区与单位参保区不一致", line=BusinessLine.HR_MARKET, subject=SubjectType.UNIT,
    severity=Severity.MEDIUM, policy=SUBSIDY_POLICY, has_amount=True, kind=WarningKind.ANALYSIS,
    description=("本期向单位发放的就业补贴，发放区与该统一社会信用代码在社保登记的所有参保单位所属区均不相同，"
                 "就业补贴应由单位参保所在区审核发放，疑似跨区多头申领或违规受理；未在社保登记的单位由 JY-001 反映。"),
)
def jy_014(ctx: Context, p: dict):
    s = unit_subsidies(ctx)
    s = s.filter(s.unit_uscc.notnull())
    u = unit_registry(ctx)
    known = u.select(k_uscc=u.uscc).distinct()
    home = u.select(h_uscc=u.uscc, h_district=u.district_code).distinct()
    s = s.join(known, s.unit_uscc == known.k_uscc)
    hits = s.anti_join(home, (s.unit_uscc == home.h_uscc) & (s.district_code == home.h_district))
    return subsidy_problems(hits, "unit_uscc", paying_district="district_code")
