"""Further resident and agency pension indicators (JM-007…JM-011, JG-004…JG-008) against the planted truth."""

from __future__ import annotations

import pytest
from conftest import SYNTH_PERIOD, assert_matches_truth, evaluated_rows, truth_rows

from workbench.periods import month_range

CODES = ["JM-007", "JM-008", "JM-009", "JM-010", "JM-011", "JG-004", "JG-005", "JG-006", "JG-007", "JG-008"]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("period", month_range(SYNTH_PERIOD, 2))
def test_planted_positives_found_and_near_misses_not(synth_warehouse, code, period):
    assert_matches_truth(synth_warehouse, code, period)


@pytest.mark.parametrize(("code", "override"), [
    ("JM-009", "JM-009.lump_min_years=4"),
    ("JM-009", "JM-009.near_pension_years=6"),
    ("JM-010", "JM-010.jump_ratio=1.4"),
    ("JG-005", "JG-005.retire_age_female=54"),
    ("JG-006", "JG-006.tolerance=0.0"),
    ("JG-007", "JG-007.base_ratio=2.9"),
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
    ("JM-009", "JM-009.lump_min_years=6"),
    ("JM-010", "JM-010.jump_ratio=1.6"),
    ("JG-005", "JG-005.retire_age_male=61"),
    ("JG-006", "JG-006.tolerance=500"),
    ("JG-007", "JG-007.base_ratio=3.01"),
])
def test_tightened_parameter_drops_a_positive(synth_warehouse, code, override):
    """A stricter threshold reports only planted problems, and fewer of them."""
    landing, url = synth_warehouse
    got = evaluated_rows(url, SYNTH_PERIOD, [code], [override])
    want = {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == code}
    assert got < want


def test_unit_rates_are_parameters(synth_warehouse):
    """JG-006 reads the contribution rates: at a unit rate of 15% the back payment whose unit part is
    short of 16% by 1% of the base is no longer short, the missing person's share still is."""
    landing, url = synth_warehouse
    want = {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == "JG-006"}
    got = evaluated_rows(url, SYNTH_PERIOD, ["JG-006"], ["JG-006.unit_rate=0.15"])
    assert {r[1] for r in got} < {r[1] for r in want}


def test_advance_months_are_a_parameter(synth_warehouse):
    """JM-011: allowing one month ahead clears the payee paid for this month and the next, and keeps
    the payee paid two and three months ahead (with a smaller amount)."""
    landing, url = synth_warehouse
    want = {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == "JM-011"}
    got = evaluated_rows(url, SYNTH_PERIOD, ["JM-011"], ["JM-011.allowed_ahead_months=1"])
    assert len(got) == len(want) - 1
    assert {r[1] for r in got} < {r[1] for r in want}
    assert not got & want
