"""The plain-pandas comparison of the benchmark (benchmarks/indicators/pandas_core.py) finds
exactly what the workbench's ibis indicators find for the 40 core indicators."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from conftest import SYNTH_PERIOD, evaluated_rows

from workbench.indicators.registry import all_indicators, get
from workbench.periods import add_months

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "indicators" / "pandas_core.py"


def load_pandas_core():
    spec = importlib.util.spec_from_file_location("pandas_core", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def pandas_core():
    return load_pandas_core()


def core_codes() -> list[str]:
    return [i.code for i in all_indicators() if i.core]


def test_pandas_covers_the_core_set(pandas_core):
    assert len(core_codes()) == 40
    assert set(pandas_core.INDICATORS) == set(core_codes())
    for code, (_, has_amount) in pandas_core.INDICATORS.items():
        assert has_amount == get(code).has_amount, code


@pytest.mark.parametrize("back", [0, 1])
def test_pandas_equals_ibis(synth_warehouse, pandas_core, back):
    _, url = synth_warehouse
    period = add_months(SYNTH_PERIOD, -back)
    want = evaluated_rows(url, period, core_codes())
    got = pandas_core.evaluate_pandas(url.removeprefix("duckdb://"), period)
    assert want, f"no core problems in {period}"
    assert got == want
