"""Work injury (工伤) and labour capacity appraisal (劳动能力鉴定) indicators: GS-*."""

from __future__ import annotations

import calendar
import datetime as dt

import ibis

from workbench.indicators.context import Context, date_month, month_index
from workbench.indicators.policies import (
    DISABILITY_APPRAISAL,
    FUND_SUPERVISION_REGULATION,
    INJURY_DETERMINATION,
    INJURY_REGULATION,
    SOCIAL_INSURANCE_LAW,
)
from workbench.indicators.registry import BusinessLine, Severity, SubjectType, indicator
from workbench.indicators.subjects import no_amount, person_rows
from workbench.periods import period_text
from workbench.warehouse import PERIOD_COL

RECOGNIZED = ("1", "2")  # gsrd_case.result: 认定工伤, 视同工伤


def recognized_cases(ctx: Context):
    """gsrd_case snapshot rows with result 1 or 2."""
    c = ctx.snapshot("gsrd_case")
    return c.filter(c.result.isin(RECOGNIZED))


def injury_pay(ctx: Context, item: str | None = None):
    """sb pay rows of P of insurance 410 (of one benefit_item, or all), with the person's id."""
    pay = ctx.rows("sb_benefit_pay")
    pay = pay.filter(pay.insurance_type == "410")
    if item is not None:
        pay = pay.filter(pay.benefit_item == item)
    return ctx.with_ids(pay)


def case_rows(hits, **evidence):
    """The runner's columns for a case subject: case_id, the case's deciding district, no amount."""
    return hits.select(subject_key=hits.case_id, district_code=hits.district_code, amount=no_amount(),
                       **{k: hits[v] for k, v in evidence.items()})


@indicator(
    "GS-001", "先伤后保", line=BusinessLine.INJURY, subject=SubjectType.CASE,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, INJURY_REGULATION), has_amount=False, core=True,
    description="已认定（或视同）工伤的职工，本期有工伤保险（410）补缴记录，所属期恰为事故发生月份，"
                "疑似事故发生后补办参保。",
)
def gs_001(ctx: Context, p: dict):
    cases = recognized_cases(ctx)
    cases = cases.mutate(accident_month=date_month(cases.accident_date))
    cases = cases.filter(cases.accident_month <= ctx.p)
    c = ctx.rows("sb_contrib")
    c = ctx.with_ids(c.filter((c.insurance_type == "410") & (c.pay_type == "2")))
    c = c.select(c_id=c.id, c_month=month_index(c.period)).distinct()
    hits = cases.semi_join(c, [cases.id_no == c.c_id, cases.accident_month == c.c_month])
    return case_rows(hits, id_no="id_no", accident_date="accident_date", result="result")


@indicator(
    "GS-002", "工伤待遇无认定记录", line=BusinessLine.INJURY, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(INJURY_REGULATION, INJURY_DETERMINATION), has_amount=True, core=True,
    description="本期发放的工伤保险（410）待遇，领取人在发放日之前没有认定（或视同）工伤的决定。",
)
def gs_002(ctx: Context, p: dict):
    pay = injury_pay(ctx)
    cases = recognized_cases(ctx)
    cases = cases.filter(cases.decision_date.notnull())
    cases = cases.select(case_idno=cases.id_no, decided=cases.decision_date)
    hits = pay.anti_join(cases, [pay.id == cases.case_idno, cases.decided <= pay.pay_date])
    return person_rows(ctx, hits, "amount", pay_id="pay_id", benefit_item="benefit_item", period="period",
                       pay_date="pay_date")


@indicator(
    "GS-003", "伤残津贴无有效伤残等级", line=BusinessLine.INJURY, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(INJURY_REGULATION, DISABILITY_APPRAISAL), has_amount=True, core=True,
    description="本期发放的伤残津贴（410/41），领取人在发放日之前没有一至六级伤残的劳动能力鉴定结论。",
)
def gs_003(ctx: Context, p: dict):
    pay = injury_pay(ctx, "41")
    ap = ctx.snapshot("ldnl_appraisal")
    ap = ap.filter((ap.disability_grade >= 1) & (ap.disability_grade <= 6))
    ap = ap.select(ap_idno=ap.id_no, concluded=ap.conclusion_date)
    hits = pay.anti_join(ap, [pay.id == ap.ap_idno, ap.concluded <= pay.pay_date])
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period", pay_date="pay_date")


