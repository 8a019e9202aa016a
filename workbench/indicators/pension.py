"""Employee pension (养老) indicators: YL-*."""

from __future__ import annotations

from decimal import Decimal

import ibis

from workbench.indicators.context import Context, age_at, date_month, month_index
from workbench.indicators.policies import (
    BACKPAY_RULES,
    DUAL_PENSION,
    FUND_SUPERVISION_REGULATION,
    FUND_SUPERVISION_RULES,
    PENSION_DEATH_STOP,
    PENSION_UNIFIED,
    PRISON_PENSION,
    RETIREMENT_AGE,
    SOCIAL_INSURANCE_LAW,
)
from workbench.indicators.registry import BusinessLine, Severity, SubjectType, WarningKind, indicator
from workbench.indicators.subjects import MONEY, normal_contrib, paid_after_death, person_rows
from workbench.periods import add_months

RETIRE_PARAMS = ("retire_age_male", "retire_age_female")


def pension_pay(ctx: Context, item: str = "11", insurance: str = "110"):
    """sb pay rows of P for (insurance_type, benefit_item), with the person's id."""
    pay = ctx.rows("sb_benefit_pay")
    pay = pay.filter((pay.insurance_type == insurance) & (pay.benefit_item == item))
    return ctx.with_ids(pay)



def factor(value) -> ibis.Value:
    """A parameter as an exact decimal literal (money is compared without binary floats)."""
    return ibis.literal(Decimal(str(value)), type="decimal(18,6)")



def person_facts(ctx: Context, scheme: str = "sb"):
    """id -> district_code, sex, birth_date: the scheme snapshot's row with the smallest person_id."""
    f = ctx.person_facts(scheme)
    return f.select(pid=f.id, pdistrict=f.district_code, sex=f.sex, birth_date=f.birth_date)


def retire_age(sex, p: dict) -> ibis.Value:
    """The retirement age of sex 1 / sex 2 (parameters retire_age_male / retire_age_female)."""
    return (sex == "1").ifelse(int(p["retire_age_male"]), int(p["retire_age_female"]))



def in_prison(ctx: Context, pay):
    """``pay`` rows whose period lies within [month of start_date, month of end_date] of a
    ref_prison record of the id (end null = still serving)."""
    pr = ctx.snapshot("ref_prison")
    pr = pr.select(pr_id=pr.id_no, pr_start=date_month(pr.start_date), pr_end=date_month(pr.end_date))
    # an equi-join on the id, then the term's bounds (a semi join with the OR condition
    # runs as a nested loop over every payment: 12 s at 2,000,000 persons); rows are
    # distinct records, so distinct() undoes a second matching term
    j = pay.join(pr, pay.id == pr.pr_id)
    pm = month_index(j.period)
    j = j.filter((pm >= j.pr_start) & (j.pr_end.isnull() | (pm <= j.pr_end)))
    return j.select(*pay.columns).distinct()


def latest_approval(ctx: Context, pay, insurance: str):
    """``pay`` rows (unique pay_id) with the id's latest ``insurance`` approval (by approve_date,
    then approval_id) whose start_period <= the row's period; rows without one are left out."""
    ap = ctx.snapshot("sb_benefit_approval")
    ap = ctx.with_ids(ap.filter(ap.insurance_type == insurance))
    ap = ap.select(ap_id=ap.id, approval_id=ap.approval_id, approve_date=ap.approve_date,
                   start_period=ap.start_period, monthly_amount=ap.monthly_amount,
                   months_entitled=ap.months_entitled)
    j = pay.join(ap, [pay.id == ap.ap_id, month_index(ap.start_period) <= month_index(pay.period)])
    j = j.select(*pay.columns, "approval_id", "approve_date", "start_period", "monthly_amount", "months_entitled")
    w = ibis.window(group_by=j.pay_id, order_by=[j.approve_date.desc(), j.approval_id.desc()])
    j = j.mutate(ap_rank=ibis.row_number().over(w))
    return j.filter(j.ap_rank == 0).drop("ap_rank")


