"""Planted stories of the further indicators (evaluation):
positives and near-misses for ``workbench synth``.

Unit-level rates plant fresh units (``b.unit``) with staff of their own. PG-002, PG-004 and
PG-010 compare P with P-1 and plant nothing in the first month of the window. PG-010 (district)
adds one retiree in a district whose 110/11 payment of P equals the district's background
total of P-1 times 3 x growth_share, in the 2 districts with most background recipients
(ranks 0-1 in even months, 2-3 in odd ones, so a district never follows its own surge); the
near-miss adds a fifth of growth_share in the district of rank 2 (even months) or 0.
"""

from __future__ import annotations

import math

import numpy as np

from workbench.indicators.params import defaults
from workbench.synth.calendar import date_text
from workbench.synth.plants import Person, PlantBook, day
from workbench.synth.stories import Y, story


def _p(code: str) -> dict:
    return defaults()[code]


def _lower(p: int) -> int | None:
    """The ZH-005 lower base limit (cents) for period month ``p``, None outside the table."""
    text = f"{p // 12:04d}{p % 12 + 1:02d}"
    for r in defaults()["ZH-005"]["base_limits"]:
        if str(r["from"]) <= text <= str(r["to"]):
            return round(float(r["lower"]) * 100)
    return None


def _staff(b: PlantBook, district: str, uid: str, n: int, p: int, age: int = 35, sex: int = 1,
           vf: int | None = None) -> list[Person]:
    return [b.sb(b.person(age + i % 7, p, sex), status="1", district=district, unit_id=uid, vf=vf)
            for i in range(n)]


def _pay(b: PlantBook, q: int, w: Person, uid: str, base: int, with410: bool = True) -> None:
    """Normal 110, 210 (and 410) contributions paid in ``q`` for period ``q``."""
    for ins in ("110", "210", "410") if with410 else ("110", "210"):
        b.contrib(q, w, uid, ins, q, base)


def _unit(b: PlantBook) -> tuple[str, str, str]:
    d = b.district()
    uid, uscc = b.unit(d)
    return d, uid, uscc


@story("PG-001")
def pg001(b: PlantBook, p: int) -> None:
    k = _p("PG-001")
    n, need = int(k["min_staff"]), float(k["min_share"])
    lo = _lower(p)
    if lo is None:
        return
    for size, above, positive in ((n, 0, True), (n + 3, 0, True), (n - 1, 0, False),
                                  (n + 2, max(1, n + 2 - math.ceil(need * (n + 2)) + 1), False)):
        d, uid, uscc = _unit(b)
        for i, w in enumerate(_staff(b, d, uid, size, p)):
            _pay(b, p, w, uid, lo + 100000 if i < above else lo)
        (b.pos if positive else b.neg)("PG-001", p, "unit", uscc, d)


@story("PG-002")
def pg002(b: PlantBook, p: int) -> None:
    if p - 1 < b.p0:
        return
    k = _p("PG-002")
    n, drop = int(k["min_before"]), float(k["drop_share"])
    for before, keep, positive in ((n, int(n * (1 - drop)) - 1, True), (n + 5, 2, True),
                                   (n + 2, n + 2 - int((n + 2) * drop) + 2, False)):
        d, uid, uscc = _unit(b)
        for i, w in enumerate(_staff(b, d, uid, before, p)):
            _pay(b, p - 1, w, uid, b.base_ok(p - 1))
            if i < keep:
                _pay(b, p, w, uid, b.base_ok(p - 1))
        (b.pos if positive else b.neg)("PG-002", p, "unit", uscc, d)


@story("PG-003")
def pg003(b: PlantBook, p: int) -> None:
    k = _p("PG-003")
    n = int(k["min_persons"])  # both positives back-pay for most staff (share >= min_share)
    for staff, backpay, positive in ((n, n, True), (n + 4, n + 2, True),
                                     (n - 1, n - 1, False)):  # everyone back-pays, one person short
        d, uid, uscc = _unit(b)
        total = 0
        for i, w in enumerate(_staff(b, d, uid, staff, p)):
            _pay(b, p, w, uid, b.base_ok(p))
            if i < backpay:
                for m in range(p - 6, p - 3):
                    total += b.contrib(p, w, uid, "110", m, b.base_ok(m, 20000), pay_type="2")
                    b.contrib(p, w, uid, "210", m, b.base_ok(m, 20000), pay_type="2")
        if positive:
            b.pos("PG-003", p, "unit", uscc, d, total)
        else:
            b.neg("PG-003", p, "unit", uscc, d)


