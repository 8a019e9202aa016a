"""Golden tests of the non-core pension, unemployment and work-injury indicators
(YL-011…, SY-006…, GS-007…) on a small hand-written delivery: for each indicator one planted
positive, found with its exact subject, district and amount, and a near-miss that must not fire."""

from __future__ import annotations

import pytest
from conftest import evaluated_rows
from deliveries import delivery

from workbench.contract import TABLE_MAP
from workbench.idno import check_char

P = "202406"
D1, D2, D3 = "110101", "110102", "110105"
U1, U2 = "911100000000000011", "911100000000000022"


def idn(seq: int, birth: str) -> str:
    body = f"110101{birth}{seq:03d}"
    return body + check_char(body)


def line(table: str, **values) -> str:
    """One raw CSV line of ``table`` (columns not given are empty)."""
    return ",".join(str(values.get(c, "")) for c in TABLE_MAP[table].column_names)


# person_id -> (id_no, sex, birth_date, district, status, first_enroll_date)
PERSONS = {
    "P01": (idn(1, "19550101"), "1", "19550101", D1, "3", "19800101"),   # YL-011 positive
    "P02": (idn(2, "19550101"), "1", "19550101", D1, "4", "19800101"),   # YL-011 near-miss
    "P03": (idn(3, "19640101"), "1", "19640101", D1, "4", "20100301"),   # YL-012 positive
    "P04": (idn(4, "19640101"), "1", "19640101", D1, "4", "20100301"),   # YL-012 near-miss
    "P05": (idn(5, "19500101"), "1", "19500101", D2, "4", "19800101"),
    "P06": (idn(6, "19500101"), "1", "19500101", D2, "4", "19800101"),
    "P07": (idn(7, "19500101"), "1", "19500101", D2, "4", "19800101"),
    "P08": (idn(8, "19640101"), "1", "19640101", D2, "4", "19900101"),   # YL-013 positive
    "P09": (idn(9, "19640101"), "1", "19640101", D2, "4", "19900101"),   # YL-013 near-miss
    "P10": (idn(10, "19400101"), "2", "19400101", D1, "4", "19700101"),  # YL-014 positive
    "P11": (idn(11, "19400101"), "2", "19400101", D3, "4", "19700101"),  # YL-014 near-miss
    "P12": (idn(12, "19900101"), "1", "19900101", D3, "2", "20150101"),  # SY-006 positive
    "P13": (idn(13, "19900101"), "1", "19900101", D3, "2", "20150101"),  # SY-006 / SY-007 near-miss
    "P14": (idn(14, "19900101"), "2", "19900101", D2, "2", "20150101"),  # SY-007 positive
    "P15": (idn(15, "19900101"), "2", "19900101", D2, "2", "20150101"),  # SY-007 near-miss
    "P16": (idn(16, "19640315"), "1", "19640315", D3, "2", "19900101"),  # SY-008 positive
    "P17": (idn(17, "19640715"), "1", "19640715", D3, "2", "19900101"),  # SY-008 near-miss
    "P18": (idn(18, "19800101"), "1", "19800101", D1, "1", "20050101"),  # GS-007 positive
    "P19": (idn(19, "19800101"), "1", "19800101", D1, "1", "20050101"),  # GS-007 near-miss
    "P20": (idn(20, "19800101"), "1", "19800101", D2, "1", "20050101"),  # GS-008 positive
    "P21": (idn(21, "19800101"), "1", "19800101", D2, "1", "20050101"),  # GS-008 near-miss
    "P22": (idn(22, "19800101"), "1", "19800101", D3, "1", "20050101"),  # GS-009 / GS-010
}
ID = {pid: v[0] for pid, v in PERSONS.items()}


def pay(pay_id, pid, ins, item, period, pay_date, amount):
    return line("sb_benefit_pay", pay_id=pay_id, person_id=pid, insurance_type=ins, benefit_item=item,
                period=period, pay_date=pay_date, amount=amount)


def approval(approval_id, pid, ins, approve_date, start, amount, retire_type="", contrib_months="",
             months=""):
    return line("sb_benefit_approval", approval_id=approval_id, person_id=pid, insurance_type=ins,
                approve_date=approve_date, start_period=start, retire_type=retire_type,
                contrib_months=contrib_months, monthly_amount=amount, months_entitled=months)


