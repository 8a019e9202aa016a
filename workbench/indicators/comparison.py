"""Information comparison (信息比对) indicators ZH-013…ZH-017: cross-source checks of identities, units
and registrations
(the workbench's own, not core).

The person checks look at the three scheme snapshots (sb, jm, jg) together. Their district is
that of the id's qualifying row first in the order sb, jm, jg and then by smallest person_id.
"""

from __future__ import annotations

import ibis

from workbench.indicators.context import Context, date_month, month_index
from workbench.indicators.policies import (
    CONTRIB_COLLECTION,
    FRAUD_PUNISHMENT,
    FUND_SUPERVISION_RULES,
    SOCIAL_INSURANCE_LAW,
)
from workbench.indicators.registry import BusinessLine, Severity, SubjectType, WarningKind, indicator
from workbench.indicators.subjects import no_amount
from workbench.periods import add_months
from workbench.warehouse import PERIOD_COL

SCHEMES = (("1", "sb_person"), ("2", "jm_person"), ("3", "jg_person"))


def scheme_people(ctx: Context):
    """Every row of the sb, jm and jg person snapshots of P, with ``scheme`` ('1' sb, '2' jm, '3' jg)."""
    parts = []
    for rank, name in SCHEMES:
        t = ctx.snapshot(name)
        parts.append(t.select(id=t.id_no, scheme=ibis.literal(rank), person_id=t.person_id, name=t.name,
                              sex=t.sex, birth_date=t.birth_date, district_code=t.district_code))
    return ibis.union(*parts)


def scheme_person_rows(hits, **evidence: str):
    """The runner's columns for person subjects found in several schemes: ``hits`` (scheme_people
    rows) keyed by id, the district of the id's row first by (scheme, person_id)."""
    ranked = hits.mutate(rkey=hits.scheme + hits.person_id)
    first = ranked.group_by(fid=ranked.id).agg(frkey=ranked.rkey.min())
    home = ranked.join(first, (ranked.id == first.fid) & (ranked.rkey == first.frkey))
    home = home.select(hid=home.id, hdistrict=home.district_code)
    j = hits.join(home, hits.id == home.hid)
    return j.select(subject_key=j.id, district_code=j.hdistrict, amount=no_amount(), scheme=j.scheme,
                    person_id=j.person_id, **{k: j[v] for k, v in evidence.items()})


@indicator(
    "ZH-013", "出生日期与身份号码不符", line=BusinessLine.GENERAL, subject=SubjectType.PERSON,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, FRAUD_PUNISHMENT, FUND_SUPERVISION_RULES),
    has_amount=False,
    description=("本期职工、城乡居民或机关事业单位参保人员快照中，登记的出生日期与公民身份号码"
                 "第7至14位表示的出生日期不一致；出生日期决定退休年龄和待遇领取资格，"
                 "疑似篡改出生日期以提前退休或提前领取待遇。所属区按职工、居民、机关顺序取个人编号最小的不符记录。"),
)
def zh_013(ctx: Context, p: dict):
    people = scheme_people(ctx)
    year = people.id.substr(6, 4).cast("int64")
    month = people.id.substr(10, 2).cast("int64")
    day = people.id.substr(12, 2).cast("int64")
    b = people.birth_date
    hits = people.filter((b.year().cast("int64") != year) | (b.month().cast("int64") != month)
                         | (b.day().cast("int64") != day))
    return scheme_person_rows(hits, birth_date="birth_date")


@indicator(
    "ZH-014", "性别与身份号码不符", line=BusinessLine.GENERAL, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, FRAUD_PUNISHMENT, FUND_SUPERVISION_RULES),
    has_amount=False,
    description=("本期职工、城乡居民或机关事业单位参保人员快照中，登记的性别与公民身份号码第17位"
                 "（奇数为男、偶数为女）不一致；性别决定法定退休年龄，疑似篡改性别以按女性年龄提前退休。"
                 "所属区按职工、居民、机关顺序取个人编号最小的不符记录。"),
)
def zh_014(ctx: Context, p: dict):
    people = scheme_people(ctx)
    odd = people.id.substr(16, 1).cast("int64") % 2 == 1
    expected = ibis.ifelse(odd, "1", "2")
    hits = people.filter(people.sex != expected)
    return scheme_person_rows(hits, sex="sex")


