"""Resident pension (居民养老, JM-*) and agency pension (机关养老, JG-*) indicators."""

from __future__ import annotations

from workbench.indicators.context import Context, age_at, month_index
from workbench.indicators.pension import factor, in_prison
from workbench.indicators.policies import (
    AGENCY_PENSION,
    DUAL_PENSION,
    PENSION_DEATH_STOP,
    PRISON_PENSION,
    RESIDENT_PENSION,
    SOCIAL_INSURANCE_LAW,
)
from workbench.indicators.registry import BusinessLine, Severity, SubjectType, WarningKind, indicator
from workbench.indicators.subjects import normal_contrib, paid_after_death, person_rows

PAY_EVIDENCE = {"pay_id": "pay_id", "period": "period"}


def scheme_pay(ctx: Context, scheme: str):
    """jm/jg benefit pay rows of P, with the person's id (the scheme's snapshot of P)."""
    return ctx.with_ids(ctx.rows(f"{scheme}_benefit_pay"), scheme)


def with_normal_110(ctx: Context, rows):
    """``rows`` (id, period) for which a normal sb 110 contribution of P exists for that id and period."""
    c = normal_contrib(ctx)
    return rows.semi_join(c, (rows.id == c.id) & (rows.period == c.period))


def scheme_paid_after_death(ctx: Context, scheme: str):
    hits = paid_after_death(ctx, scheme_pay(ctx, scheme))
    return person_rows(ctx, hits, scheme=scheme, amount="amount", death_month="death_month", **PAY_EVIDENCE)


@indicator(
    "JM-001", "领取居民养老金期间缴纳职工养老保险", line=BusinessLine.RESIDENT, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(RESIDENT_PENSION, DUAL_PENSION), has_amount=True, core=True,
    description=("本期发放的城乡居民养老金所属期内，"
                 "同一人员（按身份号码）有本期正常缴纳的职工基本养老保险（110），疑似重复享受。"),
)
def jm_001(ctx: Context, p: dict):
    hits = with_normal_110(ctx, scheme_pay(ctx, "jm"))
    return person_rows(ctx, hits, scheme="jm", amount="amount", **PAY_EVIDENCE)


@indicator(
    "JM-002", "死亡人员冒领居民养老金", line=BusinessLine.RESIDENT, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(RESIDENT_PENSION, PENSION_DEATH_STOP), has_amount=True, core=True,
    description=("本期发放的城乡居民养老金所属期晚于领取人死亡月份（多部门死亡信息取最早死亡日期），"
                 "疑似死亡后继续领取。"),
)
def jm_002(ctx: Context, p: dict):
    return scheme_paid_after_death(ctx, "jm")


@indicator(
    "JM-003", "未满六十周岁领取居民养老金", line=BusinessLine.RESIDENT, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(RESIDENT_PENSION,), has_amount=True, core=True,
    description=("本期发放的城乡居民养老金，"
                 "领取人在待遇所属期首日未满领取年龄（参数 resident_pension_age），疑似提前领取。"),
    params=("resident_pension_age",),
)
def jm_003(ctx: Context, p: dict):
    pay = scheme_pay(ctx, "jm")
    people = ctx.snapshot("jm_person")
    first = people.group_by(id=people.id_no).agg(person_id=people.person_id.min())
    birth = first.join(people, first.person_id == people.person_id).select(first.id, people.birth_date)
    hits = pay.join(birth, pay.id == birth.id)
    hits = hits.mutate(age=age_at(hits.birth_date, month_index(hits.period)))
    hits = hits.filter(hits.age < p["resident_pension_age"])
    return person_rows(ctx, hits, scheme="jm", amount="amount", birth_date="birth_date", age="age", **PAY_EVIDENCE)


@indicator(
    "JG-001", "死亡人员冒领机关养老金", line=BusinessLine.AGENCY, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(AGENCY_PENSION, PENSION_DEATH_STOP), has_amount=True, core=True,
    description=("本期发放的机关事业单位养老金所属期晚于领取人死亡月份（多部门死亡信息取最早死亡日期），"
                 "疑似死亡后继续领取。"),
)
def jg_001(ctx: Context, p: dict):
    return scheme_paid_after_death(ctx, "jg")


