"""Further employee pension indicators (YL-015…YL-024) against the planted ground truth."""

from __future__ import annotations

import pytest
from conftest import SYNTH_PERIOD, assert_matches_truth, evaluated_rows, truth_rows

from workbench.periods import month_range

CODES = ["YL-015", "YL-016", "YL-017", "YL-018", "YL-019", "YL-020", "YL-021", "YL-022", "YL-023", "YL-024"]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("period", month_range(SYNTH_PERIOD, 2))
def test_planted_positives_found_and_near_misses_not(synth_warehouse, code, period):
    assert_matches_truth(synth_warehouse, code, period)


@pytest.mark.parametrize(("code", "override"), [
    ("YL-016", "YL-016.arrears_min_months=11"),
    ("YL-017", "YL-017.min_backpay_months=11"),
    ("YL-017", "YL-017.window_months=7"),
    ("YL-018", "YL-018.min_early_retirements=2"),
    ("YL-019", "YL-019.special_age_male=56"),
    ("YL-019", "YL-019.illness_age_male=51"),
    ("YL-020", "YL-020.tolerance_months=59"),
    ("YL-020", "YL-020.deemed_until=199412"),
    ("YL-021", "YL-021.min_age=99"),
])
def test_loosened_parameter_catches_a_near_miss(synth_warehouse, code, override):
    """A looser threshold keeps every planted problem and now also reports a near-miss."""
    landing, url = synth_warehouse
    got = evaluated_rows(url, SYNTH_PERIOD, [code], [override])
    want = {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == code}
    near = {r[1] for r in truth_rows(landing, SYNTH_PERIOD, "negatives.csv") if r[0] == code}
    assert want < got
    assert near & {r[1] for r in got}


@pytest.mark.parametrize(("code", "override"), [
    ("YL-016", "YL-016.arrears_min_months=13"),
    ("YL-018", "YL-018.min_early_retirements=4"),
    ("YL-020", "YL-020.tolerance_months=61"),
    ("YL-021", "YL-021.min_age=101"),
])
def test_tightened_parameter_drops_a_positive(synth_warehouse, code, override):
    """A stricter threshold reports only planted problems, and fewer of them."""
    landing, url = synth_warehouse
    got = evaluated_rows(url, SYNTH_PERIOD, [code], [override])
    want = {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == code}
    assert got < want
