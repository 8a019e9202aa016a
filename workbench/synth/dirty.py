"""Dirty rows: a controlled number per table exercising every cleaning rule.

Three families, each with its expected outcome recorded at injection (the intake truth is
the sum of these, never a re-run of a cleaner):

* cosmetic changes of background rows (full-width forms, white space, ``x``, 15-digit ids,
  quoting): the row cleans back to itself and loads;
* new rows that load: benign content (reserved people, fresh ids) that no indicator
  reports, except a wrong check character in sb_person, which ZH-002 reports;
* new rows that are rejected or dropped: malformed, bad ids, dates, codes, numbers,
  missing text, out of period, several faults at once, duplicates, key conflicts.

Planted rows (``plants.py``) are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workbench.contract import ColType, Column, Kind, Table
from workbench.synth import ids, names
from workbench.synth.calendar import date_text, period_text
from workbench.synth.plants import day
from workbench.synth.population import K_DIRTY, Population

FULL = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"}
LOADED, DUPLICATE = "loaded", "duplicate"


def fullwidth(text: str) -> str:
    return "".join(FULL.get(c, c) for c in text)


def quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def needs_quotes(text: str) -> bool:
    return any(c in text for c in ',"\r\n')


def field_text(value: str, force: bool = False) -> str:
    return quote(value) if force or needs_quotes(value) else value


@dataclass
class Line:
    """A new raw record and what intake must make of it."""

    fields: dict[str, str]  # column -> raw field text (already quoted where needed)
    outcome: str  # LOADED, DUPLICATE or a reject reason
    extra: int = 0  # +n extra fields, -n missing fields (MALFORMED_ROW)
    kind: str = ""


@dataclass
class Injection:
    replace: dict[int, tuple[str, dict[str, str]]] = field(default_factory=dict)  # row -> kind, raw
    lines: list[Line] = field(default_factory=list)
    zh002: list[tuple[str, str]] = field(default_factory=list)  # (id, district) loaded in sb_person


class Dirtier:
    """Makes the dirty rows of one table for one month."""

    def __init__(
        self,
        pop: Population,
        table: Table,
        q: int,
        rng: np.random.Generator,
        counts: dict[str, int],
        keys: KeyMaker,
        quote_cols: set[str],
    ) -> None:
        self.pop, self.t, self.q, self.rng, self.counts = pop, table, q, rng, counts
        self.keys = keys
        self.quote_cols = quote_cols
        self.cols = table.columns
        self.by_type: dict[ColType, list[Column]] = {}
        for c in self.cols:
            self.by_type.setdefault(c.type, []).append(c)

    # ---------------------------------------------------------------- rendering helpers
    def raw(self, values: dict[str, str]) -> dict[str, str]:
        return {c: field_text(v, c in self.quote_cols) for c, v in values.items()}

    def line(self, values: dict[str, str], outcome: str, kind: str, **kw) -> Line:
        return Line(self.raw(values), outcome, kind=kind, **kw)

    def cols_of(self, *types: ColType, required: bool | None = None) -> list[Column]:
        out = [c for c in self.cols if c.type in types]
        if required is not None:
            out = [c for c in out if c.nullable != required]
        return out

    # ------------------------------------------------------------------ main entry
    def inject(self, sample) -> Injection:
        """``sample(k)`` gives k distinct background row indices with their values."""
        inj = Injection()
        n = self.counts
        self._cosmetic(inj, sample, n)
        for _ in range(n.get("wrong_check", 0)):
            self._wrong_check(inj)
        for kind, fn in (
            ("bad_uscc", self._bad_uscc),
            ("bad_nullable_date", self._bad_nullable_date),
            ("multiline", self._multiline),
            ("malformed", self._malformed),
            ("bad_id", self._bad_id),
            ("bad_date", self._bad_date),
            ("missing", self._missing),
            ("bad_code", self._bad_code),
            ("bad_number", self._bad_number),
            ("out_of_period", self._out_of_period),
            ("multi", self._multi),
            ("rejected_twins", self._rejected_twins),
            ("key_conflict", self._key_conflict),
            ("conflict_with_dup", self._conflict_with_dup),
            ("conflict_text", self._conflict_text),
            ("uscc_dup", self._uscc_dup),
        ):
            for i in range(n.get(kind, 0)):
                fn(inj, i)
        for i, (_, values) in enumerate(sample(n.get("duplicate", 0), purpose="duplicate")):
            raw = self._cosmetic_variant(values, i) if i % 2 else self.raw(values)
            inj.lines.append(Line(raw, DUPLICATE, kind="duplicate"))
        for _, values in sample(n.get("conflict_rejected", 0), purpose="conflict_rejected"):
            self._conflict_rejected(inj, values)
        return inj

    # --------------------------------------------------------------------- cosmetic
    def _cosmetic(self, inj: Injection, sample, n: dict[str, int]) -> None:
        ops = [
            ("fullwidth", self._cos_fullwidth),
            ("whitespace", self._cos_whitespace),
            ("quoted", self._cos_quoted),
        ]
        id_cols = self.cols_of(ColType.ID_NO)
        for kind, fn in ops:
            for idx, values in sample(n.get(kind, 0), purpose=kind):
                inj.replace[idx] = (kind, fn(values))
        if id_cols:
            col = id_cols[0].name
            for idx, values in sample(n.get("lower_x", 0), purpose="lower_x", ends_x=col):
                raw = self.raw(values)
                raw[col] = values[col][:-1] + "x"
                inj.replace[idx] = ("lower_x", raw)
            for idx, values in sample(n.get("id15", 0), purpose="id15", born19=col):
                raw = self.raw(values)
                raw[col] = ids.id15_of(values[col])
                inj.replace[idx] = ("id15", raw)

    def _cos_fullwidth(self, values: dict[str, str]) -> dict[str, str]:
        raw = self.raw(values)
        for c in self.cols:
            v = values[c.name]
            if not v:
                continue
            if c.type is ColType.TEXT and not needs_quotes(v):
                raw[c.name] = "\u3000" + fullwidth(v)
            elif c.type is not ColType.TEXT:
                raw[c.name] = field_text(fullwidth(v), c.name in self.quote_cols)
        return self._keep_extra(values, raw)

    def _cos_whitespace(self, values: dict[str, str]) -> dict[str, str]:
        raw = {}
        pads = [" ", "  ", "\t", " \t"]
        for i, c in enumerate(self.cols):
            v = values[c.name]
            padded = pads[i % 4] + v + pads[(i + 1) % 4]
            raw[c.name] = (
                quote(padded) if (needs_quotes(v) or c.name in self.quote_cols) else padded
            )
        return self._keep_extra(values, raw)

    def _cos_quoted(self, values: dict[str, str]) -> dict[str, str]:
        return {c: quote(v) if c != "_extra" else field_text(v) for c, v in values.items()}

    def _cosmetic_variant(self, values: dict[str, str], i: int) -> dict[str, str]:
        return [self._cos_fullwidth, self._cos_whitespace, self._cos_quoted][i % 3](values)

    @staticmethod
    def _keep_extra(values: dict[str, str], raw: dict[str, str]) -> dict[str, str]:
        if "_extra" in values:
            raw["_extra"] = field_text(values["_extra"])
        return raw

    # ------------------------------------------------------------------ benign rows
    def benign(self) -> dict[str, str]:
        return self.keys.benign(self.t.name, self.q, self.rng)

    def _wrong_check(self, inj: Injection) -> None:
        cols = self.cols_of(ColType.ID_NO)
        if not cols:
            return
        v = self.benign()
        col = cols[-1].name
        v[col] = ids.wrong_check(v[col])
        inj.lines.append(self.line(v, LOADED, "wrong_check"))
        if self.t.name == "sb_person":
            inj.zh002.append((v["id_no"], v["district_code"]))

    def _bad_uscc(self, inj: Injection, i: int) -> None:
        cols = self.cols_of(ColType.USCC)
        if not cols:
            return
        v = self.benign()
        good = v[cols[0].name] or self.keys.uscc()
        v[cols[0].name] = [good[:17], good[:8] + "IO" + good[10:], good + "1", "无"][i % 4]
        inj.lines.append(self.line(v, LOADED, "bad_uscc"))

    def _bad_nullable_date(self, inj: Injection, i: int) -> None:
        cols = [c for c in self.cols if c.nullable and c.type in (ColType.DATE, ColType.PERIOD)]
        if not cols:
            return
        v = self.benign()
        v[cols[0].name] = ["20230231", "2023-05-06", "20231301", "99999999"][i % 4]
        inj.lines.append(self.line(v, LOADED, "bad_nullable_date"))

    def _multiline(self, inj: Injection, i: int) -> None:
        if "unit_name" not in self.t.column_map:
            return
        v = self.benign()
        name = v["unit_name"]
        v["unit_name"] = name[:4] + "\n" + name[4:]
        inj.lines.append(self.line(v, LOADED, "multiline"))

    # ------------------------------------------------------------------ rejected rows
    def _reject(self, inj: Injection, v: dict[str, str], reason: str, kind: str, **kw) -> None:
        inj.lines.append(self.line(v, reason, kind, **kw))

    def _malformed(self, inj: Injection, i: int) -> None:
        v = self.benign()
        if i % 3 == 2 and "unit_name" in v:
            # an unquoted comma inside a name: one field too many
            line = self.line(v, "MALFORMED_ROW", "malformed")
            line.fields["unit_name"] = v["unit_name"].replace('"', "") + ",分部"
            inj.lines.append(line)
            return
        self._reject(inj, v, "MALFORMED_ROW", "malformed", extra=1 if i % 2 else -1)

    def _bad_id_value(self, good: str, i: int) -> str:
        return [good[:17], good[:10] + "A" + good[11:], "", good + "5", good[:6] + "19" + good[6:]][
            i % 5
        ]

    def _bad_id(self, inj: Injection, i: int) -> None:
        cols = self.cols_of(ColType.ID_NO)
        if not cols:
            return
        v = self.benign()
        col = cols[i % len(cols)].name
        v[col] = self._bad_id_value(v[col], i)
        self._reject(inj, v, "BAD_ID_NO", "bad_id")

    def _bad_date(self, inj: Injection, i: int) -> None:
        cols = self.cols_of(ColType.DATE, ColType.PERIOD, required=True)
        if not cols:
            return
        v = self.benign()
        c = cols[i % len(cols)]
        if c.type is ColType.PERIOD:
            v[c.name] = ["202413", "2024-05", "", "202400"][i % 4]
        else:
            v[c.name] = ["20230231", "2023-01-15", "", "20231301", "2023011"][i % 5]
        self._reject(inj, v, "BAD_DATE", "bad_date")

    def _missing(self, inj: Injection, i: int) -> None:
        cols = self.cols_of(ColType.TEXT, required=True)
        if not cols:
            return
        v = self.benign()
        c = cols[(i + 1) % len(cols)]
        v[c.name] = ["", "\u3000\u3000", "  "][i % 3]
        self._reject(inj, v, "MISSING_VALUE", "missing")

    def _bad_code_value(self, c: Column, i: int) -> str:
        if not c.nullable and i % 4 == 3:
            return ""
        width = max(len(x) for x in c.codes)
        for cand in ("9" * width, "0" * width, "8" * width, "X"):
            if cand not in c.codes:
                return cand
        return "?"

    def _bad_code(self, inj: Injection, i: int) -> None:
        cols = self.cols_of(ColType.CODE)
        if not cols:
            return
        v = self.benign()
        c = cols[i % len(cols)]
        v[c.name] = self._bad_code_value(c, i)
        self._reject(inj, v, "BAD_CODE", "bad_code")

    def _bad_number_value(self, c: Column, i: int) -> str:
        if c.type is ColType.INT:
            return ["12.5", "七", "1e3", "+3"][i % 4]
        return (
            ["12.345", "1,234.00", "12a.00", "", "5.", ".50"][i % 6] if not c.nullable else "12.345"
        )

    def _bad_number(self, inj: Injection, i: int) -> None:
        cols = self.cols_of(ColType.MONEY, ColType.INT)
        if not cols:
            return
        v = self.benign()
        c = cols[i % len(cols)]
        v[c.name] = self._bad_number_value(c, i)
        self._reject(inj, v, "BAD_NUMBER", "bad_number")

    def _out_value(self, i: int) -> str:
        c = self.t.column_map[self.t.period_column]
        if c.type is ColType.PERIOD:
            return period_text(self.q - 1 if i % 2 == 0 else self.q + 1)
        return date_text(day(self.q - 1, 28) if i % 2 == 0 else day(self.q + 1, 1))

    def _out_of_period(self, inj: Injection, i: int) -> None:
        if self.t.kind is not Kind.MONTHLY or not self.t.period_column:
            return
        v = self.benign()
        v[self.t.period_column] = self._out_value(i)
        self._reject(inj, v, "OUT_OF_PERIOD", "out_of_period")

    def _faults(self) -> list[tuple[int, int, str, str, str]]:
        """Every single fault this table can carry: (rule, column index, reason, column, value)."""
        out = []
        for idx, c in enumerate(self.cols):
            match c.type:
                case ColType.ID_NO:
                    out.append((2, idx, "BAD_ID_NO", c.name, "ABC123"))
                case ColType.DATE | ColType.PERIOD if not c.nullable:
                    out.append(
                        (
                            4,
                            idx,
                            "BAD_DATE",
                            c.name,
                            "20230231" if c.type is ColType.DATE else "202313",
                        )
                    )
                case ColType.TEXT if not c.nullable:
                    out.append((4, idx, "MISSING_VALUE", c.name, ""))
                case ColType.CODE:
                    out.append((5, idx, "BAD_CODE", c.name, self._bad_code_value(c, 0)))
                case ColType.MONEY | ColType.INT:
                    out.append((6, idx, "BAD_NUMBER", c.name, "1.234"))
        if self.t.kind is Kind.MONTHLY and self.t.period_column:
            c = self.t.column_map[self.t.period_column]
            out.append((10, self.cols.index(c), "OUT_OF_PERIOD", c.name, self._out_value(0)))
        return out

    def _multi(self, inj: Injection, i: int) -> None:
        faults = self._faults()
        if len(faults) < 2:
            return
        v = self.benign()
        k = min(len(faults), 2 + i % 2)
        # distinct columns; the winner is the first in rule order, then column order
        picks = []
        for j in self.rng.permutation(len(faults)):
            if all(faults[j][3] != p[3] for p in picks):
                picks.append(faults[j])
            if len(picks) == k:
                break
        for _, _, _, col, value in picks:
            v[col] = value
        if i % 3 == 2:
            self._reject(inj, v, "MALFORMED_ROW", "multi", extra=1)
            return
        reason = min(picks)[2]
        self._reject(inj, v, reason, "multi")

    def _rejected_twins(self, inj: Injection, i: int) -> None:
        faults = self._faults()
        v = self.benign()
        if faults:
            f = faults[int(self.rng.integers(0, len(faults)))]
            v[f[3]] = f[4]
            reason = f[2]
        else:  # nothing but text: drop a field
            self._reject(inj, v, "MALFORMED_ROW", "rejected_twins", extra=-1)
            self._reject(inj, v, "MALFORMED_ROW", "rejected_twins", extra=-1)
            return
        self._reject(inj, v, reason, "rejected_twins")
        self._reject(inj, v, reason, "rejected_twins")

    def _changed(self, v: dict[str, str]) -> dict[str, str]:
        """The same key with different content (still a valid row)."""
        w = dict(v)
        for c in self.cols:
            if c.name in self.t.key:
                continue
            if c.type is ColType.TEXT and c.name in ("name", "unit_name", "new_name", "old_name"):
                w[c.name] = v[c.name] + "甲"
                return w
            if c.type is ColType.MONEY:
                w[c.name] = _money_plus(v[c.name], 1)
                return w
            if c.type is ColType.DATE and c.name != self.t.period_column and v[c.name]:
                w[c.name] = v[c.name][:6] + ("02" if v[c.name][6:] != "02" else "03")
                return w
        for c in self.cols:
            if c.type is ColType.CODE and c.name not in self.t.key:
                w[c.name] = next(x for x in c.codes if x != v[c.name])
                return w
        raise ValueError(f"{self.t.name}: no column to vary for a key conflict")

    def _key_conflict(self, inj: Injection, i: int) -> None:
        a = self.benign()
        b = self._changed(a)
        ra, rb = self.raw(a), self.raw(b)
        if i % 2:  # the key written in full-width forms: the same key after rule 1
            for k in self.t.key:
                rb[k] = field_text(fullwidth(b[k]))
        inj.lines += [
            Line(ra, "KEY_CONFLICT", kind="key_conflict"),
            Line(rb, "KEY_CONFLICT", kind="key_conflict"),
        ]

    def _conflict_with_dup(self, inj: Injection, i: int) -> None:
        a = self.benign()
        b = self._changed(a)
        inj.lines += [
            Line(self.raw(a), "KEY_CONFLICT", kind="conflict_with_dup"),
            Line(self._cos_whitespace(a), DUPLICATE, kind="conflict_with_dup"),
            Line(self.raw(b), "KEY_CONFLICT", kind="conflict_with_dup"),
        ]

    def _conflict_text(self, inj: Injection, i: int) -> None:
        cols = [c for c in self.cols if c.type is ColType.MONEY and c.name not in self.t.key]
        if not cols:
            return
        a = self.benign()
        c = cols[0].name
        whole = a[c].split(".")[0]
        a[c] = whole + ".5"
        b = dict(a)
        b[c] = whole + ".50"  # the same number, different text: not a duplicate
        inj.lines += [
            self.line(a, "KEY_CONFLICT", "conflict_text"),
            self.line(b, "KEY_CONFLICT", "conflict_text"),
        ]

    def _conflict_rejected(self, inj: Injection, values: dict[str, str]) -> None:
        faults = [f for f in self._faults() if f[3] not in self.t.key and f[2] != "OUT_OF_PERIOD"]
        if not faults:
            return
        f = faults[int(self.rng.integers(0, len(faults)))]
        v = dict(values)
        v[f[3]] = f[4]
        self._reject(inj, v, f[2], "conflict_rejected")

    def _uscc_dup(self, inj: Injection, i: int) -> None:
        cols = self.cols_of(ColType.USCC)
        if not cols:
            return
        v = self.benign()
        a, b = dict(v), dict(v)
        a[cols[0].name], b[cols[0].name] = "ABC", "无效代码"  # both invalid: null after rule 3
        inj.lines += [self.line(a, LOADED, "uscc_dup"), self.line(b, DUPLICATE, "uscc_dup")]


def _money_plus(text: str, yuan: int) -> str:
    whole, _, frac = text.partition(".")
    return f"{int(whole) + yuan}.{frac or '00'}"


class KeyMaker:
    """Fresh keys and benign row content for dirty rows (reserved people, unused ids)."""

    def __init__(self, pop: Population, book, seed: int) -> None:
        self.pop = pop
        self.book = book
        self.rng = np.random.default_rng([seed, 11])
        self.ids_taken: set[int] = set()
        self.pid_taken: set[str] = set()
        self.next_snap = dict(book._snap_next)
        self.sb_taken = np.sort(pop.sb_pid_num)
        self.jm_taken = np.sort(pop.jm_pid_num)
        self.jg_taken = np.sort(pop.jg_pid_num)
        self.sb_pool = np.flatnonzero(pop.sb_kind == K_DIRTY)
        self.jm_pool = np.flatnonzero(pop.jm_dirty)
        self.jg_pool = np.flatnonzero(pop.jg_dirty)
        self.cursor = {"sb": 0, "jm": 0, "jg": 0}
        self.counter: dict[tuple[str, int], int] = {}

    def _pool(self, name: str) -> int:
        pool = {"sb": self.sb_pool, "jm": self.jm_pool, "jg": self.jg_pool}[name]
        i = self.cursor[name]
        self.cursor[name] = i + 1
        if i >= len(pool):
            raise ValueError(f"dirty.pool_people too small for the dirty counts ({name})")
        return int(pool[i])

    def reset_month(self) -> None:
        self.cursor = {"sb": 0, "jm": 0, "jg": 0}

    def person(self) -> tuple[str, str, np.datetime64, int]:
        rng = self.rng
        sex = int(rng.integers(1, 3))
        birth = np.datetime64("1950-01-01") + np.timedelta64(int(rng.integers(0, 365 * 50)), "D")
        area = int(ids.ID_AREAS[rng.integers(0, len(ids.ID_AREAS))])
        for _ in range(1000):
            seq = int(ids.draw_seq(rng, np.array([sex]), ids.SEQ_DIRTY)[0])
            body = int(ids.id_bodies(np.array([area]), np.array([birth]), np.array([seq]))[0])
            if body not in self.ids_taken:
                break
        else:
            raise RuntimeError("no free id number for a dirty row")
        self.ids_taken.add(body)
        idn = f"{body:017d}{ids.id_check_chars(np.array([body]))[0]}"
        return idn, names.one_name(rng), birth, sex

    def new_pid(self, taken: np.ndarray) -> str:
        while True:
            n = int(self.rng.integers(0, 10**9))
            text = f"{n:010d}"
            i = np.searchsorted(taken, n)
            if (
                (i >= len(taken) or taken[i] != n)
                and text not in self.pid_taken
                and text not in self.book._pid_taken
            ):
                self.pid_taken.add(text)
                return text

    def uscc(self) -> str:
        d = str(self.rng.choice(self.pop.districts))
        return str(ids.uscc_codes(self.rng, 1, np.array([d]), np.array(["10"]))[0])

    def record_id(self, table: str, q: int) -> str:
        return self.book.tables.ids.one(table, q)

    def snap_id(self, table: str) -> str:
        from workbench.synth.tables import RecordIds

        self.next_snap[table] = self.next_snap.get(table, 0) + 1
        prefix, w = RecordIds.PREFIX[table]
        return f"{prefix}9{self.next_snap[table]:0{w - 1}d}"

    def benign(self, table: str, q: int, rng: np.random.Generator) -> dict[str, str]:
        return getattr(self, "_" + table)(q, rng)

    # one benign row per table ---------------------------------------------------------
    def _district(self, rng) -> str:
        return str(rng.choice(self.pop.districts))

    def _bg_unit(self, q: int) -> int:
        return self.book.bg_unit(q)

    def _sb_unit(self, q, rng):
        while True:
            n = int(rng.integers(0, 10**8))
            if n not in self.book._units_taken:
                self.book._units_taken.add(n)
                break
        d = self._district(rng)
        name = names.unit_names(rng, np.array(["10"]), np.array([d]), 0)[0]
        return {
            "unit_id": f"{n:08d}",
            "uscc": self.uscc(),
            "unit_name": name,
            "unit_type": "10",
            "district_code": d,
            "status": "1",
            "open_date": date_text(day(q, 3)),
            "close_date": "",
        }

    def _sb_person(self, q, rng):
        idn, name, birth, sex = self.person()
        return {
            "person_id": self.new_pid(self.sb_taken),
            "id_no": idn,
            "name": name,
            "sex": str(sex),
            "birth_date": date_text(birth),
            "hukou_type": "1",
            "district_code": self._district(rng),
            "unit_id": "",
            "status": "3",
            "first_enroll_date": "20100301",
        }

    def _sb_contrib(self, q, rng):
        p = self.pop
        who = self._pool("sb")
        unit = self._bg_unit(q)
        base = self.book.base_ok(q)
        bp = p.cfg.money.rates_bp["210"]
        from workbench.synth.plants import money
        from workbench.synth.tables import rate_amount

        return {
            "contrib_id": self.record_id("sb_contrib", q),
            "person_id": str(p.sb_pid[who]),
            "unit_id": str(p.unit_id[unit]),
            "insurance_type": "210",
            "period": period_text(q),
            "pay_month": period_text(q),
            "base": money(base),
            "unit_amount": money(int(rate_amount(base, bp.unit))),
            "person_amount": money(int(rate_amount(base, bp.person))),
            "pay_type": "1",
        }

    def _sb_benefit_approval(self, q, rng):
        who = self._pool("sb")
        return {
            "approval_id": self.snap_id("sb_benefit_approval"),
            "person_id": str(self.pop.sb_pid[who]),
            "insurance_type": "210",
            "approve_date": date_text(day(q, 4)),
            "start_period": period_text(q),
            "retire_type": "",
            "contrib_months": "",
            "monthly_amount": "2086.00",
            "months_entitled": "12",
        }

    def _sb_benefit_pay(self, q, rng):
        who = self._pool("sb")
        return {
            "pay_id": self.record_id("sb_benefit_pay", q),
            "person_id": str(self.pop.sb_pid[who]),
            "insurance_type": "110",
            "benefit_item": "12",
            "period": period_text(q),
            "pay_date": date_text(day(q, 12)),
            "amount": "5000.00",
        }

    def _sb_account(self, q, rng):
        who = self._pool("sb")
        return {
            "person_id": str(self.pop.sb_pid[who]),
            "period": period_text(q),
            "opening_balance": "1200.00",
            "credited": "0.00",
            "interest": "2.40",
            "withdrawn": "0.00",
            "closing_balance": "1202.40",
        }

    def _jm_person(self, q, rng):
        idn, name, birth, sex = self.person()
        return {
            "person_id": self.new_pid(self.jm_taken),
            "id_no": idn,
            "name": name,
            "sex": str(sex),
            "birth_date": date_text(birth),
            "district_code": self._district(rng),
            "status": "3",
            "enroll_date": "20150401",
        }

    def _jm_contrib(self, q, rng):
        who = self._pool("jm")
        return {
            "contrib_id": self.record_id("jm_contrib", q),
            "person_id": str(self.pop.jm_pid[who]),
            "year": str(q // 12),
            "grade": "2000.00",
            "amount": "2000.00",
            "pay_date": date_text(day(q, 6)),
        }

    def _jm_benefit_pay(self, q, rng):
        who = self._pool("jm")
        return {
            "pay_id": self.record_id("jm_benefit_pay", q),
            "person_id": str(self.pop.jm_pid[who]),
            "period": period_text(q),
            "pay_date": date_text(day(q, 7)),
            "amount": "1050.00",
        }

    def _jg_person(self, q, rng):
        idn, name, birth, sex = self.person()
        unit = int(rng.choice(self.pop.jg_units))
        return {
            "person_id": self.new_pid(self.jg_taken),
            "id_no": idn,
            "name": name,
            "sex": str(sex),
            "birth_date": date_text(birth),
            "district_code": self._district(rng),
            "unit_id": str(self.pop.unit_id[unit]),
            "status": "1",
            "first_enroll_date": "20050901",
        }

    def _jg_contrib(self, q, rng):
        from workbench.synth.plants import money
        from workbench.synth.tables import rate_amount

        who = self._pool("jg")
        p = self.pop
        base = self.book.base_ok(q)
        bp = p.cfg.money.rates_bp["120"]
        return {
            "contrib_id": self.record_id("jg_contrib", q),
            "person_id": str(p.jg_pid[who]),
            "unit_id": str(p.unit_id[p.jg_unit[who]]),
            "period": period_text(q),
            "pay_month": period_text(q),
            "base": money(base),
            "unit_amount": money(int(rate_amount(base, bp.unit))),
            "person_amount": money(int(rate_amount(base, bp.person))),
            "pay_type": "1",
        }

    def _jg_benefit_pay(self, q, rng):
        who = self._pool("jg")
        return {
            "pay_id": self.record_id("jg_benefit_pay", q),
            "person_id": str(self.pop.jg_pid[who]),
            "period": period_text(q),
            "pay_date": date_text(day(q, 9)),
            "amount": "7200.00",
        }

    def _gsrd_case(self, q, rng):
        idn, name, _, _ = self.person()
        unit = self._bg_unit(q)
        return {
            "case_id": self.snap_id("gsrd_case"),
            "id_no": idn,
            "name": name,
            "unit_uscc": str(self.pop.unit_uscc[unit]),
            "unit_name": str(self.pop.unit_name[unit]),
            "district_code": str(self.pop.unit_district[unit]),
            "accident_date": date_text(day(q, 1)),
            "apply_date": date_text(day(q, 5)),
            "decision_date": date_text(day(q, 25)),
            "result": "1",
        }

    def _ldnl_appraisal(self, q, rng):
        idn, name, _, _ = self.person()
        case = self.book.tables.snapshot_ids["gsrd_case"]
        cid = case[int(rng.integers(0, len(case)))].as_py() if len(case) else "GS00000001"
        return {
            "appraisal_id": self.snap_id("ldnl_appraisal"),
            "case_id": cid,
            "id_no": idn,
            "name": name,
            "district_code": self._district(rng),
            "appraisal_type": "2",
            "apply_date": date_text(day(q, 2)),
            "conclusion_date": date_text(day(q, 20)),
            "disability_grade": "9",
            "nursing_level": "0",
        }

    def _rlzy_subsidy(self, q, rng):
        idn, _, _, _ = self.person()
        return {
            "subsidy_id": self.record_id("rlzy_subsidy", q),
            "subsidy_type": "15",
            "recipient_type": "2",
            "unit_uscc": "",
            "id_no": idn,
            "period": period_text(q),
            "pay_date": date_text(day(q, 18)),
            "amount": "800.00",
            "district_code": self._district(rng),
        }

    def _rlzy_employment(self, q, rng):
        idn, _, _, _ = self.person()
        return {
            "reg_id": self.record_id("rlzy_employment", q),
            "id_no": idn,
            "reg_type": "2",
            "unit_uscc": "",
            "reg_date": date_text(day(q, 11)),
            "district_code": self._district(rng),
        }

    def _ref_death(self, q, rng):
        idn, name, _, _ = self.person()
        return {
            "id_no": idn,
            "name": name,
            "death_date": date_text(day(q - 3, 9)),
            "agency": "1",
            "report_date": date_text(day(q - 3, 19)),
        }

    def _ref_prison(self, q, rng):
        idn, name, _, _ = self.person()
        return {
            "record_id": self.snap_id("ref_prison"),
            "id_no": idn,
            "name": name,
            "start_date": date_text(day(q - 20, 3)),
            "end_date": date_text(day(q + 20, 3)),
        }

    def _ref_identity_change(self, q, rng):
        old, old_name, _, _ = self.person()
        new, new_name, _, _ = self.person()
        return {
            "change_id": self.snap_id("ref_identity_change"),
            "old_id_no": old,
            "new_id_no": new,
            "old_name": old_name,
            "new_name": new_name + "新",
            "change_date": date_text(day(q - 5, 8)),
        }

    def _apply(self, table: str, q: int) -> dict[str, str]:
        idn, name, _, _ = self.person()
        return {
            "apply_id": self.record_id(table, q),
            "id_no": idn,
            "name": name,
            "apply_date": date_text(day(q, 21)),
            "hukou_type": "1",
        }

    def _ref_car_apply(self, q, rng):
        return self._apply("ref_car_apply", q)

    def _ref_house_apply(self, q, rng):
        return self._apply("ref_house_apply", q)
