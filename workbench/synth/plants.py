"""The plant book: rows planted on top of the background, and the truth they imply.

Every planted story uses people of its own (ids from a reserved sequence range) so that
stories never touch each other or the background. A story is either a *positive* (the
indicator must report exactly this subject, district and amount) or a *near-miss* (it
looks close but must not be reported). ``stories.py`` holds the stories; this module the
bookkeeping: rows by table and month, visibility of snapshot rows, and the truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workbench.synth import ids, names
from workbench.synth.calendar import (
    add_years,
    date_text,
    days_in,
    first_month_at_age,
    month_end,
    month_of,
    month_start,
    period_text,
)
from workbench.synth.population import Population
from workbench.synth.tables import MonthTables, RecordIds, rate_amount


def day(q: int, d: int) -> np.datetime64:
    """Day ``d`` of month ``q`` (clipped to the month's length)."""
    return month_start(q) + np.timedelta64(int(min(d, int(days_in(q)))) - 1, "D")


def born(age: int, at_month: int, offset_days: int = 150) -> np.datetime64:
    """A birth date with ``age`` completed years at the first day of ``at_month``."""
    return add_years(np.array([month_start(at_month) - np.timedelta64(offset_days, "D")]), -age)[0]


@dataclass
class Person:
    id: str
    name: str
    birth: np.datetime64
    sex: int
    pid: str | None = None  # sb person_id
    district: str | None = None  # sb_person district
    unit_id: str | None = None


@dataclass
class Ref:
    """A value known only once a row's record id is assigned (monthly plant rows)."""

    row: dict
    column: str

    def resolve(self) -> str:
        return self.row[self.column]


@dataclass
class Truth:
    code: str
    months: list[int]
    subject_type: str
    key: str | Ref
    district: str
    amount: int | None = None  # cents

    def key_text(self) -> str:
        return self.key.resolve() if isinstance(self.key, Ref) else self.key


@dataclass
class SnapRow:
    row: dict
    vf: int  # first month the row is in the snapshot
    vt: int  # last month


@dataclass
class PlantBook:
    pop: Population
    tables: MonthTables
    months: list[int]
    seed: int
    snap: dict[str, list[SnapRow]] = field(default_factory=dict)
    monthly: dict[tuple[str, int], list[dict]] = field(default_factory=dict)
    positives: list[Truth] = field(default_factory=list)
    negatives: list[Truth] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng([self.seed, 3])
        self.p0, self.pL = self.months[0], self.months[-1]
        self._id_taken: set[int] = set()
        self._pid_taken: set[str] = set()
        self._bg_pid = {
            "sb": np.sort(
                np.concatenate([self.pop.sb_pid_num, self.pop.jm_pid_num, self.pop.jg_pid_num])
            ),
        }
        self._snap_next = dict(self.tables.max_snapshot_num)
        self._bg_units: dict[int, np.ndarray] = {}
        self._units_taken: set[int] = set(self.pop.unit_num.tolist())
        lim = self.pop.limits
        self.limits = lim

    # --------------------------------------------------------------------- identities
    def person(
        self,
        age: int,
        at_month: int,
        sex: int = 1,
        *,
        birth: np.datetime64 | None = None,
        area: int | None = None,
        wrong_check: bool = False,
    ) -> Person:
        """A new natural person (no scheme yet) with a unique resident id."""
        b = born(age, at_month) if birth is None else birth
        if area is None:
            area = int(ids.ID_AREAS[self.rng.integers(0, len(ids.ID_AREAS))])
        for _ in range(1000):
            seq = int(ids.draw_seq(self.rng, np.array([sex]), ids.SEQ_PLANT)[0])
            body = int(ids.id_bodies(np.array([area]), np.array([b]), np.array([seq]))[0])
            if body not in self._id_taken:
                break
        else:
            raise RuntimeError(f"no free planted id number for birth date {b} in area {area}")
        self._id_taken.add(body)
        check = str(ids.id_check_chars(np.array([body]))[0])
        text = f"{body:017d}{check}"
        if wrong_check:
            text = ids.wrong_check(text)
        return Person(text, names.one_name(self.rng), b, sex)

    def _new_pid(self) -> str:
        bg = self._bg_pid["sb"]
        while True:
            n = int(self.rng.integers(0, 10**9))
            i = np.searchsorted(bg, n)
            text = f"{n:010d}"
            if (i >= len(bg) or bg[i] != n) and text not in self._pid_taken:
                self._pid_taken.add(text)
                return text

    def _snap_id(self, table: str) -> str:
        self._snap_next[table] = self._snap_next.get(table, 0) + 1
        prefix, w = RecordIds.PREFIX[table]
        return f"{prefix}{self._snap_next[table]:0{w}d}"

    def district(self) -> str:
        return str(self.rng.choice(self.pop.districts, p=self.pop.district_p))

    def districts(self, k: int) -> list[str]:
        return [str(d) for d in self.rng.choice(self.pop.districts, k, replace=False)]

    # ------------------------------------------------------------------- row helpers
    def add_snap(
        self,
        table: str,
        row: dict,
        vf: int | None = None,
        vt: int | None = None,
        visible: np.datetime64 | None = None,
    ) -> dict:
        if vf is None:
            vf = int(month_of(np.array([visible]))[0]) if visible is not None else self.p0
        self.snap.setdefault(table, []).append(
            SnapRow(row, max(vf, self.p0), self.pL if vt is None else vt)
        )
        return row

    def add_month(self, table: str, q: int, row: dict) -> dict:
        if self.p0 <= q <= self.pL:
            self.monthly.setdefault((table, q), []).append(row)
        return row

    def sb(
        self,
        person: Person,
        *,
        status: str = "1",
        district: str | None = None,
        hukou: int = 1,
        unit_id: str = "",
        vf: int | None = None,
        vt: int | None = None,
    ) -> Person:
        """Register ``person`` in sb_person (a new person_id)."""
        pid = self._new_pid()
        district = district or self.district()
        enrol = add_years(np.array([person.birth]), 22)[0]
        enrol = max(enrol, np.datetime64("1995-01-01"))
        self.add_snap(
            "sb_person",
            {
                "person_id": pid,
                "id_no": person.id,
                "name": person.name,
                "sex": str(person.sex),
                "birth_date": date_text(person.birth),
                "hukou_type": str(hukou),
                "district_code": district,
                "unit_id": unit_id if status == "1" else "",
                "status": status,
                "first_enroll_date": date_text(enrol),
            },
            vf=vf if vf is not None else self.p0,
            vt=vt,
        )
        if person.pid is None:
            person.pid, person.district = pid, district
        return Person(person.id, person.name, person.birth, person.sex, pid, district, unit_id)

    def worker(self, age: int, p: int, sex: int = 1, hukou: int = 1, **kw) -> Person:
        unit = self.bg_unit(p)
        person = self.person(age, p, sex)
        return self.sb(
            person,
            status="1",
            hukou=hukou,
            unit_id=str(self.pop.unit_id[unit]),
            district=str(self.pop.unit_district[unit]),
            **kw,
        )

    def retiree(self, p: int, amount: int, age: int = 66, sex: int = 1) -> Person:
        person = self.sb(self.person(age, p, sex), status="4")
        ret_age = (
            self.pop.cfg.ages.retire_age_male if sex == 1 else self.pop.cfg.ages.retire_age_female
        )
        start = int(first_month_at_age(np.array([person.birth]), ret_age)[0])
        self.approval(person, "110", day(start - 1, 15), start, amount, retire_type="1", months=360)
        return person

    def unemployed(self, p: int, start: int, entitled: int, amount: int, age: int = 40) -> Person:
        person = self.sb(self.person(age, p, 2 - (p % 2)), status="2")
        self.approval(person, "210", day(start, 5), start, amount, entitled=entitled)
        return person

    def approval(
        self,
        person: Person,
        ins: str,
        approve: np.datetime64,
        start: int,
        amount: int,
        *,
        retire_type: str = "",
        months: int | None = None,
        entitled: int | None = None,
    ) -> str:
        aid = self._snap_id("sb_benefit_approval")
        self.add_snap(
            "sb_benefit_approval",
            {
                "approval_id": aid,
                "person_id": person.pid,
                "insurance_type": ins,
                "approve_date": date_text(approve),
                "start_period": period_text(start),
                "retire_type": retire_type,
                "contrib_months": "" if months is None else str(months),
                "monthly_amount": money(amount),
                "months_entitled": "" if entitled is None else str(entitled),
            },
            visible=approve,
        )
        return aid

    def pay(
        self,
        q: int,
        person: Person,
        ins: str,
        item: str,
        period: int,
        amount: int,
        pay_day: int = 10,
    ) -> dict:
        return self.add_month(
            "sb_benefit_pay",
            q,
            {
                "pay_id": None,
                "person_id": person.pid,
                "insurance_type": ins,
                "benefit_item": item,
                "period": period_text(period),
                "pay_date": date_text(day(q, pay_day)),
                "amount": money(amount),
            },
        )

    def base_ok(self, m: int, extra: int = 100000) -> int:
        """A base (cents) within the limits of month ``m``."""
        lo, _ = self.limits.at(m)
        return int(lo) + extra

    def contrib(
        self,
        q: int,
        person: Person,
        unit_id: str,
        ins: str,
        period: int,
        base: int,
        pay_type: str = "1",
    ) -> int:
        """A contribution row; returns unit_amount + person_amount (cents)."""
        bp = self.pop.cfg.money.rates_bp
        unit_bp = 40 if ins == "410" else bp[ins].unit
        person_bp = 0 if ins == "410" else bp[ins].person
        ua, pa_ = int(rate_amount(base, unit_bp)), int(rate_amount(base, person_bp))
        self.add_month(
            "sb_contrib",
            q,
            {
                "contrib_id": None,
                "person_id": person.pid,
                "unit_id": unit_id,
                "insurance_type": ins,
                "period": period_text(period),
                "pay_month": period_text(q),
                "base": money(base),
                "unit_amount": money(ua),
                "person_amount": money(pa_),
                "pay_type": pay_type,
            },
        )
        return ua + pa_

    def death(
        self,
        person: Person,
        when: np.datetime64,
        agency: str = "1",
        report: np.datetime64 | None = None,
    ) -> None:
        report = when + np.timedelta64(10, "D") if report is None else report
        self.add_snap(
            "ref_death",
            {
                "id_no": person.id,
                "name": person.name,
                "death_date": date_text(when),
                "agency": agency,
                "report_date": date_text(report),
            },
            visible=report,
        )

    def prison(self, person: Person, start: np.datetime64, end: np.datetime64 | None) -> None:
        self.add_snap(
            "ref_prison",
            {
                "record_id": self._snap_id("ref_prison"),
                "id_no": person.id,
                "name": person.name,
                "start_date": date_text(start),
                "end_date": "" if end is None else date_text(end),
            },
            visible=start,
        )

    def case(
        self,
        person: Person,
        district: str,
        accident: np.datetime64,
        apply: np.datetime64,
        decision: np.datetime64 | None,
        result: str | None,
        vt: int | None = None,
    ) -> str:
        cid = self._snap_id("gsrd_case")
        unit = self.bg_unit(self.pL)
        self.add_snap(
            "gsrd_case",
            {
                "case_id": cid,
                "id_no": person.id,
                "name": person.name,
                "unit_uscc": str(self.pop.unit_uscc[unit]),
                "unit_name": str(self.pop.unit_name[unit]),
                "district_code": district,
                "accident_date": date_text(accident),
                "apply_date": date_text(apply),
                "decision_date": "" if decision is None else date_text(decision),
                "result": result or "",
                "_decision": decision,
            },
            visible=apply,
            vt=vt,
        )
        return cid

    def appraisal(
        self,
        case_id: str,
        person: Person,
        district: str,
        atype: str,
        apply: np.datetime64,
        conclusion: np.datetime64,
        grade: int,
        nursing: int = 0,
    ) -> str:
        aid = self._snap_id("ldnl_appraisal")
        self.add_snap(
            "ldnl_appraisal",
            {
                "appraisal_id": aid,
                "case_id": case_id,
                "id_no": person.id,
                "name": person.name,
                "district_code": district,
                "appraisal_type": atype,
                "apply_date": date_text(apply),
                "conclusion_date": date_text(conclusion),
                "disability_grade": str(grade),
                "nursing_level": str(nursing),
            },
            visible=conclusion,
        )
        return aid

    def jm(self, person: Person, district: str, status: str = "2") -> str:
        pid = self._new_pid()
        self.add_snap(
            "jm_person",
            {
                "person_id": pid,
                "id_no": person.id,
                "name": person.name,
                "sex": str(person.sex),
                "birth_date": date_text(person.birth),
                "district_code": district,
                "status": status,
                "enroll_date": "20120701",
            },
        )
        return pid

    def jm_pay(self, q: int, pid: str, period: int, amount: int) -> None:
        self.add_month(
            "jm_benefit_pay",
            q,
            {
                "pay_id": None,
                "person_id": pid,
                "period": period_text(period),
                "pay_date": date_text(day(q, 8)),
                "amount": money(amount),
            },
        )

    def jg(self, person: Person, district: str, status: str) -> tuple[str, str]:
        pid = self._new_pid()
        unit = int(self.rng.choice(self.pop.jg_units))
        unit_id = str(self.pop.unit_id[unit])
        self.add_snap(
            "jg_person",
            {
                "person_id": pid,
                "id_no": person.id,
                "name": person.name,
                "sex": str(person.sex),
                "birth_date": date_text(person.birth),
                "district_code": district,
                "unit_id": unit_id,
                "status": status,
                "first_enroll_date": "19980901",
            },
        )
        return pid, unit_id

    def jg_pay(self, q: int, pid: str, period: int, amount: int) -> None:
        self.add_month(
            "jg_benefit_pay",
            q,
            {
                "pay_id": None,
                "person_id": pid,
                "period": period_text(period),
                "pay_date": date_text(day(q, 8)),
                "amount": money(amount),
            },
        )

    def jg_contrib(self, q: int, pid: str, unit_id: str, period: int, base: int) -> None:
        bp = self.pop.cfg.money.rates_bp["120"]
        self.add_month(
            "jg_contrib",
            q,
            {
                "contrib_id": None,
                "person_id": pid,
                "unit_id": unit_id,
                "period": period_text(period),
                "pay_month": period_text(q),
                "base": money(base),
                "unit_amount": money(int(rate_amount(base, bp.unit))),
                "person_amount": money(int(rate_amount(base, bp.person))),
                "pay_type": "1",
            },
        )

    def unit(
        self, district: str, status: str = "1", close: np.datetime64 | None = None
    ) -> tuple[str, str]:
        """A planted sb_unit with no staff; returns (unit_id, uscc)."""
        while True:
            n = int(self.rng.integers(0, 10**8))
            if n not in self._units_taken:
                self._units_taken.add(n)
                break
        uscc = self.uscc(district)
        name = names.unit_names(self.rng, np.array(["10"]), np.array([district]), 0)[0]
        self.add_snap(
            "sb_unit",
            {
                "unit_id": f"{n:08d}",
                "uscc": uscc,
                "unit_name": name,
                "unit_type": "10",
                "district_code": district,
                "status": status,
                "open_date": "20150310",
                "close_date": "" if close is None else date_text(close),
                "_close": close,
            },
        )
        return f"{n:08d}", uscc

    def uscc(self, district: str) -> str:
        return str(ids.uscc_codes(self.rng, 1, np.array([district]), np.array(["10"]))[0])

    def subsidy(
        self,
        q: int,
        stype: str,
        recipient: str,
        uscc: str,
        person: Person,
        period: int,
        amount: int,
        district: str,
        pay_day: int = 15,
    ) -> dict:
        return self.add_month(
            "rlzy_subsidy",
            q,
            {
                "subsidy_id": None,
                "subsidy_type": stype,
                "recipient_type": recipient,
                "unit_uscc": uscc,
                "id_no": person.id,
                "period": period_text(period),
                "pay_date": date_text(day(q, pay_day)),
                "amount": money(amount),
                "district_code": district,
            },
        )

    def account(
        self,
        q: int,
        person: Person,
        opening: int,
        credited: int,
        interest: int,
        withdrawn: int,
        closing: int,
    ) -> None:
        self.add_month(
            "sb_account",
            q,
            {
                "person_id": person.pid,
                "period": period_text(q),
                "opening_balance": money(opening),
                "credited": money(credited),
                "interest": money(interest),
                "withdrawn": money(withdrawn),
                "closing_balance": money(closing),
            },
        )

    def change(self, old: Person, new: Person, when: np.datetime64) -> None:
        self.add_snap(
            "ref_identity_change",
            {
                "change_id": self._snap_id("ref_identity_change"),
                "old_id_no": old.id,
                "new_id_no": new.id,
                "old_name": old.name,
                "new_name": new.name,
                "change_date": date_text(when),
            },
            visible=when,
        )

    def apply(self, table: str, q: int, person: Person, when: np.datetime64, hukou: str) -> dict:
        return self.add_month(
            table,
            q,
            {
                "apply_id": None,
                "id_no": person.id,
                "name": person.name,
                "apply_date": date_text(when),
                "hukou_type": hukou,
            },
        )

    # ------------------------------------------------------------------- background links
    def bg_unit(self, q: int) -> int:
        """A background unit with a normal contribution at month ``q`` (index into units)."""
        if q not in self._bg_units:
            p = self.pop
            c = p.sb_contributing(q)[: p.n]
            self._bg_units[q] = np.unique(p.sb_unit_at(q)[: p.n][c])
        return int(self.rng.choice(self._bg_units[q]))

    # ------------------------------------------------------------------------ truth
    def pos(
        self,
        code: str,
        months: int | list[int],
        stype: str,
        key: str | Ref,
        district: str,
        amount: int | None = None,
    ) -> None:
        ms = [months] if isinstance(months, int) else [m for m in months if self.p0 <= m <= self.pL]
        self.positives.append(Truth(code, ms, stype, key, district, amount))

    def neg(self, code: str, month: int, stype: str, key: str | Ref, district: str) -> None:
        self.negatives.append(Truth(code, [month], stype, key, district))

    def persistent(self, p: int) -> list[int]:
        return list(range(p, self.pL + 1))

    # --------------------------------------------------------------- rows of a month
    def snapshot_rows(self, table: str, q: int) -> list[dict]:
        out = []
        end = month_end(q)
        for sr in self.snap.get(table, []):
            if not sr.vf <= q <= sr.vt:
                continue
            row = {k: v for k, v in sr.row.items() if not k.startswith("_")}
            if (
                table == "gsrd_case"
                and sr.row["_decision"] is not None
                and sr.row["_decision"] > end
            ):
                row["decision_date"], row["result"] = "", ""
            if table == "sb_unit" and sr.row["_close"] is not None and sr.row["_close"] > end:
                row["status"], row["close_date"] = "1", ""
            out.append(row)
        return out

    def monthly_rows(self, table: str, q: int) -> list[dict]:
        return self.monthly.get((table, q), [])


def money(cents: int) -> str:
    from workbench.synth.calendar import money_text

    return money_text(cents)
