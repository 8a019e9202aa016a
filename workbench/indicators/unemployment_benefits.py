"""Further unemployment (失业) indicators: SY-009 … SY-013 (approval eligibility, entitlement
length, benefit level, collective dismissals, agency staff drawing the benefit)."""

from __future__ import annotations

import ibis

from workbench.indicators.context import Context, date_month, month_index
from workbench.indicators.pension import factor
from workbench.indicators.policies import (
    AGENCY_PENSION,
    FUND_SUPERVISION_REGULATION,
    SOCIAL_INSURANCE_LAW,
    UNEMPLOYMENT_BENEFIT_RULES,
    UNEMPLOYMENT_REGULATION,
)
from workbench.indicators.registry import BusinessLine, Severity, SubjectType, WarningKind, indicator
from workbench.indicators.subjects import MONEY, no_amount, person_rows
from workbench.indicators.unemployment import unemployment_pay
from workbench.periods import add_months
from workbench.warehouse import PERIOD_COL


def month_approvals(ctx: Context):
    """210 approvals (sb_benefit_approval snapshot of P) whose approve_date lies in P, with the id."""
    ap = ctx.snapshot("sb_benefit_approval")
    ap = ap.filter((ap.insurance_type == "210") & (date_month(ap.approve_date) == ctx.p))
    return ctx.with_ids(ap)


def insured_months(ctx: Context, ap):
    """``ap`` (with ``id``) with ``first_enroll`` (earliest sb first_enroll_date of the id) and
    ``insured`` = months from the first enrolment month to start_period (an upper bound of the
    months the person can have contributed before the benefit starts)."""
    person = ctx.snapshot("sb_person")
    first = person.group_by(fe_id=person.id_no).agg(first_enroll=person.first_enroll_date.min())
    j = ap.join(first, ap.id == first.fe_id)
    return j.mutate(insured=month_index(j.start_period) - date_month(j.first_enroll))


def approved_total(t) -> ibis.Value:
    """monthly_amount × months_entitled (null when months_entitled is null)."""
    return (t.monthly_amount * t.months_entitled).cast(MONEY)


@indicator(
    "SY-009", "参保不满一年核定失业保险金", line=BusinessLine.UNEMPLOYMENT, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(UNEMPLOYMENT_REGULATION, UNEMPLOYMENT_BENEFIT_RULES), has_amount=True,
    params=("min_insured_months",),
    description="本月核定的失业保险（210）待遇，自该公民身份号码最早的首次参保月份至待遇起始期不足 min_insured_months "
                "个月，失业前累计缴费不可能满一年，不符合领取失业保险金条件；金额为核定总额（月标准 × 领取期限）。",
)
def sy_009(ctx: Context, p: dict):
    ap = insured_months(ctx, month_approvals(ctx))
    hits = ap.filter(ap.insured < int(p["min_insured_months"]))
    hits = hits.mutate(total=approved_total(hits))
    return person_rows(ctx, hits, "total", approval_id="approval_id", start_period="start_period",
                       first_enroll_date="first_enroll", insured_months="insured",
                       months_entitled="months_entitled")


@indicator(
    "SY-010", "失业金领取期限超过缴费年限对应期限", line=BusinessLine.UNEMPLOYMENT, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(UNEMPLOYMENT_REGULATION, UNEMPLOYMENT_BENEFIT_RULES), has_amount=True,
    kind=WarningKind.ANALYSIS,
    params=("tier1_years", "tier2_years", "months_below_tier1", "months_below_tier2", "months_from_tier2"),
    description="本月核定的失业保险（210）领取期限超过缴费年限所允许的最长期限：按首次参保至待遇起始期的整年数"
                "（缴费年限上限）计，不足 tier1_years 年最长 months_below_tier1 个月，不足 tier2_years 年最长 "
                "months_below_tier2 个月，其余最长 months_from_tier2 个月（与前次未领完期限合并计算的须人工核实）；"
                "金额为超出月数 × 核定月标准。",
)
def sy_010(ctx: Context, p: dict):
    ap = insured_months(ctx, month_approvals(ctx))
    years = ap.insured // 12
    allowed = ibis.cases(
        (years < int(p["tier1_years"]), int(p["months_below_tier1"])),
        (years < int(p["tier2_years"]), int(p["months_below_tier2"])),
        else_=int(p["months_from_tier2"]),
    )
    ap = ap.mutate(insured_years=years, allowed=allowed)
    hits = ap.filter(ap.months_entitled.notnull() & (ap.months_entitled > ap.allowed))
    hits = hits.mutate(excess=((hits.months_entitled - hits.allowed) * hits.monthly_amount).cast(MONEY))
    return person_rows(ctx, hits, "excess", approval_id="approval_id", start_period="start_period",
                       first_enroll_date="first_enroll", insured_years="insured_years",
                       months_entitled="months_entitled", allowed_months="allowed")


