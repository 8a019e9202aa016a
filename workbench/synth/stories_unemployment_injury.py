"""Planted stories of the further unemployment and work-injury indicators (SY-009 … SY-013,
GS-011 … GS-015): positives and near-misses for ``workbench synth``.

Thresholds come from the indicator parameter defaults. Every planted injury case has no
employer USCC, so that GS-010 (which needs the unit's contributions of the accident month,
often before the generated window) never reads it."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from workbench.synth.calendar import date_text, month_of
from workbench.synth.plants import Person, PlantBook, day
from workbench.synth.stories import Y, story


def _par(code: str) -> dict[str, Any]:
    from workbench.indicators.params import defaults

    return defaults()[code]


def _d(n: int) -> np.timedelta64:
    return np.timedelta64(n, "D")


# --- unemployment -----------------------------------------------------------------------------
def _jobless(b: PlantBook, p: int, enrol: int | None, start: int, entitled: int, amount: int,
             approve_day: int = 5, age: int = 35) -> Person:
    """A suspended sb person (first enrolled in month ``enrol``, default at 22) with a 210 approval
    made in ``p``."""
    u = b.sb(b.person(age, p, 2 - (p % 2)), status="2")
    if enrol is not None:
        b.snap["sb_person"][-1].row["first_enroll_date"] = date_text(day(enrol, 12))
    b.approval(u, "210", day(p, approve_day), start, amount, entitled=entitled)
    return u


@story("SY-009")
def sy009(b: PlantBook, p: int) -> None:
    m = int(_par("SY-009")["min_insured_months"])
    entitled = int(_par("SY-010")["months_below_tier1"])
    for insured, amount, positive in ((m - 4, 2050 * Y, True), (m - 1, 2110 * Y, True), (m, 2080 * Y, False)):
        u = _jobless(b, p, p - insured, p, entitled, amount)
        if positive:
            b.pos("SY-009", p, "person", u.id, u.district, amount * entitled)
        else:
            b.neg("SY-009", p, "person", u.id, u.district)


@story("SY-010")
def sy010(b: PlantBook, p: int) -> None:
    t = _par("SY-010")
    t1, t2 = int(t["tier1_years"]), int(t["tier2_years"])
    m0, m1, m2 = int(t["months_below_tier1"]), int(t["months_below_tier2"]), int(t["months_from_tier2"])
    for insured, amount, allowed in ((t1 * 12 - 24, 2040 * Y, m0), (t2 * 12 - 1, 2170 * Y, m1)):
        u = _jobless(b, p, p - insured, p, m2, amount)
        b.pos("SY-010", p, "person", u.id, u.district, (m2 - allowed) * amount)
    u = _jobless(b, p, p - t2 * 12, p, m2, 2090 * Y)  # exactly tier2_years: the longest entitlement
    b.neg("SY-010", p, "person", u.id, u.district)


def _dismissals(b: PlantBook, p: int, dismissed: int, staying: int) -> tuple[str, str]:
    """A planted unit whose ``dismissed`` staff pay 210 for p and get an approval in p (benefit from
    p+1), while ``staying`` staff keep contributing; returns (uscc, district)."""
    district = b.district()
    uid, uscc = b.unit(district)
    base = b.base_ok(p)
    for i in range(dismissed):
        w = b.sb(b.person(30 + i, p), status="2", district=district)
        b.contrib(p, w, uid, "210", p, base)
        b.approval(w, "210", day(p, 20), p + 1, 2000 * Y + i * 10 * Y, entitled=12)
    for i in range(staying):
        w = b.sb(b.person(28 + i % 20, p), status="1", district=district, unit_id=uid)
        b.contrib(p, w, uid, "210", p, base)
    return uscc, district


@story("SY-011")
def sy011(b: PlantBook, p: int) -> None:
    t = _par("SY-011")
    k, share = int(t["min_dismissed"]), float(t["min_dismissed_share"])
    for _ in range(2):
        uscc, district = _dismissals(b, p, k, 1 if k / (k + 1) >= share else 0)
        b.pos("SY-011", p, "unit", uscc, district)
    uscc, district = _dismissals(b, p, k - 1, 0)  # one person short
    b.neg("SY-011", p, "unit", uscc, district)
    uscc, district = _dismissals(b, p, k, math.ceil(k / share) - k + 1)  # a small share of a larger unit
    b.neg("SY-011", p, "unit", uscc, district)


@story("SY-012")
def sy012(b: PlantBook, p: int) -> None:
    wage = round(float(_par("SY-012")["min_wage"]) * Y)
    for over, entitled in ((100 * Y, 12), (3550, 18)):
        u = _jobless(b, p, None, p, entitled, wage + over)
        b.pos("SY-012", p, "person", u.id, u.district, over * entitled)
    u = _jobless(b, p, None, p, 12, wage)  # equal to the minimum wage: not above it
    b.neg("SY-012", p, "person", u.id, u.district)


def _agency_staff(b: PlantBook, person: Person, enrol: np.datetime64, q: int) -> None:
    """person in jg_person as 在职参保 (status 1) first enrolled on ``enrol``, contributing for q."""
    pid, unit_id = b.jg(person, b.district(), "1")
    sr = b.snap["jg_person"][-1]
    sr.row["first_enroll_date"] = date_text(enrol)
    sr.vf = max(b.p0, int(month_of(np.array([enrol]))[0]))
    b.jg_contrib(q, pid, unit_id, q, b.base_ok(q))


@story("SY-013")
def sy013(b: PlantBook, p: int) -> None:
    u = b.unemployed(p, p - 3, 12, 2060 * Y)
    _agency_staff(b, u, day(p - 2, 1), p)
    b.pay(p, u, "210", "21", p, 2060 * Y)
    b.pos("SY-013", p, "person", u.id, u.district, 2060 * Y)
    u = b.unemployed(p, p - 4, 12, 2120 * Y)
    _agency_staff(b, u, day(p - 8, 1), p)
    b.pay(p, u, "210", "21", p - 1, 2120 * Y)
    b.pay(p, u, "210", "21", p, 2120 * Y)
    b.pos("SY-013", p, "person", u.id, u.district, 2 * 2120 * Y)
    u = b.unemployed(p, p - 4, 12, 2090 * Y)  # joined the agency in p; paid the arrears for p-1
    _agency_staff(b, u, day(p, 3), p)
    b.pay(p, u, "210", "21", p - 1, 2090 * Y)
    b.neg("SY-013", p, "person", u.id, u.district)


# --- work injury ------------------------------------------------------------------------------
def _case(b: PlantBook, person: Person, district: str, accident: np.datetime64, apply: np.datetime64,
          decision: np.datetime64 | None, result: str | None) -> str:
    """A gsrd_case without employer USCC."""
    cid = b.case(person, district, accident, apply, decision, result)
    b.snap["gsrd_case"][-1].row["unit_uscc"] = ""
    return cid


def _injured(b: PlantBook, p: int, person: Person, grade: int) -> None:
    """A recognized case of p-20 and an initial appraisal of ``grade`` concluded well before p."""
    acc = day(p - 20, 5)
    decision = acc + _d(37)
    cid = _case(b, person, person.district or b.district(), acc, acc + _d(7), decision, "1")
    apply = decision + _d(10)
    b.appraisal(cid, person, person.district or b.district(), "1", apply, apply + _d(40), grade,
                3 if 1 <= grade <= 4 else 0)


@story("GS-011")
def gs011(b: PlantBook, p: int) -> None:
    ages = _par("common")
    male, female = int(ages["retire_age_male"]), int(ages["retire_age_female"])
    w = b.sb(b.person(male + 1, p, 1), status="2")
    _injured(b, p, w, 3)
    b.pay(p, w, "410", "41", p, 4600 * Y)
    b.pos("GS-011", p, "person", w.id, w.district, 4600 * Y)
    w = b.sb(b.person(female + 3, p, 2), status="2")
    _injured(b, p, w, 4)
    b.pay(p, w, "410", "41", p - 1, 5100 * Y)
    b.pay(p, w, "410", "41", p, 5100 * Y)
    b.pos("GS-011", p, "person", w.id, w.district, 2 * 5100 * Y)
    w = b.sb(b.person(male - 1, p, 1), status="2")  # one year short of the retirement age
    _injured(b, p, w, 2)
    b.pay(p, w, "410", "41", p, 4700 * Y)
    b.neg("GS-011", p, "person", w.id, w.district)
    r = b.retiree(p, 3900 * Y, age=male + 2)  # retired: the fund tops the pension up to the allowance
    _injured(b, p, r, 3)
    b.pay(p, r, "410", "41", p, 800 * Y)
    b.neg("GS-011", p, "person", r.id, r.district)


@story("GS-012")
def gs012(b: PlantBook, p: int) -> None:
    limit = int(_par("GS-012")["apply_limit_days"])
    decision = day(p, 12)
    apply = decision - _d(30)
    for late, result, positive in ((limit + 20, "1", True), (limit + 1, "2", True), (limit, "1", False),
                                   (limit + 60, "3", False)):
        district = b.district()
        cid = _case(b, b.person(41, p), district, apply - _d(late), apply, decision, result)
        if positive:
            b.pos("GS-012", p, "case", cid, district)
        else:
            b.neg("GS-012", p, "case", cid, district)


@story("GS-013")
def gs013(b: PlantBook, p: int) -> None:
    for first_month, first, second, shift, positive in ((p - 2, "1", "1", 0, True), (p - 3, "1", "2", 0, True),
                                                        (p - 2, "3", "1", 0, False), (p - 2, "1", "1", 1, False)):
        x = b.person(36, p)
        d1, d2 = b.districts(2)
        acc = day(first_month, 8)
        _case(b, x, d1, acc, acc + _d(4), acc + _d(20), first)
        cid = _case(b, x, d2, acc + _d(shift), day(p, 2), day(p, 16), second)
        if positive:
            b.pos("GS-013", p, "case", cid, d2)
        else:
            b.neg("GS-013", p, "case", cid, d2)


@story("GS-014")
def gs014(b: PlantBook, p: int) -> None:
    t = _par("GS-014")
    jump, within = int(t["grade_jump"]), int(t["within_months"])
    for first_month, g0, atype, g1, positive in (
        (p - 6, 9, "2", 9 - jump, True),
        (p - 6, 0, "3", 11 - jump - 1, True),
        (p - 6, 9, "2", 9 - jump + 1, False),  # one grade short of the jump
        (p - within - 2, 9, "3", 9 - jump - 1, False),  # the previous conclusion is too long ago
    ):
        x = b.person(45, p)
        district = b.district()
        acc = day(first_month - 3, 4)
        cid = _case(b, x, district, acc, acc + _d(5), acc + _d(30), "1")
        concl = day(first_month, 10)
        b.appraisal(cid, x, district, "1", concl - _d(30), concl, g0)
        concl = day(p, 18)
        aid = b.appraisal(cid, x, district, atype, concl - _d(30), concl, g1)
        if positive:
            b.pos("GS-014", p, "appraisal", aid, district)
        else:
            b.neg("GS-014", p, "appraisal", aid, district)


@story("GS-015")
def gs015(b: PlantBook, p: int) -> None:
    for result, change, positive in (("1", False, True), ("2", False, True), ("1", True, False)):
        x, y = b.person(39, p), b.person(39, p)
        district = b.district()
        acc = day(p - 4, 6)
        cid = _case(b, x, district, acc, acc + _d(5), acc + _d(35), result)
        if change:  # the worker changed id number between determination and appraisal
            y.name = x.name
            b.change(x, y, day(p - 2, 5))
        concl = day(p, 20)
        aid = b.appraisal(cid, y, district, "1", concl - _d(30), concl, 8)
        if positive:
            b.pos("GS-015", p, "appraisal", aid, district)
        else:
            b.neg("GS-015", p, "appraisal", aid, district)
