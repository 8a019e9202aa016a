"""Planted stories of the further indicators (pension_payments):
positives and near-misses for ``workbench synth``.

Every story uses people and units of its own. Thresholds come from the YAML defaults
(``parameters/indicators/pension_payments.yaml``). Planted approvals keep the other
approval checks quiet: retire_type 1 at or above the retirement age, at least 180
contribution months, and contribution months within the months since first enrolment.
"""

from __future__ import annotations

import numpy as np

from workbench.indicators.params import defaults
from workbench.synth.calendar import date_text, first_month_at_age, month_start
from workbench.synth.plants import Person, PlantBook, day
from workbench.synth.stories import Y, story


def _param(code: str, name: str):
    return defaults()[code][name]


def _approved_in(b: PlantBook, p: int, *, sex: int, age_at_start: int, retire_type: str, months: int,
                 status: str = "1", unit_id: str = "", district: str | None = None) -> Person:
    """A person whose 110 approval is made on day 12 of ``p``, starting the month after."""
    start = p + 1
    person = b.sb(b.person(age_at_start, start, sex), status=status, unit_id=unit_id, district=district)
    b.approval(person, "110", day(p, 12), start, 4200 * Y, retire_type=retire_type, months=months)
    return person


def _pensioner(b: PlantBook, p: int, amount: int, age: int = 66, sex: int = 1, *, approval: bool = True,
               district: str | None = None, person: Person | None = None) -> Person:
    """A retiree (status 4) in the snapshot from ``p``; with an approval made long ago unless told not to."""
    x = person or b.person(age, p, sex)
    r = b.sb(x, status="4", district=district, vf=p)
    if approval:
        ret_age = b.pop.cfg.ages.retire_age_male if x.sex == 1 else b.pop.cfg.ages.retire_age_female
        start = int(first_month_at_age(np.array([x.birth]), ret_age)[0])
        b.approval(r, "110", day(start - 1, 15), start, amount, retire_type="1", months=360)
    return r


def _set_enrol(b: PlantBook, person: Person, month: int) -> None:
    """Set the first enrolment date of ``person``'s sb_person row to the first day of ``month``."""
    for sr in b.snap["sb_person"]:
        if sr.row["person_id"] == person.pid:
            sr.row["first_enroll_date"] = date_text(month_start(month))


@story("YL-015")
def yl015(b: PlantBook, p: int) -> None:
    # approved on the 20th with a retroactive start, but paid on the 10th: paid before approval
    x = 4300 * Y
    r = _pensioner(b, p, x, age=62, approval=False)
    b.approval(r, "110", day(p, 20), p - 1, x, retire_type="1", months=360)
    b.pay(p, r, "110", "11", p, x, pay_day=10)
    b.pos("YL-015", p, "person", r.id, r.district, x)
    # no approval at all: the current month and one month of arrears
    r = _pensioner(b, p, 3900 * Y, age=70, approval=False)
    b.pay(p, r, "110", "11", p - 1, 3900 * Y)
    b.pay(p, r, "110", "11", p, 3900 * Y)
    b.pos("YL-015", p, "person", r.id, r.district, 7800 * Y)
    # near-misses: approved on the day of payment; approved earlier in the month
    for approve_day in (10, 4):
        r = _pensioner(b, p, 4100 * Y, age=61, approval=False)
        b.approval(r, "110", day(p, approve_day), p, 4100 * Y, retire_type="1", months=360)
        b.pay(p, r, "110", "11", p, 4100 * Y, pay_day=10)
        b.neg("YL-015", p, "person", r.id, r.district)


@story("YL-016")
def yl016(b: PlantBook, p: int) -> None:
    k = int(_param("YL-016", "arrears_min_months"))
    for n, x, positive in ((k, 3600 * Y, True), (k + 6, 4700 * Y, True), (k - 1, 4000 * Y, False)):
        r = _pensioner(b, p, x, age=64, approval=False)
        b.approval(r, "110", day(p, 3), p - n, x, retire_type="1", months=360)
        for m in range(p - n, p + 1):
            b.pay(p, r, "110", "11", m, x)
        if positive:
            b.pos("YL-016", p, "person", r.id, r.district, n * x)
        else:
            b.neg("YL-016", p, "person", r.id, r.district)


