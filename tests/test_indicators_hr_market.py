"""Human resources market indicators (JY-*) against the planted ground truth."""

from __future__ import annotations

import pytest
from conftest import SYNTH_PERIOD, evaluated_rows, truth_rows

from workbench.errors import ParameterError
from workbench.periods import month_range

CODES = ["JY-001", "JY-002", "JY-003", "JY-004", "JY-005"]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("period", month_range(SYNTH_PERIOD, 2))
def test_planted_positives_found_and_near_misses_not(synth_warehouse, code, period):
    landing, url = synth_warehouse
    got = evaluated_rows(url, period, [code])
    want = {r for r in truth_rows(landing, period) if r[0] == code}
    assert want, f"no planted {code} in {period}"
    assert got == want
    near = {r[1] for r in truth_rows(landing, period, "negatives.csv") if r[0] == code}
    assert not near & {r[1] for r in got}


def test_parameterless_indicator_refuses_overrides(synth_warehouse):
    _, url = synth_warehouse
    with pytest.raises(ParameterError, match="JY-001 has no parameters"):
        evaluated_rows(url, SYNTH_PERIOD, ["JY-001"], ["JY-001.threshold=1"])
