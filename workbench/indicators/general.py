"""Cross-source and data-quality (综合) indicators: ZH-*."""

from __future__ import annotations

from decimal import Decimal

import ibis

from workbench.idno import check_char_expr, wrong_check_char
from workbench.indicators.context import Context
from workbench.indicators.policies import BASE_LIMITS, FUND_SUPERVISION_RULES, SOCIAL_INSURANCE_LAW
from workbench.indicators.registry import BusinessLine, Severity, SubjectType, WarningKind, indicator
from workbench.indicators.subjects import MONEY, no_amount, normal_contrib, person_rows
from workbench.periods import add_months
from workbench.warehouse import PERIOD_COL

CENT = Decimal("0.01")




@indicator(
    "ZH-001", "一证多号", line=BusinessLine.GENERAL, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, FUND_SUPERVISION_RULES), has_amount=False, core=True,
    description="本期参保人员快照中同一公民身份号码对应两个及以上个人编号，疑似重复参保或一人多号。",
)
def zh_001(ctx: Context, p: dict):
    people = ctx.snapshot("sb_person")
    multi = people.group_by(id=people.id_no).agg(holders=people.person_id.nunique())
    multi = multi.filter(multi.holders >= 2)
    hits = people.join(multi, people.id_no == multi.id)
    return person_rows(ctx, hits, person_id="person_id", holders="holders")


@indicator(
    "ZH-002", "身份号码校验位错误", line=BusinessLine.GENERAL, subject=SubjectType.PERSON,
    severity=Severity.LOW, policy=(SOCIAL_INSURANCE_LAW, FUND_SUPERVISION_RULES), has_amount=False, core=True,
    description=("参保人员的公民身份号码校验位不符合 GB 11643（ISO 7064 MOD 11-2，"
                 "仅核对校验位），疑似号码录入错误或虚构身份。"),
)
def zh_002(ctx: Context, p: dict):
    people = ctx.snapshot("sb_person")
    hits = people.filter(wrong_check_char(people.id_no))
    hits = hits.mutate(id=hits.id_no, expected_check=check_char_expr(hits.id_no))
    return person_rows(ctx, hits, person_id="person_id", id_no="id_no", expected_check="expected_check")


@indicator(
    "ZH-003", "同期多单位缴纳养老保险", line=BusinessLine.GENERAL, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, FUND_SUPERVISION_RULES), has_amount=False, core=True,
    description=("本期同一人员同一费款所属期由两个及以上单位正常缴纳职工基本养老保险（110），"
                 "疑似重复参保或虚构劳动关系。"),
)
def zh_003(ctx: Context, p: dict):
    c = normal_contrib(ctx)
    multi = c.group_by(["id", "period"]).agg(units=c.unit_id.nunique())
    multi = multi.filter(multi.units >= 2)
    hits = c.join(multi, ["id", "period"])
    return person_rows(ctx, hits, contrib_id="contrib_id", period="period", unit_id="unit_id", units="units")


@indicator(
    "ZH-004", "个人账户收支不平", line=BusinessLine.GENERAL, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, FUND_SUPERVISION_RULES), has_amount=True, core=True,
    description=("本期个人账户期初余额＋当期记账＋当期利息－当期支出与期末余额相差超过0.01元，"
                 "或期末余额为负，金额为差额绝对值。"),
)
def zh_004(ctx: Context, p: dict):
    acc = ctx.with_ids(ctx.rows("sb_account"))
    gap = (acc.opening_balance + acc.credited + acc.interest - acc.withdrawn - acc.closing_balance).abs()
    acc = acc.mutate(gap=gap)
    hits = acc.filter((acc.gap > ibis.literal(CENT)) | (acc.closing_balance < 0))
    return person_rows(ctx, hits, amount="gap", person_id="person_id", period="period",
                       opening_balance="opening_balance", closing_balance="closing_balance")