@indicator(
    "YL-001", "死亡人员冒领基本养老金", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, PENSION_DEATH_STOP), has_amount=True, core=True,
    description="本期发放的基本养老金（110/11）所属期晚于参保人死亡月份（多部门死亡信息取最早死亡日期），疑似死亡后继续领取。",
)
def yl_001(ctx: Context, p: dict):
    hits = paid_after_death(ctx, pension_pay(ctx))
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period", death_month="death_month")


@indicator(
    "YL-002", "服刑期间领取基本养老金", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, PRISON_PENSION), has_amount=True, core=True,
    description="本期发放的基本养老金（110/11）所属期落在参保人服刑期间（入狱月份至出狱月份，未出狱视为仍在服刑），"
                "服刑期间不应发放基本养老金。",
)
def yl_002(ctx: Context, p: dict):
    hits = in_prison(ctx, pension_pay(ctx))
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period")


@indicator(
    "YL-003", "重复领取养老金", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, DUAL_PENSION), has_amount=True, core=True,
    description="同一公民身份号码同一所属期既领取职工基本养老金（110/11），又领取机关事业单位养老金或城乡居民养老金，"
                "金额为重复期间的机关/居民养老金。",
)
def yl_003(ctx: Context, p: dict):
    sb = pension_pay(ctx)
    sb = sb.select(sb_id=sb.id, sb_period=sb.period).distinct()
    other = []
    for scheme in ("jg", "jm"):
        rows = ctx.with_ids(ctx.rows(f"{scheme}_benefit_pay"), scheme)
        other.append(rows.select(id=rows.id, pay_id=rows.pay_id, period=rows.period, amount=rows.amount,
                                 source=ibis.literal(f"{scheme}_benefit_pay")))
    both = other[0].union(other[1])
    hits = both.semi_join(sb, [both.id == sb.sb_id, both.period == sb.sb_period])
    return person_rows(ctx, hits, "amount", source="source", pay_id="pay_id", period="period")


@indicator(
    "YL-004", "领取养老金期间仍缴纳养老保险", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, PENSION_UNIFIED), has_amount=True, core=True,
    description="同一所属期既领取基本养老金（110/11），又有正常缴纳的职工养老保险（110）记录，金额为这些缴费的单位与个人部分之和。",
)
def yl_004(ctx: Context, p: dict):
    pay = pension_pay(ctx)
    pay = pay.select(pay_key=pay.id, pay_period=pay.period).distinct()
    c = normal_contrib(ctx)
    hits = c.semi_join(pay, [c.id == pay.pay_key, c.period == pay.pay_period])
    hits = hits.mutate(paid=hits.unit_amount + hits.person_amount)
    return person_rows(ctx, hits, "paid", contrib_id="contrib_id", period="period", unit_id="unit_id")


@indicator(
    "YL-005", "临近退休大幅提高缴费基数", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, PENSION_UNIFIED), has_amount=False, core=True,
    params=(*RETIRE_PARAMS, "base_jump_ratio", "near_retire_years"),
    description="临近法定退休年龄（本期年龄不小于退休年龄减 near_retire_years 年）的参保人，本期所属期的正常缴费基数"
                "达到上年同期基数的 base_jump_ratio 倍及以上（同一所属期取最大基数），疑似突击提高基数以抬高待遇。",
)
def yl_005(ctx: Context, p: dict):
    cur = normal_contrib(ctx)
    cur = cur.filter(cur.period == ctx.period)
    b1 = cur.group_by(id=cur.id).agg(base_now=cur.base.max())
    old = ctx.history("sb_contrib")
    old = old.filter((old.insurance_type == "110") & (old.pay_type == "1")
                     & (old.period == add_months(ctx.period, -12)))
    old = ctx.with_ids(old)
    b0 = old.group_by(old_id=old.id).agg(base_before=old.base.max())
    j = b1.join(b0, b1.id == b0.old_id)
    j = j.filter(j.base_now >= factor(p["base_jump_ratio"]) * j.base_before)
    facts = person_facts(ctx)
    j = j.join(facts, j.id == facts.pid)
    j = j.mutate(age=age_at(j.birth_date, ibis.literal(ctx.p)))
    j = j.filter(j.age >= retire_age(j.sex, p) - int(p["near_retire_years"]))
    return person_rows(ctx, j, None, base_now="base_now", base_before="base_before", age="age")


