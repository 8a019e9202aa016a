"""Further car and house purchase checks (购车 / 购房社保核查): GC-005, GC-006, GF-004, GF-005.

Both checks look at who pays an out-of-town applicant's pension contributions: a unit where
the applicant is the only contributor (挂靠代缴), and a unit from which a large share of the
staff applies in the same month (代缴社保机构). Each is written once, parameterized by the
application table.
"""

from __future__ import annotations

from decimal import Decimal

import ibis

from workbench.indicators.context import Context, date_month, month_index
from workbench.indicators.policies import CAR_QUOTA, FRAUD_PUNISHMENT, HOUSE_PURCHASE
from workbench.indicators.purchase import DISTRICT, OUT_OF_TOWN
from workbench.indicators.registry import BusinessLine, Severity, SubjectType, WarningKind, indicator
from workbench.indicators.subjects import no_amount
from workbench.periods import period_text

SELF_EMPLOYED = "50"  # unit_type 个体工商户: the owner legitimately contributes alone


def outside_applications(ctx: Context, table: str):
    """Out-of-town (hukou_type 2) applications of P with their apply month index."""
    apps = ctx.rows(table)
    apps = apps.filter(apps.hukou_type == OUT_OF_TOWN)
    return apps.mutate(apply_month=date_month(apps.apply_date))


def normal_pension_rows(ctx: Context, first: int, last: int, narrow):
    """Normal 110 contributions in history for periods with month index in [first, last] that
    satisfy ``narrow`` (a predicate of the contribution table ``c``).

    The narrowing predicate sits in the same filter as the others: two uses then differ, so
    ibis does not share the scan as one CTE, which DuckDB would materialize in full before
    either use could narrow it."""
    c = ctx.history("sb_contrib")
    # 'YYYYMM' texts order as their months: compare texts, not computed month indexes
    return c.filter((c.insurance_type == "110") & (c.pay_type == "1")
                    & c.period.between(period_text(first), period_text(last)) & narrow(c))


def applicant_contribs(ctx: Context, apps, first_back: int, last_back: int):
    """(apply_id, id, unit_id, month) of the applicants' normal 110 contributions for the months
    apply month − ``first_back`` … apply month − ``last_back``."""
    persons = ctx.person_ids("sb")
    persons = persons.filter(persons.id.isin(apps.id_no))
    c = normal_pension_rows(ctx, ctx.p - first_back, ctx.p - last_back,
                            lambda c: c.person_id.isin(persons.person_id))
    c = c.join(persons, "person_id").mutate(month=month_index(c.period))
    j = c.join(apps, (c.id == apps.id_no) & (c.month >= apps.apply_month - first_back)
               & (c.month <= apps.apply_month - last_back))
    return j.select("apply_id", "id", "unit_id", "month").distinct()


def unit_staff(ctx: Context, units, first_back: int, last_back: int):
    """(unit_id, month, staff): distinct ids with a normal 110 contribution of a unit in ``units``
    (a column of unit_ids) for each month P − ``first_back`` … P − ``last_back``."""
    c = ctx.with_ids(normal_pension_rows(ctx, ctx.p - first_back, ctx.p - last_back,
                                         lambda c: c.unit_id.isin(units)))
    c = c.mutate(month=month_index(c.period))
    return c.group_by(s_unit=c.unit_id, s_month=c.month).agg(staff=c.id.nunique())


def application_rows(hits, **evidence: str):
    """The runner's columns for an application subject (district 110000, no amount)."""
    return hits.select(subject_key=hits.apply_id, district_code=ibis.literal(DISTRICT), amount=no_amount(),
                       id_no=hits.id_no, apply_date=hits.apply_date, **{k: hits[v] for k, v in evidence.items()})


def solo_unit_hits(ctx: Context, p: dict, table: str):
    """GC-005/GF-004: out-of-town applications of P whose applicant was the only contributor of the
    paying unit in at least ``min_solo_months`` of the ``lookback_months`` months before applying."""
    back = int(p["lookback_months"])
    apps = outside_applications(ctx, table)
    mine = applicant_contribs(ctx, apps, back, 1)
    units = ctx.snapshot("sb_unit")
    self_employed = units.filter(units.unit_type == SELF_EMPLOYED).select("unit_id")
    mine = mine.filter(~mine.unit_id.isin(self_employed.unit_id))
    staff = unit_staff(ctx, mine.unit_id, back, 1)
    solo = mine.join(staff, (mine.unit_id == staff.s_unit) & (mine.month == staff.s_month))
    solo = solo.filter(solo.staff == 1)
    per_app = solo.group_by(s_apply="apply_id").agg(solo_months=solo.month.nunique(),
                                                     solo_unit=solo.unit_id.max())
    per_app = per_app.filter(per_app.solo_months >= int(p["min_solo_months"]))
    hits = apps.join(per_app, apps.apply_id == per_app.s_apply)
    return application_rows(hits, solo_months="solo_months", unit_id="solo_unit")


