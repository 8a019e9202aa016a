"""Further resident (居民养老) and agency (机关养老) pension indicators JM-007…JM-011, JG-004…JG-008
(the workbench's own, not core)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from workbench.indicators.context import Context, age_at, month_index
from workbench.indicators.pension import RETIRE_PARAMS, factor, person_facts, retire_age
from workbench.indicators.policies import (
    AGENCY_PENSION,
    BACKPAY_RULES,
    DUAL_PENSION,
    FUND_SUPERVISION_REGULATION,
    FUND_SUPERVISION_RULES,
    RESIDENT_PENSION,
    RETIREMENT_AGE,
    SOCIAL_INSURANCE_LAW,
)
from workbench.indicators.registry import BusinessLine, Severity, SubjectType, WarningKind, indicator
from workbench.indicators.subjects import MONEY, no_amount, normal_contrib, person_rows
from workbench.periods import add_months
from workbench.warehouse import PERIOD_COL

AGENCY_UNIT_TYPES = ("20", "30")
PAY_EVIDENCE = {"pay_id": "pay_id", "period": "period"}


def jm_contrib_history(ctx: Context) -> ir.Table:
    """Resident contributions (amount > 0) of every loaded delivery up to P, with the person's id
    (the jm snapshot of P) and ``in_p`` (delivered in P)."""
    c = ctx.history("jm_contrib")
    c = ctx.with_ids(c.filter(c.amount > 0), "jm")
    return c.mutate(in_p=c[PERIOD_COL] == ctx.period)


def jm_pay(ctx: Context) -> ir.Table:
    """Resident pension payments of P, with the person's id."""
    return ctx.with_ids(ctx.rows("jm_benefit_pay"), "jm")


def jg_contrib(ctx: Context, pay_types: tuple[str, ...] = ("1", "2")) -> ir.Table:
    """Agency contributions of P of the given pay types, with the person's id."""
    c = ctx.rows("jg_contrib")
    return ctx.with_ids(c.filter(c.pay_type.isin(pay_types)), "jg")


def unit_rows(ctx: Context, hits: ir.Table, amount: str | None = None, **evidence: str) -> ir.Table:
    """The runner's columns for a unit subject: ``hits`` (with ``uscc`` of sb_unit) keyed by uscc
    (rows without one are left out), the uscc's district (``Context.unit_district``), ``amount``
    (a column name, or null) and evidence."""
    hits = hits.filter(hits.uscc.notnull())
    home = ctx.unit_district().rename(f_uscc="uscc", f_district="district_code")
    j = hits.join(home, hits.uscc == home.f_uscc)
    value = j[amount] if amount else no_amount()
    return j.select(subject_key=j.uscc, district_code=j.f_district, amount=value,
                    **{k: j[v] for k, v in evidence.items()})


def unit_contrib(ctx: Context, pay_types: tuple[str, ...]) -> ir.Table:
    """Agency contributions of P of the pay types joined to their unit in the sb_unit snapshot of P
    (unit_type, status, close_date, uscc); ``paid`` = unit + person part."""
    c = ctx.rows("jg_contrib")
    c = c.filter(c.pay_type.isin(pay_types))
    u = ctx.snapshot("sb_unit")
    u = u.select(u_unit=u.unit_id, uscc=u.uscc, unit_type=u.unit_type, unit_status=u.status,
                 close_date=u.close_date)
    j = c.join(u, c.unit_id == u.u_unit)
    return j.mutate(paid=j.unit_amount + j.person_amount)


# --- resident pension ------------------------------------------------------------------------