@indicator(
    "YL-006", "大额补缴养老保险", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, BACKPAY_RULES), has_amount=True, core=True,
    params=("backpay_min_months",),
    description="本期职工养老保险（110）补缴记录覆盖的不同所属期达到 backpay_min_months 个月及以上，"
                "金额为这些补缴的单位与个人部分之和。",
)
def yl_006(ctx: Context, p: dict):
    c = ctx.rows("sb_contrib")
    c = ctx.with_ids(c.filter((c.insurance_type == "110") & (c.pay_type == "2")))
    months = c.group_by(bp_id=c.id).agg(months=c.period.nunique())
    months = months.filter(months.months >= int(p["backpay_min_months"]))
    hits = c.join(months, c.id == months.bp_id)
    hits = hits.mutate(paid=hits.unit_amount + hits.person_amount)
    return person_rows(ctx, hits, "paid", contrib_id="contrib_id", period="period", months="months")


def pension_approvals(ctx: Context):
    """110 approvals of the snapshot approved in P, with the person's id, sex and birth date."""
    ap = ctx.snapshot("sb_benefit_approval")
    ap = ap.filter((ap.insurance_type == "110") & (date_month(ap.approve_date) == ctx.p))
    ap = ctx.with_ids(ap)
    facts = person_facts(ctx)
    return ap.join(facts, ap.id == facts.pid)


@indicator(
    "YL-007", "未达法定退休年龄按正常退休领取养老金", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, RETIREMENT_AGE), has_amount=False, core=True,
    params=RETIRE_PARAMS,
    description="本月核定的基本养老金（110）按正常退休办理，但待遇起始期时参保人未达法定退休年龄。",
)
def yl_007(ctx: Context, p: dict):
    ap = pension_approvals(ctx)
    ap = ap.filter(ap.retire_type == "1")
    ap = ap.mutate(age=age_at(ap.birth_date, month_index(ap.start_period)))
    ap = ap.filter(ap.age < retire_age(ap.sex, p))
    return person_rows(ctx, ap, None, approval_id="approval_id", approve_date="approve_date",
                       start_period="start_period", age="age")


@indicator(
    "YL-008", "缴费不足十五年领取养老金", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, PENSION_UNIFIED), has_amount=False, core=True,
    params=("min_contrib_months",),
    description="本月核定的基本养老金（110）累计缴费月数（含视同缴费）不足 min_contrib_months 个月。",
)
def yl_008(ctx: Context, p: dict):
    ap = pension_approvals(ctx)
    ap = ap.filter(ap.contrib_months < int(p["min_contrib_months"]))
    return person_rows(ctx, ap, None, approval_id="approval_id", approve_date="approve_date",
                       contrib_months="contrib_months")


@indicator(
    "YL-009", "养老金发放超过核定标准", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, FUND_SUPERVISION_REGULATION), has_amount=True, core=True,
    params=("overpay_tolerance",),
    description="本期发放的基本养老金（110/11）超过该所属期适用的最新核定月待遇（按核定日期、核定编号取最新）的"
                "（1 + overpay_tolerance）倍，金额为超发部分（发放额 − 核定月待遇）。",
)
def yl_009(ctx: Context, p: dict):
    pay = latest_approval(ctx, pension_pay(ctx), "110")
    limit = factor(Decimal(1) + Decimal(str(p["overpay_tolerance"]))) * pay.monthly_amount
    hits = pay.filter(pay.amount > limit)
    hits = hits.mutate(excess=hits.amount - hits.monthly_amount)
    return person_rows(ctx, hits, "excess", pay_id="pay_id", period="period", paid="amount",
                       approval_id="approval_id", monthly_amount="monthly_amount")


