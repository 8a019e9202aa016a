"""The work queue page (apps/queue.py) and the page platform under it (workbench.web.page,
registry, server): each role lands on the work it can act on, the bulk action offers only what
access allows with none chosen, one 编号 link column, the 只看逾期 label ticks its box,
messages beside the controls that caused them, a table as tall as its rows, the pager in
Chinese; every registered page builds without a Panel or Bokeh deprecation warning.

The browser tests (``-m browser``) leave screenshots in artifacts/screenshots/queue-*.png."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from web_support import login, screenshot, serving

from workbench.office.accounts import Account
from workbench.office.roles import Role

PASSWORD = "Password-123"
OWN, OTHER, CITY = "110105", "110108", "110000"
# (subject, district, state, escalation, overdue): the problems of every queue test
PROBLEMS = [
    ("110101199001010011", OWN, "pending", None, False),
    ("110101199001010022", OWN, "district_handling", None, True),
    ("110101199001010033", OWN, "district_review", None, False),
    ("110101199001010044", OTHER, "city_review", None, False),
    ("110101199001010055", OTHER, "city_approval", None, False),
    ("110101199001010066", CITY, "pending", None, False),
    ("110101199001010077", OTHER, "pending", "requested", False),
    ("110101199001010088", OTHER, "district_handling", None, False),
]
USERS = [("dh1", "district_handler", OWN), ("dr1", "district_reviewer", OWN), ("ch1", "city_handler", None),
         ("cr1", "city_reviewer", None), ("ad1", "admin", None)]
# what each role lands on: the subjects (last two digits) of its default queue
MINE = {"dh1": {"11", "22"}, "dr1": {"33"}, "ch1": {"44", "66"}, "cr1": {"55", "77"}}


def prepare(url: str | None = None) -> None:
    """The office of the queue tests: the problems of ``PROBLEMS`` in their states, the users
    of ``USERS``."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update
    from test_office_publish import evaluation

    from workbench.office import accounts, db
    from workbench.office.models import Problem
    from workbench.office.publish import publish

    publish([evaluation("YL-001", [(s, d, "10.00") for s, d, *_ in PROBLEMS])], "202406", url=url)
    with db.ready(url).begin() as conn:
        for subject, _, state, escalation, overdue in PROBLEMS:
            values = {"state": state, "escalation": escalation}
            if overdue:
                values["deadline"] = datetime.now(UTC) - timedelta(days=3)
            conn.execute(update(Problem).where(Problem.subject_key == subject).values(**values))
    for user, role, district in USERS:
        accounts.add_user(user, "测试" + user, [role], district, PASSWORD, url=url)


def account(user: str) -> Account:
    _, role, district = next(u for u in USERS if u[0] == user)
    return Account(USERS.index(next(u for u in USERS if u[0] == user)) + 1, user, "测试" + user, district,
                   frozenset({Role(role)}))


def tails(page) -> set[str]:
    """The subjects' last two digits shown by a queue page (subjects are masked)."""
    return {s[-2:] for s in page.table.value["对象"]}


@pytest.fixture
def queue_office(home: Path) -> None:
    prepare()


# ----------------------------------------------------------------------------- platform
def test_registry_lists_every_page_as_a_page_class() -> None:
    from workbench.web.page import Page
    from workbench.web.registry import PAGES

    assert len({p.route for p in PAGES}) == len(PAGES)
    for spec in PAGES:
        cls = spec.load()
        assert issubclass(cls, Page), spec
        assert cls.spec() == spec, spec  # route and title live in the registry only
        assert spec.module.startswith("workbench.apps.")


def test_menu_and_landing_follow_access() -> None:
    from workbench.web import registry

    city = [p.route for p in registry.menu(account("ch1"))]
    assert city[0] == "/" and "/statistics" in city and "/users" not in city and "/problem" not in city
    admin = registry.menu(account("ad1"))
    assert "/" not in [p.route for p in admin] and "/users" in [p.route for p in admin]
    assert registry.landing(account("ad1")).route in ("/notices", "/users")  # no queue of problems
    assert registry.landing(account("dh1")).route == "/"


def test_every_registered_page_builds_without_deprecation_warnings(queue_office: None) -> None:
    """Every page a role may see, built into Bokeh models as a server would: a Panel or Bokeh
    deprecation warning fails the test."""
    from bokeh.document import Document

    from workbench.web import registry

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for user, *_ in USERS:
            for spec in registry.for_account(account(user)):
                if spec.route == "/problem":
                    continue  # needs a problem id in the URL: built by the browser tests
                page = spec.load()(account(user))
                page.__panel__().get_root(Document())
    deprecated = [f"{w.filename}:{w.lineno}: {w.message}" for w in caught
                  if issubclass(w.category, DeprecationWarning | PendingDeprecationWarning | FutureWarning)
                  and ours_or_the_web_stack(w.filename) and not bokehs_own_pandas_call(w)]
    assert not deprecated, deprecated


