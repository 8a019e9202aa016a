"""问题统计, indicator quality, 考核评分 and the period archive (SQLite and PostgreSQL): exact
figures from known problems and findings, district users limited to their district, scores
following parameters/scoring.yaml, archived figures unchanged by later work."""

from __future__ import annotations

import shutil
from datetime import timedelta
from decimal import Decimal

import pytest
import yaml
from sqlalchemy import insert, select, update

from workbench import access, params
from workbench.errors import OfficeError, PermissionDenied
from workbench.office import actionlog, db, scoring, statistics
from workbench.office.accounts import Account
from workbench.office.models import ActionLog, Problem, ProblemFinding, now
from workbench.office.roles import Role

OWN, OTHER = "110105", "110108"
MONEY, FUND = "JY-001", "SY-001"  # 人力资源市场 (资金) and 失业 (基金)


def account(role: Role, district: str | None = None) -> Account:
    return Account(hash((role, district)) % 10_000, f"{role.value}-{district or 'city'}", "测试",
                   district if role.district_scoped else None, frozenset({role}))


CH, CR, ADMIN = account(Role.CITY_HANDLER), account(Role.CITY_REVIEWER), account(Role.ADMIN)
DH, DH2 = account(Role.DISTRICT_HANDLER, OWN), account(Role.DISTRICT_HANDLER, OTHER)

# (indicator, district, period, state, amount, deadline in days, closed days ago, finding or None)
# finding: (conclusion, involved, recovered, fines, rectified)
PROBLEMS = [
    (MONEY, OWN, "202406", "closed", "100", 10, 1, ("true", "100", "50", "10", 1)),          # in time
    (MONEY, OWN, "202406", "closed", "200", -5, 1, ("false", "0", "0", "0", 0)),             # closed late
    (FUND, OWN, "202406", "district_handling", "300", -2, None, ("true", "300", "0", "0", 0)),  # overdue
    (FUND, OWN, "202406", "closed", "400", 10, 1, ("true", "400", "400", "0", 0)),           # in time
    (FUND, OTHER, "202406", "pending", "50", 10, None, None),
    (MONEY, OTHER, "202405", "closed", "10", 10, 1, ("true", "10", "10", "0", 1)),
]


@pytest.fixture
def stats(office: str) -> str:
    statistics.clear_cache()  # live figures are cached per database URL (the PostgreSQL one is reused)
    db.upgrade(office)
    at = now()
    with db.engine(office).begin() as conn:
        for i, (code, district, period, state, amount, days, closed_ago, finding) in enumerate(PROBLEMS):
            pid = conn.execute(insert(Problem).values(
                indicator_code=code, subject_type="person", subject_key=f"11010119900101{i:04d}",
                district_code=district, first_period=period, last_period=period, amount=Decimal(amount),
                state=state, deadline=at + timedelta(days=days), created_at=at - timedelta(days=30),
                updated_at=at - timedelta(days=closed_ago or 0))).inserted_primary_key[0]
            if finding:
                conclusion, involved, recovered, fines, rectified = finding
                conn.execute(insert(ProblemFinding).values(
                    problem_id=pid, conclusion=conclusion, amount_involved=Decimal(involved),
                    amount_recovered=Decimal(recovered), fines=Decimal(fines), rectified=rectified,
                    persons_punished=0, description="核查", updated_by="t", updated_at=at))
    return office


