"""The server decides from its own data (security.md, "Hostile input"): a bulk action acts on
the ids the queue page displayed, never on what the browser sends back; edited table data,
selections of rows never shown, forged select values and clicks on hidden buttons change
nothing and get one Chinese message; the users page starts with no user selected, refuses
an action without one and asks to confirm 停用 / 重置密码 / 保存角色 by name. Service level
on SQLite and PostgreSQL, then real chromium against `workbench serve` with the database
checked after each attempt."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update
from test_office_publish import evaluation
from web_support import login, serving

from workbench.errors import OfficeError, PermissionDenied
from workbench.office import accounts, admin, db, workflow
from workbench.office.accounts import Account
from workbench.office.models import ActionLog, Problem, ProblemFinding
from workbench.office.publish import publish
from workbench.office.roles import Role
from workbench.office.states import ACTION_LABELS, Action, ProblemState

OWN, OTHER = "110105", "110108"
ADMIN = Account(9101, "boss", "管理员", None, frozenset({Role.ADMIN}))
DH = Account(9102, "dh.forged", "区县", OWN, frozenset({Role.DISTRICT_HANDLER}))
CR = Account(9103, "cr.forged", "市级", None, frozenset({Role.CITY_REVIEWER}))


def log_count(url: str) -> int:
    with db.engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(ActionLog)).scalar_one()


def states(url: str) -> dict[int, tuple[str, int]]:
    with db.engine(url).connect() as conn:
        return {r.id: (r.state, r.version) for r in conn.execute(select(Problem.id, Problem.state, Problem.version))}


# ----------------------------------------------------------------------------- service: admin
def test_admin_changes_need_a_known_user_and_never_fall_back(office: str) -> None:
    accounts.add_user("boss", "管理员", ["admin"], None, "Correct-Horse-9", url=office)
    accounts.add_user("zhang.san", "张三", ["district_handler"], OWN, "Correct-Horse-9", url=office)
    before = log_count(office)
    refused = []
    for name in ("", "   ", None):
        refused += [lambda n=name: admin.set_disabled(ADMIN, n, True, url=office),
                    lambda n=name: admin.set_disabled(ADMIN, n, False, url=office),
                    lambda n=name: admin.reset_password(ADMIN, n, url=office),
                    lambda n=name: admin.set_roles(ADMIN, n, ["city_handler"], url=office)]
    for call in refused:
        with pytest.raises(OfficeError) as e:
            call()
        assert e.value.zh == "请先选择用户"
    for call in (lambda: admin.set_disabled(ADMIN, "ghost", True, url=office),
                 lambda: admin.reset_password(ADMIN, "ghost", url=office),
                 lambda: admin.set_roles(ADMIN, "ghost", ["city_handler"], url=office)):
        with pytest.raises(OfficeError) as e:
            call()
        assert e.value.zh == "用户 ghost 不存在"
    # an admin can neither disable their own account nor drop their own admin role
    with pytest.raises(PermissionDenied, match="own account"):
        admin.set_disabled(ADMIN, "boss", True, url=office)
    with pytest.raises(PermissionDenied, match="own admin role"):
        admin.set_roles(ADMIN, "boss", ["city_handler"], url=office)
    assert log_count(office) == before
    listed = {a.username: (a.roles, disabled) for a, disabled in accounts.list_users(office)}
    assert listed == {"boss": ({Role.ADMIN}, False), "zhang.san": ({Role.DISTRICT_HANDLER}, False)}


# ----------------------------------------------------------------------------- service: bulk
@pytest.fixture
def two_problems(office: str) -> tuple[str, int, int]:
    publish([evaluation("A01", [("110101199001011234", OWN, "10"), ("110101199001015678", OTHER, "20")])],
            "202406", office)
    with db.engine(office).connect() as conn:
        own, other = (conn.execute(select(Problem.id).where(Problem.district_code == d)).scalar_one()
                      for d in (OWN, OTHER))
    return office, own, other


def test_a_bulk_action_is_refused_whole_unless_the_role_may_take_it(two_problems) -> None:
    url, own, _ = two_problems
    before, logged = states(url), log_count(url)
    assert workflow.bulk_actions(DH) == [Action.START]
    assert workflow.bulk_actions(CR) == [Action.APPROVE]
    for action, message in ((Action.APPROVE, "您的角色不能批量执行“通过”"),       # the district handler's role may not
                            (Action.REASSIGN, "“协调委派”不能批量执行"),        # not a bulk action at all
                            (Action.RETURN, "“退回”不能批量执行"),
                            ("drop_table", "批量操作无效")):
        with pytest.raises(OfficeError) as e:
            workflow.act_many(DH, [(own, 1)], action, url=url)
        assert e.value.zh == message
    for items in ([], [(own, "1")], [("1", 1)], [(own,)], [[own, 1]], [(own, True)]):
        with pytest.raises(OfficeError) as e:
            workflow.act_many(DH, items, Action.START, url=url)
        assert e.value.zh in ("请先勾选问题", "所选问题无效")
    assert states(url) == before and log_count(url) == logged


def test_each_id_of_a_bulk_action_is_checked_against_the_database(two_problems) -> None:
    url, own, other = two_problems
    v_own, v_other = states(url)[own][1], states(url)[other][1]
    out = workflow.act_many(DH, [(other, v_other), (own, v_own + 7), (own, v_own)], Action.START, url=url)
    # another district's problem: as if it did not exist; a stale version: refused; the own, current one: done
    assert out == {other: "问题不存在或无权查看", own: None}
    assert states(url)[own] == ("district_handling", v_own + 1)
    assert states(url)[other] == ("pending", v_other)
    stale = workflow.act_many(DH, [(own, v_own)], Action.START, url=url)
    assert stale[own] in ("该问题已被他人修改，请刷新后重试", "当前状态（区县处理中）不能执行“开始处理”")


# ----------------------------------------------------------------------------- browser
SETUP = f"""
from test_office_publish import evaluation
from workbench.office.publish import publish
from workbench.office import accounts
publish([evaluation("YL-001", [("110101199001011234", "{OWN}", "100.50"), ("110101199001015678", "{OTHER}", "20")])],
        "202406")
