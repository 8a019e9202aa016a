"""The synthetic data generator (workbench/synth): files, manifest, dirt and exact truth.

The truth files are checked against independent re-derivations written here in plain
Python: a per-row cleaner (csv module, the ten rules as the contract words them) for the
intake truth, and a straightforward reference of the 40 core indicators for the planted
problems, so a bug in the generator's bookkeeping cannot hide behind itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from stdnum.cn import ric, uscc

from workbench.contract import TABLE_MAP, TABLES, ColType, Kind
from workbench.indicators.registry import all_indicators
from workbench.synth import generate, ids
from workbench.synth.config import load as load_params

PERIOD = "202406"
CORE = sorted(i.code for i in all_indicators() if i.core)
ALL_REASONS = {
    "MALFORMED_ROW",
    "BAD_ID_NO",
    "BAD_DATE",
    "MISSING_VALUE",
    "BAD_CODE",
    "BAD_NUMBER",
    "OUT_OF_PERIOD",
    "KEY_CONFLICT",
}


@pytest.fixture(scope="module")
def one_month(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth1")
    generate(out, PERIOD, persons=2000, seed=11, months=1)
    return out


@pytest.fixture(scope="module")
def thirteen(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth13")
    generate(out, PERIOD, persons=2000, seed=5, months=13)
    return out


def periods_of(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if re.fullmatch(r"\d{6}", p.name))


# --- ids --------------------------------------------------------------------------------------
def test_check_characters_match_stdnum():
    rng = np.random.default_rng(0)
    births = np.datetime64("1940-01-01") + rng.integers(0, 30000, 300).astype("timedelta64[D]")
    sex = rng.integers(1, 3, 300)
    body = ids.unique_ids(
        rng, ids.ID_AREAS[rng.integers(0, 16, 300)], births, sex, ids.SEQ_BACKGROUND
    )
    for text in ids.id_strings(body).to_pylist():
        assert ric.calc_check_digit(text) == text[-1], text
        assert int(text[16]) % 2 == 1 or True
    codes = ids.uscc_codes(rng, 200, np.full(200, "110105"), np.full(200, "10"))
    assert all(uscc.is_valid(c) for c in codes)
    assert ids.id15_of("110105195001011234")[6:12] == "500101"


# --- determinism, manifest, headers -----------------------------------------------------------
def test_deterministic_by_seed(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, "202503", persons=400, seed=3, months=2)
    generate(b, "202503", persons=400, seed=3, months=2)
    generate(c, "202503", persons=400, seed=4, months=2)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
    assert (a / "202503" / "sb_person.csv").read_bytes() != (
        c / "202503" / "sb_person.csv"
    ).read_bytes()


def read_manifest(folder: Path) -> list[dict]:
    text = (folder / "MANIFEST.csv").read_bytes().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0] == "file,table,rows,sha256,encoding"
    return rows


def decode(data: bytes, encoding: str) -> str:
    return data.decode("gb18030") if encoding == "GB18030" else data.decode("utf-8-sig")


def records(text: str) -> list[tuple[int, list[str]]]:
    """(physical start line, fields) of every record, header included (line 1)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    out, last = [], 0
    for row in reader:
        out.append((last + 1, row))
        last = reader.line_num
    return out