def test_summary_counts_and_amounts(stats: str) -> None:
    s = statistics.summary(CH, "202406", url=stats)
    t = s.total
    assert (t.problems, t.open, t.closed, t.overdue, t.due, t.in_time) == (5, 2, 3, 1, 4, 2)
    assert (t.findings, t.rectified, t.unrectified, t.closed_true, t.closed_false) == (4, 1, 2, 2, 1)
    assert (t.amount, t.involved, t.recovered, t.fines) == (Decimal("1050.00"), Decimal("800.00"),
                                                            Decimal("450.00"), Decimal("10.00"))
    assert (t.closed_involved, t.closed_recovered) == (Decimal("500.00"), Decimal("450.00"))
    assert {d: f.problems for d, f in s.by_district.items()} == {OWN: 4, OTHER: 1}
    assert {c: f.amount for c, f in s.by_indicator.items()} == {MONEY: Decimal("300.00"), FUND: Decimal("750.00")}
    assert {line: f.problems for line, f in s.by_line.items()} == {"人力资源市场": 2, "失业": 3}
    assert s.archived_at is None
    every = statistics.summary(CH, url=stats).total
    assert (every.problems, every.closed, every.amount) == (6, 4, Decimal("1060.00"))
    trend = statistics.by_period(CH, url=stats)
    assert list(trend) == ["202405", "202406"] and trend["202405"].recovered == Decimal("10.00")
    assert statistics.periods(CH, url=stats) == ["202406", "202405"]


