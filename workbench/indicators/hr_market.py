"""Human resources market (人力资源市场) indicators: JY-*."""

from __future__ import annotations

import ibis

from workbench.indicators.context import Context, month_index
from workbench.indicators.pension import in_prison, pension_pay
from workbench.indicators.policies import (
    BEIJING_EMPLOYMENT_SUBSIDY,
    EMPLOYMENT_FUNDS,
    UNEMPLOYMENT_REGULATION,
)
from workbench.indicators.registry import BusinessLine, Severity, SubjectType, WarningKind, indicator
from workbench.periods import add_months

JOB_SUBSIDIES = ("11", "12")  # 社会保险补贴, 岗位补贴


def subsidy_problems(hits, key: str, amount: str = "amount", **evidence: str):
    """The runner's columns for qualifying rlzy_subsidy rows ``hits``: subject ``key`` (a column),
    district of the subject's qualifying row with the smallest subsidy_id, ``amount`` column, and
    evidence (name = column of ``hits``) besides subsidy_id, subsidy_type and period."""
    hits = hits.mutate(subject_key=hits[key])
    first = hits.group_by("subject_key").agg(first_id=hits.subsidy_id.min())
    home = first.join(hits, first.first_id == hits.subsidy_id).select(
        first.subject_key, subject_district=hits.district_code)
    hits = hits.join(home, "subject_key")
    return hits.select("subject_key", district_code=hits.subject_district, amount=hits[amount],
                       subsidy_id=hits.subsidy_id, subsidy_type=hits.subsidy_type, period=hits.period,
                       **{k: hits[v] for k, v in evidence.items()})


def unit_subsidies(ctx: Context):
    """rlzy_subsidy rows of P paid to a unit (recipient_type 1)."""
    s = ctx.rows("rlzy_subsidy")
    return s.filter(s.recipient_type == "1")


def subsidized_units(ctx: Context, subsidies):
    """sb_unit snapshot rows whose uscc received one of ``subsidies``."""
    units = ctx.snapshot("sb_unit")
    return units.filter(units.uscc.isin(subsidies.unit_uscc))


@indicator(
    "JY-001", "补贴发放给无缴费单位", line=BusinessLine.HR_MARKET, subject=SubjectType.UNIT,
    severity=Severity.HIGH, policy=(EMPLOYMENT_FUNDS, BEIJING_EMPLOYMENT_SUBSIDY), has_amount=True, core=True,
    description=("本期向单位发放的社会保险补贴或岗位补贴，"
                 "该统一社会信用代码对应的参保单位在补贴所属期没有任何险种的正常缴费记录（含未在社保登记的单位），疑似虚构用工套取补贴。"),
)
def jy_001(ctx: Context, p: dict):
    s = unit_subsidies(ctx)
    s = s.filter(s.unit_uscc.notnull() & s.subsidy_type.isin(JOB_SUBSIDIES))
    units = subsidized_units(ctx, s)
    contrib = ctx.history("sb_contrib")
    # only the subsidized units' normal rows for the subsidies' periods, before mapping persons
    contrib = contrib.filter((contrib.pay_type == "1") & contrib.unit_id.isin(units.unit_id)
                             & contrib.period.isin(s.period))
    if (first := ctx.known(s.period.min())) is not None:  # implied by the isin: lets old deliveries go unread
        contrib = contrib.filter(contrib.period >= first)
    contrib = ctx.with_ids(contrib)
    paid = units.join(contrib, units.unit_id == contrib.unit_id).select(uscc=units.uscc, paid_period=contrib.period)
    hits = s.anti_join(paid, (s.unit_uscc == paid.uscc) & (s.period == paid.paid_period))
    return subsidy_problems(hits, "unit_uscc", recipient_type="recipient_type")


@indicator(
    "JY-002", "重复享受同类补贴", line=BusinessLine.HR_MARKET, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(EMPLOYMENT_FUNDS, BEIJING_EMPLOYMENT_SUBSIDY), has_amount=True, core=True,
    description="本期同一人员（按身份号码）同一补贴类型、同一所属期发放两笔及以上补贴，金额为每组合计减去最大一笔。",
)
def jy_002(ctx: Context, p: dict):
    s = ctx.rows("rlzy_subsidy")
    group = ibis.window(group_by=[s.id_no, s.subsidy_type, s.period])
    biggest = ibis.window(group_by=[s.id_no, s.subsidy_type, s.period], order_by=[s.amount.desc(), s.subsidy_id])
    s = s.mutate(copies=s.subsidy_id.count().over(group), size_rank=ibis.row_number().over(biggest))
    hits = s.filter(s.copies >= 2)
    # sum − largest per group: every row counts except the group's largest (first by amount, subsidy_id)
    hits = hits.mutate(excess=ibis.ifelse(hits.size_rank == 0, ibis.literal(0).cast(hits.amount.type()), hits.amount))
    return subsidy_problems(hits, "id_no", amount="excess", paid="amount", copies="copies")


@indicator(
    "JY-003", "补贴发放给死亡人员", line=BusinessLine.HR_MARKET, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(EMPLOYMENT_FUNDS, BEIJING_EMPLOYMENT_SUBSIDY), has_amount=True, core=True,
    description="本期发放的就业补贴所属期晚于补贴对象死亡月份（多部门死亡信息取最早死亡日期），疑似冒领。",
)
def jy_003(ctx: Context, p: dict):
    s = ctx.rows("rlzy_subsidy")
    dead = ctx.death_months()
    hits = s.join(dead, s.id_no == dead.id).filter(lambda t: month_index(t.period) > t.death_month)
    return subsidy_problems(hits, "id_no", death_month="death_month")


