"""Resident and agency pension indicators (JM-*, JG-*) against the planted ground truth."""

from __future__ import annotations

import pytest
from conftest import SYNTH_PERIOD, assert_matches_truth, evaluated_rows, truth_rows

from workbench.periods import month_range

CODES = ["JM-001", "JM-002", "JM-003", "JG-001", "JG-002"]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("period", month_range(SYNTH_PERIOD, 2))
def test_planted_positives_found_and_near_misses_not(synth_warehouse, code, period):
    assert_matches_truth(synth_warehouse, code, period)


def test_resident_pension_age_is_a_parameter(synth_warehouse):
    landing, url = synth_warehouse
    planted = {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == "JM-003"}
    near = {r[1] for r in truth_rows(landing, SYNTH_PERIOD, "negatives.csv") if r[0] == "JM-003"}
    # the planted under-age payees are 55 or older: a lower age limit clears them all
    assert evaluated_rows(url, SYNTH_PERIOD, ["JM-003"], ["JM-003.resident_pension_age=55"]) == set()
    # a higher one keeps them and adds the payees aged 60, the near-misses among them
    older = evaluated_rows(url, SYNTH_PERIOD, ["JM-003"], ["JM-003.resident_pension_age=61"])
    assert planted < older
    assert near <= {r[1] for r in older}
