"""The office database: migrations, publishing a run, the problems export (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, text, update

from workbench.errors import UsageError, WorkbenchError
from workbench.indicators.registry import BusinessLine, Indicator, Severity, SubjectType, WarningKind
from workbench.indicators.runner import Evaluation, Problem
from workbench.office import db
from workbench.office import publish as publish_mod
from workbench.office.exports import HEADER, export_problems, published_keys
from workbench.office.models import IndicatorRun, ProblemEvent, ProblemEvidence, RunHit, RunIndicator
from workbench.office.models import Problem as ProblemRow
from workbench.office.publish import publish
from workbench.office.states import ALLOWED, Action, ProblemState, transition

TABLES = {"problem", "problem_evidence", "problem_event", "indicator_run", "run_indicator", "run_hit",
          "office_lock", "alembic_version"}


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def migrated(office: str) -> str:
    db.upgrade(office)
    return office


def indicator(code: str, subject: SubjectType = SubjectType.PERSON, has_amount: bool = True,
              version: int = 1) -> Indicator:
    return Indicator(code=code, name=f"测试指标 {code}", business_line=BusinessLine.PENSION, kind=WarningKind.AUTO,
                     subject_type=subject, severity=Severity.HIGH, policy=(), description="测试",
                     has_amount=has_amount, core=False, version=version, params=("threshold",),
                     build=lambda ctx, params: None)


def evaluation(code: str, hits: list[tuple[str, str, str | None]], subject: SubjectType = SubjectType.PERSON,
               params: dict | None = None, evidence_rows: int = 2) -> Evaluation:
    """hits: (subject_key, district_code, amount or None)."""
    ind = indicator(code, subject, has_amount=any(a is not None for _, _, a in hits))
    problems = [Problem(code, subject.value, key, district, None if amount is None else Decimal(amount),
                        [{"row": i, "amount": amount, "名称": "证据"} for i in range(evidence_rows)])
                for key, district, amount in hits]
    return Evaluation(ind, params or {"threshold": 3}, f"SELECT 1 /* {code} */", problems, 0.01)


def query(url: str, stmt):
    with db.engine(url).connect() as conn:
        return conn.execute(stmt).all()


def problems(url: str) -> list:
    return query(url, select(ProblemRow).order_by(ProblemRow.id))


def count(url: str, model) -> int:
    return query(url, select(func.count()).select_from(model))[0][0]


RUN1 = [evaluation("A01", [("110101199001011234", "110105", "100.50"), ("110101199001015678", "110108", "20")]),
        evaluation("B02", [("91110000MA0000000X", "110000", None)], SubjectType.UNIT)]


# ---------------------------------------------------------------- schema


def test_migration_creates_schema_and_downgrades(office: str) -> None:
    db.upgrade(office)
    eng = create_engine(db.normalize(office))
    try:
        insp = inspect(eng)
        assert set(insp.get_table_names()) >= TABLES
        assert db.current(office) == db.head()
        cols = {c["name"] for c in insp.get_columns("problem")}
        assert {"indicator_code", "subject_key", "state", "recurrence_of", "version", "last_run_id"} <= cols
        assert "sql_text" not in cols  # kept once per run and indicator (0002)
        assert "sql_text" in {c["name"] for c in insp.get_columns("run_indicator")}
        names = {i["name"] for i in insp.get_indexes("problem")}
        assert "ix_problem_indicator_subject" in names
        # the migrated schema is what the models declare
        from alembic.autogenerate import compare_metadata
        from alembic.runtime.migration import MigrationContext

        from workbench.office.schema import metadata

        with eng.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        db.downgrade(office, "base")
        assert set(inspect(eng).get_table_names()) <= {"alembic_version"}
        assert db.current(office) is None
        db.upgrade(office)  # and up again
        assert set(inspect(eng).get_table_names()) >= TABLES
    finally:
        eng.dispose()


def test_sqlite_foreign_keys_on(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'o.sqlite'}"
    with db.session(url) as s:
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert s.execute(text("PRAGMA busy_timeout")).scalar() == db.BUSY_TIMEOUT_MS
    db.forget(url)


def test_states_table() -> None:
    assert ProblemState.PENDING.label == "待处理" and ProblemState.CLOSED.label == "已办结"
    assert ProblemState.from_label("市级待审批") is ProblemState.CITY_APPROVAL
    assert transition(ProblemState.PENDING, Action.START).target is ProblemState.DISTRICT_HANDLING
    assert transition(ProblemState.CITY_APPROVAL, Action.APPROVE).target is ProblemState.CLOSED
    assert transition(ProblemState.DISTRICT_REVIEW, Action.RETURN).opinion_required
    assert transition(ProblemState.CITY_REVIEW, Action.REASSIGN).target is ProblemState.PENDING
    assert not any(source is ProblemState.CLOSED for source, _ in ALLOWED)
    with pytest.raises(ValueError, match="not allowed from 已办结"):
        transition(ProblemState.CLOSED, Action.START)


# ---------------------------------------------------------------- publishing


def test_publish_new(office: str) -> None:
    s = publish(RUN1, "202405", office)  # migrates an empty database first
    assert (s.status, s.evaluated, s.hits, s.new, s.updated, s.reopened) == ("succeeded", 2, 3, 3, 0, 0)
    rows = problems(office)
    assert [(r.indicator_code, r.subject_key, r.district_code, r.amount, r.state) for r in rows] == [
        ("A01", "110101199001011234", "110105", Decimal("100.50"), "pending"),
        ("A01", "110101199001015678", "110108", Decimal("20.00"), "pending"),
        ("B02", "91110000MA0000000X", "110000", None, "pending"),  # city level goes to the city office
    ]
    r = rows[0]
    assert (r.first_period, r.last_period, r.version, r.recurrence_of) == ("202405", "202405", 1, None)
    assert json.loads(r.params_json) == {"threshold": 3}
    sql = query(office, select(RunIndicator.sql_text).where(RunIndicator.run_id == r.last_run_id,
                                                            RunIndicator.indicator_code == "A01"))
    assert "A01" in sql[0][0]
    assert count(office, ProblemEvidence) == 6
    ev = query(office, select(ProblemEvidence.row_json).where(ProblemEvidence.problem_id == r.id))
    assert json.loads(ev[0][0])["名称"] == "证据"
    events = query(office, select(ProblemEvent.action, ProblemEvent.actor, ProblemEvent.to_state))
    assert events == [("published", "system", "pending")] * 3
    run = query(office, select(IndicatorRun))[0]
    assert (run.status, run.evaluated, run.hits, run.new) == ("succeeded", 2, 3, 3)
    assert json.loads(run.params_json) == {"A01": {"threshold": 3}, "B02": {"threshold": 3}}
    assert count(office, RunHit) == 3


def test_republish_same_period_is_idempotent(migrated: str) -> None:
    publish(RUN1, "202405", migrated)
    before = [(r.id, r.indicator_code, r.subject_key, r.amount, r.last_period) for r in problems(migrated)]
    s = publish(RUN1, "202405", migrated)
    assert (s.new, s.updated, s.reopened, s.hits) == (0, 3, 0, 3)
    assert [(r.id, r.indicator_code, r.subject_key, r.amount, r.last_period) for r in problems(migrated)] == before
    assert count(migrated, ProblemEvidence) == 6  # replaced, not duplicated
    assert [r.version for r in problems(migrated)] == [2, 2, 2]
    actions = [a for (a,) in query(migrated, select(ProblemEvent.action).order_by(ProblemEvent.id))]
    assert actions == ["published"] * 3 + ["redetected"] * 3


def test_evidence_limit(migrated: str) -> None:
    publish([evaluation("A01", [("K1", "110101", "1")], evidence_rows=7)], "202405", migrated, evidence_limit=3)
    assert count(migrated, ProblemEvidence) == 3


def test_redetection_next_period(migrated: str) -> None:
    publish(RUN1, "202405", migrated)
    nxt = [evaluation("A01", [("110101199001011234", "110106", "300.00")])]
    s = publish(nxt, "202406", migrated)
    assert (s.new, s.updated, s.reopened, s.evaluated, s.hits) == (0, 1, 0, 1, 1)
    r = problems(migrated)[0]
    assert (r.first_period, r.last_period, r.amount, r.district_code) == ("202405", "202406", Decimal("300.00"),
                                                                           "110106")
    assert count(migrated, ProblemRow) == 3
    # evidence is kept per period
    periods = query(migrated, select(ProblemEvidence.period).where(ProblemEvidence.problem_id == r.id).distinct())
    assert sorted(p for (p,) in periods) == ["202405", "202406"]
    # publishing an older period again does not move last_period back
    publish(RUN1, "202405", migrated)
    assert problems(migrated)[0].last_period == "202406"


def test_closed_problem_recurring_is_reopened(migrated: str) -> None:
    publish(RUN1, "202405", migrated)
    closed_id = problems(migrated)[0].id
    with db.engine(migrated).begin() as conn:
        conn.execute(update(ProblemRow).where(ProblemRow.id == closed_id).values(state=ProblemState.CLOSED.value))
    s = publish([evaluation("A01", [("110101199001011234", "110105", "5")])], "202406", migrated)
    assert (s.new, s.updated, s.reopened) == (0, 0, 1)
    rows = problems(migrated)
    assert len(rows) == 4
    new = rows[-1]
    assert (new.recurrence_of, new.state, new.first_period, new.amount) == (closed_id, "pending", "202406",
                                                                            Decimal("5.00"))
    assert rows[0].state == "closed"
    ev = query(migrated, select(ProblemEvent.action, ProblemEvent.detail_json).where(ProblemEvent.problem_id == new.id))
    assert ev[0][0] == "reopened" and json.loads(ev[0][1])["recurrence_of"] == closed_id
    # detected again while the reopened one is open: updated, not duplicated
    s = publish([evaluation("A01", [("110101199001011234", "110105", "6")])], "202407", migrated)
    assert (s.new, s.updated, s.reopened) == (0, 1, 0)


def test_failure_publishes_nothing(migrated: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(publish_mod, "_insert_all", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        publish(RUN1, "202405", migrated)
    assert count(migrated, ProblemRow) == 0
    assert count(migrated, ProblemEvent) == 0
    assert count(migrated, RunHit) == 0
    runs = query(migrated, select(IndicatorRun))
    assert len(runs) == 1 and runs[0].status == "failed" and "disk full" in runs[0].error
    assert runs[0].ended_at is not None
    with pytest.raises(UsageError, match=r"latest run \d+ is failed"):
        export_problems("202405", tmp_path / "never.csv", migrated)
    assert not (tmp_path / "never.csv").exists()


def test_duplicate_subject_refused(migrated: str) -> None:
    bad = [evaluation("A01", [("K1", "110101", "1"), ("K1", "110101", "2")])]
    with pytest.raises(WorkbenchError, match="twice"):
        publish(bad, "202405", migrated)
    assert count(migrated, ProblemRow) == 0


# ---------------------------------------------------------------- export


def test_export_format(migrated: str, tmp_path: Path) -> None:
    run = [evaluation("B02", [("U9", "110000", None), ("U10", "110119", None)], SubjectType.UNIT),
           evaluation("A01", [("P2", "110105", "3.5"), ("P1", "110108", "1234567.891"), ("P3", "110101", "0")])]
    s = publish(run, "202406", migrated)
    out = tmp_path / "problems.csv"
    assert export_problems("202406", out, migrated) == 5 == s.hits
    assert out.read_bytes() == (
        b"indicator_code,period,subject_type,subject_key,district_code,amount\n"
        b"A01,202406,person,P1,110108,1234567.89\n"
        b"A01,202406,person,P2,110105,3.50\n"
        b"A01,202406,person,P3,110101,0.00\n"
        b"B02,202406,unit,U10,110119,\n"
        b"B02,202406,unit,U9,110000,\n"
    )
    assert ",".join(HEADER) == out.read_text(encoding="utf-8").splitlines()[0]


def test_export_takes_each_indicators_latest_run(migrated: str, tmp_path: Path) -> None:
    publish([evaluation("A01", [("P1", "110101", "1")]), evaluation("B02", [("U1", "110102", None)])],
            "202406", migrated)
    publish([evaluation("A01", [("P2", "110101", "2")])], "202406", migrated, only=["A01"])  # --only A01
    publish([evaluation("B02", [])], "202406", migrated, only=["B02"])  # B02 now finds nothing
    publish([evaluation("A01", [("P9", "110101", "9")])], "202407", migrated)  # another period
    out = tmp_path / "p.csv"
    assert export_problems("202406", out, migrated) == 1
    assert out.read_text(encoding="utf-8").splitlines()[1:] == ["A01,202406,person,P2,110101,2.00"]
    assert published_keys("202406", ["A01", "B02"], migrated) == {"A01": {"P2"}}
    assert published_keys("202312", ["A01"], migrated) == {}


def test_export_without_run(migrated: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no indicator run for period 202406") as info:
        export_problems("202406", tmp_path / "p.csv", migrated)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "p.csv").exists()
    publish(RUN1, "202405", migrated)
    with pytest.raises(UsageError, match=r"periods with runs: 202405"):
        export_problems("202406", tmp_path / "p.csv", migrated)
    with pytest.raises(UsageError, match="invalid period"):
        export_problems("2024-06", tmp_path / "p.csv", migrated)


def test_published_keys_reads_only(office: str) -> None:
    assert published_keys("202406", ["A01"], office) == {}
    assert not db.has_schema(office)


# ---------------------------------------------------------------- unreachable


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://nobody@127.0.0.1:1/office",
    "sqlite:////dev/null/sub/office.sqlite",
    "nosuchdb://x/y",
])
def test_unreachable_database(url: str, tmp_path: Path) -> None:
    with pytest.raises(WorkbenchError) as info:
        publish(RUN1, "202405", url)
    message = str(info.value)
    assert "\n" not in message and "office database" in message
    if not url.startswith("nosuchdb"):
        db.forget(url)


def test_password_hidden(tmp_path: Path) -> None:
    url = "postgresql+psycopg://user:s3cret@127.0.0.1:1/office"
    with pytest.raises(WorkbenchError) as info:
        export_problems("202406", tmp_path / "p.csv", url)
    assert "s3cret" not in str(info.value) and "127.0.0.1" in str(info.value)
    db.forget(url)