def appraisal(appraisal_id, pid, kind, apply, concluded, grade, district=D2):
    return line("ldnl_appraisal", appraisal_id=appraisal_id, case_id="K0", id_no=ID[pid], name="甲",
                district_code=district, appraisal_type=kind, apply_date=apply, conclusion_date=concluded,
                disability_grade=grade, nursing_level=0)


def case(case_id, uscc, district, accident, decided, result):
    return line("gsrd_case", case_id=case_id, id_no=ID["P22"], name="乙", unit_uscc=uscc, unit_name="某单位",
                district_code=district, accident_date=accident, apply_date="20240520", decision_date=decided,
                result=result)


def contrib(contrib_id, unit_id, period, pay_month, pay_type="1"):
    return line("sb_contrib", contrib_id=contrib_id, person_id="P22", unit_id=unit_id, insurance_type="410",
                period=period, pay_month=pay_month, base="6000.00", unit_amount="30.00", person_amount="0.00",
                pay_type=pay_type)


MAY = {
    "sb_benefit_pay": [pay("M1", "P18", "410", "42", "202405", "20240520", "50000.00"),
                       pay("M2", "P19", "410", "41", "202405", "20240520", "2000.00")],
    "sb_contrib": [contrib("MC1", "UNIT2", "202405", "202405")],
}

