"""Unemployment indicators (SY-*) against the planted ground truth."""

from __future__ import annotations

import pytest
from conftest import SYNTH_PERIOD, assert_matches_truth, evaluated_rows

from workbench.errors import ParameterError
from workbench.periods import month_range

CODES = ["SY-001", "SY-002", "SY-003", "SY-004", "SY-005"]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("period", month_range(SYNTH_PERIOD, 2))
def test_planted_positives_found_and_near_misses_not(synth_warehouse, code, period):
    assert_matches_truth(synth_warehouse, code, period)


def test_unemployment_indicators_take_no_parameters(synth_warehouse):
    """SY-* have no parameters (indicators-core.md): an override is refused, naming the indicator."""
    _, url = synth_warehouse
    with pytest.raises(ParameterError, match="SY-004 has no parameters"):
        evaluated_rows(url, SYNTH_PERIOD, ["SY-004"], ["SY-004.months_entitled=12"])
