"""The district of a unit subject, written once (``Context.unit_district``): the district_code of
the USCC's smallest unit_id in the sb_unit snapshot of P, whichever of its units qualified, the
same for every indicator whose unit is an sb_unit (docs/indicators.md, "The district of a
subject"). Checked on a hand-made warehouse where the meanings differ and on the synthetic city."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from conftest import SYNTH_PERIOD, evaluated_rows

from workbench.indicators.context import Context
from workbench.indicators.registry import get
from workbench.indicators.runner import build
from workbench.warehouse import PERIOD_COL, Warehouse

P = "202406"
# indicators whose unit subject is an sb_unit's USCC (the subsidy checks JY-* take the paying
# district of their subsidy row, as indicators-core.md says; ZH-017 only for USCCs in sb_unit)
SB_UNIT_CODES = ["JG-004", "PG-001", "PG-002", "PG-003", "PG-004", "PG-005", "PG-006", "PG-007", "PG-008",
                 "PG-009", "SY-011", "YL-018", "ZH-006", "ZH-016", "ZH-017"]


@pytest.fixture
def two_district_unit(tmp_path):
    """A USCC with two units: 0001 (smallest, open, district 110101) and 0002 (closed in
    202401, district 110105) which still pays in 202406; and a USCC unknown to sb_unit with
    registrations in two districts."""
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"""CREATE TABLE sb_unit ({PERIOD_COL} VARCHAR, unit_id VARCHAR, uscc VARCHAR, unit_name VARCHAR,
                    unit_type VARCHAR, district_code VARCHAR, status VARCHAR, open_date DATE, close_date DATE)""")
    con.executemany("INSERT INTO sb_unit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        (P, "U0001", "91110000AAAAAAAAAA", "甲公司", "10", "110101", "1", dt.date(2010, 1, 1), None),
        (P, "U0002", "91110000AAAAAAAAAA", "甲公司分部", "10", "110105", "3", dt.date(2012, 1, 1),
         dt.date(2024, 1, 15)),
        (P, "U0003", None, "无代码单位", "10", "110108", "3", dt.date(2012, 1, 1), dt.date(2024, 1, 15)),
    ])
    con.execute(f"""CREATE TABLE sb_contrib ({PERIOD_COL} VARCHAR, contrib_id VARCHAR, person_id VARCHAR,
                    unit_id VARCHAR, insurance_type VARCHAR, period VARCHAR, pay_month VARCHAR,
                    base DECIMAL(18,2), unit_amount DECIMAL(18,2), person_amount DECIMAL(18,2),
                    pay_type VARCHAR)""")
    con.execute(f"INSERT INTO sb_contrib VALUES ('{P}', 'C1', 'P1', 'U0002', '110', '{P}', '{P}', 8000, 1280, 640,"
                " '1')")
    con.execute(f"""CREATE TABLE rlzy_employment ({PERIOD_COL} VARCHAR, reg_id VARCHAR, id_no VARCHAR,
                    reg_type VARCHAR, unit_uscc VARCHAR, reg_date DATE, district_code VARCHAR)""")
    con.executemany("INSERT INTO rlzy_employment VALUES (?, ?, ?, ?, ?, ?, ?)", [
        (P, "R2", "110101199001011234", "1", "91110000BBBBBBBBBB", dt.date(2024, 6, 3), "110108"),
        (P, "R1", "110101199001015678", "1", "91110000BBBBBBBBBB", dt.date(2024, 6, 9), "110106"),
    ])
    con.close()
    with Warehouse(f"duckdb://{path}") as wh:
        yield wh


def test_the_district_of_a_uscc_is_its_first_units(two_district_unit) -> None:
    ctx = Context(two_district_unit, P)
    got = ctx.unit_district().to_pyarrow().to_pylist()
    assert got == [{"uscc": "91110000AAAAAAAAAA", "district_code": "110101"}]  # no row for a unit without uscc


def test_a_unit_is_in_its_first_units_district_whichever_unit_qualified(two_district_unit) -> None:
    """ZH-016 finds the closed unit 0002 (district 110105) paying; the problem goes to the USCC's
    district, 110101, the district it has in every other unit indicator."""
    ctx = Context(two_district_unit, P)
    rows = build(get("ZH-016"), ctx, {}).to_pyarrow().to_pylist()
    assert {(r["subject_key"], r["district_code"], r["unit_id"]) for r in rows} == {
        ("91110000AAAAAAAAAA", "110101", "U0002")}
    rows = build(get("ZH-006"), ctx, {"min_unit_ids": 2}).to_pyarrow().to_pylist()
    assert {(r["subject_key"], r["district_code"]) for r in rows} == {("91110000AAAAAAAAAA", "110101")}
    # a USCC unknown to sb_unit: its registration with the smallest reg_id
    rows = build(get("ZH-017"), ctx, {"grace_months": 0}).to_pyarrow().to_pylist()
    assert {(r["subject_key"], r["district_code"]) for r in rows} == {("91110000BBBBBBBBBB", "110106")}


def test_every_sb_unit_indicator_agrees_on_a_uscc_s_district(synth_warehouse) -> None:
    """On the synthetic city, every unit problem of an sb_unit indicator is in the district of
    the USCC's smallest unit_id, computed here straight from the warehouse, not through ibis."""
    _, url = synth_warehouse
    found = evaluated_rows(url, SYNTH_PERIOD, SB_UNIT_CODES)
    assert len({code for code, *_ in found}) >= 8, found
    con = duckdb.connect(url.removeprefix("duckdb://"), read_only=True)
    try:
        rows = con.execute(f"""SELECT uscc, district_code, unit_id FROM sb_unit
                               WHERE {PERIOD_COL} = ? AND uscc IS NOT NULL""", [SYNTH_PERIOD]).fetchall()
    finally:
        con.close()
    first: dict[str, tuple[str, str]] = {}
    districts: dict[str, set[str]] = {}
    for uscc, district, unit_id in rows:
        if uscc not in first or unit_id < first[uscc][0]:
            first[uscc] = (unit_id, district)
        districts.setdefault(uscc, set()).add(district)
    wrong = [(code, key, district, first[key][1]) for code, key, district, _ in found
             if key in first and first[key][1] != district]
    assert not wrong
    assert all(key in first for code, key, _, _ in found if code != "ZH-017")
    # the rule is exercised where the meanings differ: USCCs with units in several districts
    assert {key for _, key, _, _ in found} & {u for u, ds in districts.items() if len(ds) > 1}
