"""Planted stories: positives and near-misses of each of the 40 core indicators.

One function per indicator plants, for the delivery month ``p``, at least two positives
(``b.pos``) and one near-miss (``b.neg``) with people of their own. Amounts are cents.
The further indicators' stories live in the ``stories_<name>`` modules (``STORY_MODULES``),
registered here through ``story``. Where a story's planted rows rightly make another
indicator fire, the story records them as positives of that code too (SY-002's retirees
with a 210 approval are SY-008 cases in the approval month; JY-004/JY-005's one-off hiring
subsidies (13) to units that never paid for the person are JY-007 cases).
Indicators needing history plant only what the generated months can show:

* YL-005 needs P-12 in the window (months >= 13); without it only a near-miss is planted.
* GC-002 / GF-002 positives need no history (applicants without 60 normal months fire);
  the 60-month near-miss and the back-payment positive need months >= 61.
* ZH-005 needs P inside the base limit table (201907-202506); after 202506 the planted
  rows are normal contributions paid in P for period 202506; before 201907 nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from workbench.synth.calendar import date_of, month_end
from workbench.synth.plants import PlantBook, Ref, born, day

Story = Callable[[PlantBook, int], None]
STORIES: dict[str, Story] = {}
Y = 100  # cents per yuan


def story(code: str) -> Callable[[Story], Story]:
    def register(fn: Story) -> Story:
        STORIES[code] = fn
        return fn

    return register


def _days_before(q: int, n: int):

    return month_end(q) - np.timedelta64(n, "D")


# --- pension ----------------------------------------------------------------------------------
@story("YL-001")
def yl001(b: PlantBook, p: int) -> None:
    x = 4321 * Y
    r = b.retiree(p, x)
    b.death(r, day(p - 2, 15), "1", day(p - 2, 25))
    b.pay(p, r, "110", "11", p, x)
    b.pos("YL-001", p, "person", r.id, r.district, x)
    # several agencies: the earliest date (month p-1) counts; the arrears for p-1 do not
    r = b.retiree(p, 5012 * Y)
    b.death(r, day(p - 1, 28), "2", day(p, 3))
    b.death(r, day(p, 2), "3", day(p, 5))
    b.pay(p, r, "110", "11", p - 1, 5012 * Y)
    b.pay(p, r, "110", "11", p, 5012 * Y)
    b.pos("YL-001", p, "person", r.id, r.district, 5012 * Y)
    # near-misses: paid for the death month itself; funeral grant (12) after death
    r = b.retiree(p, 3900 * Y)
    b.death(r, day(p, 5), "1", day(p, 20))
    b.pay(p, r, "110", "11", p, 3900 * Y)
    b.neg("YL-001", p, "person", r.id, r.district)
    r = b.retiree(p, 4100 * Y)
    b.death(r, day(p - 1, 10), "2", day(p - 1, 20))
    b.pay(p, r, "110", "12", p, 41000 * Y)
    b.neg("YL-001", p, "person", r.id, r.district)


def _prison_story(b: PlantBook, p: int, code: str, ins: str, item: str) -> None:
    def receiver(amount: int):
        if ins == "110":
            return b.retiree(p, amount)
        return b.unemployed(p, p - 3, 12, amount)

    r = receiver(4000 * Y if ins == "110" else 2100 * Y)
    amount = 4000 * Y if ins == "110" else 2100 * Y
    b.prison(r, day(p - 3, 10), None)
    b.pay(p, r, ins, item, p, amount)
    b.pos(code, p, "person", r.id, r.district, amount)
    r = receiver(amount)
    b.prison(r, day(p - 20, 1), day(p, 12))
    b.pay(p, r, ins, item, p, amount)
    b.pos(code, p, "person", r.id, r.district, amount)
    r = receiver(amount)
    b.prison(r, day(p - 30, 1), day(p - 1, 20))
    b.pay(p, r, ins, item, p, amount)
    b.neg(code, p, "person", r.id, r.district)


@story("YL-002")
def yl002(b: PlantBook, p: int) -> None:
    _prison_story(b, p, "YL-002", "110", "11")


@story("YL-003")
def yl003(b: PlantBook, p: int) -> None:
    r = b.retiree(p, 3600 * Y, age=67)
    b.pay(p, r, "110", "11", p, 3600 * Y)
    jm = b.jm(r, b.district())
    b.jm_pay(p, jm, p, 1180 * Y)
    b.pos("YL-003", p, "person", r.id, r.district, 1180 * Y)
    r = b.retiree(p, 3800 * Y, age=68)
    b.pay(p, r, "110", "11", p, 3800 * Y)
    jg, _ = b.jg(r, b.district(), "4")
    b.jg_pay(p, jg, p, 8650 * Y)
    b.pos("YL-003", p, "person", r.id, r.district, 8650 * Y)
    r = b.retiree(p, 3700 * Y, age=69)
    b.pay(p, r, "110", "11", p, 3700 * Y)
    jm = b.jm(r, b.district())
    b.jm_pay(p, jm, p - 1, 1100 * Y)  # arrears for another period: no overlap
    b.neg("YL-003", p, "person", r.id, r.district)


@story("YL-004")
def yl004(b: PlantBook, p: int) -> None:
    for amount, extra in ((3900 * Y, 50000), (4500 * Y, 230000)):
        r = b.retiree(p, amount)
        b.pay(p, r, "110", "11", p, amount)
        unit = b.pop.unit_id[b.bg_unit(p)]
        base = b.base_ok(p, extra)
        paid = b.contrib(p, r, str(unit), "110", p, base)
        b.contrib(p, r, str(unit), "210", p, base)
        b.pos("YL-004", p, "person", r.id, r.district, paid)
    r = b.retiree(p, 4000 * Y)
    b.pay(p, r, "110", "11", p, 4000 * Y)
    unit = b.pop.unit_id[b.bg_unit(p)]
    b.contrib(p, r, str(unit), "110", p - 150, b.base_ok(p - 150), pay_type="2")
    b.neg("YL-004", p, "person", r.id, r.district)


@story("YL-005")
def yl005(b: PlantBook, p: int) -> None:
    ages, ind = b.pop.cfg.ages, b.pop.cfg.indicators
    near_m = ages.retire_age_male - ind.near_retire_years + 2
    near_f = ages.retire_age_female - ind.near_retire_years + 2
    ratio = round(ind.base_jump_ratio * 100)  # percent
    if p - 12 < b.p0:
        # no P-12 in history: a big base now cannot be compared, so nothing fires
        w = b.worker(near_m, p, sex=1)
        b.contrib(p, w, w.unit_id, "110", p, b.base_ok(p, 1500000))
        b.neg("YL-005", p, "person", w.id, w.district)
        return
    lo = max(int(b.limits.at(m)[0]) for m in range(p - 12, p + 1))
    b0 = (lo // 10000 + 2) * 10000  # whole hundreds of yuan, above every lower limit

    def plant(age: int, sex: int, ratio_pct: int) -> object:
        w = b.worker(age, p, sex=sex)
        for m in range(p - 12, p):
            b.contrib(m, w, w.unit_id, "110", m, b0)
            b.contrib(m, w, w.unit_id, "210", m, b0)
        b.contrib(p, w, w.unit_id, "110", p, b0 * ratio_pct // 100)
        b.contrib(p, w, w.unit_id, "210", p, b0 * ratio_pct // 100)
        return w

    w = plant(near_m, 1, ratio + 50)
    b.pos("YL-005", p, "person", w.id, w.district)
    w = plant(near_f, 2, ratio)  # exactly the ratio: >= fires
    b.pos("YL-005", p, "person", w.id, w.district)
    w = plant(near_m, 1, ratio - 1)  # 1.99
    b.neg("YL-005", p, "person", w.id, w.district)
    w = plant(ages.retire_age_male - ind.near_retire_years - 2, 1, ratio + 100)  # too young
    b.neg("YL-005", p, "person", w.id, w.district)


@story("YL-006")
def yl006(b: PlantBook, p: int) -> None:
    k = b.pop.cfg.indicators.backpay_min_months
    for n, with210, positive in ((k, False, True), (k + 12, True, True), (k - 1, False, False)):
        w = b.worker(45, p)
        base = b.base_ok(p)
        b.contrib(p, w, w.unit_id, "110", p, base)
        b.contrib(p, w, w.unit_id, "210", p, base)
        total = 0
        for m in range(p - n - 4, p - 4):
            total += b.contrib(p, w, w.unit_id, "110", m, b.base_ok(m, 20000), pay_type="2")
            if with210:
                b.contrib(p, w, w.unit_id, "210", m, b.base_ok(m, 20000), pay_type="2")
        if positive:
            b.pos("YL-006", p, "person", w.id, w.district, total)
        else:
            b.neg("YL-006", p, "person", w.id, w.district)


def _new_retirement(
    b: PlantBook,
    p: int,
    *,
    sex: int,
    age_at_start: int,
    retire_type: str,
    months: int,
    birth_day: int | None = None,
):
    start = p + 1
    if birth_day is None:
        person = b.person(age_at_start, start, sex)
    else:  # born on a given day of the start month, age_at_start years before
        y, m = divmod(start, 12)

        birth = date_of(y - age_at_start, m + 1, birth_day)
        person = b.person(0, start, sex, birth=birth)
    person = b.sb(person, status="1", unit_id=str(b.pop.unit_id[b.bg_unit(p)]))
    b.approval(person, "110", day(p, 12), start, 4200 * Y, retire_type=retire_type, months=months)
    return person


@story("YL-007")
def yl007(b: PlantBook, p: int) -> None:
    ages = b.pop.cfg.ages
    r = _new_retirement(
        b, p, sex=1, age_at_start=ages.retire_age_male - 2, retire_type="1", months=400
    )
    b.pos("YL-007", p, "person", r.id, r.district)
    # born on the 2nd: one day short of the retirement age at the first day of start_period
    r = _new_retirement(
        b, p, sex=2, age_at_start=ages.retire_age_female, retire_type="1", months=380, birth_day=2
    )
    b.pos("YL-007", p, "person", r.id, r.district)
    r = _new_retirement(
        b, p, sex=1, age_at_start=ages.retire_age_male, retire_type="1", months=400, birth_day=1
    )
    b.neg("YL-007", p, "person", r.id, r.district)
    r = _new_retirement(
        b, p, sex=1, age_at_start=ages.retire_age_male - 5, retire_type="2", months=400
    )
    b.neg("YL-007", p, "person", r.id, r.district)


@story("YL-008")
def yl008(b: PlantBook, p: int) -> None:
    age = b.pop.cfg.ages.retire_age_male + 1
    k = b.pop.cfg.indicators.min_contrib_months
    for months, positive in ((k - 30, True), (k - 1, True), (k, False)):
        r = _new_retirement(b, p, sex=1, age_at_start=age, retire_type="1", months=months)
        (b.pos if positive else b.neg)("YL-008", p, "person", r.id, r.district)


@story("YL-009")
def yl009(b: PlantBook, p: int) -> None:
    r = b.retiree(p, 4000 * Y)
    b.pay(p, r, "110", "11", p, 4100 * Y)
    b.pos("YL-009", p, "person", r.id, r.district, 100 * Y)
    # re-approved lower: the latest approval (start <= period) counts, not the first
    r = b.retiree(p, 5000 * Y)
    b.approval(r, "110", day(p - 6, 10), p - 5, 3000 * Y, retire_type="1", months=360)
    b.pay(p, r, "110", "11", p, 3500 * Y)
    b.pos("YL-009", p, "person", r.id, r.district, 500 * Y)
    r = b.retiree(p, 4000 * Y)
    tolerated = round(4000 * Y * (1 + b.pop.cfg.indicators.overpay_tolerance))
    b.pay(p, r, "110", "11", p, tolerated)  # exactly the tolerance more: not reported
    b.neg("YL-009", p, "person", r.id, r.district)
    r = b.retiree(p, 3000 * Y)
    b.approval(r, "110", day(p, 5), p + 1, 2000 * Y, retire_type="1", months=360)  # starts later
    b.pay(p, r, "110", "11", p, 3000 * Y)
    b.neg("YL-009", p, "person", r.id, r.district)


@story("YL-010")
def yl010(b: PlantBook, p: int) -> None:
    r = b.retiree(p, 3300 * Y)
    b.pay(p, r, "110", "11", p, 3300 * Y)
    b.pay(p, r, "110", "11", p, 3300 * Y, pay_day=20)
    b.pos("YL-010", p, "person", r.id, r.district, 3300 * Y)
    u = b.unemployed(p, p - 3, 12, 2100 * Y)
    for amount in (2100 * Y, 2100 * Y, 1600 * Y):
        b.pay(p, u, "210", "21", p, amount)
    b.pos("YL-010", p, "person", u.id, u.district, 3700 * Y)
    r = b.retiree(p, 3500 * Y)
    b.pay(p, r, "110", "11", p - 1, 3500 * Y)
    b.pay(p, r, "110", "11", p, 3500 * Y)
    b.neg("YL-010", p, "person", r.id, r.district)


# --- unemployment -----------------------------------------------------------------------------
@story("SY-001")
def sy001(b: PlantBook, p: int) -> None:
    u = b.unemployed(p, p - 2, 12, 2050 * Y)
    b.pay(p, u, "210", "21", p, 2050 * Y)
    b.contrib(p, u, str(b.pop.unit_id[b.bg_unit(p)]), "110", p, b.base_ok(p))
    b.pos("SY-001", p, "person", u.id, u.district, 2050 * Y)
    u = b.unemployed(p, p - 4, 12, 2150 * Y)
    b.pay(p, u, "210", "21", p - 1, 2150 * Y)  # arrears: no contribution for p-1
    b.pay(p, u, "210", "21", p, 2150 * Y)
    b.contrib(p, u, str(b.pop.unit_id[b.bg_unit(p)]), "110", p, b.base_ok(p))
    b.pos("SY-001", p, "person", u.id, u.district, 2150 * Y)
    u = b.unemployed(p, p - 4, 12, 2080 * Y)
    b.pay(p, u, "210", "21", p - 1, 2080 * Y)
    b.contrib(p, u, str(b.pop.unit_id[b.bg_unit(p)]), "110", p, b.base_ok(p))
    b.neg("SY-001", p, "person", u.id, u.district)


@story("SY-002")
def sy002(b: PlantBook, p: int) -> None:
    for pension, benefit, positive in (
        (3500 * Y, 2000 * Y, True),
        (3650 * Y, 2120 * Y, True),
        (3400 * Y, 2060 * Y, False),
    ):
        r = b.retiree(p, pension, age=61)
        b.approval(r, "210", day(p - 3, 5), p - 3, benefit, entitled=12)
        b.pay(p, r, "110", "11", p, pension)
        b.pay(p, r, "210", "21", p if positive else p - 1, benefit)
        (
            b.pos("SY-002", p, "person", r.id, r.district, benefit)
            if positive
            else b.neg("SY-002", p, "person", r.id, r.district)
        )
        # a 210 approval for a retiree past the retirement age: SY-008 in its approval month
        b.pos("SY-008", [p - 3], "person", r.id, r.district)


@story("SY-003")
def sy003(b: PlantBook, p: int) -> None:
    u = b.unemployed(p, p - 4, 12, 2010 * Y)
    b.death(u, day(p - 2, 10), "1", day(p - 2, 20))
    b.pay(p, u, "210", "21", p, 2010 * Y)
    b.pos("SY-003", p, "person", u.id, u.district, 2010 * Y)
    u = b.unemployed(p, p - 4, 12, 2030 * Y)
    b.death(u, day(p - 1, 28), "3", day(p, 2))
    b.death(u, day(p, 1), "1", day(p, 4))
    b.pay(p, u, "210", "21", p, 2030 * Y)
    b.pos("SY-003", p, "person", u.id, u.district, 2030 * Y)
    u = b.unemployed(p, p - 4, 12, 2040 * Y)
    b.death(u, day(p, 3), "2", day(p, 9))
    b.pay(p, u, "210", "21", p, 2040 * Y)
    b.neg("SY-003", p, "person", u.id, u.district)


@story("SY-004")
def sy004(b: PlantBook, p: int) -> None:
    u = b.unemployed(p, p - 12, 12, 2000 * Y)  # last entitled month p-1
    b.pay(p, u, "210", "21", p, 2000 * Y)
    b.pos("SY-004", p, "person", u.id, u.district, 2000 * Y)
    u = b.unemployed(p, p - 20, 24, 2100 * Y)  # old approval would still cover p
    b.approval(u, "210", day(p - 3, 5), p - 3, 2100 * Y, entitled=3)  # the latest ends at p-1
    b.pay(p, u, "210", "21", p, 2100 * Y)
    b.pos("SY-004", p, "person", u.id, u.district, 2100 * Y)
    u = b.unemployed(p, p - 11, 12, 2000 * Y)  # last entitled month is p
    b.pay(p, u, "210", "21", p, 2000 * Y)
    b.neg("SY-004", p, "person", u.id, u.district)
    u = b.unemployed(p, p - 30, 12, 2000 * Y)  # expired, but renewed from p-2
    b.approval(u, "210", day(p - 2, 5), p - 2, 2000 * Y, entitled=6)
    b.pay(p, u, "210", "21", p, 2000 * Y)
    b.neg("SY-004", p, "person", u.id, u.district)


@story("SY-005")
def sy005(b: PlantBook, p: int) -> None:
    _prison_story(b, p, "SY-005", "210", "21")


# --- work injury ------------------------------------------------------------------------------
@story("GS-001")
def gs001(b: PlantBook, p: int) -> None:
    for a, result, back, positive in (
        (p - 2, "1", p - 2, True),
        (p - 5, "2", p - 5, True),
        (p - 3, "3", p - 3, False),
        (p - 4, "1", p - 5, False),
    ):
        w = b.worker(35, p)
        base = b.base_ok(p)
        for ins in ("110", "210", "410"):
            b.contrib(p, w, w.unit_id, ins, p, base)
        district = w.district
        cid = b.case(w, district, day(a, 6), day(a, 10), day(a, 10) + _d(30), result)
        b.contrib(p, w, w.unit_id, "410", back, b.base_ok(back), pay_type="2")
        if positive:
            b.contrib(p, w, w.unit_id, "410", back + 1, b.base_ok(back + 1), pay_type="2")
            b.pos("GS-001", p, "case", cid, district)
        else:
            b.neg("GS-001", p, "case", cid, district)


def _d(n: int):

    return np.timedelta64(n, "D")


@story("GS-002")
def gs002(b: PlantBook, p: int) -> None:
    w = b.worker(40, p)
    b.pay(p, w, "410", "43", p, 3000 * Y)  # no case at all
    b.pos("GS-002", p, "person", w.id, w.district, 3000 * Y)
    w = b.worker(41, p)
    b.case(w, w.district, day(p - 1, 20), day(p - 1, 28), day(p, 25), "1")  # decided after paying
    b.pay(p, w, "410", "43", p, 2600 * Y, pay_day=10)
    b.pos("GS-002", p, "person", w.id, w.district, 2600 * Y)
    w = b.worker(42, p)
    b.case(w, w.district, day(p - 1, 20), day(p - 1, 28), day(p, 10), "1")  # decided that day
    b.pay(p, w, "410", "43", p, 2700 * Y, pay_day=10)
    b.neg("GS-002", p, "person", w.id, w.district)
    w = b.worker(43, p)
    b.case(w, w.district, day(p - 4, 2), day(p - 4, 8), day(p - 3, 1), "3")
    b.case(w, w.district, day(p - 3, 2), day(p - 3, 8), day(p - 2, 1), "1")
    b.pay(p, w, "410", "43", p, 2800 * Y)
    b.neg("GS-002", p, "person", w.id, w.district)


@story("GS-003")
def gs003(b: PlantBook, p: int) -> None:
    for grade, concl, pay_day, positive in (
        (8, day(p - 5, 10), 10, True),
        (5, day(p, 20), 8, True),
        (6, day(p, 8), 8, False),
    ):
        w = b.worker(44, p)
        cid = b.case(w, w.district, day(p - 9, 3), day(p - 9, 9), day(p - 8, 1), "1")
        b.appraisal(cid, w, w.district, "1", concl - _d(40), concl, grade)
        b.pay(p, w, "410", "41", p, 4400 * Y, pay_day=pay_day)
        (
            b.pos("GS-003", p, "person", w.id, w.district, 4400 * Y)
            if positive
            else b.neg("GS-003", p, "person", w.id, w.district)
        )


@story("GS-004")
def gs004(b: PlantBook, p: int) -> None:
    ds = b.districts(5)
    # pending case (decided next month, after the conclusion): fires from p on
    x = b.person(33, p)
    cid = b.case(x, ds[0], day(p - 1, 25), day(p, 1), day(p + 1, 5), "1")
    aid = b.appraisal(cid, x, ds[0], "1", day(p, 3), day(p, 20), 7)
    b.pos("GS-004", b.persistent(p), "appraisal", aid, ds[0])
    x = b.person(34, p)
    cid = b.case(x, ds[1], day(p - 4, 2), day(p - 4, 8), day(p - 3, 10), "3")
    aid = b.appraisal(cid, x, ds[1], "1", day(p, 2), day(p, 15), 9)
    b.pos("GS-004", b.persistent(p), "appraisal", aid, ds[1])
    x = b.person(35, p)
    cid = b.case(x, ds[2], day(p - 1, 5), day(p - 1, 10), day(p, 25), "1")
    aid = b.appraisal(cid, x, ds[2], "1", day(p, 1), day(p, 12), 8)
    b.pos("GS-004", b.persistent(p), "appraisal", aid, ds[2])
    x = b.person(36, p)
    cid = b.case(x, ds[3], day(p - 1, 5), day(p - 1, 10), day(p, 12), "1")
    aid = b.appraisal(cid, x, ds[3], "1", day(p, 1), day(p, 12), 8)  # same day: not earlier
    b.neg("GS-004", p, "appraisal", aid, ds[3])
    x = b.person(37, p)
    cid = b.case(x, ds[4], day(p - 4, 2), day(p - 4, 8), day(p - 3, 10), "3")
    aid = b.appraisal(cid, x, ds[4], "2", day(p, 2), day(p, 15), 9)  # not an initial appraisal
    b.neg("GS-004", p, "appraisal", aid, ds[4])


@story("GS-005")
def gs005(b: PlantBook, p: int) -> None:
    limit = b.pop.cfg.indicators.injury_decision_days
    apply = _days_before(p - 1, limit - 1)  # 59 days pending at the end of p-1
    ds = b.districts(4)
    x = b.person(30, p)
    cid = b.case(x, ds[0], apply - _d(10), apply, None, None)  # still pending
    b.pos("GS-005", b.persistent(p), "case", cid, ds[0])
    x = b.person(31, p)
    cid = b.case(x, ds[1], apply - _d(10), apply, apply + _d(limit + 5), "1")
    b.pos("GS-005", b.persistent(p), "case", cid, ds[1])
    x = b.person(32, p)
    cid = b.case(x, ds[2], apply - _d(10), apply, apply + _d(limit), "1")  # exactly 60 days
    b.neg("GS-005", p, "case", cid, ds[2])
    x = b.person(33, p)
    apply2 = month_end(p) - _d(limit)  # pending exactly 60 days at the end of p (withdrawn after)
    cid = b.case(x, ds[3], apply2 - _d(5), apply2, None, None, vt=p)
    b.neg("GS-005", p, "case", cid, ds[3])


@story("GS-006")
def gs006(b: PlantBook, p: int) -> None:
    k = b.pop.cfg.indicators.injury_repeat

    def cases(x, plan):
        for a, result, district in plan:
            acc = day(a, 3)
            b.case(x, district, acc, acc + _d(3), acc + _d(17), result)

    def spread(first: int, n: int) -> list[int]:
        return [int(m) for m in np.linspace(first, p, n).round()]

    ds = b.districts(3)
    # k cases from p-10 to p: in every 12-month window ending at p and p+1
    x = b.person(38, p)
    cases(x, [(m, "1", ds[i % 3]) for i, m in enumerate(spread(p - 10, k))])
    b.pos("GS-006", [p, p + 1], "person", x.id, ds[(k - 1) % 3])
    x = b.person(39, p)
    plan = [(m, "2" if i == 1 else "1", ds[i % 2]) for i, m in enumerate(spread(p - 9, k))]
    cases(x, [*plan[:1], (p - 6, "3", ds[2]), *plan[1:]])  # a refused case does not count
    b.pos("GS-006", [p, p + 1, p + 2], "person", x.id, ds[(k - 1) % 2])
    x = b.person(40, p)
    cases(x, [(p - 12, "1", ds[0]), *[(m, "1", ds[1]) for m in spread(p - 6, k - 1)]])
    b.neg("GS-006", p, "person", x.id, ds[1])  # one accident just outside the 12 months
    x = b.person(41, p)
    plan = [(m, "3" if i == 1 else "1", ds[i % 3]) for i, m in enumerate(spread(p - 8, k))]
    cases(x, plan)
    b.neg("GS-006", p, "person", x.id, ds[(k - 1) % 3])


# --- human resources market -------------------------------------------------------------------
@story("JY-001")
def jy001(b: PlantBook, p: int) -> None:
    ds = b.districts(3)
    shell = b.uscc(ds[0])  # unknown to sb_unit
    b.subsidy(p, "11", "1", shell, b.person(28, p), p, 1500 * Y, ds[0])
    b.subsidy(p, "11", "1", shell, b.person(29, p), p, 1700 * Y, ds[1])
    b.pos("JY-001", p, "unit", shell, ds[0], 3200 * Y)
    _, uscc = b.unit(ds[2])  # registered, but nobody contributes
    b.subsidy(p, "12", "1", uscc, b.person(30, p), p, 900 * Y, ds[2])
    b.pos("JY-001", p, "unit", uscc, ds[2], 900 * Y)
    other = b.uscc(ds[1])
    b.subsidy(p, "11", "2", other, b.person(31, p), p, 800 * Y, ds[1])  # to a person
    b.neg("JY-001", p, "unit", other, ds[1])
    u = b.bg_unit(p)
    uscc = str(b.pop.unit_uscc[u])
    b.subsidy(p, "11", "1", uscc, b.person(32, p), p, 1100 * Y, str(b.pop.unit_district[u]))
    b.neg("JY-001", p, "unit", uscc, str(b.pop.unit_district[u]))


@story("JY-002")
def jy002(b: PlantBook, p: int) -> None:
    ds = b.districts(3)
    x = b.person(30, p)
    b.subsidy(p, "15", "2", "", x, p, 1000 * Y, ds[0])
    b.subsidy(p, "15", "2", "", x, p, 800 * Y, ds[1])
    b.pos("JY-002", p, "person", x.id, ds[0], 800 * Y)
    x = b.person(31, p)
    for amount, d in ((500 * Y, ds[2]), (700 * Y, ds[0]), (600 * Y, ds[1])):
        b.subsidy(p, "14", "2", "", x, p, amount, d)
    b.pos("JY-002", p, "person", x.id, ds[2], 1100 * Y)
    x = b.person(32, p)
    b.subsidy(p, "15", "2", "", x, p - 1, 900 * Y, ds[0])
    b.subsidy(p, "15", "2", "", x, p, 900 * Y, ds[0])
    b.neg("JY-002", p, "person", x.id, ds[0])
    x = b.person(33, p)
    b.subsidy(p, "14", "2", "", x, p, 900 * Y, ds[1])
    b.subsidy(p, "15", "2", "", x, p, 900 * Y, ds[1])
    b.neg("JY-002", p, "person", x.id, ds[1])


@story("JY-003")
def jy003(b: PlantBook, p: int) -> None:
    ds = b.districts(3)
    x = b.person(45, p)
    b.death(x, day(p - 3, 5), "2", day(p - 3, 20))
    b.subsidy(p, "15", "2", "", x, p, 1200 * Y, ds[0])
    b.pos("JY-003", p, "person", x.id, ds[0], 1200 * Y)
    x = b.person(46, p)
    b.death(x, day(p - 1, 28), "1", day(p, 6))
    b.subsidy(p, "14", "2", "", x, p, 650 * Y, ds[1])
    b.subsidy(p, "15", "2", "", x, p - 1, 300 * Y, ds[2])  # for the death month: not counted
    b.pos("JY-003", p, "person", x.id, ds[1], 650 * Y)
    x = b.person(47, p)
    b.death(x, day(p, 2), "3", day(p, 12))
    b.subsidy(p, "15", "2", "", x, p, 1000 * Y, ds[2])
    b.neg("JY-003", p, "person", x.id, ds[2])


@story("JY-004")
def jy004(b: PlantBook, p: int) -> None:
    for stype, pay_period, positive in (
        ("11", p, True),
        ("12", p, True),
        ("13", p, False),
        ("11", p - 1, False),
    ):
        u = b.unemployed(p, p - 2, 12, 2020 * Y)
        b.pay(p, u, "210", "21", pay_period, 2020 * Y)
        unit = b.bg_unit(p)
        district = str(b.pop.unit_district[unit])
        b.subsidy(p, stype, "1", str(b.pop.unit_uscc[unit]), u, p, 1300 * Y, district)
        (
            b.pos("JY-004", p, "person", u.id, district, 1300 * Y)
            if positive
            else b.neg("JY-004", p, "person", u.id, district)
        )
        if stype == "13" and b.pop.unit_uscc[unit]:  # hiring subsidy, the unit never paid for u
            b.pos("JY-007", p, "unit", str(b.pop.unit_uscc[unit]), district, 1300 * Y)


@story("JY-005")
def jy005(b: PlantBook, p: int) -> None:
    ds = b.districts(4)
    for i, (close, pay_day, stype, status, positive) in enumerate(
        (
            (day(p - 2, 10), 15, "13", "3", True),
            (day(p, 3), 20, "15", "3", True),
            (day(p, 12), 12, "13", "3", False),
            (None, 12, "13", "2", False),
        )
    ):
        _, uscc = b.unit(ds[i], status=status, close=close)
        b.subsidy(p, stype, "1", uscc, b.person(30 + i, p), p, 5000 * Y, ds[i], pay_day=pay_day)
        (
            b.pos("JY-005", p, "unit", uscc, ds[i], 5000 * Y)
            if positive
            else b.neg("JY-005", p, "unit", uscc, ds[i])
        )
        if stype == "13":  # hiring subsidy to a unit without staff: JY-007 too
            b.pos("JY-007", p, "unit", uscc, ds[i], 5000 * Y)


# --- resident and agency pension --------------------------------------------------------------
@story("JM-001")
def jm001(b: PlantBook, p: int) -> None:
    for amount, period, positive in (
        (1050 * Y, p, True),
        (1230 * Y, p, True),
        (990 * Y, p - 1, False),
    ):
        x = b.person(62, p)
        dj = b.district()
        jm = b.jm(x, dj)
        b.jm_pay(p, jm, period, amount)
        s = b.sb(x, status="1", unit_id=str(b.pop.unit_id[b.bg_unit(p)]))
        b.contrib(p, s, s.unit_id, "110", p, b.base_ok(p))
        (
            b.pos("JM-001", p, "person", x.id, dj, amount)
            if positive
            else b.neg("JM-001", p, "person", x.id, dj)
        )


@story("JM-002")
def jm002(b: PlantBook, p: int) -> None:
    x = b.person(75, p)
    dj = b.district()
    jm = b.jm(x, dj)
    b.death(x, day(p - 2, 5), "1", day(p - 2, 15))
    b.jm_pay(p, jm, p, 1020 * Y)
    b.pos("JM-002", p, "person", x.id, dj, 1020 * Y)
    x = b.person(78, p)
    dj = b.district()
    jm = b.jm(x, dj)
    b.death(x, day(p - 1, 20), "2", day(p - 1, 27))
    b.jm_pay(p, jm, p - 1, 1040 * Y)
    b.jm_pay(p, jm, p, 1040 * Y)
    b.pos("JM-002", p, "person", x.id, dj, 1040 * Y)
    x = b.person(80, p)
    dj = b.district()
    jm = b.jm(x, dj)
    b.death(x, day(p, 5), "1", day(p, 15))
    b.jm_pay(p, jm, p, 1060 * Y)
    b.neg("JM-002", p, "person", x.id, dj)


@story("JM-003")
def jm003(b: PlantBook, p: int) -> None:

    age = b.pop.cfg.ages.resident_pension_age
    y, m = divmod(p, 12)
    for birth, positive in (
        (born(age - 1, p), True),
        (date_of(y - age, m + 1, 2), True),
        (date_of(y - age, m + 1, 1), False),
    ):
        x = b.person(0, p, 2, birth=birth)
        dj = b.district()
        jm = b.jm(x, dj)
        b.jm_pay(p, jm, p, 980 * Y)
        (
            b.pos("JM-003", p, "person", x.id, dj, 980 * Y)
            if positive
            else b.neg("JM-003", p, "person", x.id, dj)
        )


@story("JG-001")
def jg001(b: PlantBook, p: int) -> None:
    for death, extra, positive in (
        (day(p - 2, 6), None, True),
        (day(p - 1, 27), day(p, 2), True),
        (day(p, 4), None, False),
    ):
        x = b.person(72, p)
        dj = b.district()
        jg, _ = b.jg(x, dj, "4")
        b.death(x, death, "2", death + _d(12))
        if extra is not None:
            b.death(x, extra, "3", extra + _d(3))
        b.jg_pay(p, jg, p, 9100 * Y)
        (
            b.pos("JG-001", p, "person", x.id, dj, 9100 * Y)
            if positive
            else b.neg("JG-001", p, "person", x.id, dj)
        )


@story("JG-002")
def jg002(b: PlantBook, p: int) -> None:
    for sb_type, positive in (("1", True), ("1", True), ("2", False)):
        x = b.person(48, p)
        dj = b.district()
        jg, unit = b.jg(x, dj, "1")
        b.jg_contrib(p, jg, unit, p, b.base_ok(p, 300000))
        s = b.sb(x, status="1", unit_id=str(b.pop.unit_id[b.bg_unit(p)]))
        b.contrib(p, s, s.unit_id, "110", p, b.base_ok(p), pay_type=sb_type)
        (
            b.pos("JG-002", p, "person", x.id, dj)
            if positive
            else b.neg("JG-002", p, "person", x.id, dj)
        )


# --- cross-source -----------------------------------------------------------------------------
@story("ZH-001")
def zh001(b: PlantBook, p: int) -> None:
    for copies in (2, 3):
        x = b.person(36, p)
        rows = [b.sb(x, status="3", district=d, vf=p) for d in b.districts(copies)]
        first = min(rows, key=lambda r: r.pid)
        b.pos("ZH-001", b.persistent(p), "person", x.id, first.district)
    x = b.person(37, p)
    twin = b.person(0, p, birth=x.birth)
    twin.name = x.name  # same name and birth date, different id: two people
    s = b.sb(x, status="3", vf=p)
    b.sb(twin, status="3", vf=p)
    b.neg("ZH-001", p, "person", x.id, s.district)


@story("ZH-002")
def zh002(b: PlantBook, p: int) -> None:
    for age in (33, 51):
        x = b.sb(b.person(age, p, wrong_check=True), status="3", vf=p)
        b.pos("ZH-002", b.persistent(p), "person", x.id, x.district)
    # right check character, area code not a real one for the birth year: not reported
    x = b.sb(b.person(20, p, area=110192), status="3", vf=p)
    b.neg("ZH-002", p, "person", x.id, x.district)

    birth = date_of(2012, 1, 1) + np.timedelta64(p % 360, "D")  # 崇文区 was merged in 2010
    x = b.sb(b.person(0, p, birth=birth, area=110103), status="3", vf=p)
    b.neg("ZH-002", p, "person", x.id, x.district)


@story("ZH-003")
def zh003(b: PlantBook, p: int) -> None:
    for plan, positive in (
        (("110", "110"), True),
        (("110", "110", "110"), True),
        (("110", "210"), False),
        (("110", "110b"), False),
    ):
        w = b.worker(39, p)
        base = b.base_ok(p)
        units = {str(b.pop.unit_id[b.bg_unit(p)]) for _ in range(len(plan) + 3)} - {w.unit_id}
        units = [w.unit_id, *sorted(units)]
        for unit, ins in zip(units, plan, strict=False):
            if ins == "110b":
                b.contrib(p, w, unit, "110", p, base, pay_type="2")
            else:
                b.contrib(p, w, unit, ins, p, base)
        (
            b.pos("ZH-003", p, "person", w.id, w.district)
            if positive
            else b.neg("ZH-003", p, "person", w.id, w.district)
        )


@story("ZH-004")
def zh004(b: PlantBook, p: int) -> None:
    plans = (
        (1000000, 80000, 200, 0, 1070200, True, 10000),  # 100.00 missing
        (10000, 0, 0, 30000, -20000, True, 0),  # balances, but closing < 0
        (500000, 40000, 100, 0, 540098, True, 2),  # 0.02 off
        (500000, 40000, 100, 0, 540099, False, None),  # 0.01 off: tolerated
    )
    for opening, credited, interest, withdrawn, closing, positive, amount in plans:
        w = b.sb(b.person(44, p), status="2")
        b.account(p, w, opening, credited, interest, withdrawn, closing)
        (
            b.pos("ZH-004", p, "person", w.id, w.district, amount)
            if positive
            else b.neg("ZH-004", p, "person", w.id, w.district)
        )


@story("ZH-005")
def zh005(b: PlantBook, p: int) -> None:
    lim = b.limits
    if lim.in_table(p):
        m = p
    elif p > lim.last:
        m = lim.last  # late normal contribution for the table's last period
    else:
        return
    lo, hi = (int(v) for v in lim.at(m))
    for base, positive in ((lo - 100, True), (hi + 1, True), (lo, False), (hi, False)):
        w = b.worker(38, p)
        b.contrib(p, w, w.unit_id, "110", m, base)
        (
            b.pos("ZH-005", p, "person", w.id, w.district)
            if positive
            else b.neg("ZH-005", p, "person", w.id, w.district)
        )


# --- car and house ----------------------------------------------------------------------------
def _identity_story(b: PlantBook, p: int, code: str, table: str) -> None:

    apply = day(p, 15)
    months = b.pop.cfg.indicators.identity_change_months

    def before(n: int) -> np.datetime64:
        return day(p - n, 15)

    def plant(change, same_id: bool = False):
        new = b.person(34, p)
        old = b.person(34, p, birth=new.birth)
        if old.name == new.name:
            old.name += "华"
        if same_id:
            old.id = new.id
        b.change(old, new, change)
        return b.apply(table, p, new, apply, "1")

    row = plant(before(months // 2))
    b.pos(code, p, "application", Ref(row, "apply_id"), "110000")
    row = plant(before(months))  # exactly the months before: counts
    b.pos(code, p, "application", Ref(row, "apply_id"), "110000")
    row = plant(before(months) - _d(1))
    b.neg(code, p, "application", Ref(row, "apply_id"), "110000")
    row = plant(before(12), same_id=True)  # name only
    b.neg(code, p, "application", Ref(row, "apply_id"), "110000")
    row = plant(apply + _d(5))  # changed after applying
    b.neg(code, p, "application", Ref(row, "apply_id"), "110000")


def _outside_story(b: PlantBook, p: int, code: str, table: str) -> None:
    need = b.pop.cfg.indicators.required_months
    x = b.person(31, p)
    row = b.apply(table, p, x, day(p, 9), "2")  # no contributions at all
    b.pos(code, p, "application", Ref(row, "apply_id"), "110000")
    w = b.worker(33, p, hukou=3)
    for m in range(max(b.p0, p - 6, p - need + 1), p):
        b.contrib(m, w, w.unit_id, "110", m, b.base_ok(m))
    row = b.apply(table, p, w, day(p, 11), "2")
    b.pos(code, p, "application", Ref(row, "apply_id"), "110000")
    x = b.person(32, p)
    row = b.apply(table, p, x, day(p, 13), "1")  # local hukou: not checked
    b.neg(code, p, "application", Ref(row, "apply_id"), "110000")
    if p - need >= b.p0:
        for gap, positive in ((None, False), (p - need // 2, True)):
            w = b.worker(40, p, hukou=4)
            for m in range(p - need, p):
                if m == gap:
                    b.contrib(m + 1, w, w.unit_id, "110", m, b.base_ok(m), pay_type="2")
                else:
                    b.contrib(m, w, w.unit_id, "110", m, b.base_ok(m))
            row = b.apply(table, p, w, day(p, 16), "2")
            if positive:
                b.pos(code, p, "application", Ref(row, "apply_id"), "110000")
            else:
                b.neg(code, p, "application", Ref(row, "apply_id"), "110000")


@story("GC-001")
def gc001(b: PlantBook, p: int) -> None:
    _identity_story(b, p, "GC-001", "ref_car_apply")


@story("GF-001")
def gf001(b: PlantBook, p: int) -> None:
    _identity_story(b, p, "GF-001", "ref_house_apply")


@story("GC-002")
def gc002(b: PlantBook, p: int) -> None:
    _outside_story(b, p, "GC-002", "ref_car_apply")


@story("GF-002")
def gf002(b: PlantBook, p: int) -> None:
    _outside_story(b, p, "GF-002", "ref_house_apply")


STORY_MODULES = ("further", "pension_payments", "unemployment_injury", "subsidies_purchase",
                 "resident_agency", "accounts_comparison", "evaluation")


def load_stories() -> None:
    """Import the modules holding the further indicators' stories (they register here)."""
    import importlib

    for name in STORY_MODULES:
        importlib.import_module(f"workbench.synth.stories_{name}")


def plant_all(b: PlantBook) -> None:
    """Plant every story for every month of the window."""
    load_stories()
    for p in b.months:
        for code in sorted(STORIES):
            STORIES[code](b, p)
