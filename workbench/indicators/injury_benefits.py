"""Further work injury (工伤) indicators: GS-011 … GS-015 (allowance past retirement age, time-barred
applications, duplicate determinations, sharply worsened re-appraisals, appraisals of another person)."""

from __future__ import annotations

import ibis

from workbench.indicators.context import Context, age_at, date_month, month_index
from workbench.indicators.injury import case_rows, injury_pay, recognized_cases
from workbench.indicators.pension import RETIRE_PARAMS, person_facts, retire_age
from workbench.indicators.policies import (
    DISABILITY_APPRAISAL,
    FUND_SUPERVISION_REGULATION,
    INJURY_DETERMINATION,
    INJURY_REGULATION,
    RETIREMENT_AGE,
)
from workbench.indicators.registry import BusinessLine, Severity, SubjectType, WarningKind, indicator
from workbench.indicators.subjects import no_amount, person_rows


def decided_in_p(ctx: Context):
    """Recognized (or deemed) gsrd_case rows whose decision_date lies in P."""
    c = recognized_cases(ctx)
    return c.filter(date_month(c.decision_date) == ctx.p)


def appraisal_rows(hits, **evidence):
    """The runner's columns for an appraisal subject: appraisal_id, its district, no amount."""
    return hits.select(subject_key=hits.appraisal_id, district_code=hits.district_code, amount=no_amount(),
                       **{k: hits[v] for k, v in evidence.items()})


@indicator(
    "GS-011", "达到退休年龄未办理退休仍领取伤残津贴", line=BusinessLine.INJURY, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(INJURY_REGULATION, RETIREMENT_AGE), has_amount=True, params=RETIRE_PARAMS,
    description="本期发放的伤残津贴（410/41），所属期时领取人已达到法定退休年龄，且没有待遇起始期不晚于该所属期的"
                "基本养老金（110）核定，应办理退休、停发伤残津贴改领基本养老金（低于伤残津贴的由工伤保险基金补足差额），"
                "金额为这些伤残津贴。",
)
def gs_011(ctx: Context, p: dict):
    pay = injury_pay(ctx, "41")
    facts = person_facts(ctx)
    j = pay.join(facts, pay.id == facts.pid)
    j = j.mutate(age=age_at(j.birth_date, month_index(j.period)))
    j = j.filter(j.age >= retire_age(j.sex, p))
    ap = ctx.snapshot("sb_benefit_approval")
    ap = ctx.with_ids(ap.filter(ap.insurance_type == "110"))
    ap = ap.select(ap_id=ap.id, ap_start=month_index(ap.start_period))
    hits = j.anti_join(ap, [j.id == ap.ap_id, ap.ap_start <= month_index(j.period)])
    return person_rows(ctx, hits, "amount", pay_id="pay_id", period="period", age="age")


@indicator(
    "GS-012", "超过申请时效认定工伤", line=BusinessLine.INJURY, subject=SubjectType.CASE,
    severity=Severity.MEDIUM, policy=(INJURY_REGULATION, INJURY_DETERMINATION), has_amount=False,
    kind=WarningKind.ANALYSIS, params=("apply_limit_days",),
    description="本月认定（或视同）工伤的案件，申请日期距事故日期超过 apply_limit_days 天（工伤职工或其近亲属"
                "应在事故发生之日起 1 年内申请），超过申请时效仍予认定，须核查是否有不可抗力等正当理由及事故真实性。",
)
def gs_012(ctx: Context, p: dict):
    c = decided_in_p(ctx)
    hits = c.filter(c.apply_date > c.accident_date + ibis.interval(days=int(p["apply_limit_days"])))
    return case_rows(hits, id_no="id_no", accident_date="accident_date", apply_date="apply_date",
                     decision_date="decision_date")


