"""User administration and log review (日志审查) on SQLite and PostgreSQL: every admin service
refuses a non-admin, the actor goes to the action log, the log search filters and pages in
SQL; demo users are created once; the office benchmark runs at a small size."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from workbench.demo import DEMO_USERS, demo_users
from workbench.errors import AuthError, OfficeError, PermissionDenied
from workbench.office import accounts, actionlog, admin, db, logreview
from workbench.office.accounts import Account
from workbench.office.logreview import LogFilter
from workbench.office.models import ActionLog, User
from workbench.office.roles import Role
from workbench.office.states import Action

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Correct-Horse-9"
ADMIN = Account(9001, "boss", "管理员", None, frozenset({Role.ADMIN}))
NON_ADMINS = [Account(9002, "dh", "区县", "110105", frozenset({Role.DISTRICT_HANDLER, Role.DISTRICT_REVIEWER})),
              Account(9003, "ch", "市级", None, frozenset({Role.CITY_HANDLER, Role.CITY_REVIEWER}))]


def log_count(url: str) -> int:
    with db.engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(ActionLog)).scalar_one()


def last_log(url: str) -> ActionLog:
    with db.engine(url).connect() as conn:
        return conn.execute(select(ActionLog).order_by(ActionLog.id.desc()).limit(1)).one()


# ----------------------------------------------------------------------------- admin checks
@pytest.mark.parametrize("who", NON_ADMINS, ids=lambda a: a.username)
def test_every_admin_service_refuses_a_non_admin(office: str, who: Account) -> None:
    accounts.add_user("target", "目标", ["district_handler"], "110105", PASSWORD, url=office)
    before = log_count(office)
    calls = [
        lambda: admin.users(who, url=office),
        lambda: admin.add_user(who, "newbie", "新人", ["admin"], url=office),
        lambda: admin.set_disabled(who, "target", True, url=office),
        lambda: admin.set_disabled(who, "target", False, url=office),
        lambda: admin.reset_password(who, "target", url=office),
        lambda: admin.set_roles(who, "target", ["admin"], url=office),
        lambda: logreview.search(who, url=office),
        lambda: logreview.verify(who, url=office),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied) as e:
            call()
        assert e.value.zh == "只有综合管理人员可以执行此操作"
    assert log_count(office) == before  # nothing changed, nothing logged
    assert [a.username for a, _ in accounts.list_users(office)] == ["target"]
    accounts.login("target", PASSWORD, url=office)  # password and state untouched


def test_admin_manages_users_and_is_named_in_the_log(office: str) -> None:
    acc, password = admin.add_user(ADMIN, "zhang.san", "张三", ["district_handler"], "110108", url=office)
    assert acc.district_code == "110108" and len(password) == 16
    assert (last_log(office).actor, last_log(office).action) == ("boss", "user_add")
    accounts.login("zhang.san", password, url=office)

    admin.set_disabled(ADMIN, "zhang.san", True, url=office)
    assert last_log(office).actor == "boss"
    with pytest.raises(AuthError):
        accounts.login("zhang.san", password, url=office)
    admin.set_disabled(ADMIN, "zhang.san", False, url=office)
    new = admin.reset_password(ADMIN, "zhang.san", url=office)
    assert new != password
    accounts.login("zhang.san", new, url=office)
    changed = admin.set_roles(ADMIN, "zhang.san", ["city_reviewer"], "110108", url=office)
    assert changed.roles == {Role.CITY_REVIEWER} and changed.district_code is None  # city roles have no district
    (listed, disabled), = admin.users(ADMIN, url=office)
    assert listed == changed and not disabled
    with db.engine(office).connect() as conn:
        actors = conn.execute(select(ActionLog.actor, ActionLog.action)
                              .where(ActionLog.action.in_(["user_add", "user_change"]))).all()
    assert actors and all(a == "boss" for a, _ in actors)


def test_admin_input_errors_are_chinese_and_save_nothing(office: str) -> None:
    bad = [(lambda: admin.add_user(ADMIN, "Bad Name", "x", ["admin"], url=office), "用户名"),
           (lambda: admin.add_user(ADMIN, "nodistrict", "x", ["district_handler"], None, url=office), "区县"),
           (lambda: admin.add_user(ADMIN, "noroles", "x", [], url=office), "角色"),
           (lambda: admin.add_user(ADMIN, "badrole", "x", ["king"], url=office), "角色"),
           (lambda: admin.set_disabled(ADMIN, "ghost", True, url=office), "不存在"),
           (lambda: admin.set_disabled(ADMIN, "boss", True, url=office), "自己"),
           (lambda: admin.set_roles(ADMIN, "boss", ["city_handler"], url=office), "自己")]
    for call, word in bad:
        with pytest.raises(OfficeError) as e:
            call()
        assert word in e.value.zh
    assert accounts.list_users(office) == []


# ----------------------------------------------------------------------------- log search
DAYS = [datetime(2026, 3, d, 12, 0, tzinfo=UTC) for d in (1, 2, 3)]


@pytest.fixture
def log_office(office: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """12 log records: actors a/b, actions login/transition, targets problem:N, over three days."""
    eng = db.ready(office)
    with eng.begin() as conn:
        for i in range(12):
            at = DAYS[i // 4].replace(minute=i)
            monkeypatch.setattr(actionlog, "now", lambda at=at: at)
            actionlog.append(conn, "a" if i % 2 == 0 else "b", "login" if i % 3 == 0 else "transition",
                             f"problem:{i}", "110105", n=i)
    return office


def test_log_search_filters_pages_and_sorts_newest_first(log_office: str) -> None:
    url = log_office
    rows, total = logreview.search(ADMIN, url=url)
    assert total == 12 and [r.detail["n"] for r in rows] == list(range(11, -1, -1))
    assert rows[0].at == DAYS[2].replace(minute=11) and rows[0].action_label == "问题流转"

    rows, total = logreview.search(ADMIN, LogFilter(actor="a"), limit=2, offset=2, url=url)
    assert total == 6 and [r.detail["n"] for r in rows] == [6, 4]
    rows, total = logreview.search(ADMIN, LogFilter(action="login"), url=url)
    assert total == 4 and [r.detail["n"] for r in rows] == [9, 6, 3, 0] and rows[0].action_label == "登录"
    rows, total = logreview.search(ADMIN, LogFilter(since=date(2026, 3, 2), until=date(2026, 3, 2)), url=url)
    assert total == 4 and [r.detail["n"] for r in rows] == [7, 6, 5, 4]
    rows, total = logreview.search(ADMIN, LogFilter(since=date(2026, 3, 3)), url=url)
    assert total == 4
    rows, total = logreview.search(ADMIN, LogFilter(until=date(2026, 3, 1), actor="b", action="transition"), url=url)
    assert [r.detail["n"] for r in rows] == [1] and total == 1
    rows, total = logreview.search(ADMIN, LogFilter(target="problem:1"), url=url)  # a prefix: 1, 10, 11
    assert total == 3
    _, total = logreview.search(ADMIN, LogFilter(target="problem:%"), url=url)  # no wildcards
    assert total == 0
    rows, total = logreview.search(ADMIN, LogFilter(actor="a"), limit=5, offset=5, url=url)
    assert total == 6 and [r.detail["n"] for r in rows] == [0]

    with pytest.raises(OfficeError, match="start date"):
        logreview.search(ADMIN, LogFilter(since=date(2026, 3, 3), until=date(2026, 3, 1)), url=url)
    with pytest.raises(OfficeError):
        logreview.search(ADMIN, limit=0, url=url)


def test_log_verify_for_admins_reports_tampering_in_chinese(log_office: str) -> None:
    result = logreview.verify(ADMIN, url=log_office)
    assert result.ok and "日志链完整" in logreview.verification_zh(result)
    with db.engine(log_office).begin() as conn:
        conn.execute(update(ActionLog).where(ActionLog.id == 5).values(actor="mallory"))
    result = logreview.verify(ADMIN, url=log_office)
    assert result.broken_at == 5 and "第 5 号记录" in logreview.verification_zh(result)


def test_log_verify_in_chinese_reports_a_direct_edit_of_a_user(office: str) -> None:
    accounts.add_user("dh.one", "区县处理人", ["district_handler"], "110105", "Password-123", url=office)
    assert logreview.verify(ADMIN, url=office).ok
    with db.engine(office).begin() as conn:
        conn.execute(update(User).where(User.username == "dh.one").values(disabled=1))
    result = logreview.verify(ADMIN, url=office)
    text = logreview.verification_zh(result)
    assert not result.ok and result.reason == "" and "业务数据与日志不符" in text and "dh.one" in text


def test_log_verify_in_chinese_names_a_wiped_log(log_office: str) -> None:
    with db.engine(log_office).begin() as conn:
        conn.execute(delete(ActionLog))
    result = logreview.verify(ADMIN, url=log_office)
    text = logreview.verification_zh(result)
    assert not result.ok and "日志被清空" in text and f"第 {result.anchor} 号" in text


def test_log_details_read_in_chinese(office: str) -> None:
    """Details of records written by the services come back as Chinese label/value pairs:
    keys, states, actions, districts, roles and amounts in words, ID numbers masked."""
    typed = "110101199003071234"
    admin.add_user(ADMIN, "dh.two", "区县处理人", ["district_handler", "district_reviewer"], "110105", url=office)
    with db.ready(office).begin() as conn:
        actionlog.append(conn, "ch", Action.TRANSITION, "problem:7", "110105", problem_action="reassign",
                         from_state="district_handling", to_state="district_handling", opinion=f"涉及 {typed}",
                         from_district="110105", to_district="110108")
        actionlog.append(conn, "dh", Action.DISTRICT_REPORT, "district_report:3", "110105",
                         change="submit", period="202406", version=1, amount_involved="1200.5",
                         rectification="in_progress")
    rows, _ = logreview.search(ADMIN, url=office)
    report, move, added = rows[0], rows[1], rows[2]
    assert dict(move.detail_pairs) == {"操作": "协调委派", "原状态": "区县处理中", "新状态": "区县处理中",
                                       "意见": "涉及 110101********1234", "原区县": "朝阳区", "新区县": "海淀区"}
    assert move.target_label == "问题 7" and typed not in str(move.detail_pairs)
    assert dict(report.detail_pairs) == {"变更": "上报", "期间": "202406", "版本": "1", "涉及金额": "1,200.50 元",
                                         "整改情况": "整改中"}
    assert report.target_label == "区县监督上报 3"
    pairs = dict(added.detail_pairs)
    assert pairs["角色"] == "区县基金监督科疑似问题处理人、区县基金监督科疑似问题审核人"
    assert pairs["显示名称"] == "区县处理人" and added.target_label == "dh.two"
    assert all(not label.isascii() for label, _ in move.detail_pairs + report.detail_pairs + added.detail_pairs)
    assert logreview.detail_zh({"unknown_key": "x", "state": "no-such-state"}) == [("unknown_key", "x"),
                                                                                    ("状态", "no-such-state")]


# ----------------------------------------------------------------------------- demo users
def test_demo_users_are_created_once_with_every_role(office: str) -> None:
    created = demo_users(office)
    assert [c[0] for c in created] == [u[0] for u in DEMO_USERS]
    listed = {acc.username: acc for acc, _ in accounts.list_users(office)}
    assert set().union(*(acc.roles for acc in listed.values())) == set(Role)
    assert len({acc.district_code for acc in listed.values() if acc.district_code}) >= 3
    name, _, _, password = created[0]
    accounts.login(name, password, url=office)
    with db.engine(office).connect() as conn:
        hashes = dict(conn.execute(select(User.username, User.password_hash)).all())
    assert demo_users(office) == []  # not recreated, passwords kept
    with db.engine(office).connect() as conn:
        assert dict(conn.execute(select(User.username, User.password_hash)).all()) == hashes


# ----------------------------------------------------------------------------- benchmark
@pytest.mark.slow
def test_office_benchmark_runs_at_a_small_size(tmp_path: Path) -> None:
    env = {**os.environ, "WORKBENCH_HOME": str(tmp_path / "home")}
    env.pop("WORKBENCH_OFFICE_DB", None)
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "office" / "run.py"), "--problems", "2000",
                           "--users", "3", "--rounds", "1", "--repeat", "3"], env=env, capture_output=True,
                          text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "| SQLite | **" in done.stdout and "queue page over HTTP" in done.stdout


# ----------------------------------------------------------------------------- pages
def test_admin_pages_refuse_non_admins_and_build_for_admins(home: Path) -> None:
    from workbench.apps.log import LogPage
    from workbench.apps.users import UsersPage

    accounts.add_user("target", "<b>目标</b>", ["district_handler"], "110105", PASSWORD)
    for cls in (UsersPage, LogPage):
        refused = cls(NON_ADMINS[0]).__panel__()[1]  # the page's access action refused: no body built
        assert refused[0].object == "只有综合管理人员可以执行此操作"
        built = cls(ADMIN).__panel__()
        assert cls.spec().title in built[0].object and '<a href="/users">' in built[0].object
    page = UsersPage(ADMIN)
    page.__panel__()
    assert page.table.value["姓名"].tolist() == ["<b>目标</b>"]  # shown as text by Tabulator
