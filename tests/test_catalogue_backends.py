"""The whole indicator catalogue gives identical problems on DuckDB and on PostgreSQL."""

from __future__ import annotations

import pytest
from conftest import SYNTH_PERIOD

from workbench.indicators.runner import evaluate
from workbench.intake import run_intake
from workbench.periods import month_range
from workbench.warehouse import Warehouse

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def problems(wh: Warehouse, period: str) -> set[tuple]:
    return {(p.indicator_code, p.subject_key, p.district_code, p.amount)
            for e in evaluate(period, warehouse=wh) for p in e.problems}


def test_catalogue_identical_on_duckdb_and_postgres(synth_warehouse, pg_warehouse, home, monkeypatch):
    landing, duck_url = synth_warehouse
    monkeypatch.setenv("WORKBENCH_WAREHOUSE", pg_warehouse)
    for p in month_range(SYNTH_PERIOD, 13):
        run_intake(str(landing), p)
    for period in (SYNTH_PERIOD, month_range(SYNTH_PERIOD, 2)[0]):
        with Warehouse(duck_url) as duck, Warehouse(pg_warehouse) as pg:
            expected, got = problems(duck, period), problems(pg, period)
        assert len({p[0] for p in expected}) >= 38
        assert got == expected, period
