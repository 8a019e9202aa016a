"""Cross-source and data-quality indicators (ZH-*) against the planted ground truth."""

from __future__ import annotations

import pytest
from conftest import SYNTH_PERIOD, assert_matches_truth, evaluated_rows, truth_rows

from workbench.periods import month_range

CODES = ["ZH-001", "ZH-002", "ZH-003", "ZH-004", "ZH-005"]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("period", month_range(SYNTH_PERIOD, 2))
def test_planted_positives_found_and_near_misses_not(synth_warehouse, code, period):
    assert_matches_truth(synth_warehouse, code, period)


def test_base_limits_are_a_parameter(synth_warehouse):
    landing, url = synth_warehouse
    planted = {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == "ZH-005"}
    assert planted
    # no table: no period takes the check
    assert evaluated_rows(url, SYNTH_PERIOD, ["ZH-005"], ["ZH-005.base_limits=[]"]) == set()
    wide = "ZH-005.base_limits=[{from: '202001', to: '202512', lower: 1, upper: 999999}]"
    assert evaluated_rows(url, SYNTH_PERIOD, ["ZH-005"], [wide]) == set()
    # the lower limit of 2024-25 (6821) on every period: the near-misses at 6326 become too low
    near = {r[1] for r in truth_rows(landing, SYNTH_PERIOD, "negatives.csv") if r[0] == "ZH-005"}
    tight = "ZH-005.base_limits=[{from: '202001', to: '202512', lower: 6821, upper: 35283}]"
    got = {r[1] for r in evaluated_rows(url, SYNTH_PERIOD, ["ZH-005"], [tight])}
    assert near & got
    assert len(got) > len(planted)
