"""Evaluation indicators (监督评估) PG-001…PG-010: rates and ratios per district and period
(the workbench's own, not core).

Unit-level rates (subject unit): key = uscc, district = ``Context.unit_district`` (the
sb_unit.district_code of the uscc's smallest unit_id in the snapshot of P; units without a
uscc are left out). The one
district-level rate (subject district): key = district_code, the district of the payments'
persons (sb_person, smallest person_id). Evidence columns carry the measure: numerator,
denominator, rate, and for the district the city-wide rate.
"""

from __future__ import annotations

from decimal import Decimal

import ibis

from workbench.indicators.context import Context, age_at, month_index
from workbench.indicators.general import base_limit
from workbench.indicators.policies import (
    BACKPAY_RULES,
    BASE_LIMITS,
    BEIJING_EMPLOYMENT_SUBSIDY,
    CONTRIB_COLLECTION,
    EMPLOYMENT_FUNDS,
    FUND_SUPERVISION_REGULATION,
    FUND_SUPERVISION_RULES,
    INJURY_REGULATION,
    RETIREMENT_AGE,
    SOCIAL_INSURANCE_LAW,
)
from workbench.indicators.registry import BusinessLine, Severity, SubjectType, WarningKind, indicator
from workbench.indicators.subjects import MONEY, no_amount, normal_contrib
from workbench.periods import add_months
from workbench.warehouse import PERIOD_COL

EVAL = WarningKind.EVALUATION
RATE = "decimal(18,6)"


def ratio(value) -> ibis.Value:
    """A parameter as an exact decimal literal."""
    return ibis.literal(Decimal(str(value)), type=RATE)


def share(num, den) -> ibis.Value:
    """num / den as a decimal rate rounded to 6 places (null when den is 0): every engine
    returns the same digits (PostgreSQL's numeric division would carry 20)."""
    return ibis.ifelse(den > 0, (num.cast(RATE) / den.cast(RATE)).round(6).cast(RATE), ibis.null(RATE))


def units(ctx: Context):
    """unit_id -> uscc, unit_district: the snapshot's units with a uscc, each with its uscc's
    district (``Context.unit_district``)."""
    u = ctx.snapshot("sb_unit")
    u = u.filter(u.uscc.notnull())
    home = unit_home(ctx)
    j = u.join(home, u.uscc == home.h_uscc)
    return ctx.once("units", j.select(u_unit_id=j.unit_id, uscc=j.uscc, unit_district=j.unit_district))


def unit_home(ctx: Context):
    """h_uscc -> unit_district (``Context.unit_district`` renamed for the joins here)."""
    return ctx.unit_district().rename(h_uscc="uscc", unit_district="district_code")


def by_unit(ctx: Context, rows):
    """``rows`` (with ``unit_id``) with the unit's uscc and unit_district."""
    u = units(ctx)
    return rows.join(u, rows.unit_id == u.u_unit_id)


def unit_rows(hits, amount: str | None = None, **evidence: str):
    """The runner's columns for a unit subject: ``hits`` with ``uscc`` and ``unit_district``."""
    value = hits[amount].cast(MONEY) if amount else no_amount()
    return hits.select(subject_key=hits.uscc, district_code=hits.unit_district, amount=value,
                       **{k: hits[v] for k, v in evidence.items()})


def current_staff(ctx: Context, insurance: str = "110"):
    """Normal contributions of P for period P of an insurance, with id, uscc, unit_district."""
    c = normal_contrib(ctx, insurance)
    return ctx.once(f"staff_{insurance}", by_unit(ctx, c.filter(c.period == ctx.period)))


def staff_count(ctx: Context):
    """uscc -> staff: distinct ids with a normal 110 contribution of P for period P."""
    c = current_staff(ctx)
    return c.group_by(s_uscc=c.uscc).agg(staff=c.id.nunique())


def base_limits() -> list[dict]:
    """The contribution base limits of ZH-005 (parameters/indicators/general.yaml)."""
    from workbench.indicators.params import defaults

    return defaults()["ZH-005"]["base_limits"]


