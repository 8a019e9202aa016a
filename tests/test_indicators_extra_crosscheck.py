"""Project (non-core) cross-check indicators: golden tests on small hand-written deliveries.

One delivery of 202406 (and an sb_person snapshot of 202405 for ZH-007) carries, per
indicator, one planted positive and one near-miss that must not fire."""

from __future__ import annotations

import os

import pytest
from conftest import evaluated_rows
from deliveries import delivery

from workbench.idno import check_char

P = "202406"


def ident(n: int) -> str:
    """A valid 18-character id number, distinct per ``n``."""
    first17 = f"11010119800101{n:03d}"
    return first17 + check_char(first17)


A, B, C_OLD, C_NEW, D_OLD, D_NEW, E, F, G, H = (ident(i) for i in range(1, 11))
PI, K, L, M, N, PO, Q, R, S, T, V, W = (ident(i) for i in range(11, 23))
PQ = ident(23)  # JG-003 positive
X1, X2, X3 = "91110101MA00000011", "91110101MA00000022", "91110101MA00000033"

SB_PERSON_202406 = [
    f"S_A,{A},甲,1,19500101,1,110102,,4,19800101",
    f"S_B,{B},乙,1,19800101,1,110102,,1,20000101",
    f"S_C,{C_NEW},丙,1,19800101,1,110113,,1,20000101",
    f"S_D,{D_NEW},丁,1,19800101,1,110114,,1,20000101",
    f"S_F,{F},己,1,19900101,1,110101,U2,1,20100101",
]
SB_PERSON_202405 = [
    f"S_C,{C_OLD},丙,1,19800101,1,110113,,1,20000101",
    f"S_D,{D_OLD},丁,1,19800101,1,110114,,1,20000101",
]
SB_UNIT = [
    f"U1,{X1},一号公司,10,110101,1,20100101,",
    f"U2,{X2},二号公司,10,110101,1,20100101,",
    f"U3,{X3},三号公司,10,110107,1,20100101,",
    f"U4,{X3},三号公司分户,10,110108,1,20150101,",
]
SB_CONTRIB = [
    "C1,S_F,U2,110,202406,202406,8000,1280,640,1",  # F paid by U2 (X2) one month after the subsidy period
]
RLZY_SUBSIDY = [
    f"Y01,11,2,,{G},202404,20240610,500,110105",    # JY-006: in prison since 202403
    f"Y02,11,2,,{G},202405,20240611,300.50,110106",
    f"Y03,11,2,,{H},202405,20240610,500,110105",    # near-miss: released 202403
    f"Y04,13,1,{X1},{E},202405,20240612,1000,110101",  # JY-007: no contribution for E by X1
    f"Y05,13,1,{X2},{F},202405,20240612,1000,110101",  # near-miss: F paid by X2 in 202406
    f"Y06,14,2,,{A},202405,20240613,3000,110102",   # JY-008: A retired
    f"Y07,14,2,,{B},202405,20240613,3000,110102",   # near-miss: B contributing
]
REF_PRISON = [
    f"R1,{G},庚,20240301,",
    f"R2,{H},辛,20230101,20240331",
    f"R3,{L},壬,20240501,20250101",
    f"R4,{M},癸,20230101,20240430",
]
JM_PERSON = [
    f"J_I,{PI},子,1,19600101,110106,2,20100101",
    f"J_K,{K},丑,1,19600101,110106,2,20100101",
    f"J_L,{L},寅,1,19600101,110109,2,20100101",
    f"J_M,{M},卯,1,19600101,110109,2,20100101",
    f"J_N,{N},辰,1,19800101,110111,1,20100101",
    f"J_O,{PO},巳,1,19800101,110111,1,20100101",
]
JM_BENEFIT_PAY = [
    "JP1,J_I,202406,20240615,200",   # JM-004: jg paid for 202406 too
    "JP2,J_K,202406,20240615,200",   # near-miss: jg paid for 202405 only
    "JP3,J_L,202406,20240615,180",   # JM-005: in prison since 202405
    "JP4,J_M,202406,20240615,180",   # near-miss: released 202404
]
JM_CONTRIB = [
    "JC1,J_N,2024,1000,1200,20240605",  # JM-006: 200 above the grade
    "JC2,J_O,2024,2000,2000.00,20240605",
]
JG_PERSON = [
    f"G_I,{PI},子,1,19600101,110108,U3,4,19900101",
    f"G_K,{K},丑,1,19600101,110108,U3,4,19900101",
    f"G_P,{PQ},午,1,19700101,110112,U3,1,19900101",   # JG-003: still 在职 yet paid
    f"G_Q,{Q},未,1,19600101,110112,U3,4,19900101",
]
JG_BENEFIT_PAY = [
    "GP1,G_I,202406,20240615,8000",
    "GP2,G_K,202405,20240615,8000",
    "GP3,G_P,202406,20240615,6000",
    "GP4,G_Q,202406,20240615,6000",
]
REF_DEATH = [
    f"{R},申,20240301,1,20240305",
    f"{S},酉,20240620,2,20240621",
    f"{T},戌,20240615,3,20240616",
]
REF_IDENTITY_CHANGE = [f"CH1,{D_OLD},{D_NEW},丁,丁,20240520"]
REF_CAR_APPLY = [
    f"CA1,{R},申,20240610,1",   # GC-003: dead since 20240301
    f"CA2,{S},酉,20240610,1",   # near-miss: dies after applying
    f"CA3,{V},张三,20240610,1",  # GC-004: house application under another name
    f"CA4,{W},李四,20240610,1",  # near-miss: same name in both
]
REF_HOUSE_APPLY = [
    f"HA1,{R},申,20240611,1",   # GF-003
    f"HA2,{T},戌,20240615,1",   # near-miss: dies on the apply date
    f"HA3,{V},张四,20240611,1",
    f"HA4,{W},李四,20240611,1",
]