def ours_or_the_web_stack(filename: str) -> bool:
    """A warning raised in our code (Panel reports a deprecated argument at the page's line) or
    in Panel, Bokeh or param themselves (other libraries' own deprecations are pyproject's)."""
    import bokeh
    import panel
    import param

    import workbench

    roots = [Path(m.__file__).parent for m in (workbench, panel, bokeh, param)]
    return any(Path(filename).resolve().is_relative_to(r.resolve()) for r in roots) or "/apps/" in filename


def bokehs_own_pandas_call(w: warnings.WarningMessage) -> bool:
    """Bokeh 3.9's ColumnDataSource.from_df calls ``reset_index(inplace=True)``, which pandas
    3.1 deprecates: Bokeh's own call on every table, nothing a page can change."""
    return w.filename.replace("\\", "/").endswith("bokeh/models/sources.py") and "inplace" in str(w.message)


def test_header_menu_is_the_accounts_pages(queue_office: None) -> None:
    from workbench.apps.queue import QueuePage

    header = QueuePage(account("dh1")).__panel__()[0].object
    assert '<a href="/">工作队列</a>' in header and '<a href="/statistics">' in header
    assert '<a href="/users">' not in header and '<a href="/log">' not in header


def test_message_zh_is_the_one_chinese_message() -> None:
    from workbench.errors import FAILED_ZH, OfficeError, UsageError, message_zh
    from workbench.validators import InvalidInput

    assert message_zh(OfficeError("no", "不行")) == "不行"
    assert message_zh(InvalidInput("name", "姓名", "too long", "过长")) == "姓名过长"
    assert message_zh(UsageError("bad")) == FAILED_ZH
    assert message_zh(ValueError("boom"), "请重新登录") == "请重新登录"


def test_tables_speak_chinese() -> None:
    from bokeh.document import Document

    from workbench.web.widgets import StrictTabulator

    langs = StrictTabulator().get_root(Document()).configuration
    assert langs["locale"] == "zh-cn"
    assert langs["langs"]["zh-cn"]["pagination"]["next"] == "下一页"


# ----------------------------------------------------------------------------- queue
@pytest.mark.parametrize("user", sorted(MINE))
def test_each_role_lands_on_the_work_it_can_act_on(queue_office: None, user: str) -> None:
    from workbench.apps.queue import QueuePage

    page = QueuePage(account(user))
    page.__panel__()
    assert tails(page) == MINE[user]
    assert page.bulk.value == ""  # no bulk action chosen beforehand
    deadlines = list(page.table.value["期限"])
    assert deadlines == sorted(deadlines)  # earliest deadline first


def test_bulk_actions_are_only_those_access_allows(queue_office: None) -> None:
    from workbench.apps.queue import QueuePage

    offered = {}
    for user in MINE:
        page = QueuePage(account(user))
        page.__panel__()
        offered[user] = [k for k, v in page.bulk.options.items() if v]
    assert offered["dh1"] == ["开始处理"]
    assert "开始处理" not in offered["dr1"] and "开始处理" not in offered["cr1"]
    assert offered["ch1"] == ["开始处理", "市级受理"] or set(offered["ch1"]) <= {"开始处理", "市级受理"}


def test_one_link_column_for_the_problem(queue_office: None) -> None:
    from workbench.apps.queue import QueuePage

    page = QueuePage(account("dh1"))
    page.__panel__()
    assert "问题" not in page.table.value.columns
    assert all(v.startswith('<a href="/problem?id=') for v in page.table.value["编号"])


def test_city_roles_filter_by_district_and_district_roles_do_not(queue_office: None) -> None:
    from workbench.apps.queue import QueuePage

    city = QueuePage(account("ch1"))
    city.__panel__()
    assert city.district.visible and "朝阳区" in city.district.options and "市级" in city.district.options
    city.state.value = "open"  # 全部未办结
    assert tails(city) == {"11", "22", "33", "44", "55", "66", "77", "88"}
    city.district.value = OTHER
    assert tails(city) == {"44", "55", "77", "88"}
    district = QueuePage(account("dh1"))
    district.__panel__()
    assert not district.district.visible


