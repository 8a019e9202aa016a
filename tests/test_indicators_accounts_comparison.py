"""Personal account (ZH-008…ZH-012) and information comparison (ZH-013…ZH-017) indicators
against the planted ground truth."""

from __future__ import annotations

import pytest
from conftest import SYNTH_PERIOD, assert_matches_truth, evaluated_rows, truth_rows

from workbench.periods import add_months, month_range

CODES = ["ZH-008", "ZH-009", "ZH-010", "ZH-011", "ZH-012", "ZH-013", "ZH-014", "ZH-015", "ZH-016", "ZH-017"]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("period", month_range(SYNTH_PERIOD, 2))
def test_planted_positives_found_and_near_misses_not(synth_warehouse, code, period):
    assert_matches_truth(synth_warehouse, code, period)


@pytest.mark.parametrize(("code", "override"), [
    ("ZH-008", "ZH-008.tolerance=0"),
    ("ZH-009", "ZH-009.tolerance=0.99"),
    ("ZH-010", "ZH-010.tolerance=0"),
])
def test_loosened_parameter_catches_a_near_miss(synth_warehouse, code, override):
    """A lower tolerance keeps every planted problem and now also reports a near-miss."""
    landing, url = synth_warehouse
    got = evaluated_rows(url, SYNTH_PERIOD, [code], [override])
    want = {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == code}
    near = {r[1] for r in truth_rows(landing, SYNTH_PERIOD, "negatives.csv") if r[0] == code}
    assert want < got
    assert near & {r[1] for r in got}


def test_higher_crediting_rate_drops_interest_positives(synth_warehouse):
    """ZH-010 at a 5 % crediting rate: only the interest paid on a zero balance is left."""
    landing, url = synth_warehouse
    want = {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == "ZH-010"}
    got = evaluated_rows(url, SYNTH_PERIOD, ["ZH-010"], ["ZH-010.max_annual_rate=0.05"])
    assert got < want
    assert {r[3] for r in got} == {"5.00"}


def test_grace_months_choose_the_registrations_checked(synth_warehouse):
    """ZH-017 with two months' grace checks the registrations one month older: it finds in P
    what the default finds in P-1, and none of P's."""
    landing, url = synth_warehouse
    got = evaluated_rows(url, SYNTH_PERIOD, ["ZH-017"], ["ZH-017.grace_months=2"])
    earlier = {r for r in truth_rows(landing, add_months(SYNTH_PERIOD, -1)) if r[0] == "ZH-017"}
    now = {r for r in truth_rows(landing, SYNTH_PERIOD) if r[0] == "ZH-017"}
    assert got == earlier
    assert not got & now
