"""The compact contribution history gives the same answers as a full scan of raw rows."""

from __future__ import annotations

import ibis
import pytest
from tests_support import unbound_context

from workbench.indicators.context import Context
from workbench.indicators.history import covered_months, covered_months_scan
from workbench.warehouse import Warehouse


@pytest.mark.parametrize("count_backpay", [False, True])
@pytest.mark.parametrize("period", ["202306", "202312", "202406"])
def test_compact_history_equals_full_scan(synth_warehouse, period, count_backpay):
    _, url = synth_warehouse
    with Warehouse(url) as wh:
        ctx = Context(wh, period)
        persons = ctx.snapshot("sb_person").select("person_id")
        compact = covered_months(ctx, persons, count_backpay).to_pyarrow().to_pylist()
        scan = covered_months_scan(ctx, persons, count_backpay).to_pyarrow().to_pylist()
        total = ctx.history("contrib_history").count().to_pyarrow().as_py()
        raw = ctx.history("sb_contrib").count().to_pyarrow().as_py()
    as_set = {(r["person_id"], r["month"]) for r in compact}
    assert len(as_set) == len(compact)  # distinct
    assert as_set == {(r["person_id"], r["month"]) for r in scan}
    assert len(as_set) > 1000
    assert total * 2 < raw  # compact: fewer rows than the raw history


def test_history_compiles_for_oracle():
    ctx = unbound_context()
    persons = ctx.snapshot("sb_person").select("person_id")
    assert "SELECT" in ibis.to_sql(covered_months(ctx, persons, True), dialect="oracle")


def test_backfill_rebuilds_a_missing_history(home, tmp_path):
    from deliveries import delivery

    from workbench.intake import run_intake

    rows = ["C1,P1,U1,110,202405,202406,6000,960,480,1", "C2,P1,U1,110,202301,202406,6000,960,480,2",
            "C3,P1,U1,210,202405,202406,6000,30,30,1"]
    delivery(tmp_path, "202406", {"sb_contrib": rows})
    run_intake(str(tmp_path), "202406")
    with Warehouse() as wh:
        before = wh.table("contrib_history").to_pyarrow().to_pylist()
        wh.con.raw_sql("DELETE FROM contrib_history")
    assert [(r["year"], r["normal_mask"], r["backpay_mask"]) for r in sorted(before, key=lambda r: r["year"])] \
        == [(2023, 0, 1), (2024, 1 << 4, 0)]
    delivery(tmp_path, "202407", {"sb_person": []})
    run_intake(str(tmp_path), "202407")  # any later intake backfills
    with Warehouse() as wh:
        after = wh.table("contrib_history").to_pyarrow().to_pylist()
    assert sorted(after, key=lambda r: r["year"]) == sorted(before, key=lambda r: r["year"])
