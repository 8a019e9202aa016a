"""Work injury indicators (GS-*) against the planted ground truth."""

from __future__ import annotations

import pytest
from conftest import SYNTH_PERIOD, assert_matches_truth, evaluated_rows, truth_rows

from workbench.periods import month_range

CODES = ["GS-001", "GS-002", "GS-003", "GS-004", "GS-005", "GS-006"]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("period", month_range(SYNTH_PERIOD, 2))
def test_planted_positives_found_and_near_misses_not(synth_warehouse, code, period):
    assert_matches_truth(synth_warehouse, code, period)


@pytest.mark.parametrize(("code", "override"), [
    ("GS-005", "GS-005.injury_decision_days=59"),
    ("GS-006", "GS-006.injury_repeat=2"),
])
def test_loosened_parameter_catches_the_near_misses(synth_warehouse, code, override):
    """A looser threshold keeps every planted problem and now also reports the near-misses."""
    landing, url = synth_warehouse
    got = evaluated_rows(url, SYNTH_PERIOD, [code], [override])
    want = {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == code}
    near = {r[1] for r in truth_rows(landing, SYNTH_PERIOD, "negatives.csv") if r[0] == code}
    assert want < got
    assert near and near <= {r[1] for r in got}


def test_stricter_decision_days_drop_cases(synth_warehouse):
    landing, url = synth_warehouse
    want = {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == "GS-005"}
    got = evaluated_rows(url, SYNTH_PERIOD, ["GS-005"], ["GS-005.injury_decision_days=90"])
    assert got < want