@story("YL-017")
def yl017(b: PlantBook, p: int) -> None:
    need = int(_param("YL-017", "min_backpay_months"))
    window = int(_param("YL-017", "window_months"))
    age = b.pop.cfg.ages.retire_age_male

    def plant(batches: list[tuple[int, int]]) -> tuple[Person, int]:
        """A worker approved in ``p`` with back-payments: (month paid, number of periods) batches."""
        unit = str(b.pop.unit_id[b.bg_unit(p)])
        w = _approved_in(b, p, sex=1, age_at_start=age, retire_type="1", months=360, unit_id=unit)
        total, period = 0, p - 30
        for q, n in batches:
            for _ in range(n):
                total += b.contrib(q, w, unit, "110", period, b.base_ok(period, 30000), pay_type="2")
                period -= 1
        return w, total

    w, total = plant([(p, need)])
    b.pos("YL-017", p, "person", w.id, w.district, total)
    earlier = p - 2 if p - 2 >= b.p0 else p
    w, total = plant([(earlier, need - 4), (p, 8)])
    b.pos("YL-017", p, "person", w.id, w.district, total)
    w, _ = plant([(p, need - 1)])
    b.neg("YL-017", p, "person", w.id, w.district)
    if p - window >= b.p0:  # paid just before the window
        w, _ = plant([(p - window, need)])
        b.neg("YL-017", p, "person", w.id, w.district)


@story("YL-018")
def yl018(b: PlantBook, p: int) -> None:
    need = int(_param("YL-018", "min_early_retirements"))
    special = int(_param("YL-019", "special_age_male"))
    illness = int(_param("YL-019", "illness_age_male"))
    normal = b.pop.cfg.ages.retire_age_male

    def unit_with(types: list[str]) -> tuple[str, str]:
        d = b.district()
        unit_id, uscc = b.unit(d)
        for rt in types:
            age = {"1": normal + 1, "2": special + 1, "3": illness + 2}[rt]
            w = _approved_in(b, p, sex=1, age_at_start=age, retire_type=rt, months=300, unit_id=unit_id,
                             district=d)
            for ins in ("110", "210", "410"):  # fully insured staff (no selective insurance)
                b.contrib(p, w, unit_id, ins, p, b.base_ok(p, 80000))
        return uscc, d

    uscc, d = unit_with(["2" if i % 2 == 0 else "3" for i in range(need)])
    b.pos("YL-018", p, "unit", uscc, d)
    uscc, d = unit_with(["2"] * (need + 1))
    b.pos("YL-018", p, "unit", uscc, d)
    uscc, d = unit_with(["2"] * (need - 1) + ["1", "1"])  # the normal retirements do not count
    b.neg("YL-018", p, "unit", uscc, d)


@story("YL-019")
def yl019(b: PlantBook, p: int) -> None:
    s_m, s_f = int(_param("YL-019", "special_age_male")), int(_param("YL-019", "special_age_female"))
    i_m, i_f = int(_param("YL-019", "illness_age_male")), int(_param("YL-019", "illness_age_female"))
    for sex, age, rt, positive in ((1, s_m - 1, "2", True), (2, i_f - 1, "3", True),
                                   (1, s_m, "2", False), (1, i_m, "3", False), (2, s_f, "2", False)):
        r = _approved_in(b, p, sex=sex, age_at_start=age, retire_type=rt, months=240)
        (b.pos if positive else b.neg)("YL-019", p, "person", r.id, r.district)


@story("YL-020")
def yl020(b: PlantBook, p: int) -> None:
    tol = int(_param("YL-020", "tolerance_months"))
    cutoff = str(_param("YL-020", "deemed_until"))
    cut = int(cutoff[:4]) * 12 + int(cutoff[4:]) - 1
    age = b.pop.cfg.ages.retire_age_female
    possible = 300
    for enrol, excess, positive in ((p + 1 - possible, tol + 1, True), (p + 1 - possible, tol + 40, True),
                                    (p + 1 - possible, tol, False), (cut, tol + 30, False)):
        r = _approved_in(b, p, sex=2, age_at_start=age, retire_type="1", months=p + 1 - enrol + excess)
        _set_enrol(b, r, enrol)
        (b.pos if positive else b.neg)("YL-020", p, "person", r.id, r.district)


