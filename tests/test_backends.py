"""The same intake on DuckDB and on PostgreSQL gives identical warehouse contents."""

from __future__ import annotations

import pytest
from deliveries import delivery

from workbench.contract import TABLES
from workbench.intake import run_intake
from workbench.warehouse import SUPPORT_TABLES, Warehouse

P = "202406"
ID = "110105198001011238"
DIRTY = {
    "sb_unit": ["U1,91110108MA01ABCD2X,北京甲科技有限公司,10,110108,1,20100101,",
                "U2,bad,\"北京乙,餐饮\",10,110105,3,20100101,20240102", "U3,,丙,77,110105,1,20100101,"],
    "sb_person": [f"P1,{ID},张三,1,19800101,1,110105,U1,1,20050101",
                  "P2,１１０１０５８００１０１１２３,李四,2,19800101,1,110105,,4,20050101",
                  f"P3,{ID},王五,1,19800231,1,110105,U1,1,20050101",
                  f"P1,{ID},张三,1,19800101,1,110105,U1,1,20050101"],
    "sb_contrib": ["C1,P1,U1,110,202405,202406,6000.5,960.08,480.04,1",
                   "C2,P1,U1,410,202405,202406,6000,24,0,2", "C3,P9,U9,110,202405,202405,1,1,1,1"],
    "sb_benefit_approval": ["A1,P2,110,20240115,202402,1,,4200.00,", "A2,P2,210,20240115,202402,,,1800,24"],
    "sb_benefit_pay": ["B1,P2,110,11,202406,20240620,4200.00", "B1,P2,110,11,202406,20240620,4300.00"],
    "sb_account": ["P1,202406,100.00,10.00,1.00,0,111.00"],
    "jm_person": [f"J1,{ID},张三,1,19500101,110112,2,20100101"],
    "jm_contrib": ["JC1,J1,2024,1000,1000,20240610"],
    "jm_benefit_pay": ["JB1,J1,202406,20240615,980.50"],
    "jg_person": [f"G1,{ID},张三,1,19800101,110101,U1,1,20050101"],
    "jg_contrib": ["GC1,G1,U1,202406,202406,8000,1280,640,1"],
    "jg_benefit_pay": ["GB1,G1,202406,20240615,7000"],
    "gsrd_case": [f"K1,{ID},张三,,北京甲科技有限公司,110108,20240101,20240110,,"],
    "ldnl_appraisal": [f"L1,K1,{ID},张三,110108,1,20240201,20240301,5,0"],
    "rlzy_subsidy": [f"S1,11,1,91110108MA01ABCD2X,{ID},202406,20240620,1500.00,110108"],
    "rlzy_employment": [f"R1,{ID},1,,20240603,110108"],
    "ref_death": [f"{ID},张三,20240101,1,20240105", f"{ID},张三,20231231,2,20240105"],
    "ref_prison": [f"X1,{ID},张三,20200101,"],
    "ref_identity_change": [f"I1,{ID},110105198001011246,张三,张珊,20230101"],
    "ref_car_apply": [f"CA1,{ID},张三,20240612,2"],
    "ref_house_apply": [f"HA1,{ID},张三,20240612,1"],
}


def contents(url: str) -> dict[str, list]:
    with Warehouse(url) as wh:
        out = {}
        for name in [t.name for t in TABLES] + [n for n in SUPPORT_TABLES if n != "intake_log"]:
            t = wh.table(name)
            cols = [c for c in t.columns if c not in ("loaded_at",)]
            out[name] = sorted(repr(sorted(r.items())) for r in t.select(cols).to_pyarrow().to_pylist())
        return out


@pytest.mark.postgres
def test_duckdb_and_postgres_identical(home, tmp_path, pg_warehouse, monkeypatch):
    assert len(DIRTY) == len(TABLES)
    delivery(tmp_path, P, DIRTY, encoding="GB18030")
    duck = f"duckdb://{home / 'w.duckdb'}"
    results = {}
    for url in (duck, pg_warehouse):
        monkeypatch.setenv("WORKBENCH_WAREHOUSE", url)
        results[url] = run_intake(str(tmp_path), P).report()
        run_intake(str(tmp_path), P)  # idempotent on both
    assert results[duck] == results[pg_warehouse]
    a, b = contents(duck), contents(pg_warehouse)
    assert sum(len(v) for v in a.values()) > 40
    for name in a:
        assert a[name] == b[name], name