@indicator(
    "PG-001", "单位职工全部按缴费基数下限缴费", line=BusinessLine.GENERAL, subject=SubjectType.UNIT,
    severity=Severity.MEDIUM, policy=(CONTRIB_COLLECTION, BASE_LIMITS), has_amount=False, kind=EVAL,
    params=("min_staff", "min_share"),
    description=("单位本期正常缴纳本期职工基本养老保险（110）的人数不少于 min_staff，且其中缴费基数恰为"
                 "所属期缴费基数下限（取 ZH-005 的 base_limits）的人数占比不低于 min_share，"
                 "疑似单位少报职工工资、统一按下限申报缴费基数。"),
)
def pg_001(ctx: Context, p: dict):
    c = current_staff(ctx)
    c = c.mutate(lower=base_limit(c.period, base_limits(), "lower"))
    c = c.filter(c.lower.notnull())
    g = c.group_by(["uscc", "unit_district"]).agg(
        staff=c.id.nunique(), at_lower=c.id.nunique(where=c.base == c.lower), lower=c.lower.max())
    g = g.mutate(rate=share(g.at_lower, g.staff))
    hits = g.filter((g.staff >= int(p["min_staff"])) & (g.rate >= ratio(p["min_share"])))
    return unit_rows(hits, staff="staff", at_lower="at_lower", rate="rate", lower="lower")


def two_periods(ctx: Context, insurance: str = "110"):
    """Normal contributions (history) for periods P-1 and P, with id, uscc, unit_district."""
    c = ctx.history("sb_contrib")
    prev = add_months(ctx.period, -1)
    c = c.filter((c.insurance_type == insurance) & (c.pay_type == "1") & c.period.isin([prev, ctx.period]))
    return ctx.once(f"two_periods_{insurance}", by_unit(ctx, ctx.with_ids(c))), prev


@indicator(
    "PG-002", "单位参保缴费人数骤减", line=BusinessLine.GENERAL, subject=SubjectType.UNIT,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, CONTRIB_COLLECTION), has_amount=False, kind=EVAL,
    params=("min_before", "drop_share"),
    description=("单位上期（P-1）正常缴纳职工基本养老保险（110）的人数不少于 min_before，本期（P）正常缴费"
                 "人数比上期减少的比例不低于 drop_share，疑似单位集中停缴、断缴或隐瞒用工规避缴费，"
                 "需核查是否欠费或即将注销逃避债务。"),
)
def pg_002(ctx: Context, p: dict):
    c, prev = two_periods(ctx)
    g = c.group_by(["uscc", "unit_district"]).agg(
        before=c.id.nunique(where=c.period == prev), now=c.id.nunique(where=c.period == ctx.period))
    g = g.mutate(drop_rate=share(g.before - g.now, g.before))
    hits = g.filter((g.before >= int(p["min_before"])) & (g.drop_rate >= ratio(p["drop_share"])))
    return unit_rows(hits, before="before", now="now", drop_rate="drop_rate")


@indicator(
    "PG-003", "单位集中补缴养老保险", line=BusinessLine.GENERAL, subject=SubjectType.UNIT,
    severity=Severity.MEDIUM, policy=(BACKPAY_RULES, FUND_SUPERVISION_RULES), has_amount=True, kind=EVAL,
    params=("min_persons", "min_share"),
    description=("单位本期补缴职工基本养老保险（110）的人数不少于 min_persons，且占本期正常"
                 "缴纳本期养老保险人数的比例不低于 min_share，疑似突击补缴、为虚构劳动关系人员补缴以骗取"
                 "待遇资格；金额为这些补缴记录的单位与个人缴费额之和。"),
)
def pg_003(ctx: Context, p: dict):
    c = ctx.rows("sb_contrib")
    c = by_unit(ctx, ctx.with_ids(c.filter((c.insurance_type == "110") & (c.pay_type == "2"))))
    g = c.group_by(["uscc", "unit_district"]).agg(
        backpaid=c.id.nunique(), paid=(c.unit_amount + c.person_amount).sum())
    staff = staff_count(ctx)
    g = g.left_join(staff, g.uscc == staff.s_uscc)
    g = g.mutate(staff=g.staff.fill_null(0))
    g = g.mutate(rate=share(g.backpaid, g.staff))
    hits = g.filter((g.backpaid >= int(p["min_persons"]))
                    & ((g.staff == 0) | (g.rate >= ratio(p["min_share"]))))
    return unit_rows(hits, "paid", backpaid="backpaid", staff="staff", rate="rate")