@indicator(
    "YL-010", "重复发放待遇", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, FUND_SUPERVISION_RULES), has_amount=True, core=True,
    description="本期同一个人编号、险种、待遇项目、所属期的待遇发放记录有两条及以上，金额为每组合计减去其中最大一笔。",
)
def yl_010(ctx: Context, p: dict):
    pay = ctx.with_ids(ctx.rows("sb_benefit_pay"))
    g = pay.group_by("person_id", "id", "insurance_type", "benefit_item", "period").agg(
        rows=pay.pay_id.count(), total=pay.amount.sum(), largest=pay.amount.max())
    g = g.filter(g.rows >= 2)
    g = g.mutate(extra=(g.total - g.largest).cast(MONEY))
    return person_rows(ctx, g, "extra", person_id="person_id", insurance_type="insurance_type",
                       benefit_item="benefit_item", period="period", rows="rows")


# --- indicators of the workbench's own design (not core) ------------------------------


@indicator(
    "YL-011", "终止参保人员领取基本养老金", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, FUND_SUPERVISION_REGULATION), has_amount=True,
    description="本期发放的基本养老金（110/11）的个人编号在本期参保人员快照中为终止参保，"
                "终止参保后不应继续发放，金额为这些发放额。",
)
def yl_011(ctx: Context, p: dict):
    pay = pension_pay(ctx)
    person = ctx.snapshot("sb_person")
    person = person.filter(person.status == "3").select(st_pid=person.person_id, status=person.status)
    hits = pay.join(person, pay.person_id == person.st_pid)
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period", person_id="person_id",
                       status="status")


@indicator(
    "YL-012", "养老金起始期早于首次参保", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, PENSION_UNIFIED), has_amount=False,
    description="本月核定的基本养老金（110）待遇起始期早于该公民身份号码最早的首次参保日期所在月份，"
                "参保前即开始享受待遇，疑似虚构参保经历或核定错误。",
)
def yl_012(ctx: Context, p: dict):
    ap = pension_approvals(ctx)
    person = ctx.snapshot("sb_person")
    first = person.group_by(fe_id=person.id_no).agg(first_enroll=person.first_enroll_date.min())
    j = ap.join(first, ap.id == first.fe_id)
    hits = j.filter(month_index(j.start_period) < date_month(j.first_enroll))
    return person_rows(ctx, hits, None, approval_id="approval_id", approve_date="approve_date",
                       start_period="start_period", first_enroll_date="first_enroll")


@indicator(
    "YL-013", "核定养老金显著高于本区水平", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, FUND_SUPERVISION_RULES), has_amount=False,
    kind=WarningKind.ANALYSIS, params=("median_ratio",),
    description="本月核定的基本养老金（110）月待遇达到参保人所属区全部基本养老金核定（本期快照）月待遇中位数的 "
                "median_ratio 倍及以上，提示核查缴费基数、视同缴费年限等核定依据。",
)
def yl_013(ctx: Context, p: dict):
    district = ctx.person_district("sb").rename(md_id="id", md_district="district_code")
    every = ctx.snapshot("sb_benefit_approval")
    every = ctx.with_ids(every.filter(every.insurance_type == "110"))
    every = every.join(district, every.id == district.md_id)
    # rounded to cents and cast: PostgreSQL's percentile_cont works on doubles, and a median left
    # typed as a decimal would come back as a float in a decimal column
    med = every.group_by(med_district=every.md_district).agg(
        district_median=every.monthly_amount.median().round(2).cast(MONEY))
    ap = pension_approvals(ctx)
    ap = ap.join(district, ap.id == district.md_id)
    j = ap.join(med, ap.md_district == med.med_district)
    hits = j.filter(j.monthly_amount >= factor(p["median_ratio"]) * j.district_median)
    return person_rows(ctx, hits, None, approval_id="approval_id", monthly_amount="monthly_amount",
                       district_median="district_median")


@indicator(
    "YL-014", "无死亡记录领取丧葬补助金", line=BusinessLine.PENSION, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, PENSION_DEATH_STOP), has_amount=True,
    description="本期发放的丧葬补助金及抚恤金（110/12），领取所依据的参保人在多部门死亡信息中没有死亡记录，"
                "疑似虚报死亡骗取丧葬补助金，金额为这些发放额。",
)
def yl_014(ctx: Context, p: dict):
    pay = pension_pay(ctx, item="12")
    dead = ctx.death_months().rename(dead_id="id")
    hits = pay.anti_join(dead, pay.id == dead.dead_id)
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period", pay_date="pay_date")
