"""Planted stories of the further indicators (subsidies_purchase):
positives and near-misses for ``workbench synth``.

JY-009 … JY-014 use subsidy recipients and units of their own (planted units with planted
contributors, so that JY-001 and JY-007 stay quiet). Every out-of-town application planted
for GC-005/006 and GF-004/005 lacks 60 months of history and is therefore also a genuine
GC-002/GF-002 positive, recorded as such. GC-005/GF-004 positives need ``min_solo_months``
months of history before P; earlier months plant only a near-miss.
"""

from __future__ import annotations

import numpy as np

from workbench.indicators.params import defaults
from workbench.synth.calendar import date_text, month_of
from workbench.synth.plants import Person, PlantBook, Ref, day
from workbench.synth.stories import Y, story

CITY = "110000"


def _params(code: str) -> dict:
    return defaults()[code]


def _unit(b: PlantBook, district: str, opened: np.datetime64 | None = None) -> tuple[str, str]:
    """A planted unit (no staff); ``opened`` moves its open_date (and first snapshot month)."""
    uid, uscc = b.unit(district)
    if opened is not None:
        snap = b.snap["sb_unit"][-1]
        snap.row["open_date"] = date_text(opened)
        snap.vf = max(_month(opened), b.p0)
    return uid, uscc


def _month(d: np.datetime64) -> int:
    """Month index (year * 12 + month - 1) of a date."""
    return int(month_of(np.array([d]))[0])


def _staff(b: PlantBook, uid: str, district: str, p: int, months: list[int], *, age: int = 32,
           hukou: int = 1, vf: int | None = None, injury: bool = False) -> Person:
    """A worker of planted unit ``uid`` with a normal 110 contribution (and 410 with ``injury``)
    for each of ``months`` (paid in the month itself, or in P when that month precedes the window)."""
    w = b.sb(b.person(age, p), status="1", district=district, unit_id=uid, hukou=hukou, vf=vf)
    for m in months:
        for ins in ("110", "410") if injury else ("110",):
            b.contrib(m if m >= b.p0 else p, w, uid, ins, m, b.base_ok(m))
    return w


# --- human resources market -------------------------------------------------------------------
@story("JY-009")
def jy009(b: PlantBook, p: int) -> None:
    min_age = int(_params("JY-009")["min_work_age"])
    common = _params("common")
    male, female = int(common["retire_age_male"]), int(common["retire_age_female"])
    ds = b.districts(3)
    for age, sex, stype, amount, d, positive in (
        (min_age - 1, 1, "11", 1200 * Y, ds[0], True),   # a child
        (male, 1, "12", 1500 * Y, ds[1], True),           # exactly the retirement age: counts
        (female, 2, "11", 980 * Y, ds[2], True),
        (min_age, 2, "11", 1000 * Y, ds[0], False),       # just of working age
        (male - 1, 1, "12", 1100 * Y, ds[1], False),
        (male + 5, 1, "15", 600 * Y, ds[2], False),      # training subsidy: not tied to a job
    ):
        x = b.person(age, p, sex)
        b.subsidy(p, stype, "2", "", x, p, amount, d)
        if positive:
            b.pos("JY-009", p, "person", x.id, d, amount)
        else:
            b.neg("JY-009", p, "person", x.id, d)


@story("JY-010")
def jy010(b: PlantBook, p: int) -> None:
    need = int(_params("JY-010")["min_insured_months"])
    ds = b.districts(3)
    for i, (opened, stype, amount, positive) in enumerate((
        (day(p - 1, 10), "11", 2000 * Y, True),
        (day(p - need + 1, 5), "12", 1800 * Y, True),   # need − 1 months: too soon
        (day(p - need, 20), "11", 1900 * Y, False),     # exactly need months
    )):
        uid, uscc = _unit(b, ds[i], opened)
        w = _staff(b, uid, ds[i], p, [p], vf=max(_month(opened), b.p0))
        b.subsidy(p, stype, "1", uscc, w, p, amount, ds[i])
        if positive:
            b.pos("JY-010", p, "unit", uscc, ds[i], amount)
        else:
            b.neg("JY-010", p, "unit", uscc, ds[i])