@indicator(
    "GS-004", "鉴定结论早于工伤认定", line=BusinessLine.INJURY, subject=SubjectType.APPRAISAL,
    severity=Severity.MEDIUM, policy=(INJURY_REGULATION, DISABILITY_APPRAISAL), has_amount=False, core=True,
    description="初次劳动能力鉴定所依据的工伤认定案件尚无认定决定、不予认定，或认定决定日期晚于鉴定结论日期。",
)
def gs_004(ctx: Context, p: dict):
    ap = ctx.snapshot("ldnl_appraisal")
    ap = ap.filter(ap.appraisal_type == "1")
    cases = ctx.snapshot("gsrd_case")
    cases = cases.select(c_case=cases.case_id, decision_date=cases.decision_date, result=cases.result)
    j = ap.join(cases, ap.case_id == cases.c_case)
    hits = j.filter(j.decision_date.isnull() | (j.result == "3") | (j.decision_date > j.conclusion_date))
    return hits.select(subject_key=hits.appraisal_id, district_code=hits.district_code, amount=no_amount(),
                       case_id=hits.case_id, conclusion_date=hits.conclusion_date,
                       decision_date=hits.decision_date, result=hits.result)


@indicator(
    "GS-005", "工伤认定超过法定时限", line=BusinessLine.INJURY, subject=SubjectType.CASE,
    severity=Severity.LOW, policy=(INJURY_REGULATION, INJURY_DETERMINATION), has_amount=False, core=True,
    params=("injury_decision_days",),
    description="工伤认定决定日期距申请日期超过 injury_decision_days 天；尚未决定的，本期末距申请日期已超过该天数。",
)
def gs_005(ctx: Context, p: dict):
    days = int(p["injury_decision_days"])
    year, month = int(ctx.period[:4]), int(ctx.period[4:])
    last_day = dt.date(year, month, calendar.monthrange(year, month)[1])
    c = ctx.snapshot("gsrd_case")
    late = c.decision_date.notnull() & (c.decision_date > c.apply_date + ibis.interval(days=days))
    pending = c.decision_date.isnull() & (c.apply_date < ibis.literal(last_day - dt.timedelta(days=days)))
    hits = c.filter(late | pending)
    return case_rows(hits, apply_date="apply_date", decision_date="decision_date")


@indicator(
    "GS-006", "短期内多次工伤认定", line=BusinessLine.INJURY, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(INJURY_REGULATION, FUND_SUPERVISION_REGULATION), has_amount=False, core=True,
    params=("injury_repeat",),
    description="同一公民身份号码近 12 个月（P−11 至 P）内事故发生的认定（或视同）工伤案件达到 injury_repeat 件及以上；"
                "所属区取事故日期最晚（同日取案件编号最大）的案件的认定区。",
)
def gs_006(ctx: Context, p: dict):
    c = recognized_cases(ctx)
    m = date_month(c.accident_date)
    c = c.filter((m >= ctx.p - 11) & (m <= ctx.p))
    latest = ibis.window(group_by=c.id_no, order_by=[c.accident_date.desc(), c.case_id.desc()])
    c = c.mutate(cases=c.case_id.count().over(ibis.window(group_by=c.id_no)),
                 recency=ibis.row_number().over(latest))
    c = c.filter(c.cases >= int(p["injury_repeat"]))
    last = c.filter(c.recency == 0).select(last_idno=c.id_no, last_district=c.district_code)
    hits = c.join(last, c.id_no == last.last_idno)
    return hits.select(subject_key=hits.id_no, district_code=hits.last_district, amount=no_amount(),
                       case_id=hits.case_id, accident_date=hits.accident_date, cases=hits.cases)


# --- indicators of the workbench's own design (not core) ------------------------------


@indicator(
    "GS-007", "重复发放一次性伤残补助金", line=BusinessLine.INJURY, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(INJURY_REGULATION, FUND_SUPERVISION_REGULATION), has_amount=True,
    description="同一公民身份号码在已载入的各期中领取一次性伤残补助金（410/42）两次及以上，本期发放的"
                "第二笔及以后（按发放日期、发放编号排序，最早一笔除外）计入金额。",
)
def gs_007(ctx: Context, p: dict):
    pay = ctx.history("sb_benefit_pay")
    pay = ctx.with_ids(pay.filter((pay.insurance_type == "410") & (pay.benefit_item == "42")))
    order = ibis.window(group_by=pay.id, order_by=[pay.pay_date, pay.pay_id])
    pay = pay.mutate(nth=ibis.row_number().over(order))
    hits = pay.filter((pay.nth >= 1) & (pay[PERIOD_COL] == ctx.period))
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period", pay_date="pay_date")