for user, role, district in [("admin", "admin", None), ("dh1", "district_handler", "{OWN}"),
                             ("zhang.san", "district_handler", "{OWN}")]:
    accounts.add_user(user, "测试" + user, [role], district, "Password-123")
"""
HOMES: dict[str, str] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("forged")
    HOMES["office"] = f"sqlite:///{root / 'home' / 'office.sqlite'}"
    with serving(root / "home", SETUP) as base:
        yield base


def users_state(url: str) -> dict[str, tuple[bool, frozenset]]:
    return {a.username: (disabled, a.roles) for a, disabled in accounts.list_users(url)}


def user_changes(url: str) -> int:
    with db.engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(ActionLog)
                            .where(ActionLog.action == "user_change")).scalar_one()


def alert(page, text: str | re.Pattern) -> None:
    try:
        page.locator(".alert", has_text=text).first.wait_for(timeout=20_000)
    except Exception:
        page.screenshot(path="/tmp/forged-fail.png", full_page=True)
        shown = [a.inner_text() for a in page.locator(".alert").all()]
        raise AssertionError(f"no message {text!r}; the page shows {shown}") from None


def click(page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name=name, exact=True).click()


def bokeh(page, body: str, arg=None):
    """Run ``body`` (a JS function body with ``doc``, ``find`` and ``arg``) on the page's Bokeh document."""
    return page.evaluate(f"""(arg) => {{
        const doc = Bokeh.documents[0]
        const find = (test) => {{ for (const m of doc.all_models) {{ if (test(m)) return m }} return null }}
        {body}
    }}""", arg)