@story("JY-011")
def jy011(b: PlantBook, p: int) -> None:
    cap = int(_params("JY-011")["cap_per_head"]) * Y
    ds = b.districts(3)
    # two contributors, three subsidised people: 11000 yuan against 2 × 5000
    uid, uscc = _unit(b, ds[0])
    staff = [_staff(b, uid, ds[0], p, [p]) for _ in range(2)]
    ghost = b.person(27, p)
    amounts = (cap - 1000 * Y, cap - 1000 * Y, 3000 * Y)
    for x, amount in zip((*staff, ghost), amounts, strict=True):
        b.subsidy(p, "11", "1", uscc, x, p, amount, ds[0])
    b.pos("JY-011", p, "unit", uscc, ds[0], sum(amounts) - 2 * cap)
    # one contributor with both a social insurance and a job subsidy above the cap
    uid, uscc = _unit(b, ds[1])
    w = _staff(b, uid, ds[1], p, [p])
    b.subsidy(p, "11", "1", uscc, w, p, cap - 2000 * Y, ds[1])
    b.subsidy(p, "12", "1", uscc, w, p, 2500 * Y, ds[1])
    b.pos("JY-011", p, "unit", uscc, ds[1], 500 * Y)
    # exactly the cap for two contributors
    uid, uscc = _unit(b, ds[2])
    for _ in range(2):
        w = _staff(b, uid, ds[2], p, [p])
        b.subsidy(p, "12", "1", uscc, w, p, cap, ds[2])
    b.neg("JY-011", p, "unit", uscc, ds[2])


@story("JY-012")
def jy012(b: PlantBook, p: int) -> None:
    ds = b.districts(3)
    x = b.person(35, p)
    b.subsidy(p, "15", "2", "", x, p + 1, 800 * Y, ds[0])
    b.pos("JY-012", p, "person", x.id, ds[0], 800 * Y)
    x = b.person(36, p)
    b.subsidy(p, "14", "2", "", x, p, 700 * Y, ds[2])  # this month's: not counted
    b.subsidy(p, "14", "2", "", x, p + 2, 900 * Y, ds[1])
    b.pos("JY-012", p, "person", x.id, ds[1], 900 * Y)
    x = b.person(37, p)
    b.subsidy(p, "15", "2", "", x, p - 1, 850 * Y, ds[2])  # arrears: fine
    b.neg("JY-012", p, "person", x.id, ds[2])


@story("JY-013")
def jy013(b: PlantBook, p: int) -> None:
    ds = b.districts(3)
    for stype, jg_period, amount, d, positive in (
        ("11", p, 1000 * Y, ds[0], True),
        ("12", p, 1400 * Y, ds[1], True),
        ("12", p - 2, 1300 * Y, ds[2], False),  # agency contribution for another month
    ):
        x = b.person(38, p)
        pid, unit_id = b.jg(x, b.district(), "1")
        b.jg_contrib(p, pid, unit_id, jg_period, b.base_ok(p))
        b.subsidy(p, stype, "2", "", x, p, amount, d)
        if stype == "12" and positive:
            b.subsidy(p, "15", "2", "", x, p, 400 * Y, d)  # training: not counted
        if positive:
            b.pos("JY-013", p, "person", x.id, d, amount)
        else:
            b.neg("JY-013", p, "person", x.id, d)


