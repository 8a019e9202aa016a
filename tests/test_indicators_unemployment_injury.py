"""Further unemployment (SY-009 … SY-013) and work-injury (GS-011 … GS-015) indicators against the
planted ground truth."""

from __future__ import annotations

import pytest
from conftest import SYNTH_PERIOD, assert_matches_truth, evaluated_rows, truth_rows

from workbench.indicators.params import defaults
from workbench.periods import month_range

CODES = ["SY-009", "SY-010", "SY-011", "SY-012", "SY-013", "GS-011", "GS-012", "GS-013", "GS-014", "GS-015"]


def _default(code: str, name: str):
    return defaults()[code][name]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("period", month_range(SYNTH_PERIOD, 2))
def test_planted_positives_found_and_near_misses_not(synth_warehouse, code, period):
    assert_matches_truth(synth_warehouse, code, period)


@pytest.mark.parametrize(("code", "override"), [
    ("SY-009", f"SY-009.min_insured_months={_default('SY-009', 'min_insured_months') + 1}"),
    ("SY-010", f"SY-010.tier2_years={_default('SY-010', 'tier2_years') + 1}"),
    ("SY-011", f"SY-011.min_dismissed={_default('SY-011', 'min_dismissed') - 1}"),
    ("SY-011", "SY-011.min_dismissed_share=0.2"),
    ("SY-012", f"SY-012.min_wage={_default('SY-012', 'min_wage') - 1}"),
    ("GS-011", f"GS-011.retire_age_male={_default('common', 'retire_age_male') - 1}"),
    ("GS-012", f"GS-012.apply_limit_days={_default('GS-012', 'apply_limit_days') - 1}"),
    ("GS-014", f"GS-014.grade_jump={_default('GS-014', 'grade_jump') - 1}"),
    ("GS-014", f"GS-014.within_months={_default('GS-014', 'within_months') + 2}"),
])
def test_loosened_parameter_catches_a_near_miss(synth_warehouse, code, override):
    """A looser threshold keeps every planted subject (SY-012's amounts grow) and now also reports
    a near-miss."""
    landing, url = synth_warehouse
    got = {r[1] for r in evaluated_rows(url, SYNTH_PERIOD, [code], [override])}
    want = {r[1] for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == code}
    near = {r[1] for r in truth_rows(landing, SYNTH_PERIOD, "negatives.csv") if r[0] == code}
    assert want < got
    assert near & got


@pytest.mark.parametrize(("code", "overrides"), [
    ("SY-009", [f"SY-009.min_insured_months={_default('SY-009', 'min_insured_months') - 3}"]),
    ("SY-011", [f"SY-011.min_dismissed={_default('SY-011', 'min_dismissed') + 1}"]),
    ("SY-012", [f"SY-012.min_wage={_default('SY-012', 'min_wage') + 50}"]),
    ("GS-011", ["GS-011.retire_age_male=99", "GS-011.retire_age_female=99"]),
    ("GS-012", [f"GS-012.apply_limit_days={_default('GS-012', 'apply_limit_days') + 10}"]),
])
def test_tightened_parameter_drops_a_positive(synth_warehouse, code, overrides):
    """A stricter threshold reports only some of the planted problems (and no near-miss)."""
    landing, url = synth_warehouse
    got = evaluated_rows(url, SYNTH_PERIOD, [code], overrides)
    want = {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == code}
    assert {r[1] for r in got} < {r[1] for r in want}


def test_longer_entitlement_tiers_shrink_the_excess(synth_warehouse):
    """SY-010: allowing the longest entitlement below tier1_years clears the positive insured
    under tier1_years and keeps the one between the tiers."""
    landing, url = synth_warehouse
    want = {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == "SY-010"}
    got = evaluated_rows(url, SYNTH_PERIOD, ["SY-010"], ["SY-010.months_below_tier1=24"])
    assert {r[1] for r in got} < {r[1] for r in want}
