"""Planted stories of the further indicators (accounts_comparison):
positives and near-misses for ``workbench synth``.

ZH-008…ZH-012 (personal accounts) and ZH-013…ZH-017 (information comparison). Every case
uses people and units of its own. Account rows always balance (ZH-004) and earn at most the
background's 0.2 % a month (ZH-010), unless the story is about that. Checks needing an
earlier month plant only what the window can show: ZH-008 has no positive in the window's
first month; ZH-017 checks the registrations of P - grace_months, so its positives start
grace_months after the window's first month.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from workbench.synth.calendar import date_text
from workbench.synth.plants import Person, PlantBook, day
from workbench.synth.stories import Y, story
from workbench.synth.tables import rate_amount


def _params(code: str) -> dict:
    from workbench.indicators.params import defaults

    return defaults()[code]


def _cents(yuan) -> int:
    return int((Decimal(str(yuan)) * 100).to_integral_value())


def _interest(opening: int) -> int:
    """The background's monthly interest (0.2 %), well within ZH-010's rate."""
    return max(opening, 0) * 20 // 10000


def _account(b: PlantBook, q: int, x: Person, opening: int, credited: int = 0, withdrawn: int = 0,
             interest: int | None = None) -> int:
    """A balanced account row of month ``q``; returns the closing balance."""
    interest = _interest(opening) if interest is None else interest
    closing = opening + credited + interest - withdrawn
    b.account(q, x, opening, credited, interest, withdrawn, closing)
    return closing


def _scheme_row(b: PlantBook, table: str, x: Person, district: str, status: str, vf: int) -> str:
    """A jm_person / jg_person row of ``x`` (its own name, sex and birth date), visible from ``vf``."""
    pid = b._new_pid()
    row = {"person_id": pid, "id_no": x.id, "name": x.name, "sex": str(x.sex),
           "birth_date": date_text(x.birth), "district_code": district, "status": status}
    if table == "jm_person":
        row["enroll_date"] = "20120701"
    else:
        row["unit_id"] = str(b.pop.unit_id[int(b.rng.choice(b.pop.jg_units))])
        row["first_enroll_date"] = "19980901"
    b.add_snap(table, row, vf=vf)
    return pid


def _other_name(b: PlantBook, name: str) -> str:
    from workbench.synth import names

    other = names.one_name(b.rng)
    return other if other != name else name + "华"


# --- personal accounts ------------------------------------------------------------------------
@story("ZH-008")
def zh008(b: PlantBook, p: int) -> None:
    tol = _cents(_params("ZH-008")["tolerance"])
    if p - 1 < b.p0:
        x = b.sb(b.person(46, p), status="2")  # no account row of P-1 in the window: not checked
        _account(b, p, x, 700000 + 5000)
        b.neg("ZH-008", p, "person", x.id, x.district)
        return
    for shift, positive in ((50000, True), (-12345, True), (tol + 1, True), (tol, False), (-tol, False)):
        x = b.sb(b.person(46, p), status="2")
        closing = _account(b, p - 1, x, 800000)
        _account(b, p, x, closing + shift)
        if positive:
            b.pos("ZH-008", p, "person", x.id, x.district, abs(shift))
        else:
            b.neg("ZH-008", p, "person", x.id, x.district)


@story("ZH-009")
def zh009(b: PlantBook, p: int) -> None:
    tol = _cents(_params("ZH-009")["tolerance"])
    person_bp = b.pop.cfg.money.rates_bp["110"].person
    for short, positive in ((None, True), (tol + 1, True), (tol, False), (-20000, False)):
        w = b.worker(41, p)
        base = b.base_ok(p, 150000)
        b.contrib(p, w, w.unit_id, "110", p, base)
        paid = int(rate_amount(base, person_bp))
        credited = 0 if short is None else paid - short
        _account(b, p, w, 900000, credited)
        if positive:
            b.pos("ZH-009", p, "person", w.id, w.district, paid - credited)
        else:
            b.neg("ZH-009", p, "person", w.id, w.district)


@story("ZH-010")
def zh010(b: PlantBook, p: int) -> None:
    par = _params("ZH-010")
    tol = _cents(par["tolerance"])
    opening = 12000000  # 120,000 yuan: its allowed monthly interest is a whole number of cents
    allowed = Decimal(opening) * Decimal(str(par["max_annual_rate"])) / 12
    assert allowed == allowed.to_integral_value(), "choose an opening balance giving whole cents"
    allowed_c = int(allowed)
    plans = ((opening, allowed_c + 10000, True), (opening, allowed_c + tol + 1, True),
             (0, 500, True), (opening, allowed_c + tol, False), (opening, allowed_c, False))
    for start, interest, positive in plans:
        x = b.sb(b.person(50, p), status="2")
        _account(b, p, x, start, interest=interest)
        excess = interest - (0 if start == 0 else allowed_c)
        if positive:
            b.pos("ZH-010", p, "person", x.id, x.district, excess)
        else:
            b.neg("ZH-010", p, "person", x.id, x.district)


@story("ZH-011")
def zh011(b: PlantBook, p: int) -> None:
    for amount in (5000 * Y, 1234 * Y + 56):
        w = b.worker(43, p)
        _account(b, p, w, 3000000, withdrawn=amount)
        b.pos("ZH-011", p, "person", w.id, w.district, amount)
    # a retiree with a 110 approval draws his account pension; a suspended member transfers out
    r = b.retiree(p, 3500 * Y)
    _account(b, p, r, 2000000, withdrawn=900 * Y)
    b.neg("ZH-011", p, "person", r.id, r.district)
    x = b.sb(b.person(43, p), status="2")
    _account(b, p, x, 2000000, withdrawn=2000000)
    b.neg("ZH-011", p, "person", x.id, x.district)


@story("ZH-012")
def zh012(b: PlantBook, p: int) -> None:
    x = b.sb(b.person(52, p), status="2")
    b.death(x, day(p - 2, 10), "1", day(p - 2, 20))
    _account(b, p, x, 1500000, credited=58608)
    b.pos("ZH-012", p, "person", x.id, x.district, 58608)
    # several agencies: the earliest date (month p-1) counts
    x = b.sb(b.person(53, p), status="2")
    b.death(x, day(p - 1, 25), "2", day(p, 2))
    b.death(x, day(p, 3), "3", day(p, 8))
    _account(b, p, x, 1500000, credited=30000)
    b.pos("ZH-012", p, "person", x.id, x.district, 30000)
    # died in P itself; died earlier but only interest accrues
    x = b.sb(b.person(54, p), status="2")
    b.death(x, day(p, 4), "1", day(p, 9))
    _account(b, p, x, 1500000, credited=40000)
    b.neg("ZH-012", p, "person", x.id, x.district)
    x = b.sb(b.person(55, p), status="2")
    b.death(x, day(p - 3, 4), "1", day(p - 3, 9))
    _account(b, p, x, 1500000)
    b.neg("ZH-012", p, "person", x.id, x.district)


# --- information comparison -------------------------------------------------------------------
def _moved(x: Person, *, birth_days: int = 0, flip_sex: bool = False, name: str | None = None) -> Person:
    """``x`` with a birth date, sex or name other than its id says."""
    return Person(x.id, name or x.name, x.birth + np.timedelta64(birth_days, "D"),
                  3 - x.sex if flip_sex else x.sex)


@story("ZH-013")
def zh013(b: PlantBook, p: int) -> None:
    x = b.person(57, p)
    s = b.sb(_moved(x, birth_days=365), status="3", vf=p)  # a year "younger"
    b.pos("ZH-013", b.persistent(p), "person", x.id, s.district)
    # consistent in sb, wrong in jm: the district is the jm row's
    x = b.person(48, p)
    b.sb(x, status="3", vf=p)
    dj = b.district()
    _scheme_row(b, "jm_person", _moved(x, birth_days=-1), dj, "3", p)
    b.pos("ZH-013", b.persistent(p), "person", x.id, dj)
    x = b.person(47, p)
    s = b.sb(x, status="3", vf=p)
    _scheme_row(b, "jm_person", x, b.district(), "3", p)
    b.neg("ZH-013", p, "person", x.id, s.district)


@story("ZH-014")
def zh014(b: PlantBook, p: int) -> None:
    x = b.person(49, p, sex=1)
    s = b.sb(_moved(x, flip_sex=True), status="3", vf=p)  # a man registered as a woman
    b.pos("ZH-014", b.persistent(p), "person", x.id, s.district)
    x = b.person(39, p, sex=2)
    dj = b.district()
    _scheme_row(b, "jg_person", _moved(x, flip_sex=True), dj, "1", p)
    b.pos("ZH-014", b.persistent(p), "person", x.id, dj)
    x = b.person(49, p, sex=2)
    s = b.sb(x, status="3", vf=p)
    _scheme_row(b, "jg_person", x, b.district(), "1", p)
    b.neg("ZH-014", p, "person", x.id, s.district)


@story("ZH-015")
def zh015(b: PlantBook, p: int) -> None:
    x = b.person(58, p)
    s = b.sb(x, status="3", vf=p)
    _scheme_row(b, "jm_person", _moved(x, name=_other_name(b, x.name)), b.district(), "3", p)
    b.pos("ZH-015", b.persistent(p), "person", x.id, s.district)
    # a jg member and a death record under another name
    x = b.person(62, p)
    dj = b.district()
    _scheme_row(b, "jg_person", x, dj, "4", p)
    b.death(_moved(x, name=_other_name(b, x.name)), day(p - 2, 3), "2", day(p - 2, 12))
    b.pos("ZH-015", b.persistent(p), "person", x.id, dj)
    # the same name everywhere
    x = b.person(63, p)
    s = b.sb(x, status="3", vf=p)
    _scheme_row(b, "jm_person", x, b.district(), "3", p)
    b.death(x, day(p - 2, 3), "1", day(p - 2, 12))
    b.neg("ZH-015", p, "person", x.id, s.district)


@story("ZH-016")
def zh016(b: PlantBook, p: int) -> None:
    d = b.district()
    unit, uscc = b.unit(d, status="3", close=day(p - 3, 15))
    w = b.sb(b.person(42, p), status="1", district=d, unit_id=unit)
    base = b.base_ok(p)
    paid = b.contrib(p, w, unit, "110", p, base) + b.contrib(p, w, unit, "210", p, base)
    b.pos("ZH-016", p, "unit", uscc, d, paid)
    # back-payments for periods after closing count; one for a period before closing does not
    d = b.district()
    unit, uscc = b.unit(d, status="3", close=day(p - 6, 1))
    w = b.sb(b.person(44, p), status="1", district=d, unit_id=unit)
    paid = sum(b.contrib(p, w, unit, "110", m, b.base_ok(m), pay_type="2") for m in (p - 2, p - 1))
    b.contrib(p, w, unit, "110", p - 7, b.base_ok(p - 7), pay_type="2")
    b.pos("ZH-016", p, "unit", uscc, d, paid)
    # a late normal contribution for the closing month itself
    d = b.district()
    unit, uscc = b.unit(d, status="3", close=day(p - 1, 20))
    w = b.sb(b.person(45, p), status="1", district=d, unit_id=unit)
    b.contrib(p, w, unit, "110", p - 1, b.base_ok(p - 1))
    b.neg("ZH-016", p, "unit", uscc, d)


def _registration(b: PlantBook, q: int, uscc: str, district: str, reg_day: int) -> None:
    x = b.person(30, q)
    b.add_month("rlzy_employment", q, {"reg_id": None, "id_no": x.id, "reg_type": "1", "unit_uscc": uscc,
                                       "reg_date": date_text(day(q, reg_day)), "district_code": district})


@story("ZH-017")
def zh017(b: PlantBook, p: int) -> None:
    g = int(_params("ZH-017")["grace_months"])
    due = [p + g] if p + g <= b.pL else []  # the month that checks the registrations of p
    d1, d2 = b.districts(2)
    uscc = b.uscc(d1)  # no sb_unit at all; the first registration gives the district
    _registration(b, p, uscc, d1, 6)
    _registration(b, p, uscc, d2, 9)
    b.pos("ZH-017", due, "unit", uscc, d1)
    if g > 0:
        b.neg("ZH-017", p, "unit", uscc, d1)  # not yet due
    d = b.district()
    _, uscc = b.unit(d, status="3", close=day(p - 4, 10))  # closed before the registration
    _registration(b, p, uscc, d, 12)
    b.pos("ZH-017", due, "unit", uscc, d)
    for close in (None, day(p, 20)):  # registered unit; one closed after the registration
        d = b.district()
        _, uscc = b.unit(d, status="3" if close is not None else "1", close=close)
        _registration(b, p, uscc, d, 5)
        if due:
            b.neg("ZH-017", due[0], "unit", uscc, d)
