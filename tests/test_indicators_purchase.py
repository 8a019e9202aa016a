"""Car and house purchase checks (GC-*, GF-*) against the planted ground truth."""

from __future__ import annotations

import calendar
import datetime as dt

import ibis
import pandas as pd
import pytest
from conftest import SYNTH_PERIOD, assert_matches_truth, evaluated_rows, truth_rows

from workbench.indicators.purchase import on_or_after_months_before
from workbench.periods import month_range

CODES = ["GC-001", "GC-002", "GF-001", "GF-002"]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("period", month_range(SYNTH_PERIOD, 2))
def test_planted_positives_found_and_near_misses_not(synth_warehouse, code, period):
    assert_matches_truth(synth_warehouse, code, period)


@pytest.mark.parametrize("family", ["GC", "GF"])
def test_purchase_parameters(synth_warehouse, family):
    landing, url = synth_warehouse
    for code, override in ((f"{family}-001", f"{family}-001.identity_change_months=12"),
                           (f"{family}-002", f"{family}-002.required_months=6")):
        planted = {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == code}
        got = evaluated_rows(url, SYNTH_PERIOD, [code], [override])
        # a shorter window reports fewer applications: only those that still fall short
        assert got < planted, override
    # back-payments count only when asked: never more applications than without them
    backpay = evaluated_rows(url, SYNTH_PERIOD, [f"{family}-002"], [f"{family}-002.count_backpay=true"])
    assert backpay <= {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == f"{family}-002"}


def add_months(day: dt.date, n: int) -> dt.date:
    m = day.year * 12 + day.month - 1 + n
    y, mo = divmod(m, 12)
    return dt.date(y, mo + 1, min(day.day, calendar.monthrange(y, mo + 1)[1]))


def test_months_before_clamps_to_month_end():
    """``day ≥ ref − n months`` computed from month indexes equals calendar arithmetic."""
    refs = [dt.date(2024, 2, 29), dt.date(2024, 3, 31), dt.date(2024, 6, 15), dt.date(2023, 12, 31)]
    pairs = []
    for ref in refs:
        for n in (0, 1, 12, 48, 60):
            edge = add_months(ref, -n)
            for delta in (-2, -1, 0, 1, 2):
                pairs.append((edge + dt.timedelta(days=delta), ref, n))
    t = ibis.memtable({"day": [p[0] for p in pairs], "ref": [p[1] for p in pairs], "n": [p[2] for p in pairs]})
    con = ibis.duckdb.connect()
    for n in (0, 1, 12, 48, 60):
        sub = t.filter(t.n == n)
        got = con.execute(sub.select("day", "ref", ok=on_or_after_months_before(sub.day, sub.ref, n)))
        for day, ref, ok in zip(got["day"], got["ref"], got["ok"], strict=True):
            day, ref = pd.Timestamp(day).date(), pd.Timestamp(ref).date()
            assert ok == (day >= add_months(ref, -n)), (day, ref, n)
