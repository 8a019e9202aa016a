"""How the runner uses the engine (parameters/engine.yaml) never changes what it finds.

Queries in flight on worker cursors, common terms shared through scratch tables and CTEs
executed unmaterialized must give the same problems, evidence and kept SQL as one query at a
time over the warehouse's own tables; a failing indicator still fails the whole run.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from conftest import SYNTH_PERIOD

from workbench.errors import WorkbenchError
from workbench.indicators import registry, runner
from workbench.indicators.runner import evaluate
from workbench.params import DEFAULT_DIR
from workbench.warehouse import SCRATCH, Warehouse


def engine_dir(tmp_path: Path, workers: int, shared: bool) -> Path:
    folder = tmp_path / f"parameters-{workers}-{shared}"
    shutil.copytree(DEFAULT_DIR, folder)
    engine = yaml.safe_load((DEFAULT_DIR / "engine.yaml").read_text(encoding="utf-8"))
    (folder / "engine.yaml").write_text(yaml.safe_dump({**engine, "workers": workers, "share_common_terms": shared}))
    return folder


def outcome(url: str, period: str) -> dict[str, tuple]:
    with Warehouse(url) as wh:
        evs = evaluate(period, warehouse=wh)
    return {e.indicator.code: (e.sql, [(p.subject_key, p.district_code, p.amount, p.evidence) for p in e.problems])
            for e in evs}


def test_pooled_shared_run_equals_plain_run(synth_warehouse, tmp_path, monkeypatch):
    _, url = synth_warehouse
    monkeypatch.setenv("WORKBENCH_PARAMETERS", str(engine_dir(tmp_path, 1, False)))
    plain = outcome(url, SYNTH_PERIOD)
    monkeypatch.setenv("WORKBENCH_PARAMETERS", str(engine_dir(tmp_path, 3, True)))
    pooled = outcome(url, SYNTH_PERIOD)
    assert list(pooled) == list(plain) == [i.code for i in registry.all_indicators()]
    assert sum(len(v[1]) for v in plain.values()) > 100
    for code in plain:
        assert pooled[code] == plain[code], code
    # the kept SQL reads the warehouse's own tables, never the run's scratch tables
    assert not any(SCRATCH in sql for sql, _ in pooled.values())


def test_scratch_tables_do_not_outlive_the_run(synth_warehouse):
    _, url = synth_warehouse
    with Warehouse(url) as wh:
        before = set(wh.con.list_tables())
        evaluate(SYNTH_PERIOD, only=["YL-001", "ZH-002"], warehouse=wh)
        assert set(wh.con.list_tables()) == before
    with Warehouse(url) as wh:
        attached = {r[0] for r in wh.con.con.sql("SELECT database_name FROM duckdb_databases()").fetchall()}
        assert SCRATCH not in attached


def test_a_failing_indicator_fails_the_pooled_run(synth_warehouse, monkeypatch):
    """A query the engine refuses while it runs (text that is not a number) stops the run
    with one message naming the indicator, however many queries are in flight."""
    _, url = synth_warehouse
    broken = registry.get("YL-004")

    def build(ctx, values):
        t = ctx.rows("sb_benefit_pay")
        return t.select(subject_key=t.person_id, district_code=t.person_id,
                        amount=(t.person_id + "x").cast("int64"))

    monkeypatch.setattr(runner, "get", lambda code: replace(broken, build=build) if code == "YL-004"
                        else registry.get(code))
    with Warehouse(url) as wh, pytest.raises(WorkbenchError, match="indicator YL-004 failed on duckdb"):
        evaluate(SYNTH_PERIOD, only=["YL-001", "YL-004", "YL-009"], warehouse=wh)

