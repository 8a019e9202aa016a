"""Car and house purchase eligibility checks (购车 / 购房社保核查): GC-* and GF-*.

Each check is written once, parameterized by the application table (ref_car_apply,
ref_house_apply); GC-00n and GF-00n only name it.
"""

from __future__ import annotations

import ibis

from workbench.indicators.context import Context, date_month
from workbench.indicators.history import covered_months
from workbench.indicators.policies import CAR_QUOTA, HOUSE_PURCHASE, SOCIAL_INSURANCE_LAW
from workbench.indicators.registry import BusinessLine, Severity, SubjectType, WarningKind, indicator
from workbench.indicators.subjects import no_amount

DISTRICT = "110000"  # indicators-core.md: an application's district is the city
OUT_OF_TOWN = "2"    # hukou_type 2 外埠


def days_in_month(day):
    """Number of days of the month of date ``day`` (integer arithmetic, every backend)."""
    y, m = day.year().cast("int64"), day.month().cast("int64")
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    return ibis.cases((m == 2, ibis.ifelse(leap, 29, 28)), (m.isin([4, 6, 9, 11]), 30), else_=31)


def on_or_after_months_before(day, ref, months: int):
    """``day`` ≥ ``ref`` − ``months`` calendar months (the day clamped to the target month's end),
    from month indexes and day numbers only."""
    target = date_month(ref) - months
    month = date_month(day)
    same_month_ok = (day.day() >= ref.day()) | (day.day() == days_in_month(day))
    return (month > target) | ((month == target) & same_month_ok)


def identity_change_hits(ctx: Context, p: dict, table: str):
    """GC-001/GF-001: applications of P whose id is the new id of a change of both id and name
    within ``identity_change_months`` months before the apply_date."""
    apps = ctx.rows(table)
    ch = ctx.snapshot("ref_identity_change")
    ch = ch.filter((ch.old_id_no != ch.new_id_no) & (ch.old_name != ch.new_name))
    hits = apps.join(ch, apps.id_no == ch.new_id_no).filter(
        lambda t: on_or_after_months_before(t.change_date, t.apply_date, p["identity_change_months"])
        & (t.change_date <= t.apply_date))
    return hits.select(subject_key=hits.apply_id, district_code=ibis.literal(DISTRICT),
                       amount=no_amount(), id_no=hits.id_no, apply_date=hits.apply_date,
                       change_id=hits.change_id, old_id_no=hits.old_id_no, change_date=hits.change_date)


def paid_months(ctx: Context, count_backpay: bool, ids):
    """(id, month): months with a normal sb 110 contribution in history of the ids in
    ``ids`` (and back-payments when ``count_backpay``). The one place that reads
    contribution history: the compact ``contrib_history`` kept by intake, for the
    applicants' person_ids only (mapped through the sb_person snapshot of P)."""
    persons = ctx.person_ids("sb")
    persons = persons.semi_join(ids, persons.id == ids.id)
    months = covered_months(ctx, persons.select("person_id"), count_backpay)
    return months.join(persons, "person_id").select("id", "month").distinct()


def short_contribution_hits(ctx: Context, p: dict, table: str):
    """GC-002/GF-002: out-of-town applications of P with fewer than ``required_months`` of the
    ``required_months`` months before the apply month covered by contributions."""
    need = p["required_months"]
    apps = ctx.rows(table)
    apps = apps.filter(apps.hukou_type == OUT_OF_TOWN)
    apps = apps.mutate(apply_month=date_month(apps.apply_date))
    paid = paid_months(ctx, p["count_backpay"], apps.select(id=apps.id_no))
    covered = apps.join(paid, (apps.id_no == paid.id) & (paid.month >= apps.apply_month - need)
                        & (paid.month < apps.apply_month))
    covered = covered.group_by("apply_id").agg(months_paid=covered.month.nunique())
    hits = apps.left_join(covered, apps.apply_id == covered.apply_id)
    hits = hits.mutate(months_paid=hits.months_paid.fill_null(0))
    hits = hits.filter(hits.months_paid < need)
    return hits.select(subject_key=hits.apply_id, district_code=ibis.literal(DISTRICT),
                       amount=no_amount(), id_no=hits.id_no, apply_date=hits.apply_date,
                       months_paid=hits.months_paid, months_required=ibis.literal(need))


@indicator(
    "GC-001", "购车申请人姓名与身份号码同时变更", line=BusinessLine.PURCHASE, subject=SubjectType.APPLICATION,
    severity=Severity.MEDIUM, policy=(CAR_QUOTA,), has_amount=False, core=True,
    description=("本期小客车指标申请人的身份号码是一条姓名与身份号码同时变更记录的新号码，"
                 "且变更发生在申请日前规定月数内（参数 identity_change_months），疑似规避资格审核。"),
    params=("identity_change_months",),
)
def gc_001(ctx: Context, p: dict):
    return identity_change_hits(ctx, p, "ref_car_apply")


