"""Each cleaning rule of data-contract.md on hand-written rows, through a real intake."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from deliveries import delivery
from stdnum.cn import ric

from workbench.intake import run_intake
from workbench.warehouse import Warehouse

P = "202406"
PERSON = "P{n},{id},{name},1,19800101,1,110105,U1,1,20050101"
ID = "110105198001011238"  # valid check character


def person(n: int, id_no: str = ID, name: str = "张三") -> str:
    return PERSON.format(n=n, id=id_no, name=name)


def take(landing: Path, tables: dict[str, list[str]], **kw):
    delivery(landing, P, tables, **kw)
    return run_intake(str(landing), P)


def rows(table: str) -> list[dict]:
    with Warehouse() as wh:
        return wh.table(table).order_by("source_line").to_pyarrow().to_pylist()


def rejects(table: str) -> list[tuple[int, str, str]]:
    with Warehouse() as wh:
        t = wh.table("intake_rejects").filter(lambda t: t.table_name == table).order_by("line_no")
        return [(r["line_no"], r["reason"], r["raw"]) for r in t.to_pyarrow().to_pylist()]


def test_valid_check_character_fixture():
    assert ric.is_valid(ID)


def test_rule1_full_width_and_white_space(home, tmp_path):
    line = "\u3000Ｐ１ ,１１０１０５１９８００１０１１２３８,\t张三 ,１,19800101,1,110105,U1,1,20050101"
    out = take(tmp_path, {"sb_person": [line]})
    assert out.tables["sb_person"].loaded == 1
    [r] = rows("sb_person")
    assert (r["person_id"], r["id_no"], r["name"], r["sex"]) == ("P1", ID, "张三", "1")


def test_rule2_id_numbers(home, tmp_path):
    id15 = "110105800101123"
    lines = [
        person(1, "11010519800101123x"),  # final x upper-cased (wrong check char: loads)
        person(2, id15),  # 15 digits -> 18
        person(3, "1101051980010112"),  # 16 digits
        person(4, "11010519800101123A"),
        person(5, "110105198001011237"),  # wrong check character: loads (ZH-002 reports it)
        person(6, ""),  # empty id: BAD_ID_NO
    ]
    take(tmp_path, {"sb_person": lines})
    loaded = {r["person_id"]: r["id_no"] for r in rows("sb_person")}
    expected18 = "11010519800101123"
    assert loaded["P1"] == "11010519800101123X"
    assert loaded["P2"] == expected18 + ric.calc_check_digit(expected18 + "0")
    assert ric.is_valid(loaded["P2"])
    assert loaded["P5"] == "110105198001011237"
    assert [(ln, reason) for ln, reason, _ in rejects("sb_person")] == [
        (4, "BAD_ID_NO"), (5, "BAD_ID_NO"), (7, "BAD_ID_NO")]


def test_rule3_uscc(home, tmp_path):
    unit = "U{n},{uscc},北京测试科技有限公司,10,110108,1,20100101,"
    lines = [unit.format(n=1, uscc="91110108mA01abcd2x"), unit.format(n=2, uscc="91110108MA01ABCDIX"),
             unit.format(n=3, uscc="911101")]
    out = take(tmp_path, {"sb_unit": lines})
    assert out.tables["sb_unit"].loaded == 3
    assert [r["uscc"] for r in rows("sb_unit")] == ["91110108MA01ABCD2X", None, None]


def test_rule4_dates_periods_missing_text(home, tmp_path):
    unit = "U{n},,北京测试有限公司,10,110108,3,{open},{close}"
    contrib = "C{n},P1,U1,110,{period},202406,6000,960,480,1"
    out = take(tmp_path, {
        "sb_unit": [unit.format(n=1, open="20230229", close=""),  # not a real date
                    unit.format(n=2, open="20100101", close="20231301"),  # nullable: null
                    unit.format(n=3, open="2010-01-01", close=""),
                    "U4,,,10,110108,1,20100101,"],  # empty required text
        "sb_contrib": [contrib.format(n=1, period="202413"), contrib.format(n=2, period="202405")],
    })
    assert [(ln, r) for ln, r, _ in rejects("sb_unit")] == [
        (2, "BAD_DATE"), (4, "BAD_DATE"), (5, "MISSING_VALUE")]
    [u2] = rows("sb_unit")
    assert u2["unit_id"] == "U2" and u2["close_date"] is None
    assert u2["open_date"] == dt.date(2010, 1, 1)
    assert [(ln, r) for ln, r, _ in rejects("sb_contrib")] == [(2, "BAD_DATE")]
    assert out.tables["sb_contrib"].loaded == 1


def test_rule5_codes_including_nullable(home, tmp_path):
    appr = "A{n},P1,110,20240601,202407,{retire},400,5000.00,"
    take(tmp_path, {"sb_benefit_approval": [appr.format(n=1, retire="9"), appr.format(n=2, retire=""),
                                            appr.format(n=3, retire="1")]})
    assert [(ln, r) for ln, r, _ in rejects("sb_benefit_approval")] == [(2, "BAD_CODE")]
    assert [r["retire_type"] for r in rows("sb_benefit_approval")] == [None, "1"]


def test_rule6_money_and_integers(home, tmp_path):
    appr = "A{n},P1,110,20240601,202407,1,{months},{amount},"
    take(tmp_path, {"sb_benefit_approval": [
        appr.format(n=1, months="400", amount="5000.5"),
        appr.format(n=2, months="400", amount="5000.505"),  # three decimals
        appr.format(n=3, months="4OO", amount="5000"),  # letters in an int, nullable: still rejects
        appr.format(n=4, months="", amount="-12.30"),
        appr.format(n=5, months="1", amount="1,000"),  # becomes two fields: malformed
        appr.format(n=6, months="1", amount="5000."),
    ]})
    assert [(ln, r) for ln, r, _ in rejects("sb_benefit_approval")] == [
        (3, "BAD_NUMBER"), (4, "BAD_NUMBER"), (6, "MALFORMED_ROW"), (7, "BAD_NUMBER")]
    got = [(r["approval_id"], r["monthly_amount"], r["contrib_months"]) for r in rows("sb_benefit_approval")]
    assert got == [("A1", Decimal("5000.50"), 400), ("A4", Decimal("-12.30"), None)]


def test_rule7_malformed_rows_and_quoting(home, tmp_path):
    lines = [
        person(1),
        person(2) + ",extra",
        "P3,x",
        'P4,' + ID + ',"王,五",1,19800101,1,110105,U1,1,20050101',  # quoted comma: fine
        'P5,' + ID + ',王"五,1,19800101,1,110105,U1,1,20050101',  # stray quote
        'P6,' + ID + ',"多行',  # a quoted field spanning two lines
        '姓名""甲",1,19800101,1,110105,U1,1,20050101',
        "",  # an empty line is a record of one field
        person(7),
    ]
    out = take(tmp_path, {"sb_person": lines}, records={"sb_person": 8})
    assert out.tables["sb_person"].rows_in == 8
    assert [(ln, r) for ln, r, _ in rejects("sb_person")] == [
        (3, "MALFORMED_ROW"), (4, "MALFORMED_ROW"), (6, "MALFORMED_ROW"), (9, "MALFORMED_ROW")]
    assert rejects("sb_person")[0][2] == person(2) + ",extra"
    names = {r["person_id"]: (r["name"], r["source_line"]) for r in rows("sb_person")}
    assert names["P4"] == ("王,五", 5)
    assert names["P6"] == ('多行\n姓名"甲', 7)
    assert names["P7"] == ("张三", 10)


def test_rule8_exact_duplicates_after_rules_1_to_3(home, tmp_path):
    lines = [person(1), " " + person(1), person(1).replace(ID, ID.replace("1", "１", 1)),
             person(2, ID[:-1] + "x"), person(2, ID[:-1] + "X"), person(3)]
    out = take(tmp_path, {"sb_person": lines}).tables["sb_person"]
    assert (out.rows_in, out.loaded, out.rejected, out.duplicates) == (6, 3, 0, 3)
    assert [r["source_line"] for r in rows("sb_person")] == [2, 5, 7]


def test_rule9_key_conflicts_after_rejects_and_duplicates(home, tmp_path):
    lines = [
        person(1, name="甲"), person(1, name="乙"),  # conflict: both rejected
        person(2), person(2),  # duplicate, not a conflict
        person(3), person(3, id_no="bad"),  # the bad row is rejected first: no conflict
    ]
    out = take(tmp_path, {"sb_person": lines}).tables["sb_person"]
    assert [(ln, r) for ln, r, _ in rejects("sb_person")] == [
        (2, "KEY_CONFLICT"), (3, "KEY_CONFLICT"), (7, "BAD_ID_NO")]
    assert (out.loaded, out.duplicates) == (2, 1)


def test_rule9_composite_key(home, tmp_path):
    acc = "P1,{period},100.00,10.00,1.00,0,{closing}"
    take(tmp_path, {"sb_account": [acc.format(period=P, closing="111.00"),
                                   acc.format(period=P, closing="112.00")]})
    assert [r for _, r, _ in rejects("sb_account")] == ["KEY_CONFLICT", "KEY_CONFLICT"]


def test_rule10_out_of_period(home, tmp_path):
    pay = "B{n},P1,110,11,202406,{date},3000.00"
    take(tmp_path, {
        "sb_benefit_pay": [pay.format(n=1, date="20240630"), pay.format(n=2, date="20240701"),
                           pay.format(n=3, date="20240531")],
        "sb_account": ["P1,202405,100,0,0,0,100"],
        "ref_car_apply": ["A1," + ID + ",张三,20240615,2", "A2," + ID + ",张三,20240715,2"],
    })
    assert [(ln, r) for ln, r, _ in rejects("sb_benefit_pay")] == [(3, "OUT_OF_PERIOD"), (4, "OUT_OF_PERIOD")]
    assert [r for _, r, _ in rejects("sb_account")] == ["OUT_OF_PERIOD"]
    assert [(ln, r) for ln, r, _ in rejects("ref_car_apply")] == [(3, "OUT_OF_PERIOD")]


def test_first_reason_in_rule_order(home, tmp_path):
    c = "C{n},P1,U1,{ins},{period},{month},{base},0,0,{pt}"
    take(tmp_path, {"sb_contrib": [
        c.format(n=1, ins="999", period="2024xx", month=P, base="x", pt="1"),  # 4 before 5, 6
        c.format(n=2, ins="999", period="202405", month=P, base="x", pt="1"),  # 5 before 6
        c.format(n=3, ins="110", period="202405", month="202401", base="x", pt="1"),  # 6 before 10
        c.format(n=4, ins="110", period="202405", month="202401", base="1", pt="1"),  # 10
        ",P1,U1,999,x,x,x,x,x,x",  # empty id (text, rule 4) before bad period in column order
    ]})
    assert [r for _, r, _ in rejects("sb_contrib")] == [
        "BAD_DATE", "BAD_CODE", "BAD_NUMBER", "OUT_OF_PERIOD", "MISSING_VALUE"]


def test_gb18030_crlf_header_order_extra_and_missing_nullable(home, tmp_path):
    header = ["extra_col", "status", "unit_name", "unit_id", "unit_type", "district_code", "open_date"]
    line = "忽略,1,北京朝阳区某某餐饮有限公司,U9,10,110105,20150301"
    out = take(tmp_path, {"sb_unit": [line]}, encoding="GB18030", header=header, eol="\r\n")
    assert out.tables["sb_unit"].loaded == 1
    [r] = rows("sb_unit")
    assert r["unit_name"] == "北京朝阳区某某餐饮有限公司"
    assert (r["uscc"], r["close_date"], r["status"]) == (None, None, "1")


def test_utf8_bom(home, tmp_path):
    out = take(tmp_path, {"sb_person": [person(1)]}, bom=True)
    assert out.tables["sb_person"].loaded == 1


@pytest.mark.parametrize("table", ["sb_contrib", "sb_person"])
def test_every_row_accounted_for(home, tmp_path, table):
    lines = [person(i) for i in range(50)] if table == "sb_person" else [
        f"C{i % 40},P1,U1,110,202405,{P if i % 7 else '202401'},6000,960,480,1" for i in range(60)]
    out = take(tmp_path, {table: lines}).tables[table]
    assert out.rows_in == len(lines)
    assert out.loaded + out.rejected + out.duplicates == out.rows_in
    assert out.loaded == len(rows(table))
    assert out.rejected == len(rejects(table))