@indicator(
    "JM-007", "同一年度重复参加居民养老和职工养老", line=BusinessLine.RESIDENT, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(RESIDENT_PENSION, DUAL_PENSION), has_amount=True,
    description=("本期有正常缴纳的职工基本养老保险（110）记录，其所属期所在年度内同一人员（按身份号码）"
                 "已缴纳城乡居民养老保险（截至本期已入库的居民养老缴费，缴费年度相同），"
                 "同一年度重复参保缴费，应清理并退还或转移居民养老缴费，金额为该年度的居民养老缴费合计。"),
)
def jm_007(ctx: Context, p: dict):
    sb = normal_contrib(ctx)
    sb = sb.select(sb_id=sb.id, sb_year=sb.period.substr(0, 4).cast("int64")).distinct()
    jm = jm_contrib_history(ctx)
    jm = jm.mutate(year=jm.year.cast("int64"))
    hits = jm.semi_join(sb, [jm.id == sb.sb_id, jm.year == sb.sb_year])
    return person_rows(ctx, hits, "amount", scheme="jm", contrib_id="contrib_id", year="year",
                       pay_date="pay_date")


@indicator(
    "JM-008", "同一年度重复缴纳居民养老保险", line=BusinessLine.RESIDENT, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(RESIDENT_PENSION, FUND_SUPERVISION_RULES), has_amount=True,
    description=("同一人员（按身份号码）同一缴费年度有两条及以上居民养老缴费记录（金额大于零，截至本期已入库），"
                 "城乡居民养老保险按年度缴费，每年只应缴纳一次；按缴费日期、记录编号排序，"
                 "本期入库的第二条及以后的记录为重复缴费，金额为这些记录的缴费合计。"),
)
def jm_008(ctx: Context, p: dict):
    c = jm_contrib_history(ctx)
    w = ibis.window(group_by=[c.id, c.year], order_by=[c.pay_date, c.contrib_id])
    c = c.mutate(nth=ibis.row_number().over(w))
    hits = c.filter(c.in_p & (c.nth >= 1))
    return person_rows(ctx, hits, "amount", scheme="jm", contrib_id="contrib_id", year="year",
                       pay_date="pay_date")


@indicator(
    "JM-009", "临近领取年龄一次性补缴多年居民养老保险", line=BusinessLine.RESIDENT, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(RESIDENT_PENSION, BACKPAY_RULES), has_amount=True,
    kind=WarningKind.ANALYSIS, params=("resident_pension_age", "near_pension_years", "lump_min_years"),
    description=("本期同一人员（按身份号码）的居民养老缴费记录（金额大于零）覆盖 lump_min_years 个及以上不同缴费年度，"
                 "且本期年龄不小于领取年龄（resident_pension_age）减 near_pension_years 年，"
                 "疑似临近领取年龄违规趸缴以凑足缴费年限，金额为本期这些缴费合计。"),
)
def jm_009(ctx: Context, p: dict):
    c = jm_contrib_history(ctx)
    c = c.filter(c.in_p)
    years = c.group_by(ly_id=c.id).agg(years=c.year.nunique())
    years = years.filter(years.years >= int(p["lump_min_years"]))
    facts = person_facts(ctx, "jm")
    years = years.join(facts, years.ly_id == facts.pid)
    years = years.mutate(age=age_at(years.birth_date, ibis.literal(ctx.p)))
    years = years.filter(years.age >= int(p["resident_pension_age"]) - int(p["near_pension_years"]))
    hits = c.join(years, c.id == years.ly_id)
    return person_rows(ctx, hits, "amount", scheme="jm", contrib_id="contrib_id", year="year",
                       years="years", age="age")


