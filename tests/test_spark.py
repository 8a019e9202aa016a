"""The core indicators on PySpark (local mode) give the same problems as on DuckDB.

Slow: starts a local Spark session and copies two periods of the synthetic warehouse
into it. Runs in CI (`make test` runs slow tests too)."""

from __future__ import annotations

import os

import pytest
from conftest import SYNTH_PERIOD
from test_registry import CORE

from workbench.indicators.runner import evaluate
from workbench.warehouse import PERIOD_COL, Warehouse

pytestmark = pytest.mark.slow
pyspark = pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def spark_warehouse(synth_warehouse, tmp_path_factory):
    import ibis
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)
    session = (SparkSession.builder.master("local[2]").appName("workbench-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
               .config("spark.driver.host", "127.0.0.1").config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
               .getOrCreate())
    con = ibis.pyspark.connect(session)
    _, url = synth_warehouse
    with Warehouse(url) as duck:
        for name in duck.con.list_tables():
            t = duck.table(name)
            if PERIOD_COL in t.columns and name != "contrib_history":
                t = t.filter(t[PERIOD_COL] >= "202306")
            # Spark infers decimal precision from the values; give it the warehouse's schema
            con.create_table(f"{name}_raw", t.to_pyarrow().to_pandas(integer_object_nulls=True), overwrite=True)
            con.create_table(name, con.table(f"{name}_raw").cast(t.schema()), overwrite=True)
    yield Warehouse.from_connection(con, "pyspark://local")
    session.stop()


def problems(wh: Warehouse, period: str) -> set[tuple]:
    return {(p.indicator_code, p.subject_key, p.district_code, p.amount)
            for e in evaluate(period, only=CORE, warehouse=wh) for p in e.problems}


def test_core_indicators_identical_on_spark(synth_warehouse, spark_warehouse):
    _, url = synth_warehouse
    with Warehouse(url) as duck:
        expected = problems(duck, SYNTH_PERIOD)
    got = problems(spark_warehouse, SYNTH_PERIOD)
    assert len({p[0] for p in expected}) >= 38
    assert got == expected