@indicator(
    "JY-004", "领取失业金同时享受就业补贴", line=BusinessLine.HR_MARKET, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(EMPLOYMENT_FUNDS, UNEMPLOYMENT_REGULATION), has_amount=True, core=True,
    description=("本期发放的社会保险补贴或岗位补贴所属期内，"
                 "补贴对象同时领取失业保险金（210/21），疑似虚假就业或重复享受。"),
)
def jy_004(ctx: Context, p: dict):
    s = ctx.rows("rlzy_subsidy")
    s = s.filter(s.subsidy_type.isin(JOB_SUBSIDIES))
    pay = pension_pay(ctx, item="21", insurance="210")
    hits = s.semi_join(pay, (s.id_no == pay.id) & (s.period == pay.period))
    return subsidy_problems(hits, "id_no")


@indicator(
    "JY-005", "补贴发放给已注销单位", line=BusinessLine.HR_MARKET, subject=SubjectType.UNIT,
    severity=Severity.HIGH, policy=(EMPLOYMENT_FUNDS, BEIJING_EMPLOYMENT_SUBSIDY), has_amount=True, core=True,
    description="本期向单位发放的就业补贴，该统一社会信用代码对应的参保单位已注销且注销日期早于补贴发放日期。",
)
def jy_005(ctx: Context, p: dict):
    s = unit_subsidies(ctx)
    units = ctx.snapshot("sb_unit")
    units = units.filter((units.status == "3") & units.close_date.notnull() & units.uscc.notnull())
    closed = units.group_by("uscc").agg(close_date=units.close_date.min())
    hits = s.join(closed, s.unit_uscc == closed.uscc).filter(lambda t: t.close_date < t.pay_date)
    return subsidy_problems(hits, "unit_uscc", pay_date="pay_date", close_date="close_date")


# --- project indicators (not core) ---------------------------------------------------------


@indicator(
    "JY-006", "服刑期间享受就业补贴", line=BusinessLine.HR_MARKET, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(EMPLOYMENT_FUNDS, BEIJING_EMPLOYMENT_SUBSIDY), has_amount=True,
    description=("本期发放的就业补贴（任一类型），补贴所属期落在补贴对象服刑期间"
                 "（入狱月份至出狱月份，未出狱视为仍在服刑），服刑人员不可能就业或创业，疑似冒领。"),
)
def jy_006(ctx: Context, p: dict):
    s = ctx.rows("rlzy_subsidy")
    hits = in_prison(ctx, s.mutate(id=s.id_no))
    return subsidy_problems(hits, "id_no")


@indicator(
    "JY-007", "一次性吸纳就业补贴对应人员无单位缴费", line=BusinessLine.HR_MARKET, subject=SubjectType.UNIT,
    severity=Severity.HIGH, policy=(EMPLOYMENT_FUNDS, BEIJING_EMPLOYMENT_SUBSIDY), has_amount=True,
    description=("本期向单位发放的一次性吸纳就业补贴（13），该统一社会信用代码对应的参保单位在补贴所属期"
                 "前后规定月数内（参数 hire_grace_months）没有为补贴所指人员正常缴纳职工基本养老保险（110），"
                 "疑似虚构吸纳就业。"),
    params=("hire_grace_months",),
)
def jy_007(ctx: Context, p: dict):
    grace = int(p["hire_grace_months"])
    s = unit_subsidies(ctx)
    s = s.filter(s.unit_uscc.notnull() & (s.subsidy_type == "13"))
    units = subsidized_units(ctx, s)
    contrib = ctx.history("sb_contrib")
    contrib = contrib.filter((contrib.pay_type == "1") & (contrib.insurance_type == "110")
                             & contrib.unit_id.isin(units.unit_id))
    if (first := ctx.known(s.period.min())) is not None:  # implied by the window below
        contrib = contrib.filter(contrib.period >= add_months(first, -grace))
    # only the named persons' rows, before mapping persons
    contrib = ctx.with_ids_among(contrib, s.id_no)
    paid = units.join(contrib, units.unit_id == contrib.unit_id).select(
        uscc=units.uscc, paid_id=contrib.id, paid_month=month_index(contrib.period))
    month = month_index(s.period)
    hits = s.anti_join(paid, (s.unit_uscc == paid.uscc) & (s.id_no == paid.paid_id)
                       & (paid.paid_month >= month - grace) & (paid.paid_month <= month + grace))
    return subsidy_problems(hits, "unit_uscc", id_no="id_no")


@indicator(
    "JY-008", "退休人员享受创业担保贷款贴息", line=BusinessLine.HR_MARKET, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(EMPLOYMENT_FUNDS, BEIJING_EMPLOYMENT_SUBSIDY), has_amount=True,
    kind=WarningKind.ANALYSIS,
    description=("本期发放的创业担保贷款贴息（14），贴息对象在本期参保人员快照中为退休领取待遇状态（4），"
                 "不属于创业担保贷款扶持对象，疑似违规享受。"),
)
def jy_008(ctx: Context, p: dict):
    s = ctx.rows("rlzy_subsidy")
    s = s.filter(s.subsidy_type == "14")
    people = ctx.snapshot("sb_person")
    retired = people.filter(people.status == "4").select(retired_id=people.id_no).distinct()
    hits = s.join(retired, s.id_no == retired.retired_id)
    return subsidy_problems(hits, "id_no")