@indicator(
    "JM-010", "居民养老金月发放额异常增长", line=BusinessLine.RESIDENT, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(RESIDENT_PENSION, FUND_SUPERVISION_REGULATION), has_amount=True,
    params=("jump_ratio",),
    description=("同一人员（按身份号码）本期发放的所属期为本期的居民养老金合计，达到其上一所属期居民养老金合计"
                 "（截至本期已入库的发放）的 jump_ratio 倍及以上；居民养老金每年仅小幅调整，"
                 "大幅增长疑似违规调标或篡改发放金额，金额为增长部分（本期合计 − 上期合计）。"),
)
def jm_010(ctx: Context, p: dict):
    pay = jm_pay(ctx)
    pay = pay.filter(pay.period == ctx.period)
    cur = pay.group_by(id=pay.id).agg(now=pay.amount.sum().cast(MONEY))
    old = ctx.history("jm_benefit_pay")
    old = ctx.with_ids(old.filter(old.period == add_months(ctx.period, -1)), "jm")
    prev = old.group_by(prev_id=old.id).agg(before=old.amount.sum().cast(MONEY))
    j = cur.join(prev, cur.id == prev.prev_id)
    j = j.filter((j.before > 0) & (j.now >= factor(p["jump_ratio"]) * j.before))
    j = j.mutate(increase=(j.now - j.before).cast(MONEY))
    return person_rows(ctx, j, "increase", scheme="jm", now="now", before="before")


@indicator(
    "JM-011", "提前发放以后月份居民养老金", line=BusinessLine.RESIDENT, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(RESIDENT_PENSION, FUND_SUPERVISION_RULES), has_amount=True,
    params=("allowed_ahead_months",),
    description=("本期发放的居民养老金所属期晚于本期加 allowed_ahead_months 个月，居民养老金应按月发放，"
                 "预发以后月份待遇在领取人死亡、服刑或资格终止时形成多发，疑似违规预发或虚构发放，"
                 "金额为这些预发额合计。"),
)
def jm_011(ctx: Context, p: dict):
    pay = jm_pay(ctx)
    hits = pay.filter(month_index(pay.period) > ctx.p + int(p["allowed_ahead_months"]))
    return person_rows(ctx, hits, "amount", scheme="jm", **PAY_EVIDENCE)


# --- agency pension --------------------------------------------------------------------------


@indicator(
    "JG-004", "非机关事业单位缴纳机关养老保险", line=BusinessLine.AGENCY, subject=SubjectType.UNIT,
    severity=Severity.HIGH, policy=(AGENCY_PENSION, SOCIAL_INSURANCE_LAW), has_amount=True,
    description=("本期机关事业单位养老保险缴费记录（正常缴费或补缴）的缴费单位，在本期参保单位快照中的单位类型"
                 "不是机关（20）或事业单位（30），企业等单位违规参加机关事业单位养老保险，"
                 "主体为单位（统一社会信用代码），金额为这些缴费的单位与个人部分之和。"),
)
def jg_004(ctx: Context, p: dict):
    j = unit_contrib(ctx, ("1", "2"))
    hits = j.filter(~j.unit_type.isin(AGENCY_UNIT_TYPES))
    return unit_rows(ctx, hits, "paid", unit_id="unit_id", unit_type="unit_type", contrib_id="contrib_id",
                     person_id="person_id", period="period")


@indicator(
    "JG-005", "超过退休年龄仍缴纳机关养老保险", line=BusinessLine.AGENCY, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(AGENCY_PENSION, RETIREMENT_AGE), has_amount=True,
    params=RETIRE_PARAMS,
    description=("本期机关事业单位养老保险正常缴费记录所属期首日，参保人（按身份号码，机关养老参保人员快照）"
                 "已达机关事业单位人员退休年龄（男 retire_age_male、女 retire_age_female 周岁），"
                 "应按时办理退休而仍在职缴费，疑似延迟退休以抬高待遇或虚构在职，金额为这些缴费的单位与个人部分之和。"),
)
def jg_005(ctx: Context, p: dict):
    c = jg_contrib(ctx, ("1",))
    facts = person_facts(ctx, "jg")
    j = c.join(facts, c.id == facts.pid)
    j = j.mutate(age=age_at(j.birth_date, month_index(j.period)), paid=j.unit_amount + j.person_amount)
    hits = j.filter(j.age >= retire_age(j.sex, p))
    return person_rows(ctx, hits, "paid", scheme="jg", contrib_id="contrib_id", period="period", age="age",
                       unit_id="unit_id")