@indicator(
    "SY-011", "单位集中申领失业保险金", line=BusinessLine.UNEMPLOYMENT, subject=SubjectType.UNIT,
    severity=Severity.MEDIUM, policy=(UNEMPLOYMENT_REGULATION, FUND_SUPERVISION_REGULATION), has_amount=False,
    kind=WarningKind.ANALYSIS, params=("lookback_months", "min_dismissed", "min_dismissed_share"),
    description="本月核定失业保险（210）待遇的人员，按其待遇起始期之前最近一笔失业保险正常缴费（近 lookback_months "
                "个月内载入的缴费明细）确定原单位；同一统一社会信用代码的原单位本月有 min_dismissed 人及以上核定，"
                "且占该单位同期失业保险缴费人数的 min_dismissed_share 及以上，疑似虚假解除劳动关系集中骗领失业保险金。"
                "所属区取该信用代码单位编号最小的参保单位所在区。",
)
def sy_011(ctx: Context, p: dict):
    first = add_months(ctx.period, -int(p["lookback_months"]))
    units = ctx.snapshot("sb_unit")
    units = units.filter(units.uscc.notnull())
    home = ctx.unit_district().rename(h_uscc="uscc", h_district="district_code")
    c = ctx.history("sb_contrib")
    c = c.filter((c[PERIOD_COL] >= first) & (c.insurance_type == "210") & (c.pay_type == "1"))
    codes = units.select(u_id=units.unit_id, uscc=units.uscc)
    ap = month_approvals(ctx).select("approval_id", "id", "start_period")
    pids = ctx.person_ids()
    pids = pids.filter(pids.id.isin(ap.id))
    mine = c.join(pids, "person_id").join(codes, c.unit_id == codes.u_id)
    mine = mine.select(m_id=mine.id, uscc=mine.uscc, period=mine.period, contrib_id=mine.contrib_id)
    j = ap.join(mine, [ap.id == mine.m_id, month_index(mine.period) < month_index(ap.start_period)])
    last = ibis.window(group_by=j.approval_id, order_by=[j.period.desc(), j.contrib_id.desc()])
    j = j.mutate(recency=ibis.row_number().over(last))
    j = j.filter(j.recency == 0).select("approval_id", "id", "start_period", c_uscc="uscc")
    count = j.group_by(d_uscc=j.c_uscc).agg(dismissed=j.id.nunique())
    count = count.filter(count.dismissed >= int(p["min_dismissed"]))
    cand = codes.filter(codes.uscc.isin(count.d_uscc))
    staff = c.join(cand, c.unit_id == cand.u_id)
    staff = staff.group_by(s_uscc=staff.uscc).agg(staff=staff.person_id.nunique())
    count = count.join(staff, count.d_uscc == staff.s_uscc)
    count = count.filter(count.dismissed >= factor(p["min_dismissed_share"]) * count.staff)
    hits = j.join(count, j.c_uscc == count.d_uscc)
    hits = hits.join(home, hits.c_uscc == home.h_uscc)
    return hits.select(subject_key=hits.c_uscc, district_code=hits.h_district, amount=no_amount(),
                       approval_id=hits.approval_id, id_no=hits.id, start_period=hits.start_period,
                       dismissed=hits.dismissed, staff=hits.staff)


@indicator(
    "SY-012", "失业保险金标准高于最低工资标准", line=BusinessLine.UNEMPLOYMENT, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(UNEMPLOYMENT_REGULATION,), has_amount=True, params=("min_wage",),
    description="本月核定的失业保险（210）月标准高于本市最低工资标准 min_wage 元（失业保险金标准应低于最低工资标准），"
                "金额为超出部分 × 领取期限。",
)
def sy_012(ctx: Context, p: dict):
    ap = month_approvals(ctx)
    wage = factor(p["min_wage"])
    hits = ap.filter(ap.monthly_amount > wage)
    hits = hits.mutate(excess=((hits.monthly_amount - wage) * hits.months_entitled).cast(MONEY))
    return person_rows(ctx, hits, "excess", approval_id="approval_id", monthly_amount="monthly_amount",
                       months_entitled="months_entitled")


@indicator(
    "SY-013", "机关事业单位在职人员领取失业金", line=BusinessLine.UNEMPLOYMENT, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(UNEMPLOYMENT_REGULATION, AGENCY_PENSION, SOCIAL_INSURANCE_LAW),
    has_amount=True,
    description="本期发放的失业保险金（210/21），领取人在本期机关事业单位养老保险参保人员快照中为在职参保，"
                "且机关养老首次参保月份不晚于失业金所属期，已在机关事业单位就业，金额为这些失业保险金。",
)
def sy_013(ctx: Context, p: dict):
    pay = unemployment_pay(ctx)
    jg = ctx.snapshot("jg_person")
    jg = jg.filter(jg.status == "1")
    jg = jg.group_by(jg_id=jg.id_no).agg(jg_enroll=jg.first_enroll_date.min())
    hits = pay.join(jg, pay.id == jg.jg_id)
    hits = hits.filter(date_month(hits.jg_enroll) <= month_index(hits.period))
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period", jg_first_enroll="jg_enroll")
