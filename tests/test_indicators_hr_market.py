"""Human resources market indicators (JY-*) against the planted ground truth."""

from __future__ import annotations

import pytest
from conftest import SYNTH_PERIOD, assert_matches_truth, evaluated_rows

from workbench.errors import ParameterError
from workbench.periods import month_range

CODES = ["JY-001", "JY-002", "JY-003", "JY-004", "JY-005"]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("period", month_range(SYNTH_PERIOD, 2))
def test_planted_positives_found_and_near_misses_not(synth_warehouse, code, period):
    assert_matches_truth(synth_warehouse, code, period)


def test_parameterless_indicator_refuses_overrides(synth_warehouse):
    _, url = synth_warehouse
    with pytest.raises(ParameterError, match="JY-001 has no parameters"):
        evaluated_rows(url, SYNTH_PERIOD, ["JY-001"], ["JY-001.threshold=1"])