def test_overdue_filter_and_messages_beside_the_bulk_controls(queue_office: None) -> None:
    from workbench.apps.queue import QueuePage

    page = QueuePage(account("dh1"))
    layout = page.__panel__()
    page.overdue.value = ["只看逾期"]
    assert tails(page) == {"22"}
    page.run_bulk.clicks += 1
    bulk_row = layout[1][-1]
    assert page.bulk_msg in bulk_row.objects and page.bulk_msg.visible
    assert "请先选择批量操作" in page.bulk_msg.object
    assert not page.filter_msg.visible


def test_admin_lands_on_a_page_it_can_use(queue_office: None, monkeypatch) -> None:
    from workbench.web import auth, server

    monkeypatch.setattr(auth, "current_account", lambda: account("ad1"))
    built = server.build("/")
    assert not hasattr(built, "bulk") and type(built).__name__ != "QueuePage"
    assert type(built).spec().route in ("/notices", "/users")


def test_the_server_refuses_a_page_access_refuses(queue_office: None, monkeypatch) -> None:
    from workbench.web import auth, server

    monkeypatch.setattr(auth, "current_account", lambda: account("dh1"))
    refused = server.build("/users").__panel__()
    assert "只有综合管理人员" in refused[1][0].object and len(refused) == 2  # header and the refusal, no body
    assert type(server.build("/")).__name__ == "QueuePage"


# ----------------------------------------------------------------------------- browser
SETUP = "from test_web_queue import prepare; prepare()"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("queue") / "home", SETUP) as base:
        yield base


@pytest.mark.browser
def test_city_handler_sees_its_own_work_with_a_district_filter(server, browser) -> None:
    page = login(browser, server, "ch1")
    page.locator("#wb-count", has_text="共 2 个问题").wait_for()
    assert page.locator(".tabulator-row").count() == 2
    bulk = page.get_by_role("combobox").filter(has_text="请选择批量操作")
    assert bulk.input_value() == "请选择批量操作"  # the placeholder: nothing preselected
    assert "区县处理中" not in page.locator(".tabulator-table").inner_text()
    page.locator("select").filter(has_text="全部区县").select_option(label="海淀区")
    page.locator("#wb-count", has_text="共 1 个问题").wait_for()
    screenshot(page, "queue-city-handler")
    page.locator("select").filter(has_text="我的待办").select_option(label="全部未办结")
    page.locator("#wb-count", has_text="共 4 个问题").wait_for()  # every open problem of 海淀区
    page.context.close()


@pytest.mark.browser
def test_overdue_label_ticks_its_box_and_the_table_fits_its_rows(server, browser) -> None:
    page = login(browser, server, "dh1")
    page.locator("#wb-count", has_text="共 2 个问题").wait_for()
    page.get_by_text("只看逾期", exact=True).click()
    page.locator("#wb-count", has_text="共 1 个问题").wait_for()
    assert page.get_by_label("只看逾期").is_checked()
    table = page.locator(".tabulator").first.bounding_box()
    rows = page.locator(".tabulator-row")
    last = rows.last.bounding_box()
    assert table["y"] + table["height"] - (last["y"] + last["height"]) < 40  # no blank gap under the rows
    assert page.locator(".tabulator-header .tabulator-col", has_text="编号").count() == 1
    assert page.locator(".tabulator-header .tabulator-col", has_text="问题").count() == 0
    screenshot(page, "queue-overdue")
    page.context.close()


@pytest.mark.browser
def test_bulk_message_is_beside_the_bulk_controls(server, browser) -> None:
    page = login(browser, server, "dr1")
    page.locator("#wb-count", has_text="共 1 个问题").wait_for()
    page.get_by_role("button", name="对选中问题执行").click()
    alert = page.locator(".alert", has_text="请先选择批量操作")
    alert.wait_for()
    button = page.get_by_role("button", name="对选中问题执行").bounding_box()
    box = alert.bounding_box()
    assert abs(box["y"] - button["y"]) < 60  # on the controls' row, not at the top of the page
    screenshot(page, "queue-bulk-message")
    page.context.close()


@pytest.mark.browser
def test_admin_lands_without_a_queue(server, browser) -> None:
    page = browser.new_context().new_page()
    page.set_default_timeout(60_000)
    page.goto(server + "/")
    page.fill("#username", "ad1")
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.locator("#wb-user").wait_for()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("我的工作队列").count() == 0
    assert page.get_by_text("批量操作").count() == 0
    assert page.locator("#wb-menu a[href='/users']").count() == 1
    screenshot(page, "queue-admin-landing")
    page.context.close()