@indicator(
    "GS-013", "同一事故重复认定工伤", line=BusinessLine.INJURY, subject=SubjectType.CASE,
    severity=Severity.HIGH, policy=(INJURY_REGULATION, INJURY_DETERMINATION, FUND_SUPERVISION_REGULATION),
    has_amount=False,
    description="本月认定（或视同）工伤的案件，同一公民身份号码已有事故日期相同、决定更早（同日按案件编号）的认定"
                "（或视同）工伤案件，同一事故重复认定，可能重复享受工伤待遇。",
)
def gs_013(ctx: Context, p: dict):
    c = recognized_cases(ctx)
    same = ibis.window(group_by=[c.id_no, c.accident_date])
    order = ibis.window(group_by=[c.id_no, c.accident_date], order_by=[c.decision_date, c.case_id])
    c = c.mutate(nth=ibis.row_number().over(order), cases=c.case_id.count().over(same),
                 first_decision=c.decision_date.min().over(same))
    hits = c.filter((c.nth >= 1) & (date_month(c.decision_date) == ctx.p))
    return case_rows(hits, id_no="id_no", accident_date="accident_date", decision_date="decision_date",
                     cases="cases", first_decision="first_decision")


@indicator(
    "GS-014", "再次鉴定伤残等级大幅加重", line=BusinessLine.INJURY, subject=SubjectType.APPRAISAL,
    severity=Severity.MEDIUM, policy=(INJURY_REGULATION, DISABILITY_APPRAISAL), has_amount=False,
    kind=WarningKind.ANALYSIS, params=("grade_jump", "within_months"),
    description="本月作出结论的再次鉴定或复查鉴定，伤残等级比同一工伤案件上一次鉴定结论"
                "（按结论日期、鉴定编号）加重 grade_jump 级及以上（未达级按 11 级计），且两次结论相隔不超过 "
                "within_months 个月，疑似虚假鉴定以提高伤残待遇。",
)
def gs_014(ctx: Context, p: dict):
    ap = ctx.snapshot("ldnl_appraisal")
    score = ibis.ifelse(ap.disability_grade == 0, 11, ap.disability_grade)
    w = ibis.window(group_by=ap.case_id, order_by=[ap.conclusion_date, ap.appraisal_id])
    ap = ap.mutate(score=score, prev_score=score.lag().over(w), prev_grade=ap.disability_grade.lag().over(w),
                   prev_conclusion=ap.conclusion_date.lag().over(w))
    gap = date_month(ap.conclusion_date) - date_month(ap.prev_conclusion)
    hits = ap.filter(ap.appraisal_type.isin(("2", "3")) & (date_month(ap.conclusion_date) == ctx.p)
                     & ap.prev_score.notnull() & (ap.prev_score - ap.score >= int(p["grade_jump"]))
                     & (gap <= int(p["within_months"])))
    return appraisal_rows(hits, case_id="case_id", appraisal_type="appraisal_type", grade="disability_grade",
                          prev_grade="prev_grade", conclusion_date="conclusion_date",
                          prev_conclusion="prev_conclusion")


@indicator(
    "GS-015", "鉴定人员与工伤认定人员不一致", line=BusinessLine.INJURY, subject=SubjectType.APPRAISAL,
    severity=Severity.HIGH, policy=(INJURY_REGULATION, DISABILITY_APPRAISAL, FUND_SUPERVISION_REGULATION),
    has_amount=False,
    description="本月作出结论的初次劳动能力鉴定，其公民身份号码与所依据的工伤认定案件的"
                "公民身份号码不一致，且两者之间没有姓名及身份号码变更登记（任一方向），疑似冒用他人工伤认定进行鉴定。",
)
def gs_015(ctx: Context, p: dict):
    ap = ctx.snapshot("ldnl_appraisal")
    ap = ap.filter((ap.appraisal_type == "1") & (date_month(ap.conclusion_date) == ctx.p))
    cases = ctx.snapshot("gsrd_case")
    cases = cases.select(c_case=cases.case_id, case_id_no=cases.id_no)
    j = ap.join(cases, ap.case_id == cases.c_case)
    j = j.filter(j.id_no != j.case_id_no)
    ch = ctx.snapshot("ref_identity_change")
    ch = ch.select(old_id=ch.old_id_no, new_id=ch.new_id_no)
    linked = (((ch.old_id == j.case_id_no) & (ch.new_id == j.id_no))
              | ((ch.old_id == j.id_no) & (ch.new_id == j.case_id_no)))
    hits = j.anti_join(ch, linked)
    return appraisal_rows(hits, case_id="case_id", id_no="id_no", case_id_no="case_id_no",
                          conclusion_date="conclusion_date")