@story("PG-004")
def pg004(b: PlantBook, p: int) -> None:
    if p - 1 < b.p0:
        return
    k = _p("PG-004")
    n, drop = int(k["min_staff"]), float(k["drop_share"])
    lo = max(b.base_ok(p - 1, 0), b.base_ok(p, 0))
    high = (lo * 3 // 10000) * 10000  # whole hundreds of yuan, three times the lower limit
    for size, keep_pct, positive in ((n, 100 - round(drop * 100) - 10, True), (n + 3, 50, True),
                                     (n + 2, 100 - round(drop * 100) + 10, False)):
        d, uid, uscc = _unit(b)
        for w in _staff(b, d, uid, size, p):
            _pay(b, p - 1, w, uid, high)
            _pay(b, p, w, uid, high * keep_pct // 100)
        (b.pos if positive else b.neg)("PG-004", p, "unit", uscc, d)


@story("PG-005")
def pg005(b: PlantBook, p: int) -> None:
    k = _p("PG-005")
    n, r = int(k["min_subsidised"]), float(k["max_ratio"])
    for staff, outsiders, positive in ((3, n - 3 + 1, True), (2, n + 2, True), (n + 1, 0, False)):
        d, uid, uscc = _unit(b)
        people = _staff(b, d, uid, staff, p)
        for w in people:
            _pay(b, p, w, uid, b.base_ok(p))
        people += [b.person(30, p, 2) for _ in range(outsiders)]
        total = 0
        for i, person in enumerate(people):
            amount = (800 + 37 * i) * Y
            b.subsidy(p, "11" if i % 2 else "12", "1", uscc, person, p, amount, d)
            total += amount
        if positive and len(people) > r * staff:
            b.pos("PG-005", p, "unit", uscc, d, total)
        else:
            b.neg("PG-005", p, "unit", uscc, d)


@story("PG-006")
def pg006(b: PlantBook, p: int) -> None:
    k = _p("PG-006")
    n, need = int(k["min_staff"]), float(k["min_share"])
    for size, old, positive in ((n, 0, True), (n + 2, math.floor((n + 2) * (1 - need) + 1e-9), True),
                                (n, math.floor(n * (1 - need) + 1e-9) + 1, False)):
        d, uid, uscc = _unit(b)
        for i in range(size):
            if i < old:
                w = b.sb(b.person(35, p), status="1", district=d, unit_id=uid)
            else:
                w = b.sb(b.person(24, p), status="1", district=d, unit_id=uid, vf=p)
                b.snap["sb_person"][-1].row["first_enroll_date"] = date_text(day(p, 1))
            _pay(b, p, w, uid, b.base_ok(p))
        (b.pos if positive else b.neg)("PG-006", p, "unit", uscc, d)


@story("PG-007")
def pg007(b: PlantBook, p: int) -> None:
    k = _p("PG-007")
    n, most = int(k["min_staff"]), float(k["max_share"])
    for size, with410, positive in ((n, int(n * most), True), (n + 4, 1, True),
                                    (n, int(n * most) + 2, False)):
        d, uid, uscc = _unit(b)
        for i, w in enumerate(_staff(b, d, uid, size, p)):
            _pay(b, p, w, uid, b.base_ok(p), with410=i < with410)
        (b.pos if positive else b.neg)("PG-007", p, "unit", uscc, d)


@story("PG-008")
def pg008(b: PlantBook, p: int) -> None:
    k, common = _p("PG-008"), _p("common")
    n, need = int(k["min_over_age"]), float(k["min_share"])
    old_age = int(common["retire_age_male"]) + 2
    young = max(0, math.floor(n / need) - n)  # the most young staff keeping the share
    for over, under, positive in ((n, young, True), (n + 2, 1, True), (n - 1, 0, False)):
        d, uid, uscc = _unit(b)
        people = _staff(b, d, uid, over, p, age=old_age) + _staff(b, d, uid, under, p, age=30)
        for w in people:
            _pay(b, p, w, uid, b.base_ok(p))
        (b.pos if positive else b.neg)("PG-008", p, "unit", uscc, d)


def _register(b: PlantBook, p: int, person: Person, uscc: str, district: str) -> None:
    b.add_month("rlzy_employment", p, {
        "reg_id": None, "id_no": person.id, "reg_type": "1", "unit_uscc": uscc,
        "reg_date": date_text(day(p, 9)), "district_code": district})


@story("PG-009")
def pg009(b: PlantBook, p: int) -> None:
    k = _p("PG-009")
    n, need = int(k["min_registered"]), float(k["min_share"])
    for insured, uninsured, positive in ((1, n - 1, True), (2, n + 1, True),
                                         (n, math.ceil(n * need / (1 - need)) - 1 if need < 1 else 0, False)):
        d, uid, uscc = _unit(b)
        staff = _staff(b, d, uid, max(insured, 2), p)
        for w in staff:
            _pay(b, p, w, uid, b.base_ok(p))
        for person in staff[:insured] + [b.person(28, p, 2) for _ in range(uninsured)]:
            _register(b, p, person, uscc, d)
        (b.pos if positive else b.neg)("PG-009", p, "unit", uscc, d)


def _district_pensions(b: PlantBook, q: int) -> list[tuple[str, int, int]]:
    """(district, recipients, total cents) of background 110/11 payments of month q, most recipients first."""
    pop = b.pop
    paid = np.flatnonzero(pop.sb_retired_paid(q))
    dist = pop.sb_district[paid]
    out = []
    for d in np.unique(dist):
        sel = dist == d
        out.append((str(d), int(sel.sum()), int(pop.sb_pension[paid[sel]].sum())))
    return sorted(out, key=lambda t: (-t[1], t[0]))


@story("PG-010")
def pg010(b: PlantBook, p: int) -> None:
    if p - 1 < b.p0:
        return
    k = _p("PG-010")
    ranked = [r for r in _district_pensions(b, p - 1) if r[1] >= int(k["min_recipients"])]
    first = 0 if p % 2 == 0 else 2
    up = round(float(k["growth_share"]) * 100)
    # positives: three times the growth threshold; the near-miss (rank 2 or 0, positive the
    # month after) a fifth of it; a positive's P-1 may hold that near-miss, hence the margin
    plan = [(first, 3 * up, True), (first + 1, 3 * up, True), (2 - first, up // 5, False)]
    for rank, pct, positive in plan:
        if rank >= len(ranked):
            continue
        d, _, total = ranked[rank]
        amount = max(total * pct // 100 // Y * Y, Y)
        r = b.sb(b.person(68, p, 1), status="4", district=d)
        b.approval(r, "110", day(b.p0 - 30, 10), b.p0 - 29, amount, retire_type="1", months=360)
        b.pay(p, r, "110", "11", p, amount)
        (b.pos if positive else b.neg)("PG-010", p, "district", d, d)