@pytest.mark.browser
def test_users_page_starts_with_nobody_selected_and_refuses_actions(server, browser) -> None:
    url = HOMES["office"]
    before, changes = users_state(url), user_changes(url)
    page = login(browser, server, "admin")
    page.goto(server + "/users")
    page.get_by_text("修改用户").wait_for()
    who = page.get_by_role("combobox").filter(has_text="请选择用户")
    assert who.evaluate("s => s.options[s.selectedIndex].text") == "请选择用户"
    for button in ("启用", "停用", "重置密码", "保存角色"):
        click(page, button)
        alert(page, "请先选择用户")
        page.evaluate("() => document.querySelectorAll('.alert').forEach(a => a.textContent = '')")
    assert page.locator("#wb-confirm").count() == 0
    assert users_state(url) == before and user_changes(url) == changes  # admin (and everyone) untouched


@pytest.mark.browser
def test_destructive_user_actions_ask_to_confirm_by_name(server, browser) -> None:
    url = HOMES["office"]
    page = login(browser, server, "admin")
    page.goto(server + "/users")
    page.get_by_text("修改用户").wait_for()
    # a click on the hidden 确认 (a forged event: no question asked) changes nothing
    bokeh(page, """const b = find(m => m.label === "确认")
                   b.trigger_event(new (Bokeh.require("core/bokeh_events").ButtonClick)())""")
    alert(page, "页面数据与服务器不一致")
    assert users_state(url)["admin"] == (False, frozenset({Role.ADMIN}))
    changes = user_changes(url)

    page.get_by_role("combobox").filter(has_text="请选择用户").select_option("zhang.san")
    page.wait_for_load_state("networkidle")
    click(page, "停用")
    page.locator("#wb-confirm", has_text="确认停用用户 zhang.san？").wait_for()
    assert users_state(url)["zhang.san"][0] is False and user_changes(url) == changes  # one click did nothing
    click(page, "取消")
    page.locator("#wb-confirm").wait_for(state="detached")
    assert users_state(url)["zhang.san"][0] is False and user_changes(url) == changes

    click(page, "重置密码")
    page.locator("#wb-confirm", has_text="确认重置用户 zhang.san 的密码？").wait_for()
    click(page, "停用")
    page.locator("#wb-confirm", has_text="确认停用用户 zhang.san？").wait_for()
    click(page, "确认")
    alert(page, "已停用 zhang.san")
    assert users_state(url)["zhang.san"][0] is True and user_changes(url) == changes + 1  # only the disable

    click(page, "保存角色")
    page.locator("#wb-confirm", has_text="确认将用户 zhang.san 的角色改为").wait_for()
    assert user_changes(url) == changes + 1
    click(page, "启用")  # not destructive: at once, and it drops the question
    alert(page, "已启用 zhang.san")
    page.locator("#wb-confirm").wait_for(state="detached")
    assert users_state(url)["zhang.san"] == (False, frozenset({Role.DISTRICT_HANDLER}))
    assert users_state(url)["admin"] == (False, frozenset({Role.ADMIN}))


def queue_page(browser, server):
    page = login(browser, server, "dh1")
    page.locator("#wb-count", has_text="共 1 个问题").wait_for()
    return page