JUNE = {
    "sb_person": [line("sb_person", person_id=pid, id_no=i, name="某", sex=s, birth_date=b, hukou_type="1",
                       district_code=d, status=st, first_enroll_date=fe)
                  for pid, (i, s, b, d, st, fe) in PERSONS.items()],
    "sb_unit": [line("sb_unit", unit_id="UNIT1", uscc=U1, unit_name="一厂", unit_type="10", district_code=D3,
                     status="1", open_date="20000101"),
                line("sb_unit", unit_id="UNIT2", uscc=U2, unit_name="二厂", unit_type="10", district_code=D3,
                     status="1", open_date="20000101")],
    "sb_contrib": [contrib("JC1", "UNIT1", "202406", "202406"),
                   contrib("JC2", "UNIT2", "202406", "202406")],
    "sb_benefit_approval": [
        approval("A03", "P03", "110", "20240610", "200912", "2000.00", "1", "200"),
        approval("A04", "P04", "110", "20240610", "201003", "2000.00", "1", "200"),
        approval("A05", "P05", "110", "20100105", "201001", "1000.00", "1", "300"),
        approval("A06", "P06", "110", "20100105", "201001", "1000.00", "1", "300"),
        approval("A07", "P07", "110", "20100105", "201001", "1000.00", "1", "300"),
        approval("A08", "P08", "110", "20240610", "202406", "3000.00", "1", "300"),
        approval("A09", "P09", "110", "20240610", "202406", "2990.00", "1", "300"),
        approval("A12", "P12", "210", "20240420", "202407", "1800.00", months="12"),
        approval("A13", "P13", "210", "20240420", "202405", "1800.00", months="12"),
        approval("A14", "P14", "210", "20240420", "202405", "1800.00", months="12"),
        approval("A15", "P15", "210", "20240320", "202404", "1800.00", months="12"),
        approval("A16", "P16", "210", "20240605", "202406", "1800.00", months="12"),
        approval("A17", "P17", "210", "20240605", "202406", "1800.00", months="12"),
    ],
    "sb_benefit_pay": [
        pay("J01", "P01", "110", "11", "202406", "20240610", "3000.00"),
        pay("J02", "P02", "110", "11", "202406", "20240610", "3000.00"),
        pay("J10", "P10", "110", "12", "202406", "20240610", "5000.00"),
        pay("J11", "P11", "110", "12", "202406", "20240610", "5000.00"),
        pay("J12", "P12", "210", "21", "202406", "20240610", "1800.00"),
        pay("J13", "P13", "210", "21", "202406", "20240610", "1800.00"),
        pay("J14", "P14", "210", "21", "202406", "20240610", "1800.00"),
        pay("J15", "P15", "210", "21", "202405", "20240610", "1800.00"),
        pay("J18", "P18", "410", "42", "202406", "20240610", "50000.00"),
        pay("J19", "P19", "410", "42", "202406", "20240610", "40000.00"),
        pay("J20", "P20", "410", "41", "202406", "20240610", "2000.00"),
        pay("J21", "P21", "410", "41", "202406", "20240610", "2100.00"),
    ],
    "ref_death": [line("ref_death", id_no=ID["P11"], name="某", death_date="20240501", agency="2",
                       report_date="20240502")],
    "rlzy_employment": [
        line("rlzy_employment", reg_id="R13", id_no=ID["P13"], reg_type="2", reg_date="20240605", district_code=D3),
        line("rlzy_employment", reg_id="R14", id_no=ID["P14"], reg_type="1", unit_uscc=U1, reg_date="20240615",
             district_code=D2),
        line("rlzy_employment", reg_id="R15", id_no=ID["P15"], reg_type="1", unit_uscc=U1, reg_date="20240603",
             district_code=D2),
    ],
    "ldnl_appraisal": [
        appraisal("AP1", "P20", "1", "20211101", "20220101", 4),
        appraisal("AP2", "P20", "3", "20240101", "20240301", 8),
        appraisal("AP3", "P21", "1", "20211101", "20220101", 8),
        appraisal("AP4", "P21", "2", "20240101", "20240301", 5),
        appraisal("AP5", "P21", "3", "20240601", "20240620", 9),
        appraisal("AP6", "P22", "1", "20240301", "20240615", 9, district=D3),
        appraisal("AP7", "P22", "3", "20240317", "20240615", 9, district=D1),
    ],
    "gsrd_case": [
        case("K1", U1, D3, "20240510", "20240612", "1"),
        case("K2", U2, D3, "20240515", "20240605", "2"),
        case("K3", U1, D1, "20240511", "20240606", "3"),
        case("K4", U1, D3, "20240310", "20240610", "1"),  # accident before the first loaded delivery: not judged
    ],
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> str:
    """A fresh WORKBENCH_HOME with the May and June deliveries taken in; the warehouse URL."""
    from workbench.intake import run_intake

    root = tmp_path_factory.mktemp("extra_benefits")
    landing, home = root / "landing", root / "home"
    delivery(landing, "202405", MAY)
    delivery(landing, P, JUNE)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_HOME", str(home))
        mp.delenv("WORKBENCH_WAREHOUSE", raising=False)
        mp.delenv("WORKBENCH_OFFICE_DB", raising=False)
        for period in ("202405", P):
            result = run_intake(str(landing), period)
            bad = {t.table: (t.refused, dict(t.reasons)) for t in result.tables.values()
                   if t.refused or t.rejected or t.loaded != t.rows_in}
            assert not bad, bad
        yield f"duckdb://{home / 'warehouse.duckdb'}"


EXPECTED = {
    # terminated (status 3) person paid; the retired (status 4) one is not
    "YL-011": {(ID["P01"], D1, "3000.00")},
    # start period 200912 before first enrolment 201003; 201003 itself is not
    "YL-012": {(ID["P03"], D1, "")},
    # D2 median 1000: 3000 >= 3.0 x 1000 fires, 2990 does not
    "YL-013": {(ID["P08"], D2, "")},
    # funeral grant without a death record; the one with a death record is not
    "YL-014": {(ID["P10"], D1, "5000.00")},
    # only approval starts 202407, after the paid period; an approval starting 202405 is fine
    "SY-006": {(ID["P12"], D3, "1800.00")},
    # employment registration in the paid month; unemployment registration / earlier period are not
    "SY-007": {(ID["P14"], D2, "1800.00")},
    # age 60 at the start period (born 19640315); 59 (born 19640715) is not
    "SY-008": {(ID["P16"], D3, "")},
    # the second one-off disability grant (first paid in May); a single grant is not
    "GS-007": {(ID["P18"], D1, "50000.00")},
    # latest appraisal before pay date downgraded 4 -> 8; 8 -> 5 (a later 9 after the pay date) is not
    "GS-008": {(ID["P20"], D2, "2000.00")},
    # concluded 106 days after applying; exactly 90 days is not
    "GS-009": {("AP6", D3, "")},
    # unit U1 paid no 410 for the accident month 202405; U2 did (May delivery); K3 not recognized
    "GS-010": {("K1", D3, "")},
}


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_planted_positive_found_and_near_miss_not(warehouse, code):
    got = evaluated_rows(warehouse, P, [code])
    assert got == {(code, *row) for row in EXPECTED[code]}


@pytest.mark.parametrize(("code", "override", "more"), [
    ("YL-013", "YL-013.median_ratio=2.99", {(ID["P09"], D2, "")}),
    ("GS-009", "GS-009.appraisal_days=89", {("AP7", D1, "")}),
])
def test_loosened_parameter_catches_the_near_miss(warehouse, code, override, more):
    got = evaluated_rows(warehouse, P, [code], [override])
    assert got == {(code, *row) for row in EXPECTED[code] | more}