@indicator(
    "PG-004", "单位在职人员缴费基数整体下调", line=BusinessLine.GENERAL, subject=SubjectType.UNIT,
    severity=Severity.MEDIUM, policy=(CONTRIB_COLLECTION, BASE_LIMITS), has_amount=False, kind=EVAL,
    params=("min_staff", "drop_share"),
    description=("单位上期（P-1）和本期（P）都正常缴纳职工基本养老保险（110）的同一批人员不少于 min_staff 人，"
                 "其本期平均缴费基数比上期下降的比例不低于 drop_share，疑似单位年度中途压低申报工资基数少缴"
                 "社会保险费。"),
)
def pg_004(ctx: Context, p: dict):
    c, prev = two_periods(ctx)
    per = c.group_by(["uscc", "unit_district", "id"]).agg(
        b0=c.base.max(where=c.period == prev), b1=c.base.max(where=c.period == ctx.period))
    per = per.filter(per.b0.notnull() & per.b1.notnull())
    g = per.group_by(["uscc", "unit_district"]).agg(
        stayers=per.id.nunique(), base_before=per.b0.sum(), base_now=per.b1.sum())
    g = g.mutate(drop_rate=share(g.base_before - g.base_now, g.base_before),
                 avg_before=(g.base_before / g.stayers).cast(MONEY), avg_now=(g.base_now / g.stayers).cast(MONEY))
    hits = g.filter((g.stayers >= int(p["min_staff"])) & (g.drop_rate >= ratio(p["drop_share"])))
    return unit_rows(hits, stayers="stayers", avg_before="avg_before", avg_now="avg_now", drop_rate="drop_rate")


@indicator(
    "PG-005", "单位享受补贴人数超过参保缴费人数", line=BusinessLine.HR_MARKET, subject=SubjectType.UNIT,
    severity=Severity.HIGH, policy=(EMPLOYMENT_FUNDS, BEIJING_EMPLOYMENT_SUBSIDY), has_amount=True, kind=EVAL,
    params=("min_subsidised", "max_ratio"),
    description=("本期发放给单位的社会保险补贴和岗位补贴（11、12）所对应的人数不少于"
                 " min_subsidised，且超过该单位本期正常缴纳本期职工基本养老保险人数的 max_ratio 倍，疑似虚报"
                 "补贴人数套取就业补助资金；金额为这些补贴发放额之和（信用代码不在参保单位中的见 JY-001）。"),
)
def pg_005(ctx: Context, p: dict):
    s = ctx.rows("rlzy_subsidy")
    s = s.filter((s.recipient_type == "1") & s.subsidy_type.isin(["11", "12"]) & s.unit_uscc.notnull())
    home = unit_home(ctx)
    s = s.join(home, s.unit_uscc == home.h_uscc)
    g = s.group_by(uscc=s.unit_uscc, unit_district=s.unit_district).agg(
        subsidised=s.id_no.nunique(), paid=s.amount.sum())
    staff = staff_count(ctx)
    g = g.left_join(staff, g.uscc == staff.s_uscc)
    g = g.mutate(staff=g.staff.fill_null(0))
    g = g.mutate(rate=share(g.subsidised, g.staff))
    hits = g.filter((g.subsidised >= int(p["min_subsidised"]))
                    & (g.subsidised.cast(RATE) > ratio(p["max_ratio"]) * g.staff.cast(RATE)))
    return unit_rows(hits, "paid", subsidised="subsidised", staff="staff", rate="rate")


