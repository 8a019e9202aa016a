"""Hostile text (security.md, "Hostile input") against every service that takes text from a
form or the command line, on SQLite and PostgreSQL: U+0000, lone surrogates, every C0/C1
control other than tab and line breaks, bidirectional controls in names, line breaks in
single-line fields and 20,000 characters each end as one ``InvalidInput`` with a Chinese
message and nothing written; a valid text (with tab and line breaks where the field is
multi-line) and a text of exactly the field's limit are stored as given. Then the command
line (non-UTF-8 bytes and control characters in argv: exit 2, one line), the import report
(``check_rows``) and one real-browser test of the notice form."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from test_office_publish import evaluation

from workbench import validators
from workbench.errors import AuthError
from workbench.office import (
    accounts,
    admin,
    comments,
    db,
    district_reports,
    findings,
    notices,
    scoring,
    staff,
    workflow,
)
from workbench.office.accounts import Account
from workbench.office.district_reports import ReportInput
from workbench.office.findings import Finding
from workbench.office.models import Problem
from workbench.office.publish import publish
from workbench.office.roles import Role
from workbench.office.schema import metadata
from workbench.office.staff import StaffInput
from workbench.office.states import Action
from workbench.validators import InvalidInput

OWN, PERIOD, PASSWORD = "110105", "202406", "Password-123"
ID1, ID2 = "110101199001011234", "110101199001015678"
ROOT = Path(__file__).resolve().parents[2]

CONTROLS = [chr(c) for c in (*range(0x00, 0x20), *range(0x7F + 1, 0xA0)) if chr(c) not in "\t\n\r"]
HOSTILE = ["\x00", "前\x00后", "\ud800", "甲\udfff乙", *[f"甲{c}乙" for c in CONTROLS], "长" * 20_000]
BIDI = [f"张{chr(c)}三" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
BREAKS = ["甲\n乙", "甲\r\n乙", "甲\r乙"]


def acct(role: Role, name: str, district: str | None = None) -> Account:
    return Account(abs(hash(name)) % 10_000, name, "测试", district, frozenset({role}))


DH, CH, ADMIN = acct(Role.DISTRICT_HANDLER, "dh1", OWN), acct(Role.CITY_HANDLER, "ch1"), acct(Role.ADMIN, "ad1")


@dataclass(frozen=True)
class Case:
    """One text a service takes: its field, how to call the service with it, a valid value
    (stored as given), and where it is stored (table, column) when it is."""

    id: str
    field: validators.Field
    call: Callable[[str, str], object]
    valid: str
    stored: tuple[str, str] | None = None


def problem_id(url: str, key: str) -> int:
    with db.engine(url).connect() as conn:
        return conn.execute(select(Problem.id).where(Problem.subject_key == key)).scalar_one()


def version(url: str, key: str) -> int:
    return workflow.get(DH, problem_id(url, key), url=url).version


def notice_id(url: str) -> int:
    return notices.list_notices(ADMIN, url=url)[0][0].id


CASES = [
    Case("notice-title", validators.TITLE, lambda u, t: notices.publish_notice(ADMIN, t, "内容", url=u),
         "关于\t报送材料的通知", ("office_notice", "title")),
    Case("notice-content", validators.CONTENT, lambda u, t: notices.publish_notice(ADMIN, "标题", t, url=u),
         "各区县：\n\t请于月底前报送。\r\n谢谢", ("office_notice", "content")),
    Case("notice-update-title", validators.TITLE,
         lambda u, t: notices.update_notice(ADMIN, notice_id(u), 1, t, "内容", url=u), "修改后的\t标题",
         ("office_notice", "title")),
    Case("staff-name", validators.PERSON_NAME,
         lambda u, t: staff.add_staff(ADMIN, StaffInput("district", t, "朝阳区人社局", "科员", "13800000001", OWN),
                                        url=u), "欧阳\t修", ("staff_member", "name")),
    Case("staff-unit", validators.UNIT,
         lambda u, t: staff.add_staff(ADMIN, StaffInput("district", "张三", t, "科员", "13800000001", OWN),
                                        url=u), "朝阳区\t人社局", ("staff_member", "unit")),
    Case("staff-position", validators.POSITION,
         lambda u, t: staff.add_staff(ADMIN, StaffInput("district", "张三", "朝阳区人社局", t, "13800000001", OWN),
                                        url=u), "副\t科长", ("staff_member", "position")),
    Case("staff-phone", validators.PHONE,
         lambda u, t: staff.add_staff(ADMIN, StaffInput("district", "张三", "朝阳区人社局", "科员", t, OWN),
                                        url=u), "010-6500 0000", ("staff_member", "phone")),
    Case("report-summary", validators.SUMMARY,
         lambda u, t: district_reports.save_report(DH, OWN, PERIOD, ReportInput(t, "0", "0", "in_progress"), url=u),
         "本期核查 3 个问题：\n\t已追回部分资金。", ("district_report", "summary")),
    Case("opinion", validators.OPINION,
         lambda u, t: workflow.act(DH, problem_id(u, ID2), Action.START, version(u, ID2), t, url=u),
         "已收到，\t开始核查。\n第二行", ("problem_event", "opinion")),
    Case("comment", validators.COMMENT, lambda u, t: comments.comment(DH, problem_id(u, ID1), t, url=u),
         "请补充材料：\n\t1. 死亡证明\r\n2. 追回凭证", ("problem_comment", "body")),
    Case("finding-description", validators.FINDING_DESCRIPTION,
         lambda u, t: findings.record_finding(DH, problem_id(u, ID1), version(u, ID1),
                                              Finding("true", "10", "0", "0", False, 0, t), url=u),
         "已核实：\n\t死亡后继续领取。", ("problem_finding", "description")),
    Case("extra-score-reason", validators.REASON, lambda u, t: scoring.set_extra(CH, PERIOD, OWN, "1", t, url=u),
         "专项检查\t表现突出", ("district_extra_score", "reason")),
    Case("user-name", validators.USER_NAME,
         lambda u, t: accounts.add_user(t, "李四", ["admin"], None, PASSWORD, url=u), "li.si",
         ("app_user", "username")),
    Case("display-name", validators.DISPLAY_NAME,
         lambda u, t: accounts.add_user("li.si", t, ["admin"], None, PASSWORD, url=u), "欧阳\t修",
         ("app_user", "display_name")),
    Case("admin-display-name", validators.DISPLAY_NAME,
         lambda u, t: admin.add_user(ADMIN, "wang.wu", t, ["city_handler"], url=u), "王\t五",
         ("app_user", "display_name")),
    Case("password", validators.PASSWORD,
         lambda u, t: accounts.add_user("zhao.liu", "赵六", ["admin"], None, t, url=u), " Pass\tword 123 "),
    Case("reset-user-name", validators.USER_NAME, lambda u, t: accounts.reset_password(t, PASSWORD + "9", url=u),
         "zhang.san"),
    Case("roles-user-name", validators.USER_NAME,
         lambda u, t: accounts.set_roles(t, ["city_reviewer"], None, url=u), "zhang.san"),
    Case("disable-user-name", validators.USER_NAME, lambda u, t: accounts.set_disabled(t, True, url=u), "zhang.san"),
]


@pytest.fixture
def world(office: str) -> str:
    """A migrated office: two problems of the district (the first being handled), one notice,
    one user."""
    db.upgrade(office)
    publish([evaluation("A01", [(ID1, OWN, "100.50"), (ID2, OWN, "20")])], PERIOD, office)
    workflow.act(DH, problem_id(office, ID1), Action.START, version(office, ID1), url=office)
    notices.publish_notice(ADMIN, "已有的通知", "内容", url=office)
    accounts.add_user("zhang.san", "张三", ["admin"], None, PASSWORD, url=office)
    return office


def rows(url: str) -> dict[str, int]:
    """The number of rows of every office table."""
    with db.engine(url).connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in metadata.sorted_tables}


def hostile_values(field: validators.Field) -> list[str]:
    values = list(HOSTILE)
    if field.name:
        values += BIDI
    if not field.multiline:
        values += BREAKS
    return values


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_text_refused_and_nothing_written(world: str, case: Case) -> None:
    before = rows(world)
    for value in hostile_values(case.field):
        with pytest.raises(InvalidInput) as e:
            case.call(world, value)
        assert e.value.zh.startswith(case.field.zh) and e.value.exit_code == 2, (value[:10], e.value.zh)
        assert "\n" not in e.value.zh and "Traceback" not in e.value.zh
    assert rows(world) == before  # not a row, not a log record
    case.call(world, case.valid)  # a valid text, with tab (and line breaks where the field allows them)
    if case.stored:
        table, column = case.stored
        with db.engine(world).connect() as conn:
            got = conn.execute(text(f"SELECT {column} FROM {table}")).scalars().all()
        assert case.valid.strip() in got


LIMITED = [c for c in CASES if c.stored and c.id not in ("user-name", "staff-phone")]  # formats of their own


@pytest.mark.parametrize("case", LIMITED, ids=[c.id for c in LIMITED])
def test_the_limit_is_stored_and_one_more_refused(world: str, case: Case) -> None:
    """Exactly the limit (in Chinese characters) is stored: the columns hold the limits on
    PostgreSQL too (migration 0012); one more is refused before the database."""
    limit = case.field.limit
    before = rows(world)
    with pytest.raises(InvalidInput) as e:
        case.call(world, "字" * (limit + 1))
    assert e.value.zh == f"{case.field.zh}不能超过 {limit} 个字符（现有 {limit + 1} 个）"
    assert rows(world) == before
    case.call(world, "字" * limit)
    table, column = case.stored
    with db.engine(world).connect() as conn:
        assert "字" * limit in conn.execute(text(f"SELECT {column} FROM {table}")).scalars().all()


def test_required_fields_say_what_to_fill(world: str) -> None:
    with pytest.raises(InvalidInput) as e:
        notices.publish_notice(ADMIN, " \t ", "内容", url=world)
    assert e.value.zh == "请填写标题"


def test_passwords_are_kept_as_typed(world: str) -> None:
    accounts.add_user("qian.qi", "钱七", ["admin"], None, "  spaced password  ", url=world)
    with pytest.raises(AuthError):
        accounts.login("qian.qi", "spaced password", url=world)
    assert accounts.login("qian.qi", "  spaced password  ", url=world)


# ---------------------------------------------------------------- the command line
def cli(args: list[str | bytes], office: str, home: Path, stdin: bytes = b"") -> subprocess.CompletedProcess:
    env = {**os.environ, "WORKBENCH_HOME": str(home), "WORKBENCH_OFFICE_DB": office}
    env.pop("WORKBENCH_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], env=env, input=stdin,
                          capture_output=True, cwd=ROOT, timeout=120)


BAD_ARGV: list[list[str | bytes]] = [
    ["users", "add", b"\xff\xfezhang", "--role", "admin"],                 # not UTF-8: surrogates
    ["users", "add", "zhang\x1b[31m", "--role", "admin"],                  # an escape sequence
    ["users", "add", "li.si", "--name", b"\xe6\x9d\x8e\xff", "--role", "admin"],
    ["users", "add", "li.si", "--name", "李\u202e四", "--role", "admin"],  # right-to-left override
    ["users", "add", "li.si", "--name", "李" * 101, "--role", "admin"],
    ["users", "add", "li.si", "--role", "admin\x07"],
    ["users", "add", "li.si", "--role", "district_handler", "--district", "110105\x7f\x85"],
    ["users", "disable", b"zhang.san\xff"],
    ["users", "reset", "zhang.san\x08"],
    ["users", "roles", "zhang.san", "--role", b"admin\xc0"],
    ["problems", "export", "--period", "2024\x0706", "--out", "p.csv"],
    ["package", "export", "--period", "202406", "--out", b"pkg\xff.zip"],
]


@pytest.mark.parametrize("argv", BAD_ARGV, ids=[str(i) for i in range(len(BAD_ARGV))])
def test_cli_refuses_hostile_arguments_with_one_line(office: str, home: Path, argv: list) -> None:
    db.upgrade(office)
    accounts.add_user("zhang.san", "张三", ["admin"], None, PASSWORD, url=office)
    before = rows(office)
    r = cli(argv, office, home)
    err = r.stderr.decode("utf-8")
    assert r.returncode == 2, err
    assert err.startswith("Error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert r.stdout == b""
    assert rows(office) == before


def test_cli_password_from_stdin_not_utf8(office: str, home: Path) -> None:
    db.upgrade(office)
    before = rows(office)
    r = cli(["users", "add", "li.si", "--role", "admin", "--password-stdin"], office, home, b"Passw\xffrd-123\n")
    err = r.stderr.decode("utf-8")
    assert r.returncode == 2 and err.startswith("Error: password: ") and err.count("\n") == 1, err
    assert rows(office) == before
    r = cli(["users", "add", "li.si", "--name", "李\t四", "--role", "admin", "--password-stdin"], office, home,
            b"Password-123\n")
    assert r.returncode == 0, r.stderr.decode()
    assert accounts.login("li.si", "Password-123", url=office)


# ---------------------------------------------------------------- imports
def test_import_report_names_line_column_and_reason(tmp_path: Path) -> None:
    import csv

    path = tmp_path / "staff.csv"
    path.write_text("name,unit,note\n张三,朝阳区人社局,好\n李\u202e四,海淀区\x00人社局,\n,西城区,x\n"
                    f"王五,{'单' * 201},\n", encoding="utf-8", newline="")
    with path.open(encoding="utf-8", newline="") as f:
        got = validators.check_rows(csv.DictReader(f), {"name": validators.PERSON_NAME, "unit": validators.UNIT,
                                                        "note": validators.COMMENT.optional()})
    assert got == ["line 3: name: contains a bidirectional control character (U+202E) at character 2",
                   "line 3: unit: contains a control character (U+0000) at character 4",
                   "line 4: name: is required",
                   "line 5: unit: has 201 characters, more than 200"]


def test_fields_refuse_what_security_md_lists() -> None:
    assert validators.USER_NAME.limit == validators.PERSON_NAME.limit == 100
    assert (validators.TITLE.limit, validators.OPINION.limit, validators.COMMENT.limit,
            validators.FILE_NAME.limit) == (300, 10_000, 10_000, 200)
    for c in [*CONTROLS, "\ud800", "\udc80"]:
        assert validators.COMMENT.problem(f"a{c}b"), repr(c)
    assert validators.COMMENT.problem("a\tb\nc\r\nd") is None
    assert validators.TITLE.problem("标题\u202e") is None and validators.FILE_NAME.problem("a\u2066.pdf")
    assert validators.COMMENT.clean("  x  ") == "x" and validators.PASSWORD.clean("  x  ") == "  x  "


# ---------------------------------------------------------------- a real browser
WEB_SETUP = """
from workbench.office import accounts
accounts.add_user("ad1", "管理员", ["admin"], None, "Password-123")
"""


@pytest.mark.browser
def test_notice_form_shows_the_chinese_message(tmp_path: Path, browser) -> None:
    from web_support import login, serving

    with serving(tmp_path / "home", WEB_SETUP) as base:
        page = login(browser, base, "ad1")
        page.goto(base + "/notices")
        page.locator("#wb-user").wait_for()
        page.wait_for_load_state("networkidle")
        content = page.get_by_label("内容")

        def submit(title: str, body: str) -> None:
            page.get_by_label("标题").fill(title)
            page.get_by_label("标题").press("Tab")
            # past the widget's maxlength and what a keyboard types: straight into the element
            content.evaluate("(el, v) => { el.value = v; el.dispatchEvent(new Event('change', {bubbles: true})); }",
                             body)
            page.get_by_role("button", name="发布", exact=True).click()

        submit("二万字的通知", "长" * 20_000)
        page.get_by_text("内容不能超过 10000 个字符（现有 20000 个）").wait_for()
        submit("含空字符的通知", "前\x00后")
        page.get_by_text("内容含有不允许的控制字符（U+0000）").wait_for()
        submit("含代理字符的通知", "前\ud800后")
        page.get_by_text("内容含有无效字符（U+D800）").wait_for()
        body = page.locator("body").inner_text()
        assert "Traceback" not in body and "Error" not in body
        submit("正常的通知", "各区县：\n\t请按时报送。")  # the page still works
        page.get_by_text("通知已发布").wait_for()
        page.locator(".wb-notice-title", has_text="正常的通知").first.wait_for()
        assert page.locator(".wb-notice-title", has_text="二万字的通知").count() == 0


def test_search_filters_refuse_hostile_text(world: str) -> None:
    """What a search form brings reaches the query only once checked (a NUL is a database
    error on PostgreSQL); periods take ASCII digits only."""
    from workbench.errors import OfficeError
    from workbench.office.workflow import QueueFilter

    searches = (lambda v: workflow.queue(DH, QueueFilter(indicator_codes=(v,)), url=world),
                lambda v: workflow.queue(CH, QueueFilter(district_code=v), url=world),
                lambda v: workflow.queue(CH, QueueFilter(period=v), url=world),
                lambda v: district_reports.list_reports(CH, district_code=v, url=world),
                lambda v: staff.list_staff(ADMIN, district_code=v, url=world))
    for value in ("A01\x00", "\ud800", "x" * 20_000):
        for search in searches:
            with pytest.raises(InvalidInput):
                search(value)
    with pytest.raises(OfficeError) as e:
        district_reports.save_report(DH, OWN, "٢٠٢٤06", ReportInput("说明", "0", "0", "in_progress"), url=world)
    assert e.value.zh == "期间格式应为 YYYYMM，如 202406"
    assert workflow.queue(DH, QueueFilter(indicator_codes=("A01",)), url=world)[1] == 2