@indicator(
    "JG-006", "机关养老缴费额低于基数乘费率", line=BusinessLine.AGENCY, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(AGENCY_PENSION, SOCIAL_INSURANCE_LAW), has_amount=True,
    params=("unit_rate", "person_rate", "tolerance"),
    description=("本期机关事业单位养老保险缴费记录（正常缴费或补缴）的单位部分低于缴费基数 × unit_rate，"
                 "或个人部分低于缴费基数 × person_rate（含个人部分缺失），差额合计超过 tolerance 元，"
                 "疑似少缴、漏缴个人缴费，金额为少缴部分（单位与个人部分分别计算，只计不足部分）。"),
)
def jg_006(ctx: Context, p: dict):
    c = jg_contrib(ctx)
    exp_u = c.base * factor(p["unit_rate"])
    exp_p = c.base * factor(p["person_rate"])
    zero = ibis.literal(0, type="decimal(18,6)")
    c = c.mutate(short=(ibis.ifelse(exp_u > c.unit_amount, exp_u - c.unit_amount, zero)
                        + ibis.ifelse(exp_p > c.person_amount, exp_p - c.person_amount, zero)))
    hits = c.filter(c.short > factor(p["tolerance"]))
    hits = hits.mutate(short=hits.short.cast(MONEY))
    return person_rows(ctx, hits, "short", scheme="jg", contrib_id="contrib_id", period="period", base="base",
                       unit_amount="unit_amount", person_amount="person_amount")


@indicator(
    "JG-007", "机关养老金远高于本人缴费基数", line=BusinessLine.AGENCY, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(AGENCY_PENSION, FUND_SUPERVISION_REGULATION), has_amount=True,
    params=("base_ratio",),
    description=("本期发放的机关事业单位养老金（单笔）超过该人员（按身份号码）截至本期已入库的机关养老缴费记录"
                 "（正常缴费或补缴）中最高缴费基数的 base_ratio 倍，养老金不可能远超在职缴费工资，"
                 "疑似核定错误或篡改发放金额，金额为这些发放额合计；无缴费记录的人员不比对。"),
)
def jg_007(ctx: Context, p: dict):
    pay = ctx.with_ids(ctx.rows("jg_benefit_pay"), "jg")
    c = ctx.history("jg_contrib")
    c = ctx.with_ids(c.filter(c.pay_type.isin(("1", "2"))), "jg")
    top = c.group_by(b_id=c.id).agg(max_base=c.base.max())
    j = pay.join(top, pay.id == top.b_id)
    hits = j.filter(j.amount > factor(p["base_ratio"]) * j.max_base)
    return person_rows(ctx, hits, "amount", scheme="jg", pay_id="pay_id", period="period", max_base="max_base")


@indicator(
    "JG-008", "机关养老缴费单位与参保登记单位不一致", line=BusinessLine.AGENCY, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(AGENCY_PENSION, FUND_SUPERVISION_RULES), has_amount=False,
    description=("本期所属期为本期的机关事业单位养老保险正常缴费记录，其缴费单位与该个人编号在本期机关养老参保人员"
                 "快照中登记的所在单位不同，疑似由非用人单位代缴、挂靠参保或人员单位信息未及时变更。"),
)
def jg_008(ctx: Context, p: dict):
    c = ctx.rows("jg_contrib")
    c = c.filter((c.pay_type == "1") & (c.period == ctx.period))
    people = ctx.snapshot("jg_person")
    people = people.select(r_pid=people.person_id, id=people.id_no, registered_unit=people.unit_id)
    j = c.join(people, c.person_id == people.r_pid)
    hits = j.filter(j.unit_id != j.registered_unit)
    return person_rows(ctx, hits, scheme="jg", contrib_id="contrib_id", person_id="person_id",
                       unit_id="unit_id", registered_unit="registered_unit")