@indicator(
    "PG-006", "单位新参保人员占比畸高", line=BusinessLine.GENERAL, subject=SubjectType.UNIT,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, FUND_SUPERVISION_RULES), has_amount=False, kind=EVAL,
    params=("min_staff", "recent_months", "min_share"),
    description=("单位本期正常缴纳本期职工基本养老保险（110）的人数不少于 min_staff，其中首次参保日期在"
                 "最近 recent_months 个月内（含本月）的人数占比不低于 min_share，疑似突击参保、挂靠参保或"
                 "虚构劳动关系（如为购车购房资格代缴社保）。"),
)
def pg_006(ctx: Context, p: dict):
    c = current_staff(ctx)
    people = ctx.snapshot("sb_person")
    first = people.group_by(f_id=people.id_no).agg(enrolled=people.first_enroll_date.min())
    c = c.join(first, c.id == first.f_id)
    m = c.enrolled.year().cast("int64") * 12 + c.enrolled.month().cast("int64") - 1
    recent = m >= ctx.p - int(p["recent_months"]) + 1
    g = c.group_by(["uscc", "unit_district"]).agg(staff=c.id.nunique(), new_staff=c.id.nunique(where=recent))
    g = g.mutate(rate=share(g.new_staff, g.staff))
    hits = g.filter((g.staff >= int(p["min_staff"])) & (g.rate >= ratio(p["min_share"])))
    return unit_rows(hits, staff="staff", new_staff="new_staff", rate="rate")


@indicator(
    "PG-007", "单位只缴养老不缴工伤保险", line=BusinessLine.INJURY, subject=SubjectType.UNIT,
    severity=Severity.MEDIUM, policy=(INJURY_REGULATION, CONTRIB_COLLECTION), has_amount=False, kind=EVAL,
    params=("min_staff", "max_share"),
    description=("单位本期正常缴纳本期职工基本养老保险（110）的人数不少于 min_staff，其中同期在该单位正常缴纳"
                 "工伤保险（410）的人数占比不高于 max_share，疑似选择性参保、漏缴工伤保险，职工发生工伤后"
                 "易出现先伤后保。"),
)
def pg_007(ctx: Context, p: dict):
    c = ctx.rows("sb_contrib")
    c = c.filter(c.insurance_type.isin(["110", "410"]) & (c.pay_type == "1") & (c.period == ctx.period))
    c = by_unit(ctx, ctx.with_ids(c))
    per = c.group_by(["uscc", "unit_district", "id"]).agg(
        n110=c.contrib_id.count(where=c.insurance_type == "110"),
        n410=c.contrib_id.count(where=c.insurance_type == "410"))
    per = per.filter(per.n110 > 0)
    g = per.group_by(["uscc", "unit_district"]).agg(
        staff=per.id.nunique(), injury_insured=per.id.nunique(where=per.n410 > 0))
    g = g.mutate(rate=share(g.injury_insured, g.staff))
    hits = g.filter((g.staff >= int(p["min_staff"])) & (g.rate <= ratio(p["max_share"])))
    return unit_rows(hits, staff="staff", injury_insured="injury_insured", rate="rate")


@indicator(
    "PG-008", "单位超龄人员参保缴费占比畸高", line=BusinessLine.PENSION, subject=SubjectType.UNIT,
    severity=Severity.MEDIUM, policy=(RETIREMENT_AGE, FUND_SUPERVISION_RULES), has_amount=False, kind=EVAL,
    params=("min_over_age", "min_share", "retire_age_male", "retire_age_female"),
    description=("单位本期正常缴纳本期职工基本养老保险（110）的人员中，本期已达法定退休年龄（retire_age_male、"
                 "retire_age_female）的人数不少于 min_over_age 且占比不低于 min_share，疑似超龄人员挂靠单位"
                 "参保续缴、虚构劳动关系以取得养老金领取资格。"),
)
def pg_008(ctx: Context, p: dict):
    c = current_staff(ctx)
    people = ctx.snapshot("sb_person")
    first = people.group_by(f_id=people.id_no).agg(f_pid=people.person_id.min())
    facts = first.join(people, first.f_pid == people.person_id).select(
        first.f_id, sex=people.sex, birth=people.birth_date)
    c = c.join(facts, c.id == facts.f_id)
    age = age_at(c.birth, month_index(c.period))
    retire = ibis.ifelse(c.sex == "1", int(p["retire_age_male"]), int(p["retire_age_female"]))
    g = c.group_by(["uscc", "unit_district"]).agg(staff=c.id.nunique(), over_age=c.id.nunique(where=age >= retire))
    g = g.mutate(rate=share(g.over_age, g.staff))
    hits = g.filter((g.over_age >= int(p["min_over_age"])) & (g.rate >= ratio(p["min_share"])))
    return unit_rows(hits, staff="staff", over_age="over_age", rate="rate")