@indicator(
    "GC-002", "外埠购车申请人连续正常缴费不足五年", line=BusinessLine.PURCHASE, subject=SubjectType.APPLICATION,
    severity=Severity.MEDIUM, policy=(CAR_QUOTA, SOCIAL_INSURANCE_LAW), has_amount=False, core=True,
    description=("本期外埠小客车指标申请人，"
                 "申请月前规定月数（参数 required_months）内有职工基本养老保险正常缴费的月份不足"
                 "（补缴是否计入见参数 count_backpay）。"),
    params=("required_months", "count_backpay"),
)
def gc_002(ctx: Context, p: dict):
    return short_contribution_hits(ctx, p, "ref_car_apply")


@indicator(
    "GF-001", "购房申请人姓名与身份号码同时变更", line=BusinessLine.PURCHASE, subject=SubjectType.APPLICATION,
    severity=Severity.MEDIUM, policy=(HOUSE_PURCHASE,), has_amount=False, core=True,
    description=("本期购房资格申请人的身份号码是一条姓名与身份号码同时变更记录的新号码，"
                 "且变更发生在申请日前规定月数内（参数 identity_change_months），疑似规避资格审核。"),
    params=("identity_change_months",),
)
def gf_001(ctx: Context, p: dict):
    return identity_change_hits(ctx, p, "ref_house_apply")


@indicator(
    "GF-002", "外埠购房申请人连续正常缴费不足五年", line=BusinessLine.PURCHASE, subject=SubjectType.APPLICATION,
    severity=Severity.MEDIUM, policy=(HOUSE_PURCHASE, SOCIAL_INSURANCE_LAW), has_amount=False, core=True,
    description=("本期外埠购房资格申请人，"
                 "申请月前规定月数（参数 required_months）内有职工基本养老保险正常缴费的月份不足"
                 "（补缴是否计入见参数 count_backpay）。"),
    params=("required_months", "count_backpay"),
)
def gf_002(ctx: Context, p: dict):
    return short_contribution_hits(ctx, p, "ref_house_apply")


# --- project indicators (not core) ---------------------------------------------------------


def dead_applicant_hits(ctx: Context, table: str):
    """GC-003/GF-003: applications of P whose id has a death date (earliest of ref_death) before apply_date."""
    apps = ctx.rows(table)
    d = ctx.snapshot("ref_death")
    dead = d.group_by(dead_id=d.id_no).agg(death_date=d.death_date.min())
    hits = apps.join(dead, apps.id_no == dead.dead_id).filter(lambda t: t.death_date < t.apply_date)
    return hits.select(subject_key=hits.apply_id, district_code=ibis.literal(DISTRICT),
                       amount=no_amount(), id_no=hits.id_no, name=hits.name,
                       apply_date=hits.apply_date, death_date=hits.death_date)


@indicator(
    "GC-003", "已死亡人员申请小客车指标", line=BusinessLine.PURCHASE, subject=SubjectType.APPLICATION,
    severity=Severity.HIGH, policy=(CAR_QUOTA,), has_amount=False,
    description=("本期小客车指标申请人的身份号码在多部门死亡信息中有早于申请日期的死亡日期"
                 "（取最早死亡日期），疑似冒用死亡人员身份申请。"),
)
def gc_003(ctx: Context, p: dict):
    return dead_applicant_hits(ctx, "ref_car_apply")


@indicator(
    "GF-003", "已死亡人员申请购房资格", line=BusinessLine.PURCHASE, subject=SubjectType.APPLICATION,
    severity=Severity.HIGH, policy=(HOUSE_PURCHASE,), has_amount=False,
    description=("本期购房资格申请人的身份号码在多部门死亡信息中有早于申请日期的死亡日期"
                 "（取最早死亡日期），疑似冒用死亡人员身份申请。"),
)
def gf_003(ctx: Context, p: dict):
    return dead_applicant_hits(ctx, "ref_house_apply")


@indicator(
    "GC-004", "购车与购房申请同一身份号码姓名不一致", line=BusinessLine.PURCHASE,
    subject=SubjectType.APPLICATION, severity=Severity.MEDIUM, policy=(CAR_QUOTA, HOUSE_PURCHASE),
    has_amount=False, kind=WarningKind.ANALYSIS,
    description=("本期小客车指标申请人的身份号码在本期购房资格申请中也出现，但两处申请人姓名不同，"
                 "疑似冒用他人身份号码或申请信息不实。"),
)
def gc_004(ctx: Context, p: dict):
    car = ctx.rows("ref_car_apply")
    house = ctx.rows("ref_house_apply")
    house = house.select(house_apply_id=house.apply_id, house_id_no=house.id_no, house_name=house.name)
    hits = car.join(house, car.id_no == house.house_id_no).filter(lambda t: t.name != t.house_name)
    return hits.select(subject_key=hits.apply_id, district_code=ibis.literal(DISTRICT),
                       amount=no_amount(), id_no=hits.id_no, name=hits.name,
                       apply_date=hits.apply_date, house_apply_id=hits.house_apply_id,
                       house_name=hits.house_name)
