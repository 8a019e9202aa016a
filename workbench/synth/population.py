"""The background population: people, units and their timelines over the generated window.

Everything here is drawn once per ``generate`` call, as numpy arrays; each month's tables
are then cut from the timelines (``tables.py``). Months are integer indices
(``calendar.month_index``). The background is built to be clean with respect to the 40
core indicators: nobody dies and keeps being paid, no scheme overlaps, bases lie within
the limits, cases are decided within 60 days, and so on (docs in ``__init__``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from workbench.synth import ids, names
from workbench.synth.calendar import (
    age_at_month,
    first_month_at_age,
    month_end,
    month_of,
    month_start,
    s_int,
)
from workbench.synth.config import SynthParams

K_WORK, K_UNEMP, K_TERM, K_DEAD, K_DIRTY = range(5)
NEVER = np.iinfo(np.int64).max // 4  # a month index that never comes
NAT = np.datetime64("NaT", "D")


def days(rng: np.random.Generator, lo: int, hi: int, n: int) -> np.ndarray:
    """Random day offsets in [lo, hi] as timedelta64[D]."""
    return rng.integers(lo, hi + 1, n).astype("timedelta64[D]")


def date_in_month(rng: np.random.Generator, m: np.ndarray, lo: int = 1, hi: int = 28) -> np.ndarray:
    m = np.asarray(m, dtype=np.int64)
    return month_start(m) + days(rng, lo - 1, hi - 1, len(m))


@dataclass
class Limits:
    """Contribution base limits by month (cents), July-June rows of the spec table."""

    first: int
    last: int
    lower: np.ndarray
    upper: np.ndarray

    @classmethod
    def from_cfg(cls, cfg: SynthParams) -> Limits:
        from workbench.synth.calendar import month_index

        rows = sorted(cfg.base_limits, key=lambda r: r.from_)
        first, last = month_index(rows[0].from_), month_index(rows[-1].to)
        lower = np.zeros(last - first + 1, dtype=np.int64)
        upper = np.zeros(last - first + 1, dtype=np.int64)
        for r in rows:
            a, b = month_index(r.from_) - first, month_index(r.to) - first
            lower[a : b + 1] = round(r.lower * 100)
            upper[a : b + 1] = round(r.upper * 100)
        return cls(first, last, lower, upper)

    def at(self, m: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
        i = np.clip(np.asarray(m, dtype=np.int64) - self.first, 0, len(self.lower) - 1)
        return self.lower[i], self.upper[i]

    def in_table(self, m: int) -> bool:
        return self.first <= m <= self.last


class Population:
    """The background people and units of one generation run."""

    def __init__(self, cfg: SynthParams, n: int, seed: int, p0: int, pL: int) -> None:
        self.cfg, self.n, self.p0, self.pL = cfg, n, p0, pL
        self.rng = np.random.default_rng([seed, 1])
        self.limits = Limits.from_cfg(cfg)
        pc = cfg.population
        self.districts = np.array(list(pc.district_weights), dtype="U6")
        w = np.array(list(pc.district_weights.values()), dtype=float)
        self.district_p = w / w.sum()
        self._units()
        self._sb()
        self._jm()
        self._jg()
        self._outsiders()
        self._registry()
        self._injuries()
        self._deaths()
        self._prisons()
        self._identity_changes()

    # --- helpers ---------------------------------------------------------------------
    def _district(self, n: int) -> np.ndarray:
        d = self.rng.choice(self.districts, n, p=self.district_p)
        city = self.rng.random(n) < self.cfg.population.city_level_share
        d[city] = "110000"
        return d

    def _birth_for_age(self, age_years: np.ndarray, at_month: int) -> np.ndarray:
        """Birth dates giving roughly ``age_years`` (float) at the start of ``at_month``."""
        d = (np.asarray(age_years) * 365.2425).astype(np.int64)
        return month_start(at_month) - d.astype("timedelta64[D]")

    def _cap_age(self, age: np.ndarray, low: np.ndarray | int) -> np.ndarray:
        """Ages above the maximum are drawn again, uniformly above ``low`` (no pile-up)."""
        top = self.cfg.ages.max_age - 1
        over = age > top
        low = np.broadcast_to(np.asarray(low, dtype=float), age.shape)[over]
        age[over] = self.rng.uniform(np.minimum(low, top - 1), top)
        return age

    def base_at(self, wage: np.ndarray, m: np.ndarray | int) -> np.ndarray:
        """Contribution base (cents, whole yuan) at month m: wage grown yearly, clipped."""
        m = np.asarray(m, dtype=np.int64)
        year = (m - 6) // 12 - (self.pL - 6) // 12  # bases change each July
        grown = wage * (1.0 + self.cfg.money.wage_growth) ** year
        lo, hi = self.limits.at(m)
        return np.clip(np.round(grown / 100.0) * 100, lo, hi).astype(np.int64)

    # --- units -----------------------------------------------------------------------
    def _units(self) -> None:
        rng, pc = self.rng, self.cfg.population
        nu = max(20, int(self.n * pc.units_per_person))
        ng = max(5, int(self.n * pc.jg_per_person * pc.jg_units_per_jg_person))
        total = nu + ng
        utype = rng.choice(np.array(["10", "40", "50", "90"]), nu, p=[0.86, 0.03, 0.07, 0.04])
        utype = np.concatenate([utype, rng.choice(np.array(["20", "30"]), ng, p=[0.4, 0.6])])
        district = self._district(total)
        kind = np.zeros(total, dtype=np.int8)  # 0 staffed, 1 suspended, 2 closed
        r = rng.random(nu)
        kind[:nu][r < pc.unit_closed_share] = 2
        kind[:nu][
            (r >= pc.unit_closed_share) & (r < pc.unit_closed_share + pc.unit_suspended_share)
        ] = 1
        open_m = rng.integers(min(self.pL - 12 * 28, self.p0 - 2), self.p0 - 1, total)
        open_date = month_start(open_m) + days(rng, 0, 27, total)
        close_date = np.full(total, NAT)
        closing = kind == 2
        close_m = rng.integers(self.pL - 36, self.pL + 1, closing.sum())
        close_m = np.maximum(close_m, open_m[closing] + 1)
        close_date[closing] = month_start(close_m) + days(rng, 0, 27, closing.sum())
        numbers = rng.choice(10**8, total, replace=False)
        self.unit_num = numbers
        self.unit_id = s_int(numbers, 8)
        self.unit_type = utype
        self.unit_district = district
        area = np.where(district == "110000", "110000", district)
        self.unit_uscc = ids.uscc_codes(rng, total, area, utype)
        self.unit_name = names.unit_names(rng, utype, district, self.cfg.files.odd_unit_names)
        self.unit_open = open_date
        self.unit_close = close_date
        self.unit_status0 = np.where(kind == 1, "2", "1")
        self.unit_kind = kind
        rates = self.cfg.money.rates_bp["410"].unit
        rates = rates if isinstance(rates, list) else [rates]
        self.unit_rate410 = np.array(rates)[rng.integers(0, len(rates), total)]
        self.n_ent_units = nu
        staffed = np.flatnonzero((kind == 0) & (np.arange(total) < nu))
        size = rng.pareto(1.2, len(staffed)) + 1.0
        self.staffed = staffed
        self.staffed_p = size / size.sum()
        self.jg_units = np.arange(nu, total)

    def unit_visible(self, q: int) -> np.ndarray:
        return self.unit_open <= month_end(q)

    # --- sb people --------------------------------------------------------------------
    def _sb(self) -> None:
        rng, cfg = self.rng, self.cfg
        pc, ag = cfg.population, cfg.ages
        n = self.n
        pool = cfg.dirty.pool_people
        total = n + pool
        kind = np.full(total, K_WORK, dtype=np.int8)
        r = rng.random(n)
        cuts = np.cumsum([pc.dead_retiree_share, pc.terminated_share, pc.unemployed_share])
        kind[:n][r < cuts[0]] = K_DEAD
        kind[:n][(r >= cuts[0]) & (r < cuts[1])] = K_TERM
        kind[:n][(r >= cuts[1]) & (r < cuts[2])] = K_UNEMP
        kind[n:] = K_DIRTY
        sex = np.where(rng.random(total) < pc.male_share, 1, 2).astype(np.int8)
        ret_age = np.where(sex == 1, ag.retire_age_male, ag.retire_age_female)
        special = (rng.random(total) < pc.special_retire_share) & (kind != K_UNEMP)
        ret_eff = ret_age - np.where(special, pc.special_retire_years, 0)
        retire_type = np.where(special, rng.integers(2, 5, total), 1).astype(np.int8)

        # ages at the start of the last month
        work = kind == K_WORK
        share_work = max(1e-9, 1 - cuts[2])
        retired = work & (rng.random(total) < pc.retired_share / share_work)
        age = rng.uniform(ag.min_work_age + 1, ret_age + 0.0, total)
        age[retired] = ret_eff[retired] + rng.exponential(9.0, retired.sum())
        age = self._cap_age(age, ret_eff)
        unemp = kind == K_UNEMP
        age[unemp] = rng.uniform(22, ret_age[unemp] - 4)
        term = (kind == K_TERM) | (kind == K_DIRTY)
        age[term] = rng.uniform(25, 45, term.sum())
        dead = kind == K_DEAD
        dm = np.full(total, NEVER)
        dm[dead] = rng.integers(self.pL - 36, self.pL + 1, dead.sum())
        death_date = np.full(total, NAT)
        death_date[dead] = date_in_month(rng, dm[dead])
        birth = self._birth_for_age(age, self.pL)
        span = (self.pL - self.p0) / 12 + 3
        death_age = rng.uniform(np.minimum(ret_eff[dead] + span, ag.max_age - 2), ag.max_age)
        birth[dead] = death_date[dead] - (death_age * 365.2425).astype(np.int64).astype(
            "timedelta64[D]"
        )

        r_m = first_month_at_age(birth, ret_eff)
        r_m[term] = NEVER
        # enrolment: at 18-28, early enough for 200 months before retirement
        age16 = first_month_at_age(birth, 16)
        a18 = first_month_at_age(birth, ag.min_work_age)
        span = np.clip(self.pL - a18 + 1, 1, 120)
        e = a18 + (rng.random(total) * span).astype(np.int64)
        need = r_m - ag.min_contrib_months_at_retirement - rng.integers(0, 60, total)
        e = np.where(r_m <= self.pL + 240, np.minimum(e, need), e)
        e = np.maximum(e, age16)
        young = work & (age < 30)
        new = young & (rng.random(total) < pc.new_enrol_share * (self.pL - self.p0 + 1))
        e[new] = rng.integers(self.p0, self.pL + 1, new.sum())
        e = np.minimum(e, self.pL)

        # unemployment spells
        s = np.full(total, NEVER)
        ent = np.zeros(total, dtype=np.int64)
        s[unemp] = rng.integers(self.pL - 24, self.pL + 3, unemp.sum())
        e[unemp] = np.maximum(np.minimum(e[unemp], s[unemp] - 12), age16[unemp])
        years = (s - e) // 12
        ent[unemp] = np.where(years[unemp] < 5, 12, np.where(years[unemp] < 10, 18, 24))

        # units: workers and the unemployed have one (and maybe a second from month j)
        has_unit = (kind == K_WORK) | (kind == K_UNEMP)
        u1 = np.full(total, -1)
        u1[has_unit] = rng.choice(self.staffed, has_unit.sum(), p=self.staffed_p)
        u2 = u1.copy()
        j = np.full(total, NEVER)
        switch = has_unit & (rng.random(total) < pc.unit_switch_share) & (e < self.p0)
        if switch.any() and self.pL > self.p0:
            j[switch] = rng.integers(self.p0 + 1, self.pL + 1, switch.sum())
            u2[switch] = self._same_district_unit(u1[switch])
        district = self._district(total)
        district[has_unit] = self.unit_district[u1[has_unit]]
        hukou = rng.choice(np.array([1, 2, 3, 4], dtype=np.int8), total, p=pc.hukou_weights)

        wage = rng.lognormal(np.log(cfg.money.wage_median * 100), cfg.money.wage_sigma, total)
        lo, hi = cfg.money.pension_range
        pension = (np.round(rng.uniform(lo, hi, total) * 100)).astype(np.int64)
        lo, hi = cfg.money.unemployment_range
        unemp_amount = (np.round(rng.uniform(lo, hi, total)) * 100).astype(np.int64)

        self.sb_kind, self.sb_sex, self.sb_birth, self.sb_district = kind, sex, birth, district
        self.sb_hukou, self.sb_e, self.sb_r, self.sb_retire_type = hukou, e, r_m, retire_type
        self.sb_dm, self.sb_death = dm, death_date
        self.sb_s, self.sb_ent = s, ent
        self.sb_u1, self.sb_u2, self.sb_j = u1, u2, j
        self.sb_wage, self.sb_pension, self.sb_unemp_amount = wage, pension, unemp_amount
        self.sb_out = np.full(total, NEVER)  # injured out of work (grade 1-4) from this month
        self.sb_total = total
        enroll_date = date_in_month(rng, e)
        self.sb_enroll = enroll_date
        self.sb_approve = date_in_month(rng, np.where(r_m < NEVER, r_m - 1, self.pL), 3, 25)
        self.sb_approve[r_m >= NEVER] = NAT
        self.sb_unemp_approve = date_in_month(rng, np.where(s < NEVER, s, self.pL), 1, 10)
        self.sb_unemp_approve[s >= NEVER] = NAT
        nums = rng.choice(10**9, total, replace=False)
        self.sb_pid_num = nums
        self.sb_pid = s_int(nums, 10)
        # initial personal account balance (cents) at the window start
        months_in = np.clip(np.minimum(self.p0, r_m) - e, 0, None)
        self.sb_balance0 = (months_in * wage * 0.08 * 0.9).astype(np.int64)
        self.sb_withdraw = (pension * 0.25).astype(np.int64)

    def _same_district_unit(self, u: np.ndarray) -> np.ndarray:
        st = self.staffed
        d = self.unit_district[st]
        order = np.argsort(d, kind="stable")
        sd = d[order]
        start = np.searchsorted(sd, self.unit_district[u], side="left")
        stop = np.searchsorted(sd, self.unit_district[u], side="right")
        pick = start + (self.rng.random(len(u)) * (stop - start)).astype(np.int64)
        out = st[order][np.minimum(pick, len(st) - 1)]
        same = out == u
        out[same] = st[order][
            np.minimum(
                start[same]
                + (pick[same] - start[same] + 1) % np.maximum(stop[same] - start[same], 1),
                len(st) - 1,
            )
        ]
        return out

    # timelines at month q --------------------------------------------------------------
    def sb_visible(self, q: int) -> np.ndarray:
        return self.sb_e <= q

    def sb_contributing(self, q: int) -> np.ndarray:
        k = self.sb_kind
        in_spell = (self.sb_s <= q) & (q <= self.sb_s + self.sb_ent - 1)
        return (
            ((k == K_WORK) | (k == K_UNEMP))
            & (self.sb_e <= q)
            & (q < self.sb_r)
            & ~in_spell
            & (q < self.sb_out)
        )

    def sb_unemployed_paid(self, q: int) -> np.ndarray:
        return (self.sb_kind == K_UNEMP) & (self.sb_s <= q) & (q <= self.sb_s + self.sb_ent - 1)

    def sb_retired_paid(self, q: int) -> np.ndarray:
        k = self.sb_kind
        return ((k == K_WORK) & (self.sb_r <= q)) | (
            (k == K_DEAD) & (self.sb_r <= q) & (q <= self.sb_dm)
        )

    def sb_status(self, q: int) -> np.ndarray:
        st = np.full(self.sb_total, "3", dtype="U1")
        k = self.sb_kind
        alive_ret = self.sb_retired_paid(q) | ((k == K_WORK) & (self.sb_r <= q))
        st[(k == K_WORK) | (k == K_UNEMP)] = "2"
        st[self.sb_contributing(q)] = "1"
        st[alive_ret] = "4"
        return st

    def sb_unit_at(self, q: int) -> np.ndarray:
        return np.where(q < self.sb_j, self.sb_u1, self.sb_u2)

    # --- jm (resident pension) ------------------------------------------------------------
    def _jm(self) -> None:
        rng, cfg = self.rng, self.cfg
        pc, ag = cfg.population, cfg.ages
        n = int(self.n * pc.jm_per_person)
        pool = cfg.dirty.pool_people
        total = n + pool
        r = rng.random(total)
        recv = r < pc.jm_receiving_share
        term = (r >= pc.jm_receiving_share) & (r < pc.jm_receiving_share + pc.jm_terminated_share)
        dead = recv & (rng.random(total) < pc.jm_dead_share / max(pc.jm_receiving_share, 1e-9))
        dirty = np.zeros(total, dtype=bool)
        dirty[n:] = True
        recv[n:] = term[n:] = dead[n:] = False
        age = rng.uniform(20, ag.resident_pension_age, total)
        age[recv] = ag.resident_pension_age + rng.exponential(8, recv.sum())
        age = self._cap_age(age, ag.resident_pension_age)
        age[dirty] = rng.uniform(ag.resident_pension_age + 2, 80, dirty.sum())
        birth = self._birth_for_age(age, self.pL)
        dm = np.full(total, NEVER)
        dm[dead] = rng.integers(self.pL - 24, self.pL + 1, dead.sum())
        death_date = np.full(total, NAT)
        death_date[dead] = date_in_month(rng, dm[dead])
        # a dead receiver must have reached the pension age before dying
        r_m = first_month_at_age(birth, ag.resident_pension_age)
        fix = dead & (r_m > dm - 1)
        birth[fix] = birth[fix] - np.timedelta64(365 * 3, "D")
        r_m = first_month_at_age(birth, ag.resident_pension_age)
        start = min(2009 * 12 + 6, self.p0 - 120)  # the resident scheme began in 2009
        enroll_m = np.maximum(rng.integers(start, self.p0, total), first_month_at_age(birth, 16))
        enroll_m = np.minimum(enroll_m, self.p0 - 1)
        # some terminated jm people are sb workers now (same person, same id)
        sb_link = np.full(total, -1)
        workers = np.flatnonzero(self.sb_kind[: self.n] == K_WORK)
        link = term & (rng.random(total) < 0.5)
        if link.any() and len(workers):
            sb_link[link] = rng.choice(workers, link.sum(), replace=False)
        lo, hi = cfg.money.jm_pension_range
        self.jm_total, self.jm_n = total, n
        self.jm_birth = birth
        self.jm_sex = np.where(rng.random(total) < 0.5, 1, 2).astype(np.int8)
        self.jm_recv_from = r_m
        self.jm_term, self.jm_dead, self.jm_dirty = term, dead, dirty
        self.jm_dm, self.jm_death = dm, death_date
        self.jm_district = self._district(total)
        self.jm_enroll = date_in_month(rng, enroll_m)
        self.jm_sb_link = sb_link
        self.jm_pension = (np.round(rng.uniform(lo, hi, total) * 100)).astype(np.int64)
        grades = np.array(cfg.money.jm_grades) * 100
        self.jm_grade = grades[rng.integers(0, len(grades), total)]
        self.jm_pay_month = rng.integers(0, 12, total)
        nums = rng.choice(10**9, total, replace=False)
        self.jm_pid_num = nums
        self.jm_pid = s_int(nums, 10)

    def jm_status(self, q: int) -> np.ndarray:
        st = np.where(self.jm_recv_from <= q, "2", "1").astype("U1")
        st[self.jm_term | self.jm_dirty] = "3"
        st[self.jm_dead & (q > self.jm_dm)] = "3"
        return st

    def jm_paid(self, q: int) -> np.ndarray:
        return ~self.jm_term & ~self.jm_dirty & (self.jm_recv_from <= q) & (q <= self.jm_dm)

    def jm_contributing(self, q: int) -> np.ndarray:
        return (
            ~self.jm_term & ~self.jm_dirty & (self.jm_recv_from > q) & (self.jm_pay_month == q % 12)
        )

    # --- jg (agency pension) ---------------------------------------------------------------
    def _jg(self) -> None:
        rng, cfg = self.rng, self.cfg
        pc, ag = cfg.population, cfg.ages
        n = int(self.n * pc.jg_per_person)
        pool = cfg.dirty.pool_people
        total = n + pool
        sex = np.where(rng.random(total) < 0.5, 1, 2).astype(np.int8)
        ret_age = np.where(sex == 1, ag.retire_age_male, ag.jg_retire_age_female)
        retired = rng.random(total) < pc.jg_retired_share
        dead = retired & (rng.random(total) < pc.jg_dead_share / max(pc.jg_retired_share, 1e-9))
        dirty = np.zeros(total, dtype=bool)
        dirty[n:] = True
        retired[n:] = dead[n:] = False
        age = rng.uniform(23, ret_age, total)
        age[retired] = ret_age[retired] + rng.exponential(8, retired.sum())
        age = self._cap_age(age, ret_age)
        birth = self._birth_for_age(age, self.pL)
        r_m = first_month_at_age(birth, ret_age)
        dm = np.full(total, NEVER)
        dm[dead] = rng.integers(max(self.pL - 24, 0), self.pL + 1, dead.sum())
        dm[dead] = np.maximum(dm[dead], r_m[dead] + 1)
        death_date = np.full(total, NAT)
        death_date[dead] = date_in_month(rng, np.minimum(dm[dead], self.pL))
        dm[dead] = month_of(death_date[dead])
        e = first_month_at_age(birth, 22) + rng.integers(0, 48, total)
        e = np.minimum(e, self.p0 - 1)
        lo, hi = cfg.money.jg_pension_range
        self.jg_total, self.jg_n = total, n
        self.jg_birth, self.jg_sex, self.jg_r, self.jg_dead, self.jg_dirty = (
            birth,
            sex,
            r_m,
            dead,
            dirty,
        )
        self.jg_dm, self.jg_death = dm, death_date
        self.jg_unit = rng.choice(self.jg_units, total)
        self.jg_district = self.unit_district[self.jg_unit]
        self.jg_enroll = date_in_month(rng, e)
        self.jg_wage = rng.lognormal(np.log(cfg.money.wage_median * 1.15 * 100), 0.35, total)
        self.jg_pension = (np.round(rng.uniform(lo, hi, total) * 100)).astype(np.int64)
        nums = rng.choice(10**9, total, replace=False)
        self.jg_pid_num = nums
        self.jg_pid = s_int(nums, 10)

    def jg_status(self, q: int) -> np.ndarray:
        return np.where(self.jg_r <= q, "4", "1").astype("U1")

    def jg_contributing(self, q: int) -> np.ndarray:
        return ~self.jg_dirty & (self.jg_r > q)

    def jg_paid(self, q: int) -> np.ndarray:
        return ~self.jg_dirty & (self.jg_r <= q) & (q <= self.jg_dm)

    # --- outsiders -----------------------------------------------------------------------
    def _outsiders(self) -> None:
        rng, pc = self.rng, self.cfg.population
        n = max(10, int(self.n * pc.outsiders_per_person))
        age = rng.uniform(18, 88, n)
        self.out_birth = self._birth_for_age(age, self.pL)
        self.out_sex = np.where(rng.random(n) < 0.5, 1, 2).astype(np.int8)
        self.out_dead = rng.random(n) < pc.outsider_dead_share
        death = np.full(n, NAT)
        k = self.out_dead.sum()
        dm = rng.integers(self.pL - 120, self.pL + 1, k)
        death[self.out_dead] = date_in_month(rng, dm)
        young = self.out_dead & (death < self.out_birth + np.timedelta64(365 * 5, "D"))
        death[young] = self.out_birth[young] + np.timedelta64(365 * 40, "D")
        death[self.out_dead] = np.minimum(
            death[self.out_dead], month_end(self.pL) - np.timedelta64(3, "D")
        )
        self.out_death = death
        self.out_n = n

    # --- registry: ids and names for everyone ----------------------------------------------
    def _registry(self) -> None:
        """Resident ids and names. The sb block comes first, then jm, jg, outsiders;
        jm people linked to sb workers share the sb person's registry entry."""
        rng = self.rng
        births = [self.sb_birth, self.jm_birth, self.jg_birth, self.out_birth]
        sexes = [self.sb_sex, self.jm_sex, self.jg_sex, self.out_sex]
        birth = np.concatenate(births)
        sex = np.concatenate(sexes)
        total = len(birth)
        area = ids.ID_AREAS[rng.integers(0, len(ids.ID_AREAS), total)]
        body = ids.unique_ids(rng, area, birth, sex, ids.SEQ_BACKGROUND)
        check = ids.id_check_chars(body)
        self.reg_body, self.reg_check = body, check
        self.reg_id = ids.id_strings(body, check)
        self.reg_name = names.person_names(rng, total)
        self.reg_birth, self.reg_sex = birth, sex
        o_jm = self.sb_total
        o_jg = o_jm + self.jm_total
        o_out = o_jg + self.jg_total
        self.sb_reg = np.arange(self.sb_total)
        self.jm_reg = o_jm + np.arange(self.jm_total)
        linked = self.jm_sb_link >= 0
        self.jm_reg[linked] = self.jm_sb_link[linked]
        self.jm_birth[linked] = self.sb_birth[self.jm_sb_link[linked]]
        self.jm_sex[linked] = self.sb_sex[self.jm_sb_link[linked]]
        self.jg_reg = o_jg + np.arange(self.jg_total)
        self.out_reg = o_out + np.arange(self.out_n)

    # --- work injuries --------------------------------------------------------------------
    def _injuries(self) -> None:
        rng, cfg = self.rng, self.cfg
        pc = cfg.population
        hist = pc.injury_history_months
        cand = np.flatnonzero(self.sb_kind == K_WORK)
        n_cases = int(len(cand) * pc.injury_cases_per_person_year * hist / 12)
        a = rng.integers(self.pL - hist + 1, self.pL + 1, len(cand))
        ok = (self.sb_e[cand] <= a) & (a < self.sb_r[cand])
        cand, a = cand[ok], a[ok]
        pick = rng.choice(len(cand), min(n_cases, len(cand)), replace=False)
        who, a = cand[pick], a[pick]
        n = len(who)
        accident = date_in_month(rng, a)
        apply = accident + days(rng, 3, 30, n)
        decision = apply + days(rng, 5, 58, n)
        result = rng.choice(np.array(["1", "2", "3"]), n, p=[0.85, 0.03, 0.12])
        unit = np.where(a < self.sb_j[who], self.sb_u1[who], self.sb_u2[who])
        self.case_person, self.case_unit = who, unit
        self.case_district = self.unit_district[unit]
        self.case_accident, self.case_apply, self.case_decision = accident, apply, decision
        self.case_result = result
        self.case_num = np.arange(n) + 1
        # appraisals (type 1; some reviewed later, type 3)
        ok = (result != "3") & (rng.random(n) < pc.appraisal_share)
        ci = np.flatnonzero(ok)
        ap_apply = decision[ci] + days(rng, 10, 90, len(ci))
        concl = ap_apply + days(rng, 15, 55, len(ci))
        grade = rng.choice(
            np.arange(11),
            len(ci),
            p=[0.15, 0.005, 0.005, 0.01, 0.01, 0.03, 0.04, 0.15, 0.2, 0.2, 0.2],
        )
        nursing = np.where(grade == 1, 1, np.where(grade == 2, 2, np.where(grade <= 4, 3, 0)))
        nursing[grade == 0] = 0
        review = (grade >= 1) & (grade <= 6) & (rng.random(len(ci)) < 0.3)
        ri = np.flatnonzero(review)
        r_apply = concl[ri] + days(rng, 330, 400, len(ri))
        r_concl = r_apply + days(rng, 20, 50, len(ri))
        self.ap_case = np.concatenate([ci, ci[ri]])
        self.ap_type = np.concatenate([np.full(len(ci), "1"), np.full(len(ri), "3")])
        self.ap_apply = np.concatenate([ap_apply, r_apply])
        self.ap_concl = np.concatenate([concl, r_concl])
        self.ap_grade = np.concatenate([grade, grade[ri]])
        self.ap_nursing = np.concatenate([nursing, nursing[ri]])
        self.ap_num = np.arange(len(self.ap_case)) + 1
        # grades 1-4 leave work and draw the injury allowance (410/41) from the next month
        heavy = (grade >= 1) & (grade <= 4)
        hp = who[ci[heavy]]
        self.sb_out[hp] = month_of(concl[heavy]) + 1
        self.inj_people = np.unique(who)
        lo, hi = cfg.money.injury_allowance_range
        self.sb_allowance = np.zeros(self.sb_total, dtype=np.int64)
        self.sb_allowance[hp] = (np.round(rng.uniform(lo, hi, len(hp))) * 100).astype(np.int64)
        lo, hi = cfg.money.injury_lump_range
        self.ap_lump = (np.round(rng.uniform(lo, hi, len(self.ap_case))) * 100).astype(np.int64)
        lo, hi = cfg.money.injury_other_range
        self.case_other = (np.round(rng.uniform(lo, hi, n) * 100)).astype(np.int64)

    # --- deaths, prisons, identity changes -------------------------------------------------
    def _deaths(self) -> None:
        rng, pc = self.rng, self.cfg.population
        sb = np.flatnonzero(self.sb_kind == K_DEAD)
        jm = np.flatnonzero(self.jm_dead)
        jg = np.flatnonzero(self.jg_dead)
        out = np.flatnonzero(self.out_dead)
        reg = np.concatenate([self.sb_reg[sb], self.jm_reg[jm], self.jg_reg[jg], self.out_reg[out]])
        d0 = np.concatenate(
            [self.sb_death[sb], self.jm_death[jm], self.jg_death[jg], self.out_death[out]]
        )
        n = len(reg)
        first = rng.integers(1, 4, n)
        rows_reg, rows_date, rows_agency = [reg], [d0], [first]
        second = rng.random(n) < pc.death_second_agency_share
        third = second & (
            rng.random(n) < pc.death_third_agency_share / max(pc.death_second_agency_share, 1e-9)
        )
        a2 = (first % 3) + 1
        a3 = (a2 % 3) + 1
        for mask, agency in ((second, a2), (third, a3)):
            k = mask.sum()
            rows_reg.append(reg[mask])
            rows_date.append(d0[mask] + days(rng, 0, 3, k))
            rows_agency.append(agency[mask])
        self.death_reg = np.concatenate(rows_reg)
        self.death_date = np.concatenate(rows_date)
        self.death_agency = np.concatenate(rows_agency).astype(str)
        self.death_report = self.death_date + days(rng, 1, 40, len(self.death_reg))

    def _prisons(self) -> None:
        rng, pc = self.rng, self.cfg.population
        n = int(self.n * pc.prison_per_person) + 3
        alive_out = np.flatnonzero(~self.out_dead)
        term = np.flatnonzero(self.sb_kind == K_TERM)
        retirees = np.flatnonzero((self.sb_kind == K_WORK) & (self.sb_r < self.p0 - 24))
        k_out, k_term = int(n * 0.7), int(n * 0.2)
        k_ret = n - k_out - k_term
        who_out = rng.choice(alive_out, min(k_out, len(alive_out)), replace=False)
        who_term = rng.choice(term, min(k_term, len(term)), replace=False)
        who_ret = rng.choice(retirees, min(k_ret, len(retirees)), replace=False)
        reg = np.concatenate([self.out_reg[who_out], self.sb_reg[who_term], self.sb_reg[who_ret]])
        m = len(reg)
        start_m = rng.integers(self.pL - 120, self.pL + 1, m)
        start = date_in_month(rng, start_m)
        length = rng.integers(180, 3650, m).astype("timedelta64[D]")
        end = start + length
        open_ = rng.random(m) < 0.3
        end[open_] = NAT
        # retirees were released long before the window, before any pay it holds
        nr = len(who_ret)
        if nr:
            rs = len(reg) - nr
            last = month_start(self.p0 - 13) - np.timedelta64(1, "D")
            end[rs:] = last - days(rng, 0, 700, nr)
            start[rs:] = end[rs:] - days(rng, 200, 1500, nr)
        self.prison_reg, self.prison_start, self.prison_end = reg, start, end

    def _identity_changes(self) -> None:
        rng, pc = self.rng, self.cfg.population
        n = int(self.n * pc.identity_change_per_person) + 3
        alive_out = np.flatnonzero(~self.out_dead)
        workers = np.flatnonzero(self.sb_kind == K_WORK)
        k_out = n // 2
        who = np.concatenate(
            [
                self.out_reg[rng.choice(alive_out, min(k_out, len(alive_out)), replace=False)],
                self.sb_reg[rng.choice(workers, min(n - k_out, len(workers)), replace=False)],
            ]
        )
        who = np.unique(who)
        m = len(who)
        kind = rng.choice(np.array([0, 1, 2]), m, p=[0.5, 0.25, 0.25])  # both, name only, id only
        old_body = ids.unique_ids(
            rng,
            ids.ID_AREAS[rng.integers(0, 16, m)],
            self.reg_birth[who],
            self.reg_sex[who],
            ids.SEQ_OLD,
        )
        old_id = ids.id_strings(old_body)
        self.change_reg = who
        self.change_kind = kind
        self.change_old_id = np.where(
            kind == 1, np.asarray(self.reg_id.take(pa.array(who))), np.asarray(old_id)
        )
        old_names = np.asarray(names.person_names(rng, m))
        self.change_old_name = np.where(
            kind == 2, np.asarray(self.reg_name.take(pa.array(who))), old_names
        )
        same = (kind != 2) & (self.change_old_name == np.asarray(self.reg_name.take(pa.array(who))))
        self.change_old_name[same] = self.change_old_name[same] + "华"
        self.change_date = date_in_month(rng, rng.integers(self.pL - 120, self.pL + 1, m))
        self.change_num = np.arange(m) + 1

    # --- who may apply for cars and houses ----------------------------------------------------
    def applicant_pool(self) -> np.ndarray:
        """Registry indices of living people with no identity change (background applicants)."""
        alive_sb = self.sb_reg[
            ((self.sb_kind == K_WORK) | (self.sb_kind == K_UNEMP)) & (self.sb_hukou <= 2)
        ]
        alive_jm = self.jm_reg[~self.jm_dead & ~self.jm_dirty & (self.jm_sb_link < 0)]
        alive_out = self.out_reg[~self.out_dead]
        pool = np.unique(np.concatenate([alive_sb, alive_jm, alive_out]))
        banned = np.concatenate([self.change_reg, self.prison_reg, self.death_reg])
        return pool[~np.isin(pool, banned)]

    def stable_outside_hukou(self, q: int) -> np.ndarray:
        """sb people (indices) of non-Beijing hukou with a normal 110 contribution in every one
        of the 60 months before q inside the window (background GC-002/GF-002 applicants)."""
        if q - 60 < self.p0:
            return np.array([], dtype=np.int64)
        k = self.sb_kind
        ok = (
            (k == K_WORK)
            & (self.sb_hukou >= 3)
            & (self.sb_e <= q - 60)
            & (self.sb_r >= q)
            & (self.sb_out >= q)
        )
        ok[self.change_reg[self.change_reg < self.sb_total]] = False
        return np.flatnonzero(ok)

    def age_sb(self, q: int) -> np.ndarray:
        return age_at_month(self.sb_birth, q)