def shared_payer_hits(ctx: Context, p: dict, table: str):
    """GC-006/GF-005: out-of-town applications of P whose pension contribution for the month before
    applying was paid by a unit from which at least ``min_applicants`` out-of-town applicants of P
    come, making up at least ``min_share`` of that unit's contributors of the month."""
    apps = outside_applications(ctx, table)
    payers = applicant_contribs(ctx, apps, 1, 1)
    counts = payers.group_by(c_unit="unit_id", c_month="month").agg(applicants=payers.id.nunique())
    counts = counts.filter(counts.applicants >= int(p["min_applicants"]))
    staff = unit_staff(ctx, counts.c_unit, 1, 1)
    counts = counts.join(staff, (counts.c_unit == staff.s_unit) & (counts.c_month == staff.s_month))
    share = ibis.literal(Decimal(str(p["min_share"])), type="decimal(18,6)")
    counts = counts.filter(counts.applicants.cast("decimal(18,6)") >= share * counts.staff.cast("decimal(18,6)"))
    flagged = payers.join(counts, (payers.unit_id == counts.c_unit) & (payers.month == counts.c_month))
    flagged = flagged.group_by(f_apply="apply_id").agg(payer_unit=flagged.unit_id.min(),
                                                        applicants=flagged.applicants.max(),
                                                        staff=flagged.staff.max())
    hits = apps.join(flagged, apps.apply_id == flagged.f_apply)
    return application_rows(hits, unit_id="payer_unit", applicants="applicants", staff="staff")


SOLO_DESC = ("本期外埠{what}申请人，申请月前规定月数（参数 lookback_months）内至少有规定月数（参数 min_solo_months）"
             "由同一参保单位缴纳职工基本养老保险，而该单位当月除申请人外没有任何其他正常缴费人员（个体工商户除外），"
             "疑似挂靠空壳单位代缴社保凑取{what}资格。")
SHARED_DESC = ("本期外埠{what}申请人，申请月前一个月的职工基本养老保险由同一参保单位缴纳，该单位本期外埠{what}申请人"
               "不少于规定人数（参数 min_applicants）且占该单位当月正常缴费人数的比例不低于参数 min_share，"
               "疑似社保代缴机构批量为外埠人员代缴社保凑取{what}资格。")


@indicator(
    "GC-005", "外埠购车申请人由单人单位缴纳社保", line=BusinessLine.PURCHASE, subject=SubjectType.APPLICATION,
    severity=Severity.MEDIUM, policy=(CAR_QUOTA, FRAUD_PUNISHMENT), has_amount=False, kind=WarningKind.ANALYSIS,
    params=("lookback_months", "min_solo_months"), description=SOLO_DESC.format(what="小客车指标"),
)
def gc_005(ctx: Context, p: dict):
    return solo_unit_hits(ctx, p, "ref_car_apply")


@indicator(
    "GF-004", "外埠购房申请人由单人单位缴纳社保", line=BusinessLine.PURCHASE, subject=SubjectType.APPLICATION,
    severity=Severity.MEDIUM, policy=(HOUSE_PURCHASE, FRAUD_PUNISHMENT), has_amount=False, kind=WarningKind.ANALYSIS,
    params=("lookback_months", "min_solo_months"), description=SOLO_DESC.format(what="购房"),
)
def gf_004(ctx: Context, p: dict):
    return solo_unit_hits(ctx, p, "ref_house_apply")


@indicator(
    "GC-006", "多名外埠购车申请人由同一单位集中缴纳社保", line=BusinessLine.PURCHASE,
    subject=SubjectType.APPLICATION, severity=Severity.MEDIUM, policy=(CAR_QUOTA, FRAUD_PUNISHMENT),
    has_amount=False, kind=WarningKind.ANALYSIS, params=("min_applicants", "min_share"),
    description=SHARED_DESC.format(what="小客车指标"),
)
def gc_006(ctx: Context, p: dict):
    return shared_payer_hits(ctx, p, "ref_car_apply")


@indicator(
    "GF-005", "多名外埠购房申请人由同一单位集中缴纳社保", line=BusinessLine.PURCHASE,
    subject=SubjectType.APPLICATION, severity=Severity.MEDIUM, policy=(HOUSE_PURCHASE, FRAUD_PUNISHMENT),
    has_amount=False, kind=WarningKind.ANALYSIS, params=("min_applicants", "min_share"),
    description=SHARED_DESC.format(what="购房"),
)
def gf_005(ctx: Context, p: dict):
    return shared_payer_hits(ctx, p, "ref_house_apply")
