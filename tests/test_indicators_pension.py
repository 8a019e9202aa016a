"""Employee pension indicators (YL-*) against the planted ground truth."""

from __future__ import annotations

import pytest
from conftest import SYNTH_PERIOD, assert_matches_truth, evaluated_rows, truth_rows

from workbench.periods import month_range

CODES = ["YL-001", "YL-002", "YL-003", "YL-004", "YL-005", "YL-006", "YL-007", "YL-008", "YL-009", "YL-010"]
# YL-005 compares with period P-12: the 13-month synthetic history plants it in its last month only.
LAST_MONTH_ONLY = {"YL-005"}


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("period", month_range(SYNTH_PERIOD, 2))
def test_planted_positives_found_and_near_misses_not(synth_warehouse, code, period):
    assert_matches_truth(synth_warehouse, code, period,
                         may_be_empty=code in LAST_MONTH_ONLY and period != SYNTH_PERIOD)


@pytest.mark.parametrize(("code", "override"), [
    ("YL-005", "YL-005.base_jump_ratio=1.5"),
    ("YL-005", "YL-005.near_retire_years=10"),
    ("YL-006", "YL-006.backpay_min_months=23"),
    ("YL-008", "YL-008.min_contrib_months=200"),
    ("YL-009", "YL-009.overpay_tolerance=0"),
])
def test_loosened_parameter_catches_a_near_miss(synth_warehouse, code, override):
    """A looser threshold keeps every planted problem and now also reports a near-miss."""
    landing, url = synth_warehouse
    got = evaluated_rows(url, SYNTH_PERIOD, [code], [override])
    want = {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == code}
    near = {r[1] for r in truth_rows(landing, SYNTH_PERIOD, "negatives.csv") if r[0] == code}
    assert want < got
    assert near & {r[1] for r in got}


def test_lower_retirement_age_clears_early_retirement(synth_warehouse):
    """YL-007 reads the shared retirement ages: lowering them clears the planted problems."""
    landing, url = synth_warehouse
    want = {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == "YL-007"}
    got = evaluated_rows(url, SYNTH_PERIOD, ["YL-007"], ["YL-007.retire_age_male=40", "YL-007.retire_age_female=40"])
    assert want and not got
