"""Resident pension (居民养老, JM-*) and agency pension (机关养老, JG-*) indicators."""

from __future__ import annotations

from workbench.indicators.context import Context, age_at, month_index
from workbench.indicators.general import normal_110, person_problems
from workbench.indicators.policies import (
    AGENCY_PENSION,
    DUAL_PENSION,
    PENSION_DEATH_STOP,
    RESIDENT_PENSION,
    SOCIAL_INSURANCE_LAW,
)
from workbench.indicators.registry import BusinessLine, Severity, SubjectType, indicator

PAY_EVIDENCE = {"pay_id": "pay_id", "period": "period"}


def scheme_pay(ctx: Context, scheme: str):
    """jm/jg benefit pay rows of P, with the person's id (the scheme's snapshot of P)."""
    return ctx.with_ids(ctx.rows(f"{scheme}_benefit_pay"), scheme)


def with_normal_110(ctx: Context, rows):
    """``rows`` (id, period) for which a normal sb 110 contribution of P exists for that id and period."""
    c = normal_110(ctx)
    return rows.semi_join(c, (rows.id == c.id) & (rows.period == c.period))


def paid_after_death(ctx: Context, scheme: str):
    pay = scheme_pay(ctx, scheme)
    dead = ctx.death_months()
    hits = pay.join(dead, pay.id == dead.id).filter(lambda t: month_index(t.period) > t.death_month)
    return person_problems(ctx, hits, scheme, amount="amount", death_month="death_month", **PAY_EVIDENCE)


@indicator(
    "JM-001", "领取居民养老金期间缴纳职工养老保险", line=BusinessLine.RESIDENT, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(RESIDENT_PENSION, DUAL_PENSION), has_amount=True, core=True,
    description=("本期发放的城乡居民养老金所属期内，"
                 "同一人员（按身份号码）有本期正常缴纳的职工基本养老保险（110），疑似重复享受。"),
)
def jm_001(ctx: Context, p: dict):
    hits = with_normal_110(ctx, scheme_pay(ctx, "jm"))
    return person_problems(ctx, hits, "jm", amount="amount", **PAY_EVIDENCE)


@indicator(
    "JM-002", "死亡人员冒领居民养老金", line=BusinessLine.RESIDENT, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(RESIDENT_PENSION, PENSION_DEATH_STOP), has_amount=True, core=True,
    description=("本期发放的城乡居民养老金所属期晚于领取人死亡月份（多部门死亡信息取最早死亡日期），"
                 "疑似死亡后继续领取。"),
)
def jm_002(ctx: Context, p: dict):
    return paid_after_death(ctx, "jm")


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
    return person_problems(ctx, hits, "jm", amount="amount", birth_date="birth_date", age="age", **PAY_EVIDENCE)


@indicator(
    "JG-001", "死亡人员冒领机关养老金", line=BusinessLine.AGENCY, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(AGENCY_PENSION, PENSION_DEATH_STOP), has_amount=True, core=True,
    description=("本期发放的机关事业单位养老金所属期晚于领取人死亡月份（多部门死亡信息取最早死亡日期），"
                 "疑似死亡后继续领取。"),
)
def jg_001(ctx: Context, p: dict):
    return paid_after_death(ctx, "jg")


@indicator(
    "JG-002", "机关养老与企业养老同期缴费", line=BusinessLine.AGENCY, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(AGENCY_PENSION, SOCIAL_INSURANCE_LAW), has_amount=False, core=True,
    description=("本期机关事业单位养老保险正常缴费的所属期内，"
                 "同一人员（按身份号码）另有本期正常缴纳的职工基本养老保险（110），疑似重复参保。"),
)
def jg_002(ctx: Context, p: dict):
    c = ctx.with_ids(ctx.rows("jg_contrib"), "jg")
    hits = with_normal_110(ctx, c.filter(c.pay_type == "1"))
    return person_problems(ctx, hits, "jg", contrib_id="contrib_id", period="period", unit_id="unit_id")