@pytest.mark.browser
def test_tampered_queue_table_changes_nothing(server, browser) -> None:
    url = HOMES["office"]
    page = queue_page(browser, server)
    before = states(url)
    with db.engine(url).connect() as conn:
        own, other = (conn.execute(select(Problem.id).where(Problem.district_code == d)).scalar_one()
                      for d in (OWN, OTHER))
    page.get_by_role("combobox").filter(has_text="请选择批量操作").select_option(label=ACTION_LABELS[Action.START])
    page.wait_for_load_state("networkidle")
    # 1. the table's data rewritten in the browser to show the other district's problem, row 0 selected
    bokeh(page, """const t = find(m => String(m.type).includes("Tabulator"))
                   const src = t.source
                   const data = src.data instanceof Map ? Object.fromEntries(src.data) : {...src.data}
                   data["编号"] = [`<a href="/problem?id=${arg}">#${arg}</a>`]
                   src.data = data
                   src.selected.indices = [0]""", other)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    click(page, "对选中问题执行")
    alert(page, "页面数据与服务器不一致（可能被篡改），未执行任何操作")
    assert states(url) == before
    # 2. a selection of rows the page never showed (Panel alone would read -1 as the last row)
    for indices in ([7], [-1], [0, 0], [1, 2, 3]):
        page.reload()
        page.locator("#wb-count", has_text="共 1 个问题").wait_for()
        page.get_by_role("combobox").filter(has_text="请选择批量操作").select_option(
            label=ACTION_LABELS[Action.START])
        page.wait_for_load_state("networkidle")
        bokeh(page, 'find(m => String(m.type).includes("Tabulator")).source.selected.indices = arg', indices)
        alert(page, "页面数据与服务器不一致（可能被篡改），未执行任何操作")
        click(page, "对选中问题执行")
        alert(page, re.compile("请先勾选问题|未执行任何操作"))
        assert states(url) == before, indices
    # 3. a bulk action not among the options (the district handler may not approve)
    page.reload()
    page.locator("#wb-count", has_text="共 1 个问题").wait_for()
    bokeh(page, 'find(m => m.title === "批量操作").value = arg', ACTION_LABELS[Action.APPROVE])
    alert(page, "页面数据与服务器不一致")
    page.locator(".tabulator-row input[type=checkbox]").first.check()
    page.wait_for_load_state("networkidle")
    click(page, "对选中问题执行")
    alert(page, "请先选择批量操作")
    assert states(url) == before
    # the page still works: the real selection of the row it showed is acted on
    page.get_by_role("combobox").filter(has_text="请选择批量操作").select_option(label=ACTION_LABELS[Action.START])
    page.wait_for_load_state("networkidle")
    click(page, "对选中问题执行")
    alert(page, "已处理 1 个")
    after = states(url)
    assert after[own] == ("district_handling", before[own][1] + 1) and after[other] == before[other]


@pytest.mark.browser
def test_a_click_on_a_disabled_button_of_the_problem_page_changes_nothing(server, browser) -> None:
    """The findings form is disabled until the problem is being handled: a click forged onto its
    save button (and a forged conclusion) is refused with one message; nothing is saved."""
    url = HOMES["office"]
    with db.engine(url).connect() as conn:
        own, was = conn.execute(select(Problem.id, Problem.state).where(Problem.district_code == OWN)).one()
        findings = conn.execute(select(func.count()).select_from(ProblemFinding)).scalar_one()
    # this module's other tests may have started the problem: for this one it waits (form closed)
    with db.engine(url).begin() as conn:
        conn.execute(update(Problem).where(Problem.id == own).values(state=ProblemState.PENDING.value))
    try:
        before = states(url)
        page = login(browser, server, "dh1")
        page.goto(f"{server}/problem?id={own}")
        page.locator("#wb-state").wait_for()
        page.locator(".bk-tab", has_text="核查结果").first.click()  # tabs are built when first opened
        page.get_by_role("button", name="保存核查结果", exact=True).wait_for()
        page.wait_for_load_state("networkidle")
        bokeh(page, """const save = find(m => m.label === "保存核查结果")
                       if (!save.disabled) throw new Error("the findings form is open")
                       const pick = find(m => m.title === "核查结论")
                       pick.value = "true"
                       save.trigger_event(new (Bokeh.require("core/bokeh_events").ButtonClick)())""")
        alert(page, "页面数据与服务器不一致")
        with db.engine(url).connect() as conn:
            assert conn.execute(select(func.count()).select_from(ProblemFinding)).scalar_one() == findings
        assert states(url) == before
    finally:
        with db.engine(url).begin() as conn:
            conn.execute(update(Problem).where(Problem.id == own).values(state=was))