@story("YL-021")
def yl021(b: PlantBook, p: int) -> None:
    old = int(_param("YL-021", "min_age"))
    for age, x, positive in ((old, 3300 * Y, True), (old + 4, 3450 * Y, True), (old - 1, 3350 * Y, False)):
        r = _pensioner(b, p, x, age=age, sex=2 - age % 2)
        b.pay(p, r, "110", "11", p, x)
        if positive:
            b.pos("YL-021", p, "person", r.id, r.district, x)
        else:
            b.neg("YL-021", p, "person", r.id, r.district)


@story("YL-022")
def yl022(b: PlantBook, p: int) -> None:
    for copies, paid, x in ((2, 2, 4200 * Y), (3, 3, 3300 * Y), (2, 1, 3800 * Y)):
        person, d = b.person(69, p), b.district()
        rows = [_pensioner(b, p, x, district=d, person=person) for _ in range(copies)]
        for r in rows[:paid]:
            b.pay(p, r, "110", "11", p, x)
        b.pos("ZH-001", b.persistent(p), "person", person.id, d)  # one id, several person_ids
        if paid >= 2:
            b.pos("YL-022", p, "person", person.id, d, (paid - 1) * x)
        else:
            b.neg("YL-022", p, "person", person.id, d)


@story("YL-023")
def yl023(b: PlantBook, p: int) -> None:
    # funeral grant for p-1 paid this month, no death record (YL-014 too), pension still paid for p
    x = 3700 * Y
    r = _pensioner(b, p, x, age=78)
    b.pay(p, r, "110", "12", p - 1, 10 * x, pay_day=5)
    b.pay(p, r, "110", "11", p, x, pay_day=12)
    b.pos("YL-023", p, "person", r.id, r.district, x)
    b.pos("YL-014", p, "person", r.id, r.district, 10 * x)
    # died in p-2 (YL-001 too), funeral for p-2, pension for p-1 and p
    x = 4050 * Y
    r = _pensioner(b, p, x, age=81)
    b.death(r, day(p - 2, 9), "2", day(p - 2, 19))
    b.pay(p, r, "110", "12", p - 2, 10 * x, pay_day=5)
    b.pay(p, r, "110", "11", p - 1, x)
    b.pay(p, r, "110", "11", p, x)
    b.pos("YL-023", p, "person", r.id, r.district, 2 * x)
    b.pos("YL-001", p, "person", r.id, r.district, 2 * x)
    # near-miss: died in p, pension and funeral grant for the death month itself
    x = 3500 * Y
    r = _pensioner(b, p, x, age=83)
    b.death(r, day(p, 2), "1", day(p, 6))
    b.pay(p, r, "110", "11", p, x, pay_day=10)
    b.pay(p, r, "110", "12", p, 10 * x, pay_day=20)
    b.neg("YL-023", p, "person", r.id, r.district)


@story("YL-024")
def yl024(b: PlantBook, p: int) -> None:
    def injured(x: int, grade: int) -> Person:
        r = _pensioner(b, p, x, age=63)
        cid = b.case(r, r.district, day(p - 40, 3), day(p - 40, 9), day(p - 39, 1), "1")
        concl = day(p - 38, 10)
        b.appraisal(cid, r, r.district, "1", concl - np.timedelta64(40, "D"), concl, grade)
        b.pay(p, r, "110", "11", p, x)
        return r

    for x, allowance, grade in ((3900 * Y, 3100 * Y, 5), (4400 * Y, 3650 * Y, 3)):
        r = injured(x, grade)
        b.pay(p, r, "410", "41", p, allowance)
        b.pos("YL-024", p, "person", r.id, r.district, allowance)
    # near-miss: an allowance of another period than the pension paid this month (no overlap in P)
    r = injured(4000 * Y, 6)
    b.pay(p, r, "410", "41", p - 1, 3000 * Y)
    b.neg("YL-024", p, "person", r.id, r.district)
