"""The compact pension contribution history that intake keeps beside ``sb_contrib``.

Indicators that look back five years (GC-002, GF-002) must not rescan years of raw
contribution rows every month. When a period's ``sb_contrib`` is loaded, intake also
stores, for that delivery period, one row per person and contribution year with the
months covered by a normal (pay_type 1) and by a back-paid (pay_type 2) 110
contribution as 12-bit masks: about one small row per contributor and month instead of
every 110/210/410 row with its 13 columns. It is replaced with its period, in the same
transaction as ``sb_contrib``, so it is always exactly the history of what is loaded.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from workbench.warehouse import CONTRIB_HISTORY_SCHEMA, PERIOD_COL

SQL = """
    SELECT ? AS {period_col}, person_id, CAST(substr(period, 1, 4) AS BIGINT) AS year,
           bit_or(CASE WHEN pay_type = '1' THEN 1 << (CAST(substr(period, 5, 2) AS BIGINT) - 1) ELSE 0 END)
               AS normal_mask,
           bit_or(CASE WHEN pay_type = '2' THEN 1 << (CAST(substr(period, 5, 2) AS BIGINT) - 1) ELSE 0 END)
               AS backpay_mask
    FROM contrib WHERE insurance_type = '110' AND pay_type IN ('1', '2')
    GROUP BY person_id, year ORDER BY person_id, year
"""


def compact(db: duckdb.DuckDBPyConnection, contrib: pa.Table, period: str) -> pa.Table:
    """The ``contrib_history`` rows of one delivery period from its loaded ``sb_contrib``."""
    db.register("contrib", contrib)
    try:
        out = db.execute(SQL.format(period_col=PERIOD_COL), [period]).fetch_arrow_table()
    finally:
        db.unregister("contrib")
    return out.cast(CONTRIB_HISTORY_SCHEMA.to_pyarrow())


def backfill(wh, db: duckdb.DuckDBPyConnection) -> list[str]:
    """Build the history of every period whose ``sb_contrib`` is loaded but whose history
    is missing (a warehouse loaded before the history existed); return those periods."""
    contrib, hist = wh.table("sb_contrib"), wh.table("contrib_history")
    have = set(hist.select(PERIOD_COL).distinct().to_pyarrow().column(0).to_pylist())
    loaded = contrib.select(PERIOD_COL).distinct().to_pyarrow().column(0).to_pylist()
    missing = sorted(set(loaded) - have)
    for period in missing:
        rows = contrib.filter(contrib[PERIOD_COL] == period).select(
            "person_id", "insurance_type", "period", "pay_type").to_pyarrow()
        wh.replace_partitions([("contrib_history", {PERIOD_COL: period}, compact(db, rows, period))])
    return missing
