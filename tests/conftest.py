"""Shared fixtures: an isolated WORKBENCH_HOME, warehouses on DuckDB and PostgreSQL."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

PG_ADMIN = os.environ.get("WORKBENCH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh WORKBENCH_HOME with the default (DuckDB, SQLite) stores."""
    h = tmp_path / "home"
    monkeypatch.setenv("WORKBENCH_HOME", str(h))
    monkeypatch.delenv("WORKBENCH_WAREHOUSE", raising=False)
    monkeypatch.delenv("WORKBENCH_OFFICE_DB", raising=False)
    return h


@pytest.fixture(scope="session")
def pg_database():
    """A PostgreSQL database of its own for this test session, dropped at the end."""
    psycopg = pytest.importorskip("psycopg")
    name = f"wb_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def pg_warehouse(pg_database: str):
    """A clean warehouse on PostgreSQL (tables dropped before each test)."""
    import psycopg

    with psycopg.connect(pg_database.replace("postgres://", "postgresql://"), autocommit=True) as c:
        c.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    return pg_database


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request, home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The warehouse URL of each backend in turn (ibis backends/conftest.py style)."""
    if request.param == "postgres":
        url = request.getfixturevalue("pg_warehouse")
        monkeypatch.setenv("WORKBENCH_WAREHOUSE", url)
        return url
    return f"duckdb://{home / 'warehouse.duckdb'}"


SYNTH_PERIOD = "202406"


@pytest.fixture(scope="session")
def synth_warehouse(tmp_path_factory):
    """13 months of a small synthetic city (ending 202406), taken into a DuckDB warehouse.

    Returns (landing, warehouse_url). Tests read the ground truth at
    landing/_truth/<P>/problems.csv and negatives.csv."""
    from workbench import synth
    from workbench.intake import run_intake
    from workbench.periods import month_range

    root = tmp_path_factory.mktemp("synth13")
    landing, home = root / "landing", root / "home"
    synth.generate(landing, SYNTH_PERIOD, persons=2000, seed=5, months=13)
    old = os.environ.get("WORKBENCH_HOME")
    os.environ["WORKBENCH_HOME"] = str(home)
    os.environ.pop("WORKBENCH_WAREHOUSE", None)
    try:
        for p in month_range(SYNTH_PERIOD, 13):
            run_intake(str(landing), p)
    finally:
        if old is None:
            os.environ.pop("WORKBENCH_HOME", None)
        else:
            os.environ["WORKBENCH_HOME"] = old
    return landing, f"duckdb://{home / 'warehouse.duckdb'}"


def truth_rows(landing, period: str, name: str = "problems.csv") -> set[tuple[str, str, str, str]]:
    """(code, subject_key, district_code, amount) of the generator's ground truth."""
    import csv

    with (landing / "_truth" / period / name).open(encoding="utf-8") as f:
        return {(r["indicator_code"], r["subject_key"], r["district_code"], r["amount"])
                for r in csv.DictReader(f)}


def evaluated_rows(url: str, period: str, codes: list[str], overrides: list[str] | None = None):
    """(code, subject_key, district_code, amount) of what the indicators find."""
    from workbench.indicators.runner import evaluate
    from workbench.warehouse import Warehouse

    with Warehouse(url) as wh:
        evs = evaluate(period, only=codes, overrides=overrides, warehouse=wh)
    return {(p.indicator_code, p.subject_key, p.district_code, "" if p.amount is None else f"{p.amount:.2f}")
            for ev in evs for p in ev.problems}


def assert_matches_truth(synth_warehouse, code: str, period: str, may_be_empty: bool = False) -> None:
    """Precision and recall 1.0 for ``code`` in ``period``: exactly the planted positives
    (subject, district, amount), and none of the planted near-misses."""
    landing, url = synth_warehouse
    got = evaluated_rows(url, period, [code])
    want = {r for r in truth_rows(landing, period) if r[0] == code}
    assert want or may_be_empty, f"no planted {code} in {period}"
    assert got == want
    near = {r[1] for r in truth_rows(landing, period, "negatives.csv") if r[0] == code}
    assert not near & {r[1] for r in got}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def office(request, tmp_path: Path, home: Path) -> str:
    """A fresh, empty office database URL on each engine (not migrated), with a home of its own
    (the action log's key and anchor file live there)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'office.sqlite'}"
    else:
        import psycopg

        base = request.getfixturevalue("pg_database")
        with psycopg.connect(base.replace("postgres://", "postgresql://"), autocommit=True) as c:
            c.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        url = base
    from workbench.office import db

    db.forget(url)
    yield url
    db.forget(url)


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright, one per test module (tests/web_support.py)."""
    from web_support import chromium

    with chromium() as b:
        yield b
