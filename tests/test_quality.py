"""The data-quality summary: dangling references and wrong check characters, on both backends."""

from __future__ import annotations

import ibis
import pytest
from deliveries import delivery
from stdnum.cn import ric

from workbench.idno import check_char_expr, wrong_check_char
from workbench.intake import run_intake

P = "202406"
GOOD = "110105198001011238"
BAD = "110105198001011237"


def test_check_char_expression_matches_stdnum():
    bodies = [f"1101051980010{i:04d}" for i in range(0, 10000, 37)] + ["11010519491231002"]
    t = ibis.memtable({"id_no": [b + "0" for b in bodies]})
    got = t.select(c=check_char_expr(t.id_no)).to_pyarrow().column("c").to_pylist()
    assert got == [ric.calc_check_digit(b + "0") for b in bodies]
    assert "X" in got


def test_check_char_compiles_for_oracle():
    t = ibis.table({"id_no": "string"}, name="sb_person")
    sql = ibis.to_sql(t.filter(wrong_check_char(t.id_no)), dialect="oracle")
    assert "SUBSTR" in sql.upper()


@pytest.mark.parametrize("backend", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
def test_quality_summary(backend, home, tmp_path):
    delivery(tmp_path, P, {
        "sb_unit": ["U1,,北京甲公司,10,110105,1,20100101,"],
        "sb_person": [f"P1,{GOOD},张三,1,19800101,1,110105,U1,1,20050101",
                      f"P2,{BAD},李四,1,19800101,1,110105,U7,1,20050101"],
        "sb_contrib": ["C1,P1,U1,110,202405,202406,6000,960,480,1",
                       "C2,P9,U1,110,202405,202406,6000,960,480,1",
                       "C3,P8,U2,110,202405,202406,6000,960,480,1"],
    })
    result = run_intake(str(tmp_path), P)
    q = {r["check_code"]: (r["rows"], r["example"]) for r in result.quality}
    assert q["DQ-01"] == (2, "P8")  # contributions of persons not in the snapshot
    assert q["DQ-02"] == (1, "U2")
    assert q["DQ-06"] == (1, "U7")  # a person's current unit not in sb_unit
    assert q["DQ-14"] == (1, BAD)
    assert q["DQ-07"] == (0, None)
