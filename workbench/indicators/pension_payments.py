"""Further employee-pension (养老) indicators YL-015…YL-024: approvals, payments and back-payments
(the workbench's own, not core)."""

from __future__ import annotations

import ibis

from workbench.indicators.context import Context, age_at, date_month, month_index, period_index
from workbench.indicators.pension import pension_approvals, pension_pay, person_facts
from workbench.indicators.policies import (
    BACKPAY_RULES,
    EARLY_RETIREMENT,
    FRAUD_PUNISHMENT,
    FUND_SUPERVISION_REGULATION,
    FUND_SUPERVISION_RULES,
    INJURY_REGULATION,
    PENSION_DEATH_STOP,
    PENSION_UNIFIED,
    RETIREMENT_AGE,
    SOCIAL_INSURANCE_LAW,
)
from workbench.indicators.registry import BusinessLine, Severity, SubjectType, WarningKind, indicator
from workbench.indicators.subjects import MONEY, no_amount, person_rows
from workbench.periods import add_months
from workbench.warehouse import PERIOD_COL

EARLY_TYPES = ("2", "3")  # retire_type 2 特殊工种提前退休, 3 因病提前退休


def pension_approval_keys(ctx: Context):
    """Every 110 approval of the snapshot of P, with the person's id (columns prefixed ``ap_``)."""
    ap = ctx.snapshot("sb_benefit_approval")
    ap = ctx.with_ids(ap.filter(ap.insurance_type == "110"))
    return ap.select(ap_id=ap.id, ap_start=month_index(ap.start_period), ap_date=ap.approve_date)


@indicator(
    "YL-015", "核定前发放基本养老金", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, FUND_SUPERVISION_REGULATION), has_amount=True,
    description="本期发放的基本养老金（110/11），领取人没有在发放日期当天或之前已核定、且待遇起始期不晚于该所属期的"
                "基本养老金（110）核定记录（含无任何核定、所属期早于起始期、先发放后核定），疑似未经核定发放，"
                "金额为这些发放额。",
)
def yl_015(ctx: Context, p: dict):
    pay = pension_pay(ctx)
    ap = pension_approval_keys(ctx)
    hits = pay.anti_join(ap, [pay.id == ap.ap_id, ap.ap_start <= month_index(pay.period),
                              ap.ap_date <= pay.pay_date])
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period", pay_date="pay_date")


@indicator(
    "YL-016", "大额补发基本养老金", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, FUND_SUPERVISION_RULES), has_amount=True,
    params=("arrears_min_months",),
    description="本期发放的基本养老金（110/11）中所属期早于本期的补发记录覆盖 arrears_min_months 个及以上不同所属期，"
                "提示核查追溯核定、补发依据是否真实，金额为这些补发额。",
)
def yl_016(ctx: Context, p: dict):
    pay = pension_pay(ctx)
    back = pay.filter(pay.period < ctx.period)
    months = back.group_by(ar_id=back.id).agg(arrears_months=back.period.nunique())
    months = months.filter(months.arrears_months >= int(p["arrears_min_months"]))
    hits = back.join(months, back.id == months.ar_id)
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period", arrears_months="arrears_months")


@indicator(
    "YL-017", "退休前突击补缴养老保险", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, BACKPAY_RULES), has_amount=True,
    params=("window_months", "min_backpay_months"),
    description="本月核定基本养老金（110）的参保人，在本月及之前共 window_months 个缴费月份（已载入各期）内的"
                "职工养老保险补缴记录覆盖 min_backpay_months 个及以上不同所属期，"
                "疑似退休前集中补缴凑足缴费年限，金额为这些补缴的单位与个人部分之和。",
)
def yl_017(ctx: Context, p: dict):
    ap = pension_approvals(ctx)
    ap = ap.select(bp_id=ap.id).distinct()
    c = ctx.history("sb_contrib")
    start = add_months(ctx.period, 1 - int(p["window_months"]))
    # pay_month equals the delivery period (data-contract.md, cleaning rule 10): saying so
    # too lets the engine skip older deliveries whole
    c = c.filter((c.insurance_type == "110") & (c.pay_type == "2") & (c.pay_month >= start)
                 & (c[PERIOD_COL] >= start))
    c = ctx.with_ids_among(c, ap.bp_id)
    c = c.join(ap, c.id == ap.bp_id)
    months = c.group_by(m_id=c.id).agg(backpay_months=c.period.nunique())
    months = months.filter(months.backpay_months >= int(p["min_backpay_months"]))
    hits = c.join(months, c.id == months.m_id)
    hits = hits.mutate(paid=hits.unit_amount + hits.person_amount)
    return person_rows(ctx, hits, "paid", contrib_id="contrib_id", period="period", pay_month="pay_month",
                       backpay_months="backpay_months")