@indicator(
    "GS-008", "伤残等级调整后仍发放伤残津贴", line=BusinessLine.INJURY, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(INJURY_REGULATION, DISABILITY_APPRAISAL), has_amount=True,
    description="本期发放的伤残津贴（410/41），领取人曾有一至六级伤残鉴定结论，但发放日之前最新一次鉴定结论"
                "（按结论日期、鉴定编号取最新）已为七至十级或未达级，应停发伤残津贴，金额为这些发放额。",
)
def gs_008(ctx: Context, p: dict):
    pay = injury_pay(ctx, "41")
    ap = ctx.snapshot("ldnl_appraisal")
    ap = ap.select(ap_idno=ap.id_no, appraisal_id=ap.appraisal_id, concluded=ap.conclusion_date,
                   grade=ap.disability_grade)
    j = pay.join(ap, [pay.id == ap.ap_idno, ap.concluded <= pay.pay_date])
    latest = ibis.window(group_by=j.pay_id, order_by=[j.concluded.desc(), j.appraisal_id.desc()])
    severe = ((j.grade >= 1) & (j.grade <= 6)).ifelse(1, 0)
    j = j.mutate(recency=ibis.row_number().over(latest), had_severe=severe.max().over(ibis.window(group_by=j.pay_id)))
    hits = j.filter((j.recency == 0) & (j.had_severe == 1) & ((j.grade == 0) | (j.grade >= 7)))
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period", appraisal_id="appraisal_id",
                       grade="grade")


@indicator(
    "GS-009", "劳动能力鉴定超过法定时限", line=BusinessLine.INJURY, subject=SubjectType.APPRAISAL,
    severity=Severity.LOW, policy=(INJURY_REGULATION, DISABILITY_APPRAISAL), has_amount=False,
    params=("appraisal_days",),
    description="本月作出结论的劳动能力鉴定，结论日期距申请日期超过 appraisal_days 天（法定 60 日，可延长 30 日）。",
)
def gs_009(ctx: Context, p: dict):
    ap = ctx.snapshot("ldnl_appraisal")
    ap = ap.filter((date_month(ap.conclusion_date) == ctx.p)
                   & (ap.conclusion_date > ap.apply_date + ibis.interval(days=int(p["appraisal_days"]))))
    return ap.select(subject_key=ap.appraisal_id, district_code=ap.district_code, amount=no_amount(),
                     case_id=ap.case_id, apply_date=ap.apply_date, conclusion_date=ap.conclusion_date)


@indicator(
    "GS-010", "工伤单位事故当月未缴工伤保险", line=BusinessLine.INJURY, subject=SubjectType.CASE,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, INJURY_REGULATION), has_amount=False,
    description="本月认定（或视同）工伤的案件，用人单位（统一社会信用代码）在已载入的各期缴费明细中没有事故发生月份"
                "所属期的工伤保险（410）正常缴费或补缴记录，工伤待遇应由用人单位支付而非基金支付。"
                "事故月份早于最早载入的缴费明细期别的案件无从核对，不作判断。",
    version=2,
)
def gs_010(ctx: Context, p: dict):
    c = ctx.history("sb_contrib")
    # the earliest loaded sb_contrib delivery, from the record of loaded files (not a scan)
    files = ctx.table("intake_files")
    files = files.filter((files.table_name == "sb_contrib") & files.refused.isnull()
                         & (files[PERIOD_COL] <= ctx.period))
    first_loaded = month_index(files[PERIOD_COL].min())
    cases = recognized_cases(ctx)
    cases = cases.filter(cases.unit_uscc.notnull() & (date_month(cases.decision_date) == ctx.p))
    cases = cases.mutate(accident_month=date_month(cases.accident_date))
    cases = cases.filter(cases.accident_month >= first_loaded)
    unit = ctx.snapshot("sb_unit")
    unit = unit.filter(unit.uscc.isin(cases.unit_uscc)).select(u_id=unit.unit_id, u_uscc=unit.uscc)
    # only the cases' units' 410 rows of the accident months
    c = c.filter((c.insurance_type == "410") & c.pay_type.isin(("1", "2")) & c.unit_id.isin(unit.u_id))
    if (first := ctx.known(cases.accident_month.min())) is not None:  # implied by the month match
        c = c.filter(c.period >= period_text(first))
    c = c.join(unit, c.unit_id == unit.u_id)
    c = c.select(c_uscc=c.u_uscc, c_month=month_index(c.period)).distinct()
    hits = cases.anti_join(c, [cases.unit_uscc == c.c_uscc, cases.accident_month == c.c_month])
    return case_rows(hits, unit_uscc="unit_uscc", accident_date="accident_date", decision_date="decision_date")