def base_limit(period, rows: list[dict], side: str):
    """The ``side`` ('lower'/'upper') limit in force for ``period`` ('YYYYMM'), null outside the table."""
    cases = [(period.between(str(r["from"]), str(r["to"])), ibis.literal(Decimal(str(r[side])), type=MONEY))
             for r in rows]
    return ibis.cases(*cases, else_=no_amount()) if cases else no_amount()


@indicator(
    "ZH-005", "缴费基数超出上下限", line=BusinessLine.GENERAL, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, BASE_LIMITS), has_amount=False, core=True,
    description=("本期正常缴纳的职工基本养老保险（110）缴费基数低于所属期执行"
                 "的缴费基数下限或高于上限（参数 base_limits）。"),
    params=("base_limits",),
)
def zh_005(ctx: Context, p: dict):
    c = normal_contrib(ctx)
    c = c.mutate(lower=base_limit(c.period, p["base_limits"], "lower"),
                 upper=base_limit(c.period, p["base_limits"], "upper"))
    hits = c.filter(c.lower.notnull() & ((c.base < c.lower) | (c.base > c.upper)))
    return person_rows(ctx, hits, contrib_id="contrib_id", period="period", base="base",
                       lower="lower", upper="upper")


# --- project indicators (not core) ---------------------------------------------------------


@indicator(
    "ZH-006", "同一信用代码多个单位编号", line=BusinessLine.GENERAL, subject=SubjectType.UNIT,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, FUND_SUPERVISION_RULES), has_amount=False,
    kind=WarningKind.ANALYSIS,
    description=("本期参保单位快照中同一统一社会信用代码对应规定个数及以上的单位编号（参数 min_unit_ids），"
                 "疑似重复登记、拆分参保或规避欠费稽核；所属区取单位编号最小的一条。"),
    params=("min_unit_ids",),
)
def zh_006(ctx: Context, p: dict):
    units = ctx.snapshot("sb_unit")
    units = units.filter(units.uscc.notnull())
    multi = units.group_by("uscc").agg(unit_ids=units.unit_id.nunique())
    multi = multi.filter(multi.unit_ids >= int(p["min_unit_ids"]))
    home = ctx.unit_district().rename(h_uscc="uscc", home_district="district_code")
    home = multi.join(home, multi.uscc == home.h_uscc).select(multi.uscc, multi.unit_ids, home.home_district)
    hits = units.join(home, "uscc")
    return hits.select(subject_key=hits.uscc, district_code=hits.home_district,
                       amount=no_amount(), unit_id=hits.unit_id, unit_name=hits.unit_name,
                       status=hits.status, unit_ids=hits.unit_ids)


@indicator(
    "ZH-007", "个人编号身份号码变更无变更登记", line=BusinessLine.GENERAL, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, FUND_SUPERVISION_RULES), has_amount=False,
    description=("同一个人编号在本期参保人员快照中的身份号码与规定月数前快照（参数 compare_months）中的不同，"
                 "且没有由原号码变更为新号码的姓名及身份号码变更记录，疑似篡改参保身份。"),
    params=("compare_months",),
)
def zh_007(ctx: Context, p: dict):
    now = ctx.snapshot("sb_person")
    then = ctx.table("sb_person")
    then = then.filter(then[PERIOD_COL] == add_months(ctx.period, -int(p["compare_months"])))
    then = then.select(old_pid=then.person_id, old_id_no=then.id_no)
    changed = now.join(then, now.person_id == then.old_pid).filter(lambda t: t.id_no != t.old_id_no)
    changed = changed.select(id=changed.id_no, person_id=changed.person_id, old_id_no=changed.old_id_no)
    ch = ctx.snapshot("ref_identity_change")
    hits = changed.anti_join(ch, (changed.old_id_no == ch.old_id_no) & (changed.id == ch.new_id_no))
    return person_rows(ctx, hits, person_id="person_id", old_id_no="old_id_no")
