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
