"""The background rows of each table for one month, cut from the population's timelines.

A table is a ``Frame``: the contract's columns in contract order, each an Arrow string
array (the text as it will be written, before any dirt). Built column-wise only.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pyarrow as pa

from workbench.contract import TABLE_MAP
from workbench.synth.calendar import (
    month_end,
    month_of,
    period_text,
    s_const,
    s_date,
    s_int,
    s_money,
    s_nullable,
    s_period,
    s_take,
)
from workbench.synth.population import K_DEAD, K_UNEMP, K_WORK, NEVER, Population, date_in_month

Frame = dict[str, pa.Array]


def frame(table: str, **cols: pa.Array) -> Frame:
    """A Frame in contract column order (every contract column must be given)."""
    names = TABLE_MAP[table].column_names
    missing = [c for c in names if c not in cols]
    if missing:
        raise ValueError(f"{table}: columns {missing} not built")
    return {c: cols[c] for c in names}


def frame_len(f: Frame) -> int:
    return len(next(iter(f.values())))


def rate_amount(base: np.ndarray, bp: np.ndarray | int) -> np.ndarray:
    """Contribution in cents: base (cents) times a rate in basis points, rounded half up."""
    return (np.asarray(base, np.int64) * np.asarray(bp, np.int64) + 5000) // 10000


class RecordIds:
    """Record ids: ``<P><n>`` for monthly tables, ``<prefix><n>`` for snapshot tables."""

    WIDTH: ClassVar[dict[str, int]] = {
        "sb_contrib": 9,
        "sb_benefit_pay": 8,
        "jm_contrib": 8,
        "jm_benefit_pay": 8,
        "jg_contrib": 8,
        "jg_benefit_pay": 8,
        "rlzy_subsidy": 7,
        "rlzy_employment": 7,
        "ref_car_apply": 7,
        "ref_house_apply": 7,
    }
    PREFIX: ClassVar[dict[str, tuple[str, int]]] = {
        "sb_benefit_approval": ("HD", 9),
        "gsrd_case": ("GS", 8),
        "ldnl_appraisal": ("JD", 8),
        "ref_prison": ("FX", 8),
        "ref_identity_change": ("BG", 8),
        "sb_unit": ("", 8),
    }

    def __init__(self) -> None:
        self.next: dict[tuple[str, int], int] = {}

    def take(self, table: str, q: int, k: int) -> np.ndarray:
        key = (table, q)
        start = self.next.get(key, 1)
        self.next[key] = start + k
        return np.arange(start, start + k, dtype=np.int64)

    def text(self, table: str, q: int, nums: np.ndarray) -> pa.Array:
        return _prefixed(period_text(q), s_int(nums, self.WIDTH[table]))

    def one(self, table: str, q: int) -> str:
        n = self.take(table, q, 1)[0]
        if table in self.WIDTH:
            return f"{period_text(q)}{n:0{self.WIDTH[table]}d}"
        prefix, w = self.PREFIX[table]
        return f"{prefix}{n:0{w}d}"

    @classmethod
    def snapshot_text(cls, table: str, nums: np.ndarray) -> pa.Array:
        prefix, w = cls.PREFIX[table]
        return _prefixed(prefix, s_int(nums, w))


def _prefixed(prefix: str, arr: pa.Array) -> pa.Array:
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(prefix, arr, "") if prefix else arr


class MonthTables:
    """Builds the background Frames month after month (account balances carry over)."""

    def __init__(self, pop: Population, record_ids: RecordIds) -> None:
        self.pop = pop
        self.ids = record_ids
        self.balance = pop.sb_balance0.copy()
        self._pool: np.ndarray | None = None  # background car/house applicants
        self.rng = np.random.default_rng([pop.rng.integers(2**32), 7])
        m = pop.cfg.money
        self.bp = {k: v for k, v in m.rates_bp.items()}
        self._approvals()
        self.snapshot_ids = {
            "gsrd_case": RecordIds.snapshot_text("gsrd_case", pop.case_num),
            "ldnl_appraisal": RecordIds.snapshot_text("ldnl_appraisal", pop.ap_num),
            "ref_prison": RecordIds.snapshot_text("ref_prison", np.arange(len(pop.prison_reg)) + 1),
            "ref_identity_change": RecordIds.snapshot_text("ref_identity_change", pop.change_num),
        }
        self.max_snapshot_num = {
            "sb_benefit_approval": len(self.ap_person),
            "gsrd_case": len(pop.case_num),
            "ldnl_appraisal": len(pop.ap_num),
            "ref_prison": len(pop.prison_reg),
            "ref_identity_change": len(pop.change_num),
        }

    # ---------------------------------------------------------------------------- snapshots
    def sb_unit(self, q: int) -> Frame:
        p = self.pop
        vis = np.flatnonzero(p.unit_visible(q))
        closed = p.unit_close[vis] <= month_end(q)
        status = np.where(closed, "3", p.unit_status0[vis])
        close = s_nullable(s_date(np.where(closed, p.unit_close[vis], month_end(q))), closed)
        return frame(
            "sb_unit",
            unit_id=s_take(p.unit_id, vis),
            uscc=pa.array(p.unit_uscc[vis], pa.string()),
            unit_name=pa.array(p.unit_name[vis], pa.string()),
            unit_type=pa.array(p.unit_type[vis]),
            district_code=pa.array(p.unit_district[vis]),
            status=pa.array(status),
            open_date=s_date(p.unit_open[vis]),
            close_date=close,
        )

    def sb_person(self, q: int) -> Frame:
        p = self.pop
        vis = np.flatnonzero(p.sb_visible(q))
        vis = vis[np.argsort(p.sb_pid_num[vis], kind="stable")]  # by person_id
        status = p.sb_status(q)[vis]
        unit = p.sb_unit_at(q)[vis]
        has_unit = status == "1"
        unit_txt = s_nullable(s_take(p.unit_id, np.where(has_unit, unit, 0)), has_unit)
        reg = p.sb_reg[vis]
        return frame(
            "sb_person",
            person_id=s_take(p.sb_pid, vis),
            id_no=s_take(p.reg_id, reg),
            name=s_take(p.reg_name, reg),
            sex=s_int(p.sb_sex[vis]),
            birth_date=s_date(p.sb_birth[vis]),
            hukou_type=s_int(p.sb_hukou[vis]),
            district_code=pa.array(p.sb_district[vis]),
            unit_id=unit_txt,
            status=pa.array(status),
            first_enroll_date=s_date(p.sb_enroll[vis]),
        )

    def _approvals(self) -> None:
        p = self.pop
        k = p.sb_kind
        ret = np.flatnonzero(
            ((k == K_WORK) | (k == K_DEAD)) & (p.sb_r < NEVER) & (p.sb_r <= p.pL + 1)
        )
        une = np.flatnonzero((k == K_UNEMP) & (p.sb_s < NEVER))
        heavy = np.flatnonzero(p.sb_allowance > 0)
        heavy_from = p.sb_out[heavy]
        self.ap_person = np.concatenate([ret, une, heavy])
        self.ap_ins = np.concatenate(
            [np.full(len(ret), "110"), np.full(len(une), "210"), np.full(len(heavy), "410")]
        )
        heavy_date = date_in_month(self.rng, heavy_from - 1, 1, 1)
        conclusion = np.full(len(heavy), np.datetime64("NaT", "D"))
        for i, person in enumerate(heavy):  # few: the grade 1-4 appraisals
            sel = (p.case_person[p.ap_case] == person) & (p.ap_type == "1")
            conclusion[i] = p.ap_concl[sel].min()
        heavy_date = np.maximum(heavy_date, conclusion)
        self.ap_date = np.concatenate([p.sb_approve[ret], p.sb_unemp_approve[une], heavy_date])
        self.ap_start = np.concatenate([p.sb_r[ret], p.sb_s[une], heavy_from])
        self.ap_retire_type = np.concatenate(
            [p.sb_retire_type[ret].astype(str), np.full(len(une), ""), np.full(len(heavy), "")]
        )
        self.ap_months = np.concatenate(
            [p.sb_r[ret] - p.sb_e[ret], np.zeros(len(une) + len(heavy))]
        )
        self.ap_amount = np.concatenate(
            [p.sb_pension[ret], p.sb_unemp_amount[une], p.sb_allowance[heavy]]
        )
        self.ap_entitled = np.concatenate([np.zeros(len(ret)), p.sb_ent[une], np.zeros(len(heavy))])
        order = np.lexsort((self.ap_person, self.ap_date))
        for name in (
            "ap_person",
            "ap_ins",
            "ap_date",
            "ap_start",
            "ap_retire_type",
            "ap_months",
            "ap_amount",
            "ap_entitled",
        ):
            setattr(self, name, getattr(self, name)[order])
        self.ap_id = RecordIds.snapshot_text("sb_benefit_approval", np.arange(len(order)) + 1)

    def sb_benefit_approval(self, q: int) -> Frame:
        p = self.pop
        vis = np.flatnonzero(self.ap_date <= month_end(q))
        ins = self.ap_ins[vis]
        is110, is210 = ins == "110", ins == "210"
        return frame(
            "sb_benefit_approval",
            approval_id=s_take(self.ap_id, vis),
            person_id=s_take(p.sb_pid, self.ap_person[vis]),
            insurance_type=pa.array(ins),
            approve_date=s_date(self.ap_date[vis]),
            start_period=s_period(self.ap_start[vis]),
            retire_type=pa.array(self.ap_retire_type[vis]),
            contrib_months=s_nullable(s_int(self.ap_months[vis]), is110),
            monthly_amount=s_money(self.ap_amount[vis]),
            months_entitled=s_nullable(s_int(self.ap_entitled[vis]), is210),
        )

    def jm_person(self, q: int) -> Frame:
        p = self.pop
        vis = np.flatnonzero(p.jm_enroll <= month_end(q))
        vis = vis[np.argsort(p.jm_pid_num[vis], kind="stable")]  # by person_id
        reg = p.jm_reg[vis]
        return frame(
            "jm_person",
            person_id=s_take(p.jm_pid, vis),
            id_no=s_take(p.reg_id, reg),
            name=s_take(p.reg_name, reg),
            sex=s_int(p.jm_sex[vis]),
            birth_date=s_date(p.jm_birth[vis]),
            district_code=pa.array(p.jm_district[vis]),
            status=pa.array(p.jm_status(q)[vis]),
            enroll_date=s_date(p.jm_enroll[vis]),
        )

    def jg_person(self, q: int) -> Frame:
        p = self.pop
        vis = np.flatnonzero(p.jg_enroll <= month_end(q))
        vis = vis[np.argsort(p.jg_pid_num[vis], kind="stable")]  # by person_id
        reg = p.jg_reg[vis]
        return frame(
            "jg_person",
            person_id=s_take(p.jg_pid, vis),
            id_no=s_take(p.reg_id, reg),
            name=s_take(p.reg_name, reg),
            sex=s_int(p.jg_sex[vis]),
            birth_date=s_date(p.jg_birth[vis]),
            district_code=pa.array(p.jg_district[vis]),
            unit_id=s_take(p.unit_id, p.jg_unit[vis]),
            status=pa.array(p.jg_status(q)[vis]),
            first_enroll_date=s_date(p.jg_enroll[vis]),
        )

    def gsrd_case(self, q: int) -> Frame:
        p = self.pop
        end = month_end(q)
        vis = np.flatnonzero(p.case_apply <= end)
        decided = p.case_decision[vis] <= end
        reg = p.sb_reg[p.case_person[vis]]
        unit = p.case_unit[vis]
        return frame(
            "gsrd_case",
            case_id=s_take(self.snapshot_ids["gsrd_case"], vis),
            id_no=s_take(p.reg_id, reg),
            name=s_take(p.reg_name, reg),
            unit_uscc=pa.array(p.unit_uscc[unit], pa.string()),
            unit_name=pa.array(p.unit_name[unit], pa.string()),
            district_code=pa.array(p.case_district[vis]),
            accident_date=s_date(p.case_accident[vis]),
            apply_date=s_date(p.case_apply[vis]),
            decision_date=s_nullable(s_date(p.case_decision[vis]), decided),
            result=s_nullable(pa.array(p.case_result[vis]), decided),
        )

    def ldnl_appraisal(self, q: int) -> Frame:
        p = self.pop
        vis = np.flatnonzero(p.ap_concl <= month_end(q))
        case = p.ap_case[vis]
        reg = p.sb_reg[p.case_person[case]]
        return frame(
            "ldnl_appraisal",
            appraisal_id=s_take(self.snapshot_ids["ldnl_appraisal"], vis),
            case_id=s_take(self.snapshot_ids["gsrd_case"], case),
            id_no=s_take(p.reg_id, reg),
            name=s_take(p.reg_name, reg),
            district_code=pa.array(p.case_district[case]),
            appraisal_type=pa.array(p.ap_type[vis]),
            apply_date=s_date(p.ap_apply[vis]),
            conclusion_date=s_date(p.ap_concl[vis]),
            disability_grade=s_int(p.ap_grade[vis]),
            nursing_level=s_int(p.ap_nursing[vis]),
        )

    def ref_death(self, q: int) -> Frame:
        p = self.pop
        vis = np.flatnonzero(p.death_report <= month_end(q))
        reg = p.death_reg[vis]
        return frame(
            "ref_death",
            id_no=s_take(p.reg_id, reg),
            name=s_take(p.reg_name, reg),
            death_date=s_date(p.death_date[vis]),
            agency=pa.array(p.death_agency[vis]),
            report_date=s_date(p.death_report[vis]),
        )

    def ref_prison(self, q: int) -> Frame:
        p = self.pop
        vis = np.flatnonzero(p.prison_start <= month_end(q))
        reg = p.prison_reg[vis]
        end = p.prison_end[vis]
        has_end = ~np.isnat(end)
        return frame(
            "ref_prison",
            record_id=s_take(self.snapshot_ids["ref_prison"], vis),
            id_no=s_take(p.reg_id, reg),
            name=s_take(p.reg_name, reg),
            start_date=s_date(p.prison_start[vis]),
            end_date=s_nullable(s_date(np.where(has_end, end, p.prison_start[vis])), has_end),
        )

    def ref_identity_change(self, q: int) -> Frame:
        p = self.pop
        vis = np.flatnonzero(p.change_date <= month_end(q))
        reg = p.change_reg[vis]
        return frame(
            "ref_identity_change",
            change_id=s_take(self.snapshot_ids["ref_identity_change"], vis),
            old_id_no=pa.array(p.change_old_id[vis].astype(object), pa.string()),
            new_id_no=s_take(p.reg_id, reg),
            old_name=pa.array(p.change_old_name[vis].astype(object), pa.string()),
            new_name=s_take(p.reg_name, reg),
            change_date=s_date(p.change_date[vis]),
        )

    # ------------------------------------------------------------------------------ monthly
    def sb_contrib(self, q: int) -> Frame:
        p, rng = self.pop, self.rng
        c = np.flatnonzero(p.sb_contributing(q))
        unit = p.sb_unit_at(q)[c]
        base = p.base_at(p.sb_wage[c], q)
        n = len(c)
        parts = [self._contrib_rows(c, unit, np.full(n, q), base, "1", q)]
        # back-payments (pay_type 2) for up to backpay_max_periods earlier periods
        cfg = p.cfg.population
        eligible = c[~np.isin(c, p.inj_people)]
        k = int(len(eligible) * cfg.backpay_share)
        if k:
            who = rng.choice(eligible, k, replace=False)
            nper = rng.integers(1, cfg.backpay_max_periods + 1, k)
            person = np.repeat(who, nper)
            offs = np.concatenate([np.arange(x) for x in nper]) + 1 if k else np.zeros(0, np.int64)
            period = np.repeat(np.full(k, q), nper) - offs
            ok = period >= p.sb_e[person]
            person, period = person[ok], period[ok]
            unit_b = np.where(period < p.sb_j[person], p.sb_u1[person], p.sb_u2[person])
            parts.append(
                self._contrib_rows(
                    person, unit_b, period, p.base_at(p.sb_wage[person], period), "2", q
                )
            )
        k = int(n * cfg.refund_share)
        if k:
            who = rng.choice(c, k, replace=False)
            who = who[p.sb_e[who] <= q - 1]
            unit_r = np.where(q - 1 < p.sb_j[who], p.sb_u1[who], p.sb_u2[who])
            parts.append(
                self._contrib_rows(
                    who,
                    unit_r,
                    np.full(len(who), q - 1),
                    p.base_at(p.sb_wage[who], q - 1),
                    "3",
                    q,
                    only110=True,
                )
            )
        cols = {name: pa.concat_arrays([part[name] for part in parts]) for name in parts[0]}
        total = len(cols["person_id"])
        cols["contrib_id"] = self.ids.text("sb_contrib", q, self.ids.take("sb_contrib", q, total))
        return frame("sb_contrib", **cols)

    def _contrib_rows(
        self,
        person: np.ndarray,
        unit: np.ndarray,
        period: np.ndarray,
        base: np.ndarray,
        pay_type: str,
        q: int,
        only110: bool = False,
    ) -> dict[str, pa.Array]:
        p = self.pop
        types = ["110"] if only110 else ["110", "210", "410"]
        k = len(types)
        n = len(person)
        person_r = np.repeat(person, k)
        unit_r = np.repeat(unit, k)
        period_r = np.repeat(period, k)
        base_r = np.repeat(base, k)
        ins = np.tile(np.array(types), n)
        unit_bp = np.select(
            [ins == "110", ins == "210"],
            [self.bp["110"].unit, self.bp["210"].unit],
            p.unit_rate410[unit_r],
        )
        person_bp = np.select(
            [ins == "110", ins == "210"],
            [self.bp["110"].person, self.bp["210"].person],
            self.bp["410"].person,
        )
        sign = -1 if pay_type == "3" else 1
        return {
            "person_id": s_take(p.sb_pid, person_r),
            "unit_id": s_take(p.unit_id, unit_r),
            "insurance_type": pa.array(ins),
            "period": s_period(period_r),
            "pay_month": s_const(period_text(q), n * k),
            "base": s_money(base_r),
            "unit_amount": s_money(sign * rate_amount(base_r, unit_bp)),
            "person_amount": s_money(sign * rate_amount(base_r, person_bp)),
            "pay_type": s_const(pay_type, n * k),
        }

    def sb_benefit_pay(self, q: int) -> Frame:
        p, rng = self.pop, self.rng
        parts: list[
            tuple[np.ndarray, str, str, np.ndarray, np.ndarray]
        ] = []  # who, ins, item, amount, day
        ret = np.flatnonzero(p.sb_retired_paid(q))
        parts.append(
            (ret, "110", "11", p.sb_pension[ret], date_in_month(rng, np.full(len(ret), q), 10, 15))
        )
        died = np.flatnonzero((p.sb_kind == K_DEAD) & (p.sb_dm + 1 == q))
        parts.append(
            (
                died,
                "110",
                "12",
                p.sb_pension[died] * 10,
                date_in_month(rng, np.full(len(died), q), 5, 25),
            )
        )
        une = np.flatnonzero(p.sb_unemployed_paid(q))
        parts.append(
            (
                une,
                "210",
                "21",
                p.sb_unemp_amount[une],
                date_in_month(rng, np.full(len(une), q), 15, 25),
            )
        )
        heavy = np.flatnonzero((p.sb_allowance > 0) & (p.sb_out <= q) & (q < p.sb_r))
        parts.append(
            (
                heavy,
                "410",
                "41",
                p.sb_allowance[heavy],
                date_in_month(rng, np.full(len(heavy), q), 5, 20),
            )
        )
        lump = np.flatnonzero(
            (p.ap_type == "1") & (p.ap_grade >= 1) & (month_of(p.ap_concl) + 1 == q)
        )
        who = p.case_person[p.ap_case[lump]]
        parts.append(
            (who, "410", "42", p.ap_lump[lump], date_in_month(rng, np.full(len(who), q), 5, 25))
        )
        other = np.flatnonzero((p.case_result != "3") & (month_of(p.case_decision) + 1 == q))
        who = p.case_person[other]
        parts.append(
            (who, "410", "43", p.case_other[other], date_in_month(rng, np.full(len(who), q), 5, 25))
        )
        person = np.concatenate([x[0] for x in parts])
        ins = np.concatenate([np.full(len(x[0]), x[1]) for x in parts])
        item = np.concatenate([np.full(len(x[0]), x[2]) for x in parts])
        amount = np.concatenate([x[3] for x in parts])
        day = np.concatenate([x[4] for x in parts])
        n = len(person)
        return frame(
            "sb_benefit_pay",
            pay_id=self.ids.text("sb_benefit_pay", q, self.ids.take("sb_benefit_pay", q, n)),
            person_id=s_take(p.sb_pid, person),
            insurance_type=pa.array(ins),
            benefit_item=pa.array(item),
            period=s_const(period_text(q), n),
            pay_date=s_date(day),
            amount=s_money(amount),
        )

    def sb_account(self, q: int) -> Frame:
        p = self.pop
        vis = p.sb_visible(q)
        status = p.sb_status(q)
        has = np.flatnonzero(vis & np.isin(status, ["1", "2", "4"]))
        opening = self.balance[has]
        contributing = p.sb_contributing(q)[has]
        base = p.base_at(p.sb_wage[has], q)
        credited = np.where(contributing, rate_amount(base, self.bp["110"].person), 0)
        interest = opening * p.cfg.money.account_interest_bp // 10000
        retired = status[has] == "4"
        withdrawn = np.where(
            retired, np.minimum(p.sb_withdraw[has], opening + credited + interest), 0
        )
        closing = opening + credited + interest - withdrawn
        self.balance[has] = closing
        n = len(has)
        return frame(
            "sb_account",
            person_id=s_take(p.sb_pid, has),
            period=s_const(period_text(q), n),
            opening_balance=s_money(opening),
            credited=s_money(credited),
            interest=s_money(interest),
            withdrawn=s_money(withdrawn),
            closing_balance=s_money(closing),
        )

    def jm_contrib(self, q: int) -> Frame:
        p = self.pop
        who = np.flatnonzero(p.jm_contributing(q) & (p.jm_enroll <= month_end(q)))
        n = len(who)
        return frame(
            "jm_contrib",
            contrib_id=self.ids.text("jm_contrib", q, self.ids.take("jm_contrib", q, n)),
            person_id=s_take(p.jm_pid, who),
            year=s_const(str(q // 12), n),
            grade=s_money(p.jm_grade[who]),
            amount=s_money(p.jm_grade[who]),
            pay_date=s_date(date_in_month(self.rng, np.full(n, q), 1, 28)),
        )

    def jm_benefit_pay(self, q: int) -> Frame:
        p = self.pop
        who = np.flatnonzero(p.jm_paid(q))
        n = len(who)
        return frame(
            "jm_benefit_pay",
            pay_id=self.ids.text("jm_benefit_pay", q, self.ids.take("jm_benefit_pay", q, n)),
            person_id=s_take(p.jm_pid, who),
            period=s_const(period_text(q), n),
            pay_date=s_date(date_in_month(self.rng, np.full(n, q), 5, 10)),
            amount=s_money(p.jm_pension[who]),
        )

    def jg_contrib(self, q: int) -> Frame:
        p = self.pop
        who = np.flatnonzero(p.jg_contributing(q))
        base = p.base_at(p.jg_wage[who], q)
        n = len(who)
        return frame(
            "jg_contrib",
            contrib_id=self.ids.text("jg_contrib", q, self.ids.take("jg_contrib", q, n)),
            person_id=s_take(p.jg_pid, who),
            unit_id=s_take(p.unit_id, p.jg_unit[who]),
            period=s_const(period_text(q), n),
            pay_month=s_const(period_text(q), n),
            base=s_money(base),
            unit_amount=s_money(rate_amount(base, self.bp["120"].unit)),
            person_amount=s_money(rate_amount(base, self.bp["120"].person)),
            pay_type=s_const("1", n),
        )

    def jg_benefit_pay(self, q: int) -> Frame:
        p = self.pop
        who = np.flatnonzero(p.jg_paid(q))
        n = len(who)
        return frame(
            "jg_benefit_pay",
            pay_id=self.ids.text("jg_benefit_pay", q, self.ids.take("jg_benefit_pay", q, n)),
            person_id=s_take(p.jg_pid, who),
            period=s_const(period_text(q), n),
            pay_date=s_date(date_in_month(self.rng, np.full(n, q), 5, 10)),
            amount=s_money(p.jg_pension[who]),
        )

    def rlzy_subsidy(self, q: int) -> Frame:
        p, rng = self.pop, self.rng
        c = np.flatnonzero(p.sb_contributing(q)[: p.n])
        k = min(len(c), int(p.n * p.cfg.population.subsidy_per_person))
        who = np.sort(rng.choice(c, k, replace=False))
        unit = p.sb_unit_at(q)[who]
        stype = rng.choice(
            np.array(["11", "12", "13", "14", "15"]), k, p=[0.3, 0.25, 0.15, 0.1, 0.2]
        )
        to_unit = np.isin(stype, ["11", "12", "13"])
        lo, hi = p.cfg.money.subsidy_range
        amount = (np.round(rng.uniform(lo, hi, k)) * 100).astype(np.int64)
        return frame(
            "rlzy_subsidy",
            subsidy_id=self.ids.text("rlzy_subsidy", q, self.ids.take("rlzy_subsidy", q, k)),
            subsidy_type=pa.array(stype),
            recipient_type=pa.array(np.where(to_unit, "1", "2")),
            unit_uscc=s_nullable(pa.array(p.unit_uscc[unit], pa.string()), to_unit),
            id_no=s_take(p.reg_id, p.sb_reg[who]),
            period=s_const(period_text(q), k),
            pay_date=s_date(date_in_month(rng, np.full(k, q), 5, 28)),
            amount=s_money(amount),
            district_code=pa.array(p.unit_district[unit]),
        )

    def rlzy_employment(self, q: int) -> Frame:
        p, rng = self.pop, self.rng
        hires = np.flatnonzero(((p.sb_e == q) | (p.sb_j == q)) & p.sb_contributing(q))
        jobless = np.flatnonzero(p.sb_kind == K_UNEMP)
        jobless = jobless[p.sb_s[jobless] == q]
        k = int(p.n * p.cfg.population.employment_reg_per_person)
        extra = rng.choice(
            np.flatnonzero(p.sb_contributing(q)[: p.n]), min(k, p.n // 2), replace=False
        )
        who = np.concatenate([hires, extra, jobless])
        reg1 = np.concatenate(
            [np.ones(len(hires) + len(extra), bool), np.zeros(len(jobless), bool)]
        )
        unit = p.sb_unit_at(q)[who]
        unit = np.where(unit < 0, 0, unit)
        n = len(who)
        order = rng.permutation(n)
        who, reg1, unit = who[order], reg1[order], unit[order]
        district = np.where(reg1, p.unit_district[unit], p.sb_district[who])
        return frame(
            "rlzy_employment",
            reg_id=self.ids.text("rlzy_employment", q, self.ids.take("rlzy_employment", q, n)),
            id_no=s_take(p.reg_id, p.sb_reg[who]),
            reg_type=pa.array(np.where(reg1, "1", "2")),
            unit_uscc=s_nullable(pa.array(p.unit_uscc[unit], pa.string()), reg1),
            reg_date=s_date(date_in_month(rng, np.full(n, q), 1, 28)),
            district_code=pa.array(district),
        )

    def _applications(self, table: str, q: int, rate: float) -> Frame:
        p, rng = self.pop, self.rng
        k = int(p.n * rate)
        if self._pool is None:
            self._pool = p.applicant_pool()
        pool = self._pool
        local = rng.choice(pool, min(k, len(pool)), replace=False)
        stable = p.stable_outside_hukou(q)
        k2 = min(len(stable), k // 3)
        outside = p.sb_reg[rng.choice(stable, k2, replace=False)] if k2 else np.zeros(0, np.int64)
        reg = np.concatenate([local, outside])
        hukou = np.concatenate([np.full(len(local), "1"), np.full(len(outside), "2")])
        order = rng.permutation(len(reg))
        reg, hukou = reg[order], hukou[order]
        n = len(reg)
        return frame(
            table,
            apply_id=self.ids.text(table, q, self.ids.take(table, q, n)),
            id_no=s_take(p.reg_id, reg),
            name=s_take(p.reg_name, reg),
            apply_date=s_date(date_in_month(rng, np.full(n, q), 1, 28)),
            hukou_type=pa.array(hukou),
        )

    def ref_car_apply(self, q: int) -> Frame:
        return self._applications("ref_car_apply", q, self.pop.cfg.population.car_apply_per_person)

    def ref_house_apply(self, q: int) -> Frame:
        return self._applications(
            "ref_house_apply", q, self.pop.cfg.population.house_apply_per_person
        )

    def build(self, table: str, q: int) -> Frame:
        return getattr(self, table)(q)