@indicator(
    "YL-018", "单位集中办理提前退休", line=BusinessLine.PENSION, subject=SubjectType.UNIT,
    severity=Severity.MEDIUM, policy=(RETIREMENT_AGE, EARLY_RETIREMENT),
    has_amount=False, kind=WarningKind.ANALYSIS, params=("min_early_retirements",),
    description="本月核定为特殊工种提前退休或因病提前退休的参保人，按其最近一个所属期的职工养老保险"
                "正常缴费单位（已载入各期）归集到统一社会信用代码，同一单位达到 min_early_retirements 人及以上，"
                "疑似单位集中违规办理提前退休；所属区取该信用代码下单位编号最小的单位。",
)
def yl_018(ctx: Context, p: dict):
    ap = pension_approvals(ctx)
    ap = ap.filter(ap.retire_type.isin(EARLY_TYPES)).select(er_id=ap.id).distinct()
    c = ctx.history("sb_contrib")
    c = ctx.with_ids_among(c.filter((c.insurance_type == "110") & (c.pay_type == "1")), ap.er_id)
    c = c.join(ap, c.id == ap.er_id)
    last = c.group_by(l_id=c.id).agg(l_period=c.period.max())
    c = c.join(last, [c.id == last.l_id, c.period == last.l_period])
    c = c.select(e_id=c.id, e_unit=c.unit_id).distinct()
    unit = ctx.snapshot("sb_unit")
    unit = unit.filter(unit.uscc.notnull())
    home = ctx.unit_district().rename(h_uscc="uscc", h_district="district_code")
    ids = unit.select(u_id=unit.unit_id, u_uscc=unit.uscc)
    j = c.join(ids, c.e_unit == ids.u_id)
    counts = j.group_by(n_uscc=j.u_uscc).agg(early_retirements=j.e_id.nunique())
    counts = counts.filter(counts.early_retirements >= int(p["min_early_retirements"]))
    hits = counts.join(home, counts.n_uscc == home.h_uscc)
    return hits.select(subject_key=hits.n_uscc, district_code=hits.h_district, amount=no_amount(),
                       early_retirements=hits.early_retirements)


def _early_age(sex, p: dict, kind: str) -> ibis.Value:
    return (sex == "1").ifelse(int(p[f"{kind}_age_male"]), int(p[f"{kind}_age_female"]))


@indicator(
    "YL-019", "提前退休未达特殊工种或病退年龄", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(RETIREMENT_AGE, EARLY_RETIREMENT), has_amount=False,
    params=("special_age_male", "special_age_female", "illness_age_male", "illness_age_female"),
    description="本月核定的基本养老金（110）按特殊工种提前退休办理而待遇起始期时未满特殊工种退休年龄"
                "（男 special_age_male、女 special_age_female 周岁），或按因病提前退休办理而"
                "未满病退年龄（男 illness_age_male、女 illness_age_female 周岁），提前退休条件不成立。",
)
def yl_019(ctx: Context, p: dict):
    ap = pension_approvals(ctx)
    ap = ap.filter(ap.retire_type.isin(EARLY_TYPES))
    ap = ap.mutate(age=age_at(ap.birth_date, month_index(ap.start_period)))
    floor = (ap.retire_type == "2").ifelse(_early_age(ap.sex, p, "special"), _early_age(ap.sex, p, "illness"))
    hits = ap.filter(ap.age < floor)
    return person_rows(ctx, hits, None, approval_id="approval_id", retire_type="retire_type",
                       start_period="start_period", age="age")


