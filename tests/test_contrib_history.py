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
