"""Planted stories of the further indicators (further):
positives and near-misses for ``workbench synth``.

YL-011…YL-014, SY-006…SY-008, GS-007…GS-010, JY-006…JY-008, JM-004…JM-006, JG-003,
ZH-006, ZH-007, GC-003, GC-004, GF-003: each story follows its indicator's exact logic in
its module, with people, units and cases of its own. Injury cases are decided before the
window (so that GS-010, which looks at cases decided in P, never sees them) except in the
GS-010 story itself. ZH-007 compares with the snapshot of P − compare_months: in the
window's first months nothing can fire, so only a near-miss is planted there.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from workbench.indicators.params import defaults
from workbench.synth.calendar import date_of, date_text, first_month_at_age, period_text
from workbench.synth.plants import Person, PlantBook, Ref, day, money
from workbench.synth.stories import Y, story


def _param(code: str, name: str) -> Any:
    """A parameter's default (the code's own section, else common)."""
    d = defaults()
    return d.get(code, {}).get(name, d.get("common", {}).get(name))


def _d(n: int) -> np.timedelta64:
    return np.timedelta64(n, "D")


def _last_sb(b: PlantBook) -> dict:
    """The sb_person row just planted by ``b.sb``."""
    return b.snap["sb_person"][-1].row


def _pensioner(b: PlantBook, p: int, amount: int, status: str = "4", age: int = 66) -> Person:
    """An sb person (``status``) with a normal-retirement 110 approval from the retirement age."""
    person = b.sb(b.person(age, p, 1), status=status)
    start = int(first_month_at_age(np.array([person.birth]), int(_param("YL-007", "retire_age_male")))[0])
    b.approval(person, "110", day(start - 1, 15), start, amount, retire_type="1", months=360)
    return person


# --- pension ----------------------------------------------------------------------------------
@story("YL-011")
def yl011(b: PlantBook, p: int) -> None:
    r = _pensioner(b, p, 3950 * Y, status="3")
    b.pay(p, r, "110", "11", p, 3950 * Y)
    b.pos("YL-011", p, "person", r.id, r.district, 3950 * Y)
    r = _pensioner(b, p, 4120 * Y, status="3")
    b.pay(p, r, "110", "11", p - 1, 4120 * Y)  # arrears and the month itself: both counted
    b.pay(p, r, "110", "11", p, 4120 * Y)
    b.pos("YL-011", p, "person", r.id, r.district, 8240 * Y)
    # near-misses: a retiree (status 4) paid normally; a terminated (dead) member's funeral grant
    r = _pensioner(b, p, 4010 * Y)
    b.pay(p, r, "110", "11", p, 4010 * Y)
    b.neg("YL-011", p, "person", r.id, r.district)
    r = _pensioner(b, p, 4030 * Y, status="3")
    b.death(r, day(p - 1, 12), "1", day(p - 1, 20))
    b.pay(p, r, "110", "12", p, 40300 * Y)
    b.neg("YL-011", p, "person", r.id, r.district)


@story("YL-012")
def yl012(b: PlantBook, p: int) -> None:
    enrol_month, months = p - 12, 300  # YL-020 leaves a start in the enrolment month alone
    for start, positive in ((p - 24, True), (enrol_month - 1, True), (enrol_month, False)):
        person = b.sb(b.person(64, p, 1), status="4")
        _last_sb(b)["first_enroll_date"] = date_text(day(enrol_month, 10))
        b.approval(person, "110", day(p, 12), start, 4200 * Y, retire_type="1", months=months)
        (b.pos if positive else b.neg)("YL-012", p, "person", person.id, person.district)


@story("YL-013")
def yl013(b: PlantBook, p: int) -> None:
    # the district median lies within the background's pension range (planted approvals are few)
    ratio = float(_param("YL-013", "median_ratio"))
    lo, hi = b.pop.cfg.money.pension_range
    for amount, positive in (
        (round(ratio * hi * 1.25) * Y, True),
        (round(ratio * hi * 2) * Y, True),
        (int(ratio * lo * 0.9) * Y, False),
    ):
        person = b.sb(b.person(61, p + 1, 1), status="1", unit_id=str(b.pop.unit_id[b.bg_unit(p)]))
        b.approval(person, "110", day(p, 12), p + 1, amount, retire_type="1", months=420)
        (b.pos if positive else b.neg)("YL-013", p, "person", person.id, person.district)


@story("YL-014")
def yl014(b: PlantBook, p: int) -> None:
    for amount in (41000 * Y, 38500 * Y):
        r = _pensioner(b, p, amount // 10)
        b.pay(p, r, "110", "12", p, amount)  # funeral grant, but no death record anywhere
        b.pos("YL-014", p, "person", r.id, r.district, amount)
    r = _pensioner(b, p, 3900 * Y, status="3")
    b.death(r, day(p - 1, 3), "3", day(p - 1, 9))
    b.pay(p, r, "110", "12", p, 39000 * Y)
    b.neg("YL-014", p, "person", r.id, r.district)


# --- unemployment -----------------------------------------------------------------------------
@story("SY-006")
def sy006(b: PlantBook, p: int) -> None:
    u = b.sb(b.person(38, p, 1), status="2")  # no 210 approval at all
    b.pay(p, u, "210", "21", p, 2060 * Y)
    b.pos("SY-006", p, "person", u.id, u.district, 2060 * Y)
    u = b.sb(b.person(41, p, 2), status="2")  # approved, but only from next month
    b.approval(u, "210", day(p, 4), p + 1, 2110 * Y, entitled=12)
    b.pay(p, u, "210", "21", p, 2110 * Y)
    b.pos("SY-006", p, "person", u.id, u.district, 2110 * Y)
    u = b.unemployed(p, p, 12, 2090 * Y, age=39)  # approved from this month: covered
    b.pay(p, u, "210", "21", p, 2090 * Y)
    b.neg("SY-006", p, "person", u.id, u.district)


def _registration(b: PlantBook, q: int, person: Person, reg_type: str, reg_day: int) -> None:
    unit = b.bg_unit(q)
    b.add_month(
        "rlzy_employment",
        q,
        {
            "reg_id": None,
            "id_no": person.id,
            "reg_type": reg_type,
            "unit_uscc": str(b.pop.unit_uscc[unit]) if reg_type == "1" else "",
            "reg_date": date_text(day(q, reg_day)),
            "district_code": str(b.pop.unit_district[unit]) if reg_type == "1" else person.district,
        },
    )


@story("SY-007")
def sy007(b: PlantBook, p: int) -> None:
    u = b.unemployed(p, p - 3, 12, 2070 * Y)
    b.pay(p, u, "210", "21", p, 2070 * Y)
    _registration(b, p, u, "1", 6)
    b.pos("SY-007", p, "person", u.id, u.district, 2070 * Y)
    # employed last month (registration of an earlier delivery); paid for that month and this one
    u = b.unemployed(p, p - 5, 12, 2140 * Y)
    reg = p - 1 if p - 1 >= b.p0 else p
    _registration(b, reg, u, "1", 20)
    b.pay(p, u, "210", "21", p - 1, 2140 * Y)
    b.pay(p, u, "210", "21", p, 2140 * Y)
    b.pos("SY-007", p, "person", u.id, u.district, 2140 * Y)
    # near-misses: an unemployment registration (type 2); employed this month, paid for last month
    u = b.unemployed(p, p - 2, 12, 2030 * Y)
    b.pay(p, u, "210", "21", p, 2030 * Y)
    _registration(b, p, u, "2", 3)
    b.neg("SY-007", p, "person", u.id, u.district)
    u = b.unemployed(p, p - 4, 12, 2050 * Y)
    b.pay(p, u, "210", "21", p - 1, 2050 * Y)
    _registration(b, p, u, "1", 2)
    b.neg("SY-007", p, "person", u.id, u.district)


@story("SY-008")
def sy008(b: PlantBook, p: int) -> None:
    male = int(_param("SY-008", "retire_age_male"))
    female = int(_param("SY-008", "retire_age_female"))
    y, m = divmod(p, 12)
    for person, positive in (
        (b.person(male + 1, p, 1), True),
        (b.person(0, p, 2, birth=date_of(y - female, m + 1, 1)), True),  # exactly the age on day 1
        (b.person(0, p, 2, birth=date_of(y - female, m + 1, 2)), False),  # one day short
    ):
        u = b.sb(person, status="2")
        b.approval(u, "210", day(p, 6), p, 2000 * Y, entitled=12)
        (b.pos if positive else b.neg)("SY-008", p, "person", u.id, u.district)


# --- work injury ------------------------------------------------------------------------------
def _injured(b: PlantBook, age: int, p: int) -> tuple[Person, str, str]:
    """An sb member with a recognized injury case decided before the window; (person, district, case)."""
    x = b.sb(b.person(age, p, 1), status="2")
    q = b.p0 - 10
    cid = b.case(x, x.district, day(q, 5), day(q, 15), day(q + 1, 10), "1")
    return x, x.district, cid


@story("GS-007")
def gs007(b: PlantBook, p: int) -> None:
    x, _, _ = _injured(b, 42, p)
    first = p - 1 if p - 1 >= b.p0 else p
    b.pay(first, x, "410", "42", p - 1, 60000 * Y, pay_day=3)
    b.pay(p, x, "410", "42", p, 45000 * Y, pay_day=20)
    b.pos("GS-007", p, "person", x.id, x.district, 45000 * Y)
    x, _, _ = _injured(b, 47, p)
    for period, amount, pay_day in ((p - 2, 30000 * Y, 5), (p - 1, 31000 * Y, 12), (p, 32000 * Y, 20)):
        b.pay(p, x, "410", "42", period, amount, pay_day=pay_day)
    b.pos("GS-007", p, "person", x.id, x.district, 63000 * Y)
    x, _, _ = _injured(b, 44, p)  # one lump sum and another injury benefit (43): once only
    b.pay(p, x, "410", "42", p, 52000 * Y, pay_day=6)
    b.pay(p, x, "410", "43", p, 2600 * Y, pay_day=16)
    b.neg("GS-007", p, "person", x.id, x.district)


@story("GS-008")
def gs008(b: PlantBook, p: int) -> None:
    def severe(age: int) -> tuple[Person, str, str]:
        x, d, cid = _injured(b, age, p)
        q = b.p0 - 8
        b.appraisal(cid, x, d, "1", day(q, 1), day(q, 25), 5)
        return x, d, cid

    x, d, cid = severe(45)
    b.appraisal(cid, x, d, "3", day(p - 2, 20), day(p - 1, 15), 8)
    b.pay(p, x, "410", "41", p, 4800 * Y)
    b.pos("GS-008", p, "person", x.id, x.district, 4800 * Y)
    x, d, cid = severe(46)
    b.appraisal(cid, x, d, "3", day(p - 1, 20), day(p, 3), 0)  # re-appraised this month, before paying
    b.pay(p, x, "410", "41", p - 1, 5100 * Y)
    b.pay(p, x, "410", "41", p, 5100 * Y, pay_day=12)
    b.pos("GS-008", p, "person", x.id, x.district, 10200 * Y)
    x, d, cid = severe(47)
    b.appraisal(cid, x, d, "3", day(p - 1, 25), day(p, 20), 9)  # concluded after the payment
    b.pay(p, x, "410", "41", p, 4900 * Y)
    b.neg("GS-008", p, "person", x.id, x.district)


@story("GS-009")
def gs009(b: PlantBook, p: int) -> None:
    days = int(_param("GS-009", "appraisal_days"))
    for extra, concluded, positive in ((40, 22, True), (1, 14, True), (0, 18, False)):
        x, d, cid = _injured(b, 50, p)
        conclusion = day(p, concluded)
        aid = b.appraisal(cid, x, d, "1", conclusion - _d(days + extra), conclusion, 8)
        (b.pos if positive else b.neg)("GS-009", p, "appraisal", aid, d)


@story("GS-010")
def gs010(b: PlantBook, p: int) -> None:
    ds = b.districts(3)

    def case(x: Person, district: str, uscc: str) -> str:
        cid = b.case(x, district, day(p, 2), day(p, 4), day(p, 24), "1")
        b.snap["gsrd_case"][-1].row["unit_uscc"] = uscc
        return cid

    _, uscc = b.unit(ds[0])  # registered, nobody pays injury insurance
    cid = case(b.person(33, p), ds[0], uscc)
    b.pos("GS-010", p, "case", cid, ds[0])
    cid = case(b.person(34, p), ds[1], b.uscc(ds[1]))  # an employer unknown to sb_unit
    b.pos("GS-010", p, "case", cid, ds[1])
    unit_id, uscc = b.unit(ds[2])  # the unit paid 410 for the accident month
    w = b.sb(b.person(35, p), status="1", unit_id=unit_id, district=ds[2])
    for ins in ("110", "210", "410"):
        b.contrib(p, w, unit_id, ins, p, b.base_ok(p))
    cid = case(w, ds[2], uscc)
    b.neg("GS-010", p, "case", cid, ds[2])


# --- human resources market -------------------------------------------------------------------
@story("JY-006")
def jy006(b: PlantBook, p: int) -> None:
    ds = b.districts(3)
    x = b.person(36, p)
    b.prison(x, day(p - 5, 10), None)
    b.subsidy(p, "15", "2", "", x, p, 1400 * Y, ds[0])
    b.pos("JY-006", p, "person", x.id, ds[0], 1400 * Y)
    x = b.person(37, p)
    b.prison(x, day(p - 14, 1), day(p, 12))  # released this month: the month itself counts
    b.subsidy(p, "14", "2", "", x, p, 760 * Y, ds[1])
    b.pos("JY-006", p, "person", x.id, ds[1], 760 * Y)
    x = b.person(38, p)
    b.prison(x, day(p - 20, 1), day(p - 1, 25))  # released last month
    b.subsidy(p, "15", "2", "", x, p, 1100 * Y, ds[2])
    b.neg("JY-006", p, "person", x.id, ds[2])


@story("JY-007")
def jy007(b: PlantBook, p: int) -> None:
    grace = int(_param("JY-007", "hire_grace_months"))
    ds = b.districts(4)

    def hired(i: int) -> tuple[str, str, Person]:
        unit_id, uscc = b.unit(ds[i])
        return unit_id, uscc, b.sb(b.person(26 + i, p), status="1", unit_id=unit_id, district=ds[i])

    _, uscc, w = hired(0)  # on the unit's books, never paid for
    b.subsidy(p, "13", "1", uscc, w, p, 4200 * Y, ds[0])
    b.pos("JY-007", p, "unit", uscc, ds[0], 4200 * Y)
    _, uscc, w = hired(1)  # paid for by another unit
    other, _ = b.unit(ds[3])
    b.contrib(p, w, other, "110", p, b.base_ok(p))
    b.subsidy(p, "13", "1", uscc, w, p, 3600 * Y, ds[1])
    b.pos("JY-007", p, "unit", uscc, ds[1], 3600 * Y)
    unit_id, uscc, w = hired(2)  # the unit paid (late) for the earliest month of the grace
    b.contrib(p, w, unit_id, "110", p - grace, b.base_ok(p - grace))
    b.subsidy(p, "13", "1", uscc, w, p, 3900 * Y, ds[2])
    b.neg("JY-007", p, "unit", uscc, ds[2])


@story("JY-008")
def jy008(b: PlantBook, p: int) -> None:
    ds = b.districts(3)
    r = _pensioner(b, p, 4300 * Y, age=63)
    b.subsidy(p, "14", "2", "", r, p, 820 * Y, ds[0])
    b.pos("JY-008", p, "person", r.id, ds[0], 820 * Y)
    r = _pensioner(b, p, 4400 * Y, age=64)
    b.subsidy(p, "14", "2", "", r, p - 1, 700 * Y, ds[1])
    b.subsidy(p, "14", "2", "", r, p, 700 * Y, ds[2])
    b.pos("JY-008", p, "person", r.id, ds[1], 1400 * Y)
    r = _pensioner(b, p, 4500 * Y, age=65)
    b.subsidy(p, "15", "2", "", r, p, 900 * Y, ds[2])  # a training subsidy, not loan interest
    b.neg("JY-008", p, "person", r.id, ds[2])
    x = b.sb(b.person(45, p), status="3")
    b.subsidy(p, "14", "2", "", x, p, 650 * Y, ds[0])  # terminated, not retired
    b.neg("JY-008", p, "person", x.id, ds[0])


# --- resident and agency pension --------------------------------------------------------------
@story("JM-004")
def jm004(b: PlantBook, p: int) -> None:
    for jm_periods, jg_periods, positive in (((p,), (p,), True), ((p - 1, p), (p,), True), ((p,), (p - 1,), False)):
        x = b.person(68, p)
        dj = b.district()
        jm = b.jm(x, dj)
        jg, _ = b.jg(x, b.district(), "4")
        for m in jm_periods:
            b.jm_pay(p, jm, m, 1150 * Y)
        for m in jg_periods:
            b.jg_pay(p, jg, m, 8800 * Y)
        (b.pos("JM-004", p, "person", x.id, dj, 1150 * Y) if positive
         else b.neg("JM-004", p, "person", x.id, dj))


@story("JM-005")
def jm005(b: PlantBook, p: int) -> None:
    for start, end, positive in (
        (day(p - 4, 10), None, True),
        (day(p - 18, 1), day(p, 15), True),
        (day(p - 30, 1), day(p - 1, 20), False),
    ):
        x = b.person(70, p)
        dj = b.district()
        jm = b.jm(x, dj)
        b.prison(x, start, end)
        b.jm_pay(p, jm, p, 1010 * Y)
        (b.pos("JM-005", p, "person", x.id, dj, 1010 * Y) if positive
         else b.neg("JM-005", p, "person", x.id, dj))


@story("JM-006")
def jm006(b: PlantBook, p: int) -> None:
    tol = round(float(_param("JM-006", "grade_tolerance")) * Y)
    for grade, paid, positive in (
        (2000 * Y, 1500 * Y, True),
        (1000 * Y, 1000 * Y + tol + 1, True),
        (3000 * Y, 3000 * Y + tol, False),
    ):
        x = b.person(45, p)
        dj = b.district()
        pid = b.jm(x, dj, status="1")
        b.add_month(
            "jm_contrib",
            p,
            {
                "contrib_id": None,
                "person_id": pid,
                "year": period_text(p)[:4],
                "grade": money(grade),
                "amount": money(paid),
                "pay_date": date_text(day(p, 12)),
            },
        )
        (b.pos("JM-006", p, "person", x.id, dj, abs(paid - grade)) if positive
         else b.neg("JM-006", p, "person", x.id, dj))


@story("JG-003")
def jg003(b: PlantBook, p: int) -> None:
    for status, periods, positive in (("1", (p,), True), ("1", (p - 1, p), True), ("4", (p,), False)):
        x = b.person(58, p)
        dj = b.district()
        jg, _ = b.jg(x, dj, status)
        for m in periods:
            b.jg_pay(p, jg, m, 9300 * Y)
        (b.pos("JG-003", p, "person", x.id, dj, 9300 * Y * len(periods)) if positive
         else b.neg("JG-003", p, "person", x.id, dj))


# --- cross-source -----------------------------------------------------------------------------
@story("ZH-006")
def zh006(b: PlantBook, p: int) -> None:
    k = int(_param("ZH-006", "min_unit_ids"))

    def units(n: int, same: bool) -> tuple[str, str]:
        """``n`` units visible from month p; with ``same`` they share the first one's USCC."""
        made = []
        for d in b.districts(n):
            unit_id, uscc = b.unit(d)
            b.snap["sb_unit"][-1].vf = p
            made.append((unit_id, uscc, d, b.snap["sb_unit"][-1].row))
        if same:
            for _, _, _, row in made[1:]:
                row["uscc"] = made[0][1]
        first = min(made)
        return made[0][1], first[2]

    for n in (k, k + 1):
        uscc, district = units(n, True)
        b.pos("ZH-006", b.persistent(p), "unit", uscc, district)
    uscc, district = units(k, False)  # as many units, each its own USCC
    b.neg("ZH-006", p, "unit", uscc, district)


