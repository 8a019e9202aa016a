"""`workbench indicators` and `workbench problems export` end to end, through the CLI."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import pytest
from conftest import SYNTH_PERIOD

from workbench.office.runs import runs


@pytest.fixture
def env(synth_warehouse, tmp_path, office):
    _, url = synth_warehouse
    return {**os.environ, "WORKBENCH_HOME": str(tmp_path), "WORKBENCH_WAREHOUSE": url,
            "WORKBENCH_OFFICE_DB": office}


def cli(env, *args):
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], capture_output=True, text=True,
                          env=env, timeout=600)


def test_publish_export_equals_truth_and_is_idempotent(synth_warehouse, env, tmp_path):
    landing, _ = synth_warehouse
    done = cli(env, "indicators", "--period", SYNTH_PERIOD)
    assert done.returncode == 0, done.stderr
    assert " 0 updated" in done.stdout and " 0 reopened" in done.stdout
    out = tmp_path / "problems.csv"
    assert cli(env, "problems", "export", "--period", SYNTH_PERIOD, "--out", str(out)).returncode == 0
    truth = (landing / "_truth" / SYNTH_PERIOD / "problems.csv").read_text(encoding="utf-8").splitlines()
    with out.open(encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert lines[0] == "indicator_code,period,subject_type,subject_key,district_code,amount"
    # every indicator is planted: the export is the truth exactly, less the district-level
    # evaluations that cli.md's subject types leave out of it
    assert lines == [ln for ln in truth if ln.split(",")[2] != "district"]
    assert any(ln.split(",")[2] == "district" for ln in truth)
    again = cli(env, "indicators", "--period", SYNTH_PERIOD)
    assert again.returncode == 0 and " 0 new" in again.stdout, again.stdout
    second = tmp_path / "again.csv"
    cli(env, "problems", "export", "--period", SYNTH_PERIOD, "--out", str(second))
    assert second.read_bytes() == out.read_bytes()


def test_dry_run_shows_the_effect_of_a_threshold_and_publishes_nothing(env):
    assert cli(env, "indicators", "--period", SYNTH_PERIOD, "--only", "YL-006").returncode == 0
    before = len(runs(SYNTH_PERIOD, url=env["WORKBENCH_OFFICE_DB"]))
    done = cli(env, "indicators", "--period", SYNTH_PERIOD, "--only", "YL-006", "--dry-run",
               "--param", "YL-006.backpay_min_months=23")
    assert done.returncode == 0, done.stderr
    line = next(ln for ln in done.stdout.splitlines() if ln.strip().startswith("YL-006"))
    assert "+1" in line.split() and "-0" in line.split()
    assert len(runs(SYNTH_PERIOD, url=env["WORKBENCH_OFFICE_DB"])) == before


@pytest.mark.parametrize("args, code, message", [
    (["--only", "YL-0O1"], 2, "unknown indicator 'YL-0O1'; did you mean"),
    (["--param", "YL-005.base_jump=3"], 2, "YL-005 has no parameter 'base_jump'; did you mean base_jump_ratio"),
    (["--param", "YL-005.base_jump_ratio=abc"], 2, "expected a float"),
    (["--param", "YL-005"], 2, "expected CODE.name=value"),
])
def test_bad_arguments_are_one_line(env, args, code, message):
    done = cli(env, "indicators", "--period", SYNTH_PERIOD, *args)
    assert done.returncode == code
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], done.stderr


def test_period_without_delivery_and_unreachable_warehouse(env):
    done = cli(env, "indicators", "--period", "201001")
    assert done.returncode == 2 and "no delivery loaded for period 201001" in done.stderr
    bad = {**env, "WORKBENCH_WAREHOUSE": "postgres://postgres@127.0.0.1:1/nowhere"}
    done = cli(bad, "indicators", "--period", SYNTH_PERIOD)
    assert done.returncode == 2 and done.stderr.startswith("Error: cannot open warehouse")  # the environment
    assert done.stderr.count("\n") == 1


def test_export_without_run(env, tmp_path):
    done = cli(env, "problems", "export", "--period", "201001", "--out", str(tmp_path / "x.csv"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1


def test_export_rows_parse(env, tmp_path):
    cli(env, "indicators", "--period", SYNTH_PERIOD, "--only", "ZH-004,GC-002")
    out = tmp_path / "p.csv"
    cli(env, "problems", "export", "--period", SYNTH_PERIOD, "--out", str(out))
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["indicator_code"] for r in rows} == {"ZH-004", "GC-002"}
    assert all(r["amount"] == "" for r in rows if r["indicator_code"] == "GC-002")
    assert all(len(r["amount"].split(".")[1]) == 2 for r in rows if r["indicator_code"] == "ZH-004")