def test_manifest_and_files(one_month):
    folder = one_month / PERIOD
    rows = read_manifest(folder)
    assert {r["table"] for r in rows} == set(TABLE_MAP)
    cfg = load_params()
    encodings, eols, boms, shuffled, extra = set(), set(), [], [], []
    for r in rows:
        data = (folder / r["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == r["sha256"]
        text = decode(data, r["encoding"])
        recs = records(text)
        assert len(recs) - 1 == int(r["rows"])
        header = [h.strip() for h in recs[0][1]]
        names = TABLE_MAP[r["table"]].column_names
        assert set(names) <= set(header), r["table"]
        encodings.add(r["encoding"])
        eols.add("\r\n" if b"\r\n" in data else "\n")
        boms.append(data.startswith(b"\xef\xbb\xbf"))
        shuffled.append([h for h in header if h in names] != names)
        extra.append(len(header) > len(names))
        assert r["encoding"] == ("GB18030" if r["table"] in cfg.files.gb18030 else "UTF-8")
    assert encodings == {"GB18030", "UTF-8"} and eols == {"\n", "\r\n"}
    assert any(boms) and any(shuffled) and any(extra)
    assert (
        not (folder / "_truth").exists()
        and (one_month / "_truth" / PERIOD / "intake.json").is_file()
    )
    # quoting is exercised: a unit name holding a comma and a double quote
    units = decode((folder / "sb_unit.csv").read_bytes(), "GB18030")
    names = [f[2] for _, f in records(units)[1:] if len(f) == 8]
    assert any("," in n for n in names) and any('"' in n for n in names)


def test_realistic_values(one_month):
    folder = one_month / PERIOD
    persons = records(decode((folder / "sb_person.csv").read_bytes(), "GB18030"))
    header = persons[0][1]
    col = {h: i for i, h in enumerate(header)}
    good = [
        f
        for _, f in persons[1:]
        if len(f) == len(header) and re.fullmatch(r"\d{17}[\dX]", f[col["id_no"]])
    ]
    assert len(good) > 1500
    ok = sum(
        ric.calc_check_digit(f[col["id_no"]]) == f[col["id_no"]][-1]
        and f[col["id_no"]][6:14] == f[col["birth_date"]]
        and f[col["id_no"]][:4] == "1101"
        for f in good
    )
    assert ok >= len(good) - 10  # a few planted wrong check characters (ZH-002)
    districts = Counter(f[col["district_code"]] for f in good)
    assert len(districts) >= 17


# --- the independent cleaner ------------------------------------------------------------------
FULL = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
USCC_RE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
NUMBER = {ColType.MONEY: r"-?\d+(\.\d{1,2})?", ColType.INT: r"-?\d+"}
RANK = {
    "BAD_ID_NO": 2,
    "BAD_DATE": 4,
    "MISSING_VALUE": 4,
    "BAD_CODE": 5,
    "BAD_NUMBER": 6,
    "OUT_OF_PERIOD": 10,
}


def rule1(v: str) -> str:
    return v.translate(FULL).strip(" \t\r\n\v\f")


def real_date(v: str) -> bool:
    if not re.fullmatch(r"\d{8}", v):
        return False
    try:
        dt.date(int(v[:4]), int(v[4:6]), int(v[6:]))
    except ValueError:
        return False
    return True


def real_period(v: str) -> bool:
    return bool(re.fullmatch(r"\d{4}(0[1-9]|1[0-2])", v))


def clean_file(text: str, table: str, period: str):
    """(loaded rows as dicts, rejects [(line, reason)], duplicates) by the contract's words."""
    t = TABLE_MAP[table]
    recs = records(text)
    header = [rule1(h.lstrip("\ufeff")) for h in recs[0][1]]
    pos = {h: i for i, h in enumerate(header)}
    judged = []
    for line, fields in recs[1:]:
        if len(fields) != len(header):
            judged.append((line, "MALFORMED_ROW", None, None))
            continue
        norm, typed, fails = {}, {}, []
        for idx, c in enumerate(t.columns):
            v = rule1(fields[pos[c.name]]) if c.name in pos else ""
            if c.type is ColType.ID_NO:
                if v.endswith("x"):
                    v = v[:-1] + "X"
                if re.fullmatch(r"\d{15}", v):
                    body = v[:6] + "19" + v[6:]
                    v = body + ric.calc_check_digit(body + "0")
            elif c.type is ColType.USCC:
                v = v.upper() if USCC_RE.fullmatch(v.upper()) else ""
            norm[c.name] = v
            value = v or None
            if v == "":
                if not c.nullable:
                    fails.append((RANK[_empty_reason(c.type)], idx, _empty_reason(c.type)))
            elif c.type is ColType.ID_NO and not re.fullmatch(r"\d{17}[\dX]", v):
                fails.append((2, idx, "BAD_ID_NO"))
            elif (c.type is ColType.DATE and not real_date(v)) or (
                c.type is ColType.PERIOD and not real_period(v)
            ):
                if c.nullable:
                    value = None  # an invalid nullable date or period becomes null
                else:
                    fails.append((4, idx, "BAD_DATE"))
            elif c.type is ColType.CODE and v not in c.codes:
                fails.append((5, idx, "BAD_CODE"))
            elif c.type in NUMBER and not re.fullmatch(NUMBER[c.type], v):
                fails.append((6, idx, "BAD_NUMBER"))
            typed[c.name] = value
        if t.kind is Kind.MONTHLY and t.period_column and typed.get(t.period_column):
            month = typed[t.period_column][:6]
            if month != period:
                fails.append((10, t.column_names.index(t.period_column), "OUT_OF_PERIOD"))
        judged.append((line, min(fails)[2] if fails else None, norm, typed))
    seen, standing, dups = set(), [], 0
    rejects = [(line, reason) for line, reason, _, _ in judged if reason]
    for line, reason, norm, typed in judged:
        if reason:
            continue
        key = tuple(norm[c] for c in t.column_names)
        if key in seen:
            dups += 1
            continue
        seen.add(key)
        standing.append((line, norm, typed))
    keys = Counter(tuple(n[k] for k in t.key) for _, n, _ in standing)
    loaded = []
    for line, norm, typed in standing:
        if keys[tuple(norm[k] for k in t.key)] > 1:
            rejects.append((line, "KEY_CONFLICT"))
        else:
            loaded.append(typed)
    return loaded, sorted(rejects), dups, len(recs) - 1


def _empty_reason(t: ColType) -> str:
    return {
        ColType.ID_NO: "BAD_ID_NO",
        ColType.DATE: "BAD_DATE",
        ColType.PERIOD: "BAD_DATE",
        ColType.CODE: "BAD_CODE",
        ColType.MONEY: "BAD_NUMBER",
        ColType.INT: "BAD_NUMBER",
    }.get(t, "MISSING_VALUE")


def load_delivery(out: Path, period: str):
    folder = out / period
    tables, intake, rejects = {}, {}, []
    for r in read_manifest(folder):
        text = decode((folder / r["file"]).read_bytes(), r["encoding"])
        loaded, rej, dups, rows_in = clean_file(text, r["table"], period)
        tables[r["table"]] = loaded
        intake[r["table"]] = {
            "rows_in": rows_in,
            "loaded": len(loaded),
            "rejected": len(rej),
            "duplicates": dups,
            "rejects": dict(sorted(Counter(x for _, x in rej).items())),
        }
        rejects += [(r["table"], line, reason) for line, reason in rej]
    return tables, intake, rejects


def test_intake_truth_rederived(one_month):
    _, intake, rejects = load_delivery(one_month, PERIOD)
    truth = json.loads((one_month / "_truth" / PERIOD / "intake.json").read_text(encoding="utf-8"))
    assert truth["period"] == PERIOD
    assert intake == truth["tables"]
    with open(one_month / "_truth" / PERIOD / "rejects.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted((r["table"], int(r["line_no"]), r["reason"]) for r in rows) == sorted(rejects)
    for t, v in truth["tables"].items():
        assert v["rows_in"] == v["loaded"] + v["rejected"] + v["duplicates"], t


def test_dirt_covers_every_rule(one_month):
    truth = json.loads((one_month / "_truth" / PERIOD / "intake.json").read_text(encoding="utf-8"))
    reasons = set()
    for t, v in truth["tables"].items():
        reasons |= set(v["rejects"])
        assert v["rejected"] >= 5 and v["duplicates"] >= 1, t
    assert reasons == ALL_REASONS
    with open(one_month / "_truth" / PERIOD / "dirty.csv", encoding="utf-8", newline="") as f:
        dirty = list(csv.DictReader(f))
    assert {r["kind"] for r in dirty} == {k for k, v in load_params().dirty.counts.items() if v}
    with open(one_month / "_truth" / PERIOD / "rejects.csv", encoding="utf-8", newline="") as f:
        rejects = {(r["table"], r["line_no"], r["reason"]) for r in csv.DictReader(f)}
    planned = {(r["table"], r["line_no"], r["expected"]) for r in dirty}
    assert rejects <= planned  # every reject is a planned dirty record
    assert {x for x in planned if x[2] not in ("loaded", "duplicate")} == rejects
    monthly = [t.name for t in TABLES if t.kind is Kind.MONTHLY]
    assert all("OUT_OF_PERIOD" in truth["tables"][t]["rejects"] for t in monthly)
    folder = one_month / PERIOD
    text = decode((folder / "sb_person.csv").read_bytes(), "GB18030")
    assert "\u3000" in text and "\t" in text and re.search(r"\d{17}x", text)
    assert re.search(r"(^|,)\s*\d{15}\s*(,|$)", text, re.M)
    assert re.search("[\uff10-\uff19]{6}", text)
    units = decode((folder / "sb_unit.csv").read_bytes(), "GB18030")
    lines_vs_records = units.count("\n") - len(records(units))
    assert lines_vs_records >= 1  # a quoted name holding a line break


# --- the independent reference of the 40 core indicators --------------------------------------
def month_idx(p: str) -> int:
    return int(p[:4]) * 12 + int(p[4:6]) - 1


def age_at(birth: str, m: int) -> int:
    y, mo = divmod(m, 12)
    mo += 1
    by, bm, bd = int(birth[:4]), int(birth[4:6]), int(birth[6:8])
    return y - by - (1 if (mo, 1) < (bm, bd) else 0)


def d(v: str) -> dt.date:
    return dt.date(int(v[:4]), int(v[4:6]), int(v[6:8]))


def add_months(day: dt.date, n: int) -> dt.date:
    m = day.year * 12 + day.month - 1 + n
    y, mo = divmod(m, 12)
    import calendar

    return dt.date(y, mo + 1, min(day.day, calendar.monthrange(y, mo + 1)[1]))


LIMITS = [
    ("201907", "202006", 4713, 28221),
    ("202007", "202106", 4713, 28221),
    ("202107", "202206", 5360, 31884),
    ("202207", "202306", 5869, 31884),
    ("202307", "202406", 6326, 33891),
    ("202407", "202506", 6821, 35283),
]


def reference_problems(
    history: dict[str, dict], period: str
) -> dict[tuple[str, str], tuple[str, str]]:
    """{(code, subject_key): (district, amount)} of the 40 core indicators for ``period``."""
    P = month_idx(period)
    cur = history[period]
    out: dict[tuple[str, str], tuple[str, str]] = {}

    def idmap(table):
        m, dist, sex, birth = {}, {}, {}, {}
        for r in sorted(cur[table], key=lambda r: r["person_id"]):
            m[r["person_id"]] = r["id_no"]
            dist.setdefault(r["id_no"], r["district_code"])
            sex.setdefault(r["id_no"], r["sex"])
            birth.setdefault(r["id_no"], r["birth_date"])
        return m, dist, sex, birth

    sb_id, sb_dist, sb_sex, sb_birth = idmap("sb_person")
    jm_id, jm_dist, _, jm_birth = idmap("jm_person")
    jg_id, jg_dist, _, _ = idmap("jg_person")
    death = {}
    for r in cur["ref_death"]:
        m = month_idx(r["death_date"])
        death[r["id_no"]] = min(death.get(r["id_no"], m), m)
    prisons = defaultdict(list)
    for r in cur["ref_prison"]:
        prisons[r["id_no"]].append(
            (month_idx(r["start_date"]), month_idx(r["end_date"]) if r["end_date"] else 10**9)
        )

    def add(code, key, district, amount=None):
        prev = out.get((code, key))
        if amount is not None and prev is not None and prev[1]:
            amount = Decimal(prev[1]) + amount
        out[(code, key)] = (district, "" if amount is None else f"{Decimal(amount):.2f}")

    def money(v):
        return Decimal(v)

    pays = [
        dict(r, id=sb_id[r["person_id"]]) for r in cur["sb_benefit_pay"] if r["person_id"] in sb_id
    ]
    contrib = [
        dict(r, id=sb_id[r["person_id"]]) for r in cur["sb_contrib"] if r["person_id"] in sb_id
    ]
    normal110 = [r for r in contrib if r["pay_type"] == "1" and r["insurance_type"] == "110"]
    n110_pm = {(r["id"], r["period"]) for r in normal110}
    p11 = [r for r in pays if r["insurance_type"] == "110" and r["benefit_item"] == "11"]
    p21 = [r for r in pays if r["insurance_type"] == "210" and r["benefit_item"] == "21"]
    p11_pm = {(r["id"], r["period"]) for r in p11}
    p21_pm = {(r["id"], r["period"]) for r in p21}
    sums = defaultdict(Decimal)

    def flush(code, dist_of=sb_dist):
        for key, amount in sorted(sums.items()):
            add(code, key, dist_of[key], amount)
        sums.clear()

    def in_prison(idn, m):
        return any(a <= m <= b for a, b in prisons.get(idn, []))

    for code, rows in (("YL-001", p11), ("SY-003", p21)):
        for r in rows:
            if r["id"] in death and month_idx(r["period"]) > death[r["id"]]:
                sums[r["id"]] += money(r["amount"])
        flush(code)
    for code, rows in (("YL-002", p11), ("SY-005", p21)):
        for r in rows:
            if in_prison(r["id"], month_idx(r["period"])):
                sums[r["id"]] += money(r["amount"])
        flush(code)
    for table, ids_ in (("jm_benefit_pay", jm_id), ("jg_benefit_pay", jg_id)):
        for r in cur[table]:
            idn = ids_.get(r["person_id"])
            if idn and (idn, r["period"]) in p11_pm:
                sums[idn] += money(r["amount"])
    flush("YL-003")
    for r in normal110:
        if (r["id"], r["period"]) in p11_pm:
            sums[r["id"]] += money(r["unit_amount"]) + money(r["person_amount"])
    flush("YL-004")
    # YL-005
    b1, b0 = {}, {}
    for r in normal110:
        if r["period"] == period:
            b1[r["id"]] = max(b1.get(r["id"], Decimal(0)), money(r["base"]))
    p12 = f"{(P - 12) // 12:04d}{(P - 12) % 12 + 1:02d}"
    for per, tabs in history.items():
        if month_idx(per) > P:
            continue
        for r in tabs["sb_contrib"]:
            idn = sb_id.get(r["person_id"])
            if idn and r["pay_type"] == "1" and r["insurance_type"] == "110" and r["period"] == p12:
                b0[idn] = max(b0.get(idn, Decimal(0)), money(r["base"]))
    for idn, base in b1.items():
        ret = 60 if sb_sex[idn] == "1" else 50
        if idn in b0 and base >= 2 * b0[idn] and age_at(sb_birth[idn], P) >= ret - 5:
            add("YL-005", idn, sb_dist[idn])
    backpay = defaultdict(set)
    for r in contrib:
        if r["insurance_type"] == "110" and r["pay_type"] == "2":
            backpay[r["id"]].add(r["period"])
            sums[r["id"]] += money(r["unit_amount"]) + money(r["person_amount"])
    for idn in list(sums):
        if len(backpay[idn]) < 24:
            del sums[idn]
    flush("YL-006")
    approvals = [
        dict(r, id=sb_id[r["person_id"]])
        for r in cur["sb_benefit_approval"]
        if r["person_id"] in sb_id
    ]
    for r in approvals:
        if r["insurance_type"] != "110" or month_idx(r["approve_date"]) != P:
            continue
        ret = 60 if sb_sex[r["id"]] == "1" else 50
        if (
            r["retire_type"] == "1"
            and age_at(sb_birth[r["id"]], month_idx(r["start_period"])) < ret
        ):
            add("YL-007", r["id"], sb_dist[r["id"]])
        if r["contrib_months"] is not None and int(r["contrib_months"]) < 180:
            add("YL-008", r["id"], sb_dist[r["id"]])

    def latest(idn, ins, m):
        cands = [
            a
            for a in approvals
            if a["id"] == idn and a["insurance_type"] == ins and month_idx(a["start_period"]) <= m
        ]
        return max(cands, key=lambda a: (a["approve_date"], a["approval_id"])) if cands else None

    for r in p11:
        a = latest(r["id"], "110", month_idx(r["period"]))
        if a and money(r["amount"]) > Decimal("1.01") * money(a["monthly_amount"]):
            sums[r["id"]] += money(r["amount"]) - money(a["monthly_amount"])
    flush("YL-009")
    groups = defaultdict(list)
    for r in pays:
        groups[(r["person_id"], r["insurance_type"], r["benefit_item"], r["period"])].append(
            money(r["amount"])
        )
    for (pid, *_), amounts in groups.items():
        if len(amounts) > 1:
            sums[sb_id[pid]] += sum(amounts) - max(amounts)
    flush("YL-010")
    for r in p21:
        if (r["id"], r["period"]) in n110_pm:
            sums[r["id"]] += money(r["amount"])
    flush("SY-001")
    for r in p21:
        if (r["id"], r["period"]) in p11_pm:
            sums[r["id"]] += money(r["amount"])
    flush("SY-002")
    for r in p21:
        a = latest(r["id"], "210", month_idx(r["period"]))
        if (
            a
            and a["months_entitled"] is not None
            and month_idx(r["period"])
            > month_idx(a["start_period"]) + int(a["months_entitled"]) - 1
        ):
            sums[r["id"]] += money(r["amount"])
    flush("SY-004")
    # work injury
    cases = cur["gsrd_case"]
    case_by_id = {c["case_id"]: c for c in cases}
    valid = defaultdict(list)
    for c in cases:
        if c["result"] in ("1", "2"):
            valid[c["id_no"]].append(c)
    for c in cases:
        if c["result"] not in ("1", "2"):
            continue
        a = month_idx(c["accident_date"])
        if a <= P and any(
            r["id"] == c["id_no"]
            and r["insurance_type"] == "410"
            and r["pay_type"] == "2"
            and month_idx(r["period"]) == a
            for r in contrib
        ):
            add("GS-001", c["case_id"], c["district_code"])
    for r in pays:
        if r["insurance_type"] == "410" and not any(
            c["decision_date"] and c["decision_date"] <= r["pay_date"] for c in valid[r["id"]]
        ):
            sums[r["id"]] += money(r["amount"])
    flush("GS-002")
    aps = defaultdict(list)
    for a in cur["ldnl_appraisal"]:
        aps[a["id_no"]].append(a)
    for r in pays:
        if (
            r["insurance_type"] == "410"
            and r["benefit_item"] == "41"
            and not any(
                1 <= int(a["disability_grade"]) <= 6 and a["conclusion_date"] <= r["pay_date"]
                for a in aps[r["id"]]
            )
        ):
            sums[r["id"]] += money(r["amount"])
    flush("GS-003")
    for a in cur["ldnl_appraisal"]:
        c = case_by_id.get(a["case_id"])
        if (
            a["appraisal_type"] == "1"
            and c
            and (
                c["decision_date"] is None
                or c["result"] == "3"
                or c["decision_date"] > a["conclusion_date"]
            )
        ):
            add("GS-004", a["appraisal_id"], a["district_code"])
    end = add_months(dt.date(P // 12, P % 12 + 1, 1), 1) - dt.timedelta(days=1)
    for c in cases:
        late = (
            (d(c["decision_date"]) - d(c["apply_date"])).days > 60
            if c["decision_date"]
            else (end - d(c["apply_date"])).days > 60
        )
        if late:
            add("GS-005", c["case_id"], c["district_code"])
    for idn, cs in valid.items():
        q = [c for c in cs if P - 11 <= month_idx(c["accident_date"]) <= P]
        if len(q) >= 3:
            last = max(q, key=lambda c: (c["accident_date"], c["case_id"]))
            add("GS-006", idn, last["district_code"])
    # human resources market
    subs = sorted(cur["rlzy_subsidy"], key=lambda r: r["subsidy_id"])
    units_by_uscc = defaultdict(set)
    for u in cur["sb_unit"]:
        if u["uscc"]:
            units_by_uscc[u["uscc"]].add(u["unit_id"])
    paid_units = set()
    for per, tabs in history.items():
        if month_idx(per) <= P:
            paid_units |= {
                (r["unit_id"], r["period"]) for r in tabs["sb_contrib"] if r["pay_type"] == "1"
            }
    unit_hits: dict[str, list] = defaultdict(list)
    for r in subs:
        if (
            r["unit_uscc"]
            and r["recipient_type"] == "1"
            and r["subsidy_type"] in ("11", "12")
            and not any(
                (u, r["period"]) in paid_units for u in units_by_uscc.get(r["unit_uscc"], ())
            )
        ):
            unit_hits[r["unit_uscc"]].append(r)
    for k, rows in unit_hits.items():
        add("JY-001", k, rows[0]["district_code"], sum(money(r["amount"]) for r in rows))
    sgroups = defaultdict(list)
    for r in subs:
        sgroups[(r["id_no"], r["subsidy_type"], r["period"])].append(r)
    per_id = defaultdict(list)
    for (idn, *_), rows in sgroups.items():
        if len(rows) > 1:
            per_id[idn].append(rows)
    for idn, gs in per_id.items():
        amount = sum(
            sum(money(r["amount"]) for r in g) - max(money(r["amount"]) for r in g) for g in gs
        )
        first = min((r for g in gs for r in g), key=lambda r: r["subsidy_id"])
        add("JY-002", idn, first["district_code"], amount)
    for code, cond in (
        ("JY-003", lambda r: r["id_no"] in death and month_idx(r["period"]) > death[r["id_no"]]),
        (
            "JY-004",
            lambda r: r["subsidy_type"] in ("11", "12") and (r["id_no"], r["period"]) in p21_pm,
        ),
    ):
        hits = defaultdict(list)
        for r in subs:
            if cond(r):
                hits[r["id_no"]].append(r)
        for idn, rows in hits.items():
            add(code, idn, rows[0]["district_code"], sum(money(r["amount"]) for r in rows))
    closed = {
        u["uscc"]: u for u in cur["sb_unit"] if u["uscc"] and u["status"] == "3" and u["close_date"]
    }
    hits = defaultdict(list)
    for r in subs:
        u = closed.get(r["unit_uscc"])
        if r["recipient_type"] == "1" and u and u["close_date"] < r["pay_date"]:
            hits[r["unit_uscc"]].append(r)
    for k, rows in hits.items():
        add("JY-005", k, rows[0]["district_code"], sum(money(r["amount"]) for r in rows))
    # resident and agency pension
    for r in cur["jm_benefit_pay"]:
        idn = jm_id.get(r["person_id"])
        if not idn:
            continue
        m = month_idx(r["period"])
        if (idn, r["period"]) in n110_pm:
            sums[("JM-001", idn)] += money(r["amount"])
        if idn in death and m > death[idn]:
            sums[("JM-002", idn)] += money(r["amount"])
        if age_at(jm_birth[idn], m) < 60:
            sums[("JM-003", idn)] += money(r["amount"])
    for r in cur["jg_benefit_pay"]:
        idn = jg_id.get(r["person_id"])
        if idn and idn in death and month_idx(r["period"]) > death[idn]:
            sums[("JG-001", idn)] += money(r["amount"])
    for (code, idn), amount in sorted(sums.items()):
        add(code, idn, (jg_dist if code.startswith("JG") else jm_dist)[idn], amount)
    sums.clear()
    for r in cur["jg_contrib"]:
        idn = jg_id.get(r["person_id"])
        if idn and r["pay_type"] == "1" and (idn, r["period"]) in n110_pm:
            add("JG-002", idn, jg_dist[idn])
    # cross-source
    holders = defaultdict(set)
    for r in cur["sb_person"]:
        holders[r["id_no"]].add(r["person_id"])
        if ric.calc_check_digit(r["id_no"]) != r["id_no"][-1]:
            add("ZH-002", r["id_no"], sb_dist[r["id_no"]])
    for idn, pids in holders.items():
        if len(pids) > 1:
            add("ZH-001", idn, sb_dist[idn])
    units = defaultdict(set)
    for r in normal110:
        units[(r["id"], r["period"])].add(r["unit_id"])
    for (idn, _), us in units.items():
        if len(us) > 1:
            add("ZH-003", idn, sb_dist[idn])
    for r in cur["sb_account"]:
        idn = sb_id.get(r["person_id"])
        if not idn:
            continue
        diff = abs(
            money(r["opening_balance"])
            + money(r["credited"])
            + money(r["interest"])
            - money(r["withdrawn"])
            - money(r["closing_balance"])
        )
        if diff > Decimal("0.01") or money(r["closing_balance"]) < 0:
            sums[idn] += diff
    flush("ZH-004")
    for r in normal110:
        for lo_p, hi_p, lo, hi in LIMITS:
            if lo_p <= r["period"] <= hi_p and not lo <= money(r["base"]) <= hi:
                add("ZH-005", r["id"], sb_dist[r["id"]])
    # car and house
    changes = [
        c
        for c in cur["ref_identity_change"]
        if c["old_id_no"] != c["new_id_no"] and c["old_name"] != c["new_name"]
    ]
    months_paid = defaultdict(set)
    for per, tabs in history.items():
        if month_idx(per) <= P:
            for r in tabs["sb_contrib"]:
                idn = sb_id.get(r["person_id"])
                if idn and r["pay_type"] == "1" and r["insurance_type"] == "110":
                    months_paid[idn].add(month_idx(r["period"]))
    for table, c1, c2 in (
        ("ref_car_apply", "GC-001", "GC-002"),
        ("ref_house_apply", "GF-001", "GF-002"),
    ):
        for r in cur[table]:
            ad = d(r["apply_date"])
            if any(
                c["new_id_no"] == r["id_no"] and add_months(ad, -60) <= d(c["change_date"]) <= ad
                for c in changes
            ):
                add(c1, r["apply_id"], "110000")
            if r["hukou_type"] == "2":
                am = month_idx(r["apply_date"])
                have = sum(1 for m in range(am - 60, am) if m in months_paid[r["id_no"]])
                if have < 60:
                    add(c2, r["apply_id"], "110000")
    return out


def read_truth(path: Path, core_only: bool = False) -> dict[tuple[str, str], tuple[str, str]]:
    """The truth file; ``core_only``: the 40 core indicators (what the reference implements)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {
        (r["indicator_code"], r["subject_key"]): (r["district_code"], r["amount"])
        for r in rows
        if not core_only or r["indicator_code"] in CORE
    }


@pytest.fixture(scope="module")
def history13(thirteen):
    return {p: load_delivery(thirteen, p)[0] for p in periods_of(thirteen)}


def test_planted_problems_are_exact(thirteen, history13):
    """For every month: the reference finds exactly the planted problems, no near-miss fires."""
    for period in periods_of(thirteen):
        truth = read_truth(thirteen / "_truth" / period / "problems.csv", core_only=True)
        found = reference_problems(history13, period)
        missing = {k: v for k, v in truth.items() if found.get(k) != v}
        extra = {k: v for k, v in found.items() if k not in truth}
        assert not missing and not extra, (
            period,
            sorted(missing.items())[:8],
            sorted(extra.items())[:8],
        )
        negatives = read_truth(thirteen / "_truth" / period / "negatives.csv", core_only=True)
        assert not set(negatives) & set(found), period
        assert negatives


def test_every_core_indicator_planted(thirteen):
    truth = read_truth(thirteen / "_truth" / PERIOD / "problems.csv")
    counts = Counter(code for code, _ in truth)
    assert len(CORE) == 40
    assert {c: counts[c] for c in CORE if counts[c] < 2} == {}
    negatives = Counter(
        code for code, _ in read_truth(thirteen / "_truth" / PERIOD / "negatives.csv")
    )
    assert {c for c in CORE if negatives[c] < 1} == set()
    header = (
        (thirteen / "_truth" / PERIOD / "problems.csv").read_text(encoding="utf-8").splitlines()[0]
    )
    assert header == "indicator_code,period,subject_type,subject_key,district_code,amount"


def test_one_month_truth_is_exact(one_month):
    history = {PERIOD: load_delivery(one_month, PERIOD)[0]}
    truth = read_truth(one_month / "_truth" / PERIOD / "problems.csv", core_only=True)
    found = reference_problems(history, PERIOD)
    assert found == truth
    codes = {c for c, _ in truth}
    assert set(CORE) - codes == {"YL-005"}  # needs P-12 in the delivered history
