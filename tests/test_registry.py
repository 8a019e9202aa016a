"""Meta-tests over the indicator registry: metadata, parameters, tests, SQL for every engine."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import ibis
import pytest
from tests_support import unbound_context

from workbench.indicators import catalogue
from workbench.indicators import params as iparams
from workbench.indicators.registry import all_indicators, indicator

CORE = ([f"YL-{i:03d}" for i in range(1, 11)] + [f"SY-{i:03d}" for i in range(1, 6)]
        + [f"GS-{i:03d}" for i in range(1, 7)] + [f"JY-{i:03d}" for i in range(1, 6)]
        + [f"JM-{i:03d}" for i in range(1, 4)] + ["JG-001", "JG-002"]
        + [f"ZH-{i:03d}" for i in range(1, 6)] + ["GC-001", "GC-002", "GF-001", "GF-002"])
CJK = re.compile(r"[\u4e00-\u9fff]")
TESTS = Path(__file__).parent
INDICATORS = all_indicators()
IDS = [i.code for i in INDICATORS]


def test_core_set_registered():
    codes = {i.code for i in INDICATORS}
    assert set(CORE) <= codes, sorted(set(CORE) - codes)
    assert {i.code for i in INDICATORS if i.core} == set(CORE)


@pytest.mark.parametrize("ind", INDICATORS, ids=IDS)
def test_metadata_complete(ind):
    assert CJK.search(ind.name) and CJK.search(ind.description), ind.code
    assert ind.policy and all(p.number and CJK.search(p.title) for p in ind.policy), ind.code
    assert re.fullmatch(r"[A-Z]{2}-\d{3}", ind.code)


def test_parameters_declared_and_defaulted_both_ways():
    table = iparams.defaults()
    declared = {i.code: set(i.params) for i in INDICATORS}
    for ind in INDICATORS:
        iparams.for_indicator(ind.code, ind.params, table)  # every declared name has a default
    for section, values in table.items():
        if section == "common":
            used = set().union(*declared.values())
            assert set(values) <= used, f"common parameters no indicator reads: {set(values) - used}"
            continue
        assert section in declared, f"parameters for unknown indicator {section}"
        assert set(values) <= declared[section], f"{section}: undeclared {set(values) - declared[section]}"


def test_every_indicator_has_a_test_case():
    text = "".join(p.read_text(encoding="utf-8") for p in TESTS.glob("test_indicators_*.py"))
    missing = [i.code for i in INDICATORS if f'"{i.code}"' not in text]
    assert not missing, f"indicators without a test case: {missing}"


def test_duplicate_code_refused_naming_both_places():
    first = INDICATORS[0]
    with pytest.raises(RuntimeError, match=rf"{first.code} declared twice: .*\.py:\d+ and .*test_registry\.py"):
        @indicator(first.code, "重复", line=first.business_line, subject=first.subject_type,
                   severity=first.severity, policy=first.policy, description="重复", has_amount=False)
        def dup(ctx, p):  # pragma: no cover - never registered
            return None


@pytest.mark.parametrize("dialect", ["oracle", "postgres", "duckdb", "pyspark"])
def test_every_indicator_compiles(dialect):
    ctx = unbound_context()
    table = iparams.defaults()
    failures = []
    for ind in INDICATORS:
        expr = ind.build(ctx, iparams.for_indicator(ind.code, ind.params, table))
        try:
            sql = ibis.to_sql(expr, dialect=dialect)
        except Exception as exc:  # collect all, report together
            failures.append(f"{ind.code}: {type(exc).__name__}: {exc}")
            continue
        assert "SELECT" in sql.upper()
    assert not failures, "\n".join(failures)


def test_catalogue_csv_and_doc_are_current(tmp_path):
    out = tmp_path / "cat.csv"
    done = subprocess.run([sys.executable, "-m", "workbench.cli", "catalogue", "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "code,name,business_line,kind,subject_type,severity,policy_basis"
    assert len(lines) == 1 + len(INDICATORS)
    assert catalogue.DOC.read_text(encoding="utf-8") == catalogue.markdown(), \
        "docs/indicators.md is stale: run python -m workbench.indicators.catalogue"