def test_problems_are_read_in_group_order_from_covering_indexes(stats: str) -> None:
    """At 200,000 problems the statistics stay fast because SQLite reads each group from an index
    holding every column they need (migration 0008), without sorting and without the table."""
    if not stats.startswith("sqlite"):
        pytest.skip("SQLite's query plan")
    P = statistics.P
    for keys, index in (([P.c.district_code, P.c.indicator_code], "ix_problem_cells"),
                        ([P.c.last_period], "ix_problem_period_cells")):
        for who in (CH, DH):  # the whole city in group order; a district's range of an index
            sql = statistics.statement(keys, access.problem_scope(who), now()).compile(
                dialect=db.engine(stats).dialect, compile_kwargs={"literal_binds": True})
            with db.engine(stats).connect() as conn:
                plan = [r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
            problems_part = plan[:plan.index("UNION ALL")]
            assert any("USING COVERING INDEX" in step for step in problems_part), plan
            if who is CH:
                assert any(f"SCAN problem USING COVERING INDEX {index}" in step for step in problems_part), plan
                assert not any("TEMP B-TREE" in step for step in problems_part), plan


def test_district_users_see_only_their_district(stats: str) -> None:
    s = statistics.summary(DH, "202406", url=stats)
    assert list(s.by_district) == [OWN] and s.total.problems == 4 and s.total.amount == Decimal("1000.00")
    other = statistics.summary(DH2, url=stats)
    assert list(other.by_district) == [OTHER] and other.total.problems == 2
    assert statistics.periods(DH, url=stats) == ["202406"]
    assert statistics.summary(ADMIN, url=stats).total.problems == 0
    assert [r.district_code for r in scoring.scores(DH, "202406", url=stats).rows] == [OWN]
    assert scoring.scores(ADMIN, "202406", url=stats).rows == []


def test_indicator_quality_share_true(stats: str) -> None:
    q = statistics.indicator_quality(CH, url=stats)
    assert [(r.indicator_code, r.closed, r.closed_true, r.closed_false) for r in q] == [(FUND, 1, 1, 0),
                                                                                        (MONEY, 3, 2, 1)]
    assert q[0].true_share == 1.0 and q[1].true_share == pytest.approx(2 / 3)
    assert q[1].business_line == "人力资源市场" and q[1].name
    own = statistics.indicator_quality(DH, "202406", url=stats)
    assert [(r.indicator_code, r.closed, r.closed_true) for r in own] == [(FUND, 1, 1), (MONEY, 2, 1)]


def test_scores_follow_the_formulas(stats: str) -> None:
    rows = {r.district_code: r for r in scoring.scores(CH, "202406", url=stats).rows}
    assert len(rows) == 17
    own = rows[OWN]
    # in time 2 of 4 due; 1 of 2 closed true rectified; money 50/100 of 0.9; fund 400/400
    assert (own.warning, own.rectification, own.recovered_money, own.recovered_fund) == (
        Decimal("15.00"), Decimal("15.00"), Decimal("11.11"), Decimal("20.00"))
    assert own.total == Decimal("61.11")
    # nothing due or closed: nothing to measure earns nothing (when_empty: zero), and says so
    other = rows[OTHER]
    assert (other.warning, other.rectification, other.recovered_money, other.recovered_fund, other.total) == (
        Decimal("0.00"),) * 5
    assert other.notes["warning"] == "本期没有到期或已办结的问题，无可计量的内容，本项得 0 分。"
    assert rows["110101"].total == Decimal("0.00")  # a district without problems


def test_scores_are_explained_in_words(stats: str) -> None:
    sheet = scoring.scores(CH, "202406", url=stats)
    own = next(r for r in sheet.rows if r.district_code == OWN)
    assert own.notes["warning"] == ("到期或已办结的问题 4 个，其中按期办结 2 个，比例 50.0%，未达到满分要求 100%，"
                                    "按比例折算得 15.00 分（满分 30.00 分）。")
    assert own.notes["recovered_money"] == (
        "已办结问题核查涉及的金额 100.00 元，其中追回的金额 50.00 元，比例 50.0%，未达到满分线 90.0%，"
        "按比例折算得 11.11 分（满分 20.00 分）。")
    assert own.notes["recovered_fund"] == ("已办结问题核查涉及的金额 400.00 元，其中追回的金额 400.00 元，比例 100.0%，"
                                           "达到满分线 90.0%，得满分 20.00 分。")
    assert own.notes["extra"] == "市级未录入额外得分，本项为 0 分。"
    assert own.notes["total"].endswith("与额外得分 0.00 之和，为 61.11 分。")
    assert own.explanation[0].startswith("申请预警指标得分 15.00 分：到期或已办结的问题 4 个")
    assert [line.split(" ")[0] for line in own.explanation] == [scoring.LABELS[p] for p in scoring.PARTS]
    assert len(sheet.rules) == 6 and sheet.rules[0].startswith("申请预警指标得分（满分 30.00 分）：全部业务中")
    assert "本期没有到期或已办结的问题时得 0 分" in sheet.rules[0]
    text = "".join(sheet.rules + [line for r in sheet.rows for line in r.explanation])
    assert "scoring.yaml" not in text and "min(" not in text and "full_at" not in text


@pytest.fixture
def pdir(tmp_path, monkeypatch):
    shutil.copytree(params.DEFAULT_DIR, tmp_path / "p")
    monkeypatch.setenv("WORKBENCH_PARAMETERS", str(tmp_path / "p"))
    return tmp_path / "p"


def test_scores_follow_parameter_changes(stats: str, pdir) -> None:
    data = yaml.safe_load((pdir / "scoring.yaml").read_text(encoding="utf-8"))
    data["recovered_money"].update(weight=40, full_at=1)
    data["warning"]["ratio"] = "closed_of_problems"
    data["when_empty"] = "full"
    (pdir / "scoring.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rows = {r.district_code: r for r in scoring.scores(CH, "202406", url=stats).rows}
    assert rows[OWN].recovered_money == Decimal("20.00")   # 40 x 50/100
    assert rows[OWN].warning == Decimal("22.50")           # 30 x 3 closed / 4
    assert rows[OTHER].total == Decimal("90.00")            # 30 x 0/1 closed, the rest empty -> full 30 + 40 + 20
    assert rows[OTHER].notes["rectification"] == ("本期没有已办结且核查属实的问题，无可计量的内容，"
                                                  "按规则得满分 30.00 分。")
    data["when_empty"] = "sometimes"
    (pdir / "scoring.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(Exception, match="when_empty"):
        scoring.scores(CH, "202406", url=stats)


def test_extra_score_and_archive_keep_the_figures(stats: str) -> None:
    with pytest.raises(PermissionDenied):
        scoring.set_extra(DH, "202406", OWN, "5", "自评")
    with pytest.raises(OfficeError, match="outside"):
        scoring.set_extra(CH, "202406", OWN, "50", "太多", url=stats)
    with pytest.raises(OfficeError) as e:
        scoring.set_extra(CH, "202406", OWN, "5", " ", url=stats)
    assert e.value.zh == "请填写额外得分的理由"
    scoring.set_extra(CH, "202406", OWN, "3", "初评", url=stats)
    scoring.set_extra(CH, "202406", OWN, "5", "专项检查表现突出", url=stats)  # replaced
    own = next(r for r in scoring.scores(CH, "202406", url=stats).rows if r.district_code == OWN)
    assert (own.extra, own.extra_reason, own.total) == (Decimal("5.00"), "专项检查表现突出", Decimal("66.11"))
    with pytest.raises(PermissionDenied):
        statistics.archive_period(DH, "202406", url=stats)
    with pytest.raises(OfficeError) as e:
        statistics.archive_period(CH, "2024-06", url=stats)
    assert "YYYYMM" in e.value.zh
    assert statistics.archive_period(CR, "202406", url=stats) == 3  # cells: (OWN, MONEY), (OWN, FUND), (OTHER, FUND)
    # later work on the period: the overdue problem is closed and rectified
    with db.engine(stats).begin() as conn:
        conn.execute(update(Problem).where(Problem.state == "district_handling").values(state="closed"))
        conn.execute(update(ProblemFinding).values(rectified=1))
    live = statistics.summary(CH, url=stats).total
    assert live.closed == 5 and live.rectified == 5
    s = statistics.summary(CH, "202406", url=stats)
    assert s.archived_at is not None
    assert (s.total.closed, s.total.rectified, s.total.amount) == (3, 1, Decimal("1050.00"))
    assert list(statistics.summary(DH2, "202406", url=stats).by_district) == [OTHER]
    sheet = scoring.scores(CH, "202406", url=stats)
    own = next(r for r in sheet.rows if r.district_code == OWN)
    assert sheet.archived_at is not None and own.total == Decimal("66.11") and own.rectification == Decimal("15.00")
    # explained from the archived cells (not the later work) and the archived parameters
    assert own.notes["rectification"].startswith("已办结且核查属实的问题 2 个，其中已整改 1 个，比例 50.0%")
    assert own.notes["extra"] == "市级录入额外得分 5.00 分，理由：专项检查表现突出。"
    assert own.notes["total"].endswith("为 66.11 分。") and len(sheet.rules) == 6
    assert [r.district_code for r in scoring.scores(DH2, "202406", url=stats).rows] == [OTHER]
    with pytest.raises(OfficeError) as e:
        scoring.set_extra(CH, "202406", OWN, "1", "补充", url=stats)
    assert "已归档" in e.value.zh
    with pytest.raises(OfficeError, match="already archived"):
        statistics.archive_period(CH, "202406", url=stats)
    assert "202406" in statistics.archived_periods(url=stats)
    with db.engine(stats).connect() as conn:
        actions = conn.execute(select(ActionLog.action, ActionLog.actor).order_by(ActionLog.id)).all()
        assert [tuple(a) for a in actions] == [("extra_score", CH.username), ("extra_score", CH.username),
                                               ("statistics_archive", CR.username)]
        assert actionlog.verify(conn).ok


def test_live_figures_are_reused_for_the_cache_time(stats: str, pdir) -> None:
    assert statistics.summary(CH, url=stats).total.closed == 4
    with db.engine(stats).begin() as conn:
        conn.execute(update(Problem).where(Problem.state == "pending").values(state="closed"))
    assert statistics.summary(CH, url=stats).total.closed == 4  # cached (statistics_cache_seconds: 60)
    assert statistics.summary(DH2, url=stats).total.closed == 2  # another scope: computed now
    data = yaml.safe_load((pdir / "scoring.yaml").read_text(encoding="utf-8"))
    data["statistics_cache_seconds"] = 0
    (pdir / "scoring.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert statistics.summary(CH, url=stats).total.closed == 5