@indicator(
    "ZH-015", "同一身份号码姓名不一致", line=BusinessLine.GENERAL, subject=SubjectType.PERSON,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, FRAUD_PUNISHMENT, FUND_SUPERVISION_RULES),
    has_amount=False, kind=WarningKind.ANALYSIS,
    description=("同一公民身份号码在本期职工、城乡居民、机关事业单位参保人员快照和死亡信息中登记了两个及以上"
                 "不同姓名，疑似冒用他人身份参保、领取待遇或死亡信息错配。仅报告至少在一个参保人员快照中的号码，"
                 "所属区按职工、居民、机关顺序取个人编号最小的一条。"),
)
def zh_015(ctx: Context, p: dict):
    people = scheme_people(ctx)
    death = ctx.snapshot("ref_death")
    names = ibis.union(people.select("id", "name"), death.select(id=death.id_no, name=death.name))
    multi = names.group_by(mid=names.id).agg(names=names.name.nunique())
    multi = multi.filter(multi.names >= 2)
    hits = people.join(multi, people.id == multi.mid)
    return scheme_person_rows(hits, name="name", names="names")


@indicator(
    "ZH-016", "已注销单位仍缴纳社会保险", line=BusinessLine.GENERAL, subject=SubjectType.UNIT,
    severity=Severity.HIGH, policy=(SOCIAL_INSURANCE_LAW, CONTRIB_COLLECTION, FRAUD_PUNISHMENT),
    has_amount=True,
    description=("本期正常缴费或补缴记录（不含退费）的单位在本期参保单位快照中已注销（状态3），"
                 "而费款所属期晚于注销日期所在月份，疑似以已注销单位名义挂靠参保、虚构劳动关系；"
                 "所属区取该信用代码单位编号最小的参保单位所在区，金额为这些记录单位与个人缴费合计。"),
)
def zh_016(ctx: Context, p: dict):
    units = ctx.snapshot("sb_unit")
    closed = units.filter((units.status == "3") & units.close_date.notnull() & units.uscc.notnull())
    closed = closed.select(cuid=closed.unit_id, uscc=closed.uscc, close_date=closed.close_date)
    c = ctx.rows("sb_contrib")
    c = c.filter(c.pay_type.isin(["1", "2"]))
    j = c.join(closed, c.unit_id == closed.cuid)
    hits = j.filter(month_index(j.period) > date_month(j.close_date))
    home = ctx.unit_district().rename(huscc="uscc", hdistrict="district_code")
    out = hits.join(home, hits.uscc == home.huscc)
    return out.select(subject_key=out.uscc, district_code=out.hdistrict,
                      amount=(out.unit_amount + out.person_amount), unit_id=out.unit_id,
                      contrib_id=out.contrib_id, period=out.period, close_date=out.close_date)


@indicator(
    "ZH-017", "就业登记单位未参保", line=BusinessLine.GENERAL, subject=SubjectType.UNIT,
    severity=Severity.MEDIUM, policy=(SOCIAL_INSURANCE_LAW, CONTRIB_COLLECTION, FUND_SUPERVISION_RULES),
    has_amount=False, kind=WarningKind.ANALYSIS,
    description=("规定月数前（参数 grace_months）办理的就业登记所在单位，在本期参保单位快照中"
                 "没有就业登记日仍在参保的单位（无该信用代码，或均已注销且注销日期早于登记日），"
                 "用工未按时办理社会保险登记，疑似未参保用工、逃避缴费；所属区取该信用代码单位编号最小的参保单位"
                 "所在区，无参保单位的取登记编号最小的一条。"),
    params=("grace_months",),
)
def zh_017(ctx: Context, p: dict):
    e = ctx.table("rlzy_employment")
    e = e.filter((e[PERIOD_COL] == add_months(ctx.period, -int(p["grace_months"])))
                 & (e.reg_type == "1") & e.unit_uscc.notnull())
    u = ctx.snapshot("sb_unit")
    u = u.filter(u.uscc.notnull())
    reg = u.group_by(ruscc=u.uscc).agg(open_units=ibis.ifelse(u.status != "3", 1, 0).sum(),
                                       last_close=u.close_date.max())
    j = e.left_join(reg, e.unit_uscc == reg.ruscc)
    hits = j.filter(j.ruscc.isnull()
                    | ((j.open_units == 0) & (j.last_close.isnull() | (j.last_close < j.reg_date))))
    first = hits.group_by(fuscc=hits.unit_uscc).agg(freg=hits.reg_id.min())
    home = first.join(hits, first.freg == hits.reg_id).select(huscc=first.fuscc, rdistrict=hits.district_code)
    known = ctx.unit_district().rename(kuscc="uscc", kdistrict="district_code")
    home = home.left_join(known, home.huscc == known.kuscc)
    home = home.select("huscc", hdistrict=ibis.coalesce(home.kdistrict, home.rdistrict))
    out = hits.join(home, hits.unit_uscc == home.huscc)
    return out.select(subject_key=out.unit_uscc, district_code=out.hdistrict, amount=no_amount(),
                      reg_id=out.reg_id, id_no=out.id_no, reg_date=out.reg_date)