@story("ZH-007")
def zh007(b: PlantBook, p: int) -> None:
    gap = int(_param("ZH-007", "compare_months"))

    def renumbered(record: str | None) -> Person:
        """A person_id whose id_no changes from month p (old id up to p−1)."""
        old = b.person(43, p)
        new = b.person(0, p, old.sex, birth=old.birth)
        b.sb(old, status="3", vt=p - 1)
        row = dict(_last_sb(b), id_no=new.id)
        b.add_snap("sb_person", row, vf=p)
        if record == "match":
            b.change(old, new, day(p - 1, 10))
        elif record == "other":
            b.change(b.person(0, p, old.sex, birth=old.birth), new, day(p - 1, 10))
        return dataclasses.replace(new, pid=row["person_id"], district=row["district_code"])

    if p - gap >= b.p0:
        for record in (None, "other"):  # no change record; one from another old id
            x = renumbered(record)
            b.pos("ZH-007", p, "person", x.id, x.district)
        x = renumbered("match")
        b.neg("ZH-007", p, "person", x.id, x.district)
    else:
        x = b.sb(b.person(43, p), status="3")
        b.neg("ZH-007", p, "person", x.id, x.district)


# --- car and house ----------------------------------------------------------------------------
def _dead_applicant(b: PlantBook, p: int, code: str, table: str) -> None:
    apply = day(p, 12)
    for deaths, positive in (
        (((day(p - 3, 5), "1"),), True),
        (((day(p, 4), "2"), (day(p, 20), "3")), True),  # the earliest date counts
        (((apply, "1"),), False),  # died on the day of applying
        (((apply + _d(6), "2"),), False),
    ):
        x = b.person(52, p)
        for when, agency in deaths:
            b.death(x, when, agency, when + _d(2))
        row = b.apply(table, p, x, apply, "1")
        (b.pos if positive else b.neg)(code, p, "application", Ref(row, "apply_id"), "110000")


@story("GC-003")
def gc003(b: PlantBook, p: int) -> None:
    _dead_applicant(b, p, "GC-003", "ref_car_apply")


@story("GF-003")
def gf003(b: PlantBook, p: int) -> None:
    _dead_applicant(b, p, "GF-003", "ref_house_apply")


@story("GC-004")
def gc004(b: PlantBook, p: int) -> None:
    for positive in (True, True, False):
        x = b.person(35, p)
        row = b.apply("ref_car_apply", p, x, day(p, 8), "1")
        other = dataclasses.replace(x, name=x.name + ("伟" if not x.name.endswith("伟") else "强"))
        b.apply("ref_house_apply", p, other if positive else x, day(p, 18), "1")
        (b.pos if positive else b.neg)("GC-004", p, "application", Ref(row, "apply_id"), "110000")
