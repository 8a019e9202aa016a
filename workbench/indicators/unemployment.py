"""Unemployment (失业) indicators: SY-*."""

from __future__ import annotations

from workbench.indicators.context import Context, age_at, date_month, month_index
from workbench.indicators.pension import (
    RETIRE_PARAMS,
    in_prison,
    latest_approval,
    pension_pay,
    person_facts,
    retire_age,
)
from workbench.indicators.policies import (
    EMPLOYMENT_FUNDS,
    FUND_SUPERVISION_REGULATION,
    PRISON_PENSION,
    RETIREMENT_AGE,
    SOCIAL_INSURANCE_LAW,
    UNEMPLOYMENT_BENEFIT_RULES,
    UNEMPLOYMENT_REGULATION,
)
from workbench.indicators.registry import BusinessLine, Severity, SubjectType, indicator
from workbench.indicators.subjects import normal_contrib, paid_after_death, person_rows


def unemployment_pay(ctx: Context):
    """sb pay rows of P of 失业保险金 (210/21), with the person's id."""
    return pension_pay(ctx, item="21", insurance="210")


@indicator(
    "SY-001", "领取失业金期间就业缴费", line=BusinessLine.UNEMPLOYMENT, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(UNEMPLOYMENT_REGULATION, UNEMPLOYMENT_BENEFIT_RULES), has_amount=True,
    core=True,
    description="同一所属期既领取失业保险金（210/21），又有正常缴纳的职工养老保险（110）记录，说明已重新就业，"
                "金额为这些失业保险金。",
)
def sy_001(ctx: Context, p: dict):
    pay = unemployment_pay(ctx)
    c = normal_contrib(ctx)
    c = c.select(c_id=c.id, c_period=c.period).distinct()
    hits = pay.semi_join(c, [pay.id == c.c_id, pay.period == c.c_period])
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period")


@indicator(
    "SY-002", "同时领取失业金和养老金", line=BusinessLine.UNEMPLOYMENT, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, UNEMPLOYMENT_REGULATION), has_amount=True, core=True,
    description="同一所属期既领取失业保险金（210/21），又领取基本养老金（110/11），金额为这些失业保险金。",
)
def sy_002(ctx: Context, p: dict):
    pay = unemployment_pay(ctx)
    pension = pension_pay(ctx)
    pension = pension.select(yl_id=pension.id, yl_period=pension.period).distinct()
    hits = pay.semi_join(pension, [pay.id == pension.yl_id, pay.period == pension.yl_period])
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period")


@indicator(
    "SY-003", "死亡人员冒领失业金", line=BusinessLine.UNEMPLOYMENT, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, UNEMPLOYMENT_BENEFIT_RULES), has_amount=True, core=True,
    description="本期发放的失业保险金（210/21）所属期晚于领取人死亡月份（多部门死亡信息取最早死亡日期）。",
)
def sy_003(ctx: Context, p: dict):
    hits = paid_after_death(ctx, unemployment_pay(ctx))
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period", death_month="death_month")


@indicator(
    "SY-004", "超期领取失业金", line=BusinessLine.UNEMPLOYMENT, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(UNEMPLOYMENT_REGULATION, UNEMPLOYMENT_BENEFIT_RULES), has_amount=True,
    core=True,
    description="本期发放的失业保险金（210/21）所属期超出该所属期适用的最新失业保险核定（按核定日期、核定编号取最新）"
                "的领取期限（起始期 + 领取月数 − 1）。",
)
def sy_004(ctx: Context, p: dict):
    pay = latest_approval(ctx, unemployment_pay(ctx), "210")
    last = month_index(pay.start_period) + pay.months_entitled - 1
    hits = pay.filter(pay.months_entitled.notnull() & (month_index(pay.period) > last))
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period", approval_id="approval_id",
                       start_period="start_period", months_entitled="months_entitled")


@indicator(
    "SY-005", "服刑期间领取失业金", line=BusinessLine.UNEMPLOYMENT, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(UNEMPLOYMENT_REGULATION, PRISON_PENSION, FUND_SUPERVISION_REGULATION),
    has_amount=True, core=True,
    description="本期发放的失业保险金（210/21）所属期落在领取人服刑期间（入狱月份至出狱月份，未出狱视为仍在服刑）。",
)
def sy_005(ctx: Context, p: dict):
    hits = in_prison(ctx, unemployment_pay(ctx))
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period")


# --- indicators of the workbench's own design (not core) ------------------------------


@indicator(
    "SY-006", "失业金发放无核定记录", line=BusinessLine.UNEMPLOYMENT, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(UNEMPLOYMENT_REGULATION, FUND_SUPERVISION_REGULATION), has_amount=True,
    description="本期发放的失业保险金（210/21），领取人没有待遇起始期不晚于该所属期的失业保险（210）核定记录，"
                "疑似未经核定发放，金额为这些失业保险金。",
)
def sy_006(ctx: Context, p: dict):
    pay = unemployment_pay(ctx)
    ap = ctx.snapshot("sb_benefit_approval")
    ap = ctx.with_ids(ap.filter(ap.insurance_type == "210"))
    ap = ap.select(ap_id=ap.id, ap_start=month_index(ap.start_period))
    hits = pay.anti_join(ap, [pay.id == ap.ap_id, ap.ap_start <= month_index(pay.period)])
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period")


@indicator(
    "SY-007", "领取失业金当月办理就业登记", line=BusinessLine.UNEMPLOYMENT, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(UNEMPLOYMENT_REGULATION, UNEMPLOYMENT_BENEFIT_RULES, EMPLOYMENT_FUNDS),
    has_amount=True,
    description="本期发放的失业保险金（210/21）所属期内，领取人在人力资源市场有就业登记（就业失业登记中的就业登记，"
                "登记日期所在月份等于所属期，已载入的各期登记），已重新就业应停发，金额为这些失业保险金。",
)
def sy_007(ctx: Context, p: dict):
    pay = unemployment_pay(ctx)
    reg = ctx.history("rlzy_employment")
    reg = reg.filter(reg.reg_type == "1").select(reg_id_no=reg.id_no, reg_month=date_month(reg.reg_date))
    hits = pay.semi_join(reg, [pay.id == reg.reg_id_no, month_index(pay.period) == reg.reg_month])
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period")


@indicator(
    "SY-008", "超过法定退休年龄核定失业保险金", line=BusinessLine.UNEMPLOYMENT, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(UNEMPLOYMENT_REGULATION, RETIREMENT_AGE), has_amount=False,
    params=RETIRE_PARAMS,
    description="本月核定的失业保险（210）待遇，待遇起始期时领取人已达到法定退休年龄，应办理养老保险待遇而非失业保险金。",
)
def sy_008(ctx: Context, p: dict):
    ap = ctx.snapshot("sb_benefit_approval")
    ap = ap.filter((ap.insurance_type == "210") & (date_month(ap.approve_date) == ctx.p))
    ap = ctx.with_ids(ap)
    facts = person_facts(ctx)
    ap = ap.join(facts, ap.id == facts.pid)
    ap = ap.mutate(age=age_at(ap.birth_date, month_index(ap.start_period)))
    hits = ap.filter(ap.age >= retire_age(ap.sex, p))
    return person_rows(ctx, hits, None, approval_id="approval_id", approve_date="approve_date",
                       start_period="start_period", age="age")