@indicator(
    "PG-009", "单位就业登记人员未参保比例高", line=BusinessLine.HR_MARKET, subject=SubjectType.UNIT,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, CONTRIB_COLLECTION), has_amount=False, kind=EVAL,
    params=("min_registered", "min_share"),
    description=("本期办理就业登记的参保单位（信用代码在参保单位中）登记人数不少于"
                 " min_registered，其中本期未在该单位正常缴纳本期职工基本养老保险的人数占比不低于 min_share，"
                 "疑似单位未依法为职工参保缴费或就业登记不实。"),
)
def pg_009(ctx: Context, p: dict):
    r = ctx.rows("rlzy_employment")
    r = r.filter((r.reg_type == "1") & r.unit_uscc.notnull())
    home = unit_home(ctx)
    r = r.join(home, r.unit_uscc == home.h_uscc)
    c = current_staff(ctx)
    insured = c.select(i_uscc=c.uscc, i_id=c.id).distinct()
    r = r.left_join(insured, (r.unit_uscc == insured.i_uscc) & (r.id_no == insured.i_id))
    g = r.group_by(uscc=r.unit_uscc, unit_district=r.unit_district).agg(
        registered=r.id_no.nunique(), uninsured=r.id_no.nunique(where=r.i_id.isnull()))
    g = g.mutate(rate=share(g.uninsured, g.registered))
    hits = g.filter((g.registered >= int(p["min_registered"])) & (g.rate >= ratio(p["min_share"])))
    return unit_rows(hits, registered="registered", uninsured="uninsured", rate="rate")


@indicator(
    "PG-010", "区基本养老金发放额环比异常增长", line=BusinessLine.PENSION, subject=SubjectType.DISTRICT,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, FUND_SUPERVISION_REGULATION), has_amount=False,
    kind=EVAL, params=("min_recipients", "growth_share"),
    description=("按参保人所属区汇总：本期（P）发放的基本养老金（110/11）总额比上期（P-1）增长的比例不低于"
                 " growth_share（上期领取人数不少于 min_recipients），提示该区待遇支出异常增加，核查是否有"
                 "违规核定、重复或超标准发放；证据含两期金额、人数、增长率和全市增长率。"),
)
def pg_010(ctx: Context, p: dict):
    prev = add_months(ctx.period, -1)
    pay = ctx.history("sb_benefit_pay")
    pay = pay.filter((pay[PERIOD_COL].isin([prev, ctx.period])) & (pay.insurance_type == "110")
                     & (pay.benefit_item == "11"))
    pay = ctx.with_ids(pay)
    district = ctx.person_district("sb").rename(did="id", ddistrict="district_code")
    pay = pay.join(district, pay.id == district.did)
    now, before = pay[PERIOD_COL] == ctx.period, pay[PERIOD_COL] == prev
    g = pay.group_by(district=pay.ddistrict).agg(
        total_before=pay.amount.sum(where=before), total_now=pay.amount.sum(where=now),
        recipients_before=pay.id.nunique(where=before), recipients_now=pay.id.nunique(where=now))
    g = g.mutate(total_before=g.total_before.fill_null(0), total_now=g.total_now.fill_null(0))
    city = g.aggregate(c_before=g.total_before.sum(), c_now=g.total_now.sum())
    g = g.cross_join(city)
    g = g.mutate(growth=share(g.total_now - g.total_before, g.total_before),
                 city_growth=share(g.c_now - g.c_before, g.c_before))
    hits = g.filter((g.recipients_before >= int(p["min_recipients"])) & (g.growth >= ratio(p["growth_share"])))
    return hits.select(subject_key=hits.district, district_code=hits.district, amount=no_amount(),
                       total_before=hits.total_before.cast(MONEY), total_now=hits.total_now.cast(MONEY),
                       recipients_before=hits.recipients_before, recipients_now=hits.recipients_now,
                       growth=hits.growth, city_growth=hits.city_growth)