@indicator(
    "JG-002", "机关养老与企业养老同期缴费", line=BusinessLine.AGENCY, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(AGENCY_PENSION, SOCIAL_INSURANCE_LAW), has_amount=False, core=True,
    description=("本期机关事业单位养老保险正常缴费的所属期内，"
                 "同一人员（按身份号码）另有本期正常缴纳的职工基本养老保险（110），疑似重复参保。"),
)
def jg_002(ctx: Context, p: dict):
    c = ctx.with_ids(ctx.rows("jg_contrib"), "jg")
    hits = with_normal_110(ctx, c.filter(c.pay_type == "1"))
    return person_rows(ctx, hits, scheme="jg", contrib_id="contrib_id", period="period", unit_id="unit_id")


# --- project indicators (not core) ---------------------------------------------------------


@indicator(
    "JM-004", "同时领取居民养老金和机关养老金", line=BusinessLine.RESIDENT, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(RESIDENT_PENSION, AGENCY_PENSION, DUAL_PENSION), has_amount=True,
    description=("本期发放的城乡居民养老金所属期内，同一人员（按身份号码）本期另有同一所属期的"
                 "机关事业单位养老金发放，疑似重复领取，金额为重复期间的居民养老金。"),
)
def jm_004(ctx: Context, p: dict):
    jm = scheme_pay(ctx, "jm")
    jg = scheme_pay(ctx, "jg")
    jg = jg.select(jg_id=jg.id, jg_period=jg.period).distinct()
    hits = jm.semi_join(jg, [jm.id == jg.jg_id, jm.period == jg.jg_period])
    return person_rows(ctx, hits, scheme="jm", amount="amount", **PAY_EVIDENCE)


@indicator(
    "JM-005", "服刑期间领取居民养老金", line=BusinessLine.RESIDENT, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(RESIDENT_PENSION, PRISON_PENSION), has_amount=True,
    description=("本期发放的城乡居民养老金所属期落在领取人服刑期间"
                 "（入狱月份至出狱月份，未出狱视为仍在服刑），服刑期间应暂停发放。"),
)
def jm_005(ctx: Context, p: dict):
    hits = in_prison(ctx, scheme_pay(ctx, "jm"))
    return person_rows(ctx, hits, scheme="jm", amount="amount", **PAY_EVIDENCE)


@indicator(
    "JM-006", "居民养老缴费金额与缴费档次不符", line=BusinessLine.RESIDENT, subject=SubjectType.PERSON,
    severity=Severity.LOW, policy=(RESIDENT_PENSION,), has_amount=True, kind=WarningKind.ANALYSIS,
    description=("本期城乡居民养老保险缴费记录的缴费金额与其缴费档次相差超过允许误差"
                 "（参数 grade_tolerance），疑似录入错误或违规调整缴费，金额为差额绝对值。"),
    params=("grade_tolerance",),
)
def jm_006(ctx: Context, p: dict):
    c = ctx.with_ids(ctx.rows("jm_contrib"), "jm")
    c = c.mutate(gap=(c.amount - c.grade).abs())
    hits = c.filter(c.gap > factor(p["grade_tolerance"]))
    return person_rows(ctx, hits, scheme="jm", amount="gap", contrib_id="contrib_id", year="year",
                           grade="grade", paid="amount")


@indicator(
    "JG-003", "在职参保人员领取机关养老金", line=BusinessLine.AGENCY, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(AGENCY_PENSION,), has_amount=True,
    description=("本期发放的机关事业单位养老金，领取人的个人编号在本期机关养老参保人员快照中"
                 "为在职参保状态（1），疑似未办理退休即领取待遇。"),
)
def jg_003(ctx: Context, p: dict):
    pay = ctx.rows("jg_benefit_pay")
    people = ctx.snapshot("jg_person")
    people = people.filter(people.status == "1")
    hits = pay.join(people, pay.person_id == people.person_id)
    hits = hits.select(id=people.id_no, person_id=pay.person_id, pay_id=pay.pay_id, period=pay.period,
                       amount=pay.amount, unit_id=people.unit_id)
    return person_rows(ctx, hits, scheme="jg", amount="amount", person_id="person_id", unit_id="unit_id",
                           **PAY_EVIDENCE)
