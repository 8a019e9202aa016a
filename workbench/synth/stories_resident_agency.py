"""Planted stories of the further indicators (resident_agency):
positives and near-misses for ``workbench synth``."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

from workbench.indicators.params import defaults
from workbench.synth import ids, names
from workbench.synth.calendar import date_of, date_text, period_text
from workbench.synth.plants import Person, PlantBook, day, money
from workbench.synth.stories import Y, story
from workbench.synth.tables import rate_amount


def _params(code: str) -> dict:
    return defaults()[code]


def _jm_contrib(b: PlantBook, q: int, pid: str, year: int, amount: int, pay_day: int = 12) -> None:
    """A resident contribution paid in month ``q`` for ``year`` (amount = grade, cents)."""
    b.add_month("jm_contrib", q, {
        "contrib_id": None, "person_id": pid, "year": str(year), "grade": money(amount),
        "amount": money(amount), "pay_date": date_text(day(q, pay_day)),
    })


def _unit(b: PlantBook, district: str, utype: str, status: str = "1",
          close: np.datetime64 | None = None) -> tuple[str, str]:
    """A planted sb_unit of type ``utype`` with no staff; returns (unit_id, uscc)."""
    while True:
        n = int(b.rng.integers(0, 10**8))
        if n not in b._units_taken:
            b._units_taken.add(n)
            break
    uscc = str(ids.uscc_codes(b.rng, 1, np.array([district]), np.array([utype]))[0])
    name = names.unit_names(b.rng, np.array([utype]), np.array([district]), 0)[0]
    b.add_snap("sb_unit", {
        "unit_id": f"{n:08d}", "uscc": uscc, "unit_name": name, "unit_type": utype,
        "district_code": district, "status": status, "open_date": "20100310",
        "close_date": "" if close is None else date_text(close), "_close": close,
    })
    return f"{n:08d}", uscc


def _jg_person(b: PlantBook, x: Person, district: str, status: str, unit_id: str) -> str:
    """A jg_person row of ``x`` registered at ``unit_id``; returns the person_id."""
    pid = b._new_pid()
    b.add_snap("jg_person", {
        "person_id": pid, "id_no": x.id, "name": x.name, "sex": str(x.sex),
        "birth_date": date_text(x.birth), "district_code": district, "unit_id": unit_id,
        "status": status, "first_enroll_date": "20050901",
    })
    return pid


def _jg_contrib(b: PlantBook, q: int, pid: str, unit_id: str, period: int, base: int,
                unit_amount: int | None = None, person_amount: int | None = None, pay_type: str = "1") -> int:
    """An agency contribution row (amounts at the synth's rates unless given); returns unit + person part."""
    bp = b.pop.cfg.money.rates_bp["120"]
    ua = int(rate_amount(base, bp.unit)) if unit_amount is None else unit_amount
    pa = int(rate_amount(base, bp.person)) if person_amount is None else person_amount
    b.add_month("jg_contrib", q, {
        "contrib_id": None, "person_id": pid, "unit_id": unit_id, "period": period_text(period),
        "pay_month": period_text(q), "base": money(base), "unit_amount": money(ua),
        "person_amount": money(pa), "pay_type": pay_type,
    })
    return ua + pa


def _other_jg_unit(b: PlantBook, not_this: str) -> str:
    while True:
        unit = str(b.pop.unit_id[int(b.rng.choice(b.pop.jg_units))])
        if unit != not_this:
            return unit


def _agency_retire_age(sex: int) -> int:
    """The agency retirement age JG-005 applies to ``sex``."""
    name = "retire_age_male" if sex == 1 else "retire_age_female"
    own = _params("JG-005")
    return int(own[name] if name in own else defaults()["common"][name])


def _cents(value: Decimal) -> int:
    return int(value.to_integral_value(rounding="ROUND_FLOOR"))


# --- resident pension ------------------------------------------------------------------------


@story("JM-007")
def jm007(b: PlantBook, p: int) -> None:
    year = p // 12
    earlier = max(b.p0, 12 * year, p - 2)
    for paid_in, jm_year, amount, positive in (
        (p, year, 2000 * Y, True),
        (earlier, year, 3000 * Y, True),
        (p, year - 1, 1500 * Y, False),  # last year's resident contribution, employee contributions this year
    ):
        x = b.person(45, p)
        dj = b.district()
        jm = b.jm(x, dj, status="1")
        _jm_contrib(b, paid_in, jm, jm_year, amount)
        s = b.sb(x, status="1", unit_id=str(b.pop.unit_id[b.bg_unit(p)]))
        b.contrib(p, s, s.unit_id, "110", p, b.base_ok(p))
        if positive:
            b.pos("JM-007", p, "person", x.id, dj, amount)
        else:
            b.neg("JM-007", p, "person", x.id, dj)


@story("JM-008")
def jm008(b: PlantBook, p: int) -> None:
    year = p // 12
    earlier = max(b.p0, 12 * year, p - 3)
    for first, second, amount, positive in (
        ((p, year), (p, year), 1500 * Y, True),
        ((earlier, year), (p, year), 2500 * Y, True),
        ((p, year - 1), (p, year), 1000 * Y, False),  # last year's and this year's: one a year
    ):
        x = b.person(40, p)
        dj = b.district()
        jm = b.jm(x, dj, status="1")
        _jm_contrib(b, first[0], jm, first[1], amount, pay_day=3)
        _jm_contrib(b, second[0], jm, second[1], amount, pay_day=25)
        if positive:
            b.pos("JM-008", p, "person", x.id, dj, amount)
        else:
            b.neg("JM-008", p, "person", x.id, dj)


@story("JM-009")
def jm009(b: PlantBook, p: int) -> None:
    par = _params("JM-009")
    near = int(par["resident_pension_age"]) - int(par["near_pension_years"])
    n = int(par["lump_min_years"])
    for age, years, grade, positive in (
        (near, n, 1000 * Y, True),
        (near + 3, n + 3, 2000 * Y, True),
        (near, n - 1, 1500 * Y, False),  # one year short
        (near - 1, n + 2, 1000 * Y, False),  # too young to be near the pension age
    ):
        x = b.person(age, p, 2)
        dj = b.district()
        jm = b.jm(x, dj, status="1")
        for k in range(years):
            _jm_contrib(b, p, jm, p // 12 - 1 - k, grade, pay_day=9)
        if positive:
            b.pos("JM-009", p, "person", x.id, dj, years * grade)
        else:
            b.neg("JM-009", p, "person", x.id, dj)


@story("JM-010")
def jm010(b: PlantBook, p: int) -> None:
    ratio = Decimal(str(_params("JM-010")["jump_ratio"]))
    prev_month = p - 1 if p - 1 >= b.p0 else p  # before the window: the previous period paid late in P
    for before, now, positive in (
        (1200 * Y, 2400 * Y, True),
        (1000 * Y, math.ceil(Decimal(1000 * Y) * ratio), True),
        (1000 * Y, math.ceil(Decimal(1000 * Y) * ratio) - 1, False),
    ):
        x = b.person(68, p)
        dj = b.district()
        jm = b.jm(x, dj)
        b.jm_pay(prev_month, jm, p - 1, before)
        b.jm_pay(p, jm, p, now)
        if positive:
            b.pos("JM-010", p, "person", x.id, dj, now - before)
        else:
            b.neg("JM-010", p, "person", x.id, dj)


@story("JM-011")
def jm011(b: PlantBook, p: int) -> None:
    ahead = int(_params("JM-011")["allowed_ahead_months"])
    for periods, amount, positive in (
        ((p, p + ahead + 1), 1100 * Y, True),  # this month and the next paid together
        ((p + ahead + 1, p + ahead + 2, p + ahead + 3), 1250 * Y, True),
        ((p - 1, p + ahead), 1200 * Y, False),  # arrears and this month: not in advance
    ):
        x = b.person(70, p)
        dj = b.district()
        jm = b.jm(x, dj)
        for m in periods:
            b.jm_pay(p, jm, m, amount)
        if positive:
            b.pos("JM-011", p, "person", x.id, dj, amount * sum(m > p + ahead for m in periods))
        else:
            b.neg("JM-011", p, "person", x.id, dj)


# --- agency pension --------------------------------------------------------------------------


@story("JG-004")
def jg004(b: PlantBook, p: int) -> None:
    for utype, staff, positive in (("10", 1, True), ("40", 2, True), ("30", 1, False)):
        du = b.district()
        unit, uscc = _unit(b, du, utype)
        paid = 0
        for i in range(staff):
            x = b.person(35 + i, p)
            pid = _jg_person(b, x, du, "1", unit)
            paid += _jg_contrib(b, p, pid, unit, p, b.base_ok(p, 150000 + 100000 * i))
        if positive:
            b.pos("JG-004", p, "unit", uscc, du, paid)
        else:
            b.neg("JG-004", p, "unit", uscc, du)


@story("JG-005")
def jg005(b: PlantBook, p: int) -> None:
    male, female = _agency_retire_age(1), _agency_retire_age(2)
    for age, sex, periods, positive in (
        (male, 1, (p,), True),  # reached the age on the first day of P
        (female + 1, 2, (p - 1, p), True),
        (female - 1, 2, (p,), False),  # above the employee age for women (common), below the agency one
        (male - 1, 1, (p,), False),
    ):
        x = b.person(age, p, sex)
        dj = b.district()
        jg, unit = b.jg(x, dj, "1")
        paid = sum(_jg_contrib(b, p, jg, unit, m, b.base_ok(m, 220000)) for m in periods)
        if positive:
            b.pos("JG-005", p, "person", x.id, dj, paid)
        else:
            b.neg("JG-005", p, "person", x.id, dj)


@story("JG-006")
def jg006(b: PlantBook, p: int) -> None:
    par = _params("JG-006")
    ur, pr = Decimal(str(par["unit_rate"])), Decimal(str(par["person_rate"]))
    tol = _cents(Decimal(str(par["tolerance"])) * 100)
    for base, unit_less, person_less, pay_type, positive in (
        (10000 * Y, 0, None, "1", True),  # the person's share missing
        (12000 * Y, 120 * Y, 0, "2", True),  # back payment with the unit's share short
        (9000 * Y, tol, 0, "1", False),  # short by the tolerance only
    ):
        x = b.person(44, p)
        dj = b.district()
        jg, unit = b.jg(x, dj, "1")
        exp_u, exp_p = _cents(Decimal(base) * ur), _cents(Decimal(base) * pr)
        ua = exp_u - unit_less
        pa = 0 if person_less is None else exp_p - person_less
        period = p if pay_type == "1" else p - 1
        _jg_contrib(b, p, jg, unit, period, base, ua, pa, pay_type)
        if positive:
            b.pos("JG-006", p, "person", x.id, dj, exp_u - ua + exp_p - pa)
        else:
            b.neg("JG-006", p, "person", x.id, dj)


@story("JG-007")
def jg007(b: PlantBook, p: int) -> None:
    ratio = Decimal(str(_params("JG-007")["base_ratio"]))
    q = p - 1 if p - 1 >= b.p0 else p  # the last contribution: paid in P-1, or late in P before the window
    for bases, extra, positive in (
        ((b.base_ok(p, 100000),), 100 * Y, True),
        ((b.base_ok(p, 50000), b.base_ok(p, 250000)), 50 * Y, True),
        ((b.base_ok(p, 150000),), 0, False),  # exactly base_ratio times the base
    ):
        y, m = divmod(p, 12)  # turns the retirement age on the 1st of P: contributions before, pension from P
        x = b.person(0, p, 1, birth=date_of(y - _agency_retire_age(1), m + 1, 1))
        dj = b.district()
        jg, unit = b.jg(x, dj, "4")
        for k, base in enumerate(bases):
            _jg_contrib(b, q, jg, unit, p - 1 - k, base)
        amount = _cents(Decimal(max(bases)) * ratio) + extra
        b.jg_pay(p, jg, p, amount)
        if positive:
            b.pos("JG-007", p, "person", x.id, dj, amount)
        else:
            b.neg("JG-007", p, "person", x.id, dj)


@story("JG-008")
def jg008(b: PlantBook, p: int) -> None:
    for own_too, period, positive in ((False, p, True), (True, p, True), (False, p - 1, False)):
        x = b.person(38, p)
        dj = b.district()
        jg, unit = b.jg(x, dj, "1")
        other = _other_jg_unit(b, unit)
        base = b.base_ok(p, 180000)
        if own_too:
            _jg_contrib(b, p, jg, unit, p, base)
        _jg_contrib(b, p, jg, other, period, base)  # near-miss: the former unit's late payment for P-1
        if positive:
            b.pos("JG-008", p, "person", x.id, dj)
        else:
            b.neg("JG-008", p, "person", x.id, dj)