@pytest.fixture(scope="module")
def warehouse_url(tmp_path_factory):
    from workbench.intake import run_intake

    root = tmp_path_factory.mktemp("extra_crosscheck")
    landing, home = root / "landing", root / "home"
    delivery(landing, "202405", {"sb_person": SB_PERSON_202405})
    delivery(landing, P, {
        "sb_unit": SB_UNIT, "sb_person": SB_PERSON_202406, "sb_contrib": SB_CONTRIB,
        "rlzy_subsidy": RLZY_SUBSIDY, "ref_prison": REF_PRISON, "jm_person": JM_PERSON,
        "jm_benefit_pay": JM_BENEFIT_PAY, "jm_contrib": JM_CONTRIB, "jg_person": JG_PERSON,
        "jg_benefit_pay": JG_BENEFIT_PAY, "ref_death": REF_DEATH,
        "ref_identity_change": REF_IDENTITY_CHANGE, "ref_car_apply": REF_CAR_APPLY,
        "ref_house_apply": REF_HOUSE_APPLY,
    })
    old = os.environ.get("WORKBENCH_HOME")
    os.environ["WORKBENCH_HOME"] = str(home)
    saved = {k: os.environ.pop(k) for k in ("WORKBENCH_WAREHOUSE", "WORKBENCH_OFFICE_DB") if k in os.environ}
    try:
        run_intake(str(landing), "202405")
        run_intake(str(landing), P)
    finally:
        if old is None:
            os.environ.pop("WORKBENCH_HOME", None)
        else:
            os.environ["WORKBENCH_HOME"] = old
        os.environ.update(saved)
    return f"duckdb://{home / 'warehouse.duckdb'}"


EXPECTED = {
    "JY-006": {(G, "110105", "800.50")},     # H (released before the period) not reported
    "JY-007": {(X1, "110101", "1000.00")},   # X2 paid F within hire_grace_months
    "JY-008": {(A, "110102", "3000.00")},    # B is not retired
    "JM-004": {(PI, "110106", "200.00")},     # K's jg pay is for another period
    "JM-005": {(L, "110109", "180.00")},     # M released before the period
    "JM-006": {(N, "110111", "200.00")},     # PO paid exactly the grade
    "JG-003": {(PQ, "110112", "6000.00")},   # Q retired
    "ZH-006": {(X3, "110107", "")},          # X1, X2 one unit_id each; district of U3
    "ZH-007": {(C_NEW, "110113", "")},       # D's change is registered
    "GC-003": {("CA1", "110000", "")},       # CA2 died after applying
    "GF-003": {("HA1", "110000", "")},       # HA2 died on the apply date
    "GC-004": {("CA3", "110000", "")},       # CA4 same name in both applications
}


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_planted_positive_found_and_near_miss_not(warehouse_url, code):
    got = evaluated_rows(warehouse_url, P, [code])
    assert got == {(code, *row) for row in EXPECTED[code]}


def test_jy_007_grace_zero_reports_the_near_miss(warehouse_url):
    got = evaluated_rows(warehouse_url, P, ["JY-007"], ["JY-007.hire_grace_months=0"])
    assert {r[1] for r in got} == {X1, X2}


def test_jm_006_tolerance_parameter(warehouse_url):
    assert evaluated_rows(warehouse_url, P, ["JM-006"], ["JM-006.grade_tolerance=200"]) == set()