@story("JY-014")
def jy014(b: PlantBook, p: int) -> None:
    ds = b.districts(3)
    uid, uscc = _unit(b, ds[0])
    w = _staff(b, uid, ds[0], p, [p])
    b.subsidy(p, "12", "1", uscc, w, p, 1500 * Y, ds[1])
    b.pos("JY-014", p, "unit", uscc, ds[1], 1500 * Y)
    uid, uscc = _unit(b, ds[1])
    w = _staff(b, uid, ds[1], p, [p])
    b.subsidy(p, "11", "1", uscc, w, p, 1000 * Y, ds[2])
    b.subsidy(p, "12", "1", uscc, w, p, 800 * Y, ds[1])  # paid at home: not counted
    b.pos("JY-014", p, "unit", uscc, ds[2], 1000 * Y)
    uid, uscc = _unit(b, ds[2])
    w = _staff(b, uid, ds[2], p, [p])
    b.subsidy(p, "11", "1", uscc, w, p, 1200 * Y, ds[2])
    b.subsidy(p, "11", "2", uscc, b.person(29, p), p, 700 * Y, ds[0])  # to a person: not a unit's
    b.neg("JY-014", p, "unit", uscc, ds[2])


# --- car and house ----------------------------------------------------------------------------
def _application(b: PlantBook, p: int, table: str, code: str, short_code: str, w: Person, when: int,
                 positive: bool) -> None:
    """An out-of-town application of ``w``; always a GC-002/GF-002 positive (short history)."""
    row = b.apply(table, p, w, day(p, when), "2")
    key = Ref(row, "apply_id")
    b.pos(short_code, p, "application", key, CITY)
    if positive:
        b.pos(code, p, "application", key, CITY)
    else:
        b.neg(code, p, "application", key, CITY)


def _solo_story(b: PlantBook, p: int, code: str, short_code: str, table: str) -> None:
    pr = _params(code)
    back, need = int(pr["lookback_months"]), int(pr["min_solo_months"])
    d = b.district()

    def solo(n: int, colleague: bool = False) -> Person:
        months = [m for m in range(p - n, p) if m >= b.p0]
        uid, _ = _unit(b, d)
        if colleague:
            _staff(b, uid, d, p, months, age=45)
        return _staff(b, uid, d, p, months, age=33, hukou=3)

    if p - need >= b.p0:
        _application(b, p, table, code, short_code, solo(need), 8, True)  # exactly need months
        _application(b, p, table, code, short_code, solo(min(back, p - b.p0)), 12, True)
        _application(b, p, table, code, short_code, solo(need, colleague=True), 14, False)
    _application(b, p, table, code, short_code, solo(need - 1), 17, False)


def _shared_story(b: PlantBook, p: int, code: str, short_code: str, table: str) -> None:
    pr = _params(code)
    many, share = int(pr["min_applicants"]), float(pr["min_share"])
    d = b.district()

    def unit_with(staff: int, applying: int, positive: bool) -> None:
        uid, _ = _unit(b, d)
        # with work-injury insurance too: a staff of pension-only contributors is PG-007's
        workers = [_staff(b, uid, d, p, [p - 1], age=30 + i % 20, hukou=3 + i % 2, injury=True)
                   for i in range(staff)]
        for i, w in enumerate(workers[:applying]):
            _application(b, p, table, code, short_code, w, 5 + i, positive)

    unit_with(many + 1, many, True)             # `many` of many + 1 staff apply
    unit_with(many - 1, many - 1, False)        # all staff apply, but too few
    unit_with(int(many / share) + 1, many, False)  # enough applicants, too small a share


@story("GC-005")
def gc005(b: PlantBook, p: int) -> None:
    _solo_story(b, p, "GC-005", "GC-002", "ref_car_apply")


@story("GF-004")
def gf004(b: PlantBook, p: int) -> None:
    _solo_story(b, p, "GF-004", "GF-002", "ref_house_apply")


@story("GC-006")
def gc006(b: PlantBook, p: int) -> None:
    _shared_story(b, p, "GC-006", "GC-002", "ref_car_apply")


@story("GF-005")
def gf005(b: PlantBook, p: int) -> None:
    _shared_story(b, p, "GF-005", "GF-002", "ref_house_apply")