@indicator(
    "YL-020", "累计缴费月数超过参保以来月数", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, PENSION_UNIFIED, FRAUD_PUNISHMENT), has_amount=False,
    params=("tolerance_months", "deemed_until"),
    description="本月核定的基本养老金（110）累计缴费月数，超过该身份号码最早首次参保月份至待遇起始期之间的月数 "
                "tolerance_months 个月以上（首次参保在 deemed_until 及以前、可能有视同缴费年限的，"
                "以及起始期不晚于首次参保月份的不在此列），疑似虚增缴费年限。",
)
def yl_020(ctx: Context, p: dict):
    ap = pension_approvals(ctx)
    person = ctx.snapshot("sb_person")
    first = person.group_by(fe_id=person.id_no).agg(first_enroll=person.first_enroll_date.min())
    j = ap.join(first, ap.id == first.fe_id)
    j = j.mutate(enroll_month=date_month(j.first_enroll), start_month=month_index(j.start_period))
    j = j.filter(j.enroll_month > period_index(str(p["deemed_until"])))
    j = j.filter(j.start_month > j.enroll_month)
    j = j.mutate(possible_months=j.start_month - j.enroll_month)
    hits = j.filter(j.contrib_months > j.possible_months + int(p["tolerance_months"]))
    return person_rows(ctx, hits, None, approval_id="approval_id", contrib_months="contrib_months",
                       first_enroll_date="first_enroll", possible_months="possible_months")


@indicator(
    "YL-021", "高龄人员领取基本养老金", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.LOW, policy=(SOCIAL_INSURANCE_LAW, PENSION_DEATH_STOP), has_amount=True,
    kind=WarningKind.ANALYSIS, params=("min_age",),
    description="本期发放的基本养老金（110/11）所属期时领取人年龄达到 min_age 周岁及以上，提示重点开展待遇领取资格"
                "认证、核实是否健在，金额为这些发放额。",
)
def yl_021(ctx: Context, p: dict):
    pay = pension_pay(ctx)
    facts = person_facts(ctx)
    j = pay.join(facts, pay.id == facts.pid)
    j = j.mutate(age=age_at(j.birth_date, month_index(j.period)))
    hits = j.filter(j.age >= int(p["min_age"]))
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period", age="age")


@indicator(
    "YL-022", "一人多号重复领取基本养老金", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, FUND_SUPERVISION_REGULATION), has_amount=True,
    description="同一公民身份号码在本期以两个及以上个人编号领取同一所属期的基本养老金（110/11），"
                "金额为每个所属期合计减去其中领取最多的一个个人编号的金额。",
)
def yl_022(ctx: Context, p: dict):
    pay = pension_pay(ctx)
    per = pay.group_by("id", "period", "person_id").agg(paid=pay.amount.sum())
    g = per.group_by("id", "period").agg(person_ids=per.person_id.nunique(), total=per.paid.sum(),
                                         largest=per.paid.max())
    g = g.filter(g.person_ids >= 2)
    g = g.mutate(extra=(g.total - g.largest).cast(MONEY))
    return person_rows(ctx, g, "extra", period="period", person_ids="person_ids")


@indicator(
    "YL-023", "发放丧葬补助金后继续发放基本养老金", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, PENSION_DEATH_STOP), has_amount=True,
    description="本期发放的基本养老金（110/11）所属期晚于该身份号码已发放（已载入各期）的丧葬补助金及抚恤金（110/12）"
                "最早所属期，系统已按死亡发放丧葬待遇却继续发放养老金，金额为这些养老金。",
)
def yl_023(ctx: Context, p: dict):
    pay = pension_pay(ctx)
    f = ctx.history("sb_benefit_pay")
    f = ctx.with_ids(f.filter((f.insurance_type == "110") & (f.benefit_item == "12")))
    f = f.group_by(f_id=f.id).agg(funeral_period=f.period.min())
    j = pay.join(f, pay.id == f.f_id)
    hits = j.filter(month_index(j.period) > month_index(j.funeral_period))
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period", funeral_period="funeral_period")


@indicator(
    "YL-024", "领取基本养老金同时领取伤残津贴", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, INJURY_REGULATION), has_amount=True,
    description="同一身份号码同一所属期既领取基本养老金（110/11），又领取伤残津贴（410/41）；工伤职工办理退休后应停发"
                "伤残津贴、享受基本养老保险待遇（低于伤残津贴的由工伤保险基金补足差额），金额为这些伤残津贴。",
)
def yl_024(ctx: Context, p: dict):
    pension = pension_pay(ctx)
    pension = pension.select(pn_id=pension.id, pn_period=pension.period).distinct()
    allowance = pension_pay(ctx, item="41", insurance="410")
    hits = allowance.semi_join(pension, [allowance.id == pension.pn_id, allowance.period == pension.pn_period])
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period")
