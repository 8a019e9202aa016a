"""Further HR-market subsidy indicators (JY-009 … JY-014) and purchase checks (GC-005, GC-006,
GF-004, GF-005) against the planted ground truth."""

from __future__ import annotations

import pytest
from conftest import SYNTH_PERIOD, assert_matches_truth, evaluated_rows, truth_rows

from workbench.periods import month_range

CODES = ["JY-009", "JY-010", "JY-011", "JY-012", "JY-013", "JY-014", "GC-005", "GC-006", "GF-004", "GF-005"]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("period", month_range(SYNTH_PERIOD, 2))
def test_planted_positives_found_and_near_misses_not(synth_warehouse, code, period):
    assert_matches_truth(synth_warehouse, code, period)


@pytest.mark.parametrize(("code", "override"), [
    ("JY-009", "JY-009.min_work_age=17"),
    ("JY-009", "JY-009.retire_age_male=59"),
    ("JY-010", "JY-010.min_insured_months=4"),
    ("JY-011", "JY-011.cap_per_head=4999"),
    ("GC-005", "GC-005.min_solo_months=5"),
    ("GF-004", "GF-004.min_solo_months=5"),
    ("GC-006", "GC-006.min_applicants=2"),
    ("GF-005", "GF-005.min_share=0.15"),
])
def test_loosened_parameter_catches_a_near_miss(synth_warehouse, code, override):
    """A looser threshold keeps every planted problem and now also reports a near-miss."""
    landing, url = synth_warehouse
    got = {r[:3] for r in evaluated_rows(url, SYNTH_PERIOD, [code], [override])}
    want = {r[:3] for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == code}
    near = {r[1] for r in truth_rows(landing, SYNTH_PERIOD, "negatives.csv") if r[0] == code}
    assert want < got
    assert near & {r[1] for r in got}


@pytest.mark.parametrize(("code", "override"), [
    ("JY-009", "JY-009.retire_age_female=51"),
    ("JY-010", "JY-010.min_insured_months=2"),
    ("JY-011", "JY-011.cap_per_head=5500"),
    ("GC-005", "GC-005.lookback_months=5"),
    ("GF-004", "GF-004.min_solo_months=7"),
    ("GC-006", "GC-006.min_share=0.8"),
    ("GF-005", "GF-005.min_applicants=4"),
])
def test_tightened_parameter_drops_a_positive(synth_warehouse, code, override):
    """A stricter threshold reports only planted problems, and fewer of them."""
    landing, url = synth_warehouse
    got = {r[1] for r in evaluated_rows(url, SYNTH_PERIOD, [code], [override])}
    want = {r[1] for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == code}
    assert got < want


def test_cap_amount_is_the_excess(synth_warehouse):
    """JY-011 reports the amount above headcount × cap; a lower cap raises it by headcount × the cut."""
    _, url = synth_warehouse
    base = {r[1]: float(r[3]) for r in evaluated_rows(url, SYNTH_PERIOD, ["JY-011"])}
    lower = {r[1]: float(r[3]) for r in evaluated_rows(url, SYNTH_PERIOD, ["JY-011"], ["JY-011.cap_per_head=4900"])}
    for key, amount in base.items():
        assert lower[key] - amount in (100.0, 200.0)
