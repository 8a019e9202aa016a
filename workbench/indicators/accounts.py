"""Personal account (个人账户) indicators ZH-008…ZH-012
(the workbench's own, not core).

All read the sb_account rows of P (one row per person_id and month); the person's id comes
through the sb_person snapshot of P as everywhere else.
"""

from __future__ import annotations

from decimal import Decimal

import ibis

from workbench.indicators.context import Context, month_index
from workbench.indicators.policies import (
    ACCOUNT_INTEREST,
    FUND_SUPERVISION_RULES,
    PENSION_DEATH_STOP,
    PERSONAL_ACCOUNT,
    SOCIAL_INSURANCE_LAW,
)
from workbench.indicators.registry import BusinessLine, Severity, SubjectType, indicator
from workbench.indicators.subjects import MONEY, person_rows
from workbench.periods import add_months
from workbench.warehouse import PERIOD_COL


def _dec(value, scale: int = 6) -> ibis.Value:
    """A parameter as an exact decimal literal (money is compared without binary floats)."""
    return ibis.literal(Decimal(str(value)), type=f"decimal(18,{scale})")


def _accounts(ctx: Context):
    """sb_account rows of P with the person's id."""
    return ctx.with_ids(ctx.rows("sb_account"))


@indicator(
    "ZH-008", "个人账户期初余额与上期期末余额不符", line=BusinessLine.GENERAL, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, PERSONAL_ACCOUNT, FUND_SUPERVISION_RULES),
    has_amount=True,
    description=("本期个人账户期初余额与同一个人编号上期（P-1）个人账户期末余额相差超过容差（参数 tolerance），"
                 "账户余额在两期之间被改动，疑似篡改个人账户或账户断档；上期无账户记录的不核查，"
                 "金额为差额绝对值。"),
    params=("tolerance",),
)
def zh_008(ctx: Context, p: dict):
    acc = _accounts(ctx)
    prev = ctx.table("sb_account")
    prev = prev.filter(prev[PERIOD_COL] == add_months(ctx.period, -1))
    prev = prev.select(prev_pid=prev.person_id, prev_closing=prev.closing_balance)
    j = acc.join(prev, acc.person_id == prev.prev_pid)
    j = j.mutate(gap=(j.opening_balance - j.prev_closing).abs())
    hits = j.filter(j.gap > _dec(p["tolerance"]))
    return person_rows(ctx, hits, amount="gap", person_id="person_id", opening_balance="opening_balance",
                       prev_closing="prev_closing")


@indicator(
    "ZH-009", "个人缴费未足额记入个人账户", line=BusinessLine.GENERAL, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, PERSONAL_ACCOUNT, FUND_SUPERVISION_RULES),
    has_amount=True,
    description=("本期个人账户当期记账金额比本期正常缴纳职工基本养老保险（110）个人缴费合计少，"
                 "差额超过容差（参数 tolerance），已征收的个人缴费未记入个人账户，疑似截留挪用或漏记；"
                 "本期无正常缴费的账户不核查（转移接续等记账另有来源），金额为少记部分。"),
    params=("tolerance",),
)
def zh_009(ctx: Context, p: dict):
    c = ctx.rows("sb_contrib")
    c = c.filter((c.insurance_type == "110") & (c.pay_type == "1"))
    paid = c.group_by(paid_pid=c.person_id).agg(contributed=c.person_amount.sum())
    acc = _accounts(ctx)
    j = acc.join(paid, acc.person_id == paid.paid_pid)
    j = j.mutate(shortfall=(j.contributed - j.credited).cast(MONEY))
    hits = j.filter(j.shortfall > _dec(p["tolerance"]))
    return person_rows(ctx, hits, amount="shortfall", person_id="person_id", contributed="contributed",
                       credited="credited")


@indicator(
    "ZH-010", "个人账户利息超过记账利率", line=BusinessLine.GENERAL, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(PERSONAL_ACCOUNT, ACCOUNT_INTEREST, FUND_SUPERVISION_RULES),
    has_amount=True,
    description=("本期个人账户当期利息超过期初余额按最高年记账利率（参数 max_annual_rate）折算的月利息，"
                 "超出部分大于容差（参数 tolerance），期初余额为零或为负仍计息的同样报告，"
                 "疑似虚增个人账户储存额；金额为超出部分。"),
    params=("max_annual_rate", "tolerance"),
)
def zh_010(ctx: Context, p: dict):
    acc = _accounts(ctx)
    # compared in twelfths of a year so that every product stays an exact decimal
    excess12 = acc.interest * 12 - acc.opening_balance * _dec(p["max_annual_rate"])
    acc = acc.mutate(excess12=excess12)
    hits = acc.filter(acc.excess12 > _dec(p["tolerance"]) * 12)
    hits = hits.mutate(excess=(hits.excess12 / 12).round(2).cast(MONEY))
    return person_rows(ctx, hits, amount="excess", person_id="person_id", opening_balance="opening_balance",
                       interest="interest")


@indicator(
    "ZH-011", "在职参保人员支取个人账户", line=BusinessLine.GENERAL, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, PERSONAL_ACCOUNT, FUND_SUPERVISION_RULES),
    has_amount=True,
    description=("本期个人账户有支出，而该个人编号在本期参保人员快照中为参保缴费状态（1），"
                 "且该身份号码没有待遇起始期不晚于本期的职工基本养老保险（110）待遇核定，"
                 "个人账户储存额在退休前被支取，疑似违规提前支取；金额为当期支出。"),
)
def zh_011(ctx: Context, p: dict):
    people = ctx.snapshot("sb_person")
    active = people.filter(people.status == "1").select(apid=people.person_id, id=people.id_no)
    acc = ctx.rows("sb_account")
    acc = acc.filter(acc.withdrawn > 0)
    acc = acc.join(active, acc.person_id == active.apid)
    ap = ctx.with_ids(ctx.snapshot("sb_benefit_approval"))
    ap = ap.filter((ap.insurance_type == "110") & (ap.start_period <= ctx.period))
    retired = ap.select(rid=ap.id).distinct()
    hits = acc.anti_join(retired, acc.id == retired.rid)
    return person_rows(ctx, hits, amount="withdrawn", person_id="person_id", withdrawn="withdrawn",
                       closing_balance="closing_balance")


@indicator(
    "ZH-012", "死亡人员个人账户仍记账", line=BusinessLine.GENERAL, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, PERSONAL_ACCOUNT, PENSION_DEATH_STOP),
    has_amount=True,
    description=("本期个人账户仍有当期记账，而本期晚于该身份号码的死亡月份（各部门死亡日期取最早），"
                 "死亡后仍以其名义缴费记账，疑似冒名参保或为领取待遇虚增账户；金额为当期记账。"),
)
def zh_012(ctx: Context, p: dict):
    acc = _accounts(ctx)
    acc = acc.filter(acc.credited > 0)
    dead = ctx.death_months().rename(dead_id="id")
    j = acc.join(dead, acc.id == dead.dead_id)
    hits = j.filter(month_index(j.period) > j.death_month)
    return person_rows(ctx, hits, amount="credited", person_id="person_id", death_month="death_month")
