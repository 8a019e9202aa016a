"""In a real browser (Debian's chromium through Playwright) against `workbench serve`: the log
review page shows every record's details in words (Chinese labels and values, no JSON, no
English keys), every text escaped exactly once (HTML in a logged value is neither run nor
shown as entities such as ``&lt;``); the users page offers every role by its label and code."""

from __future__ import annotations

import re

import pytest
from web_support import login, screenshot, serving

from workbench.office.roles import Role

pytestmark = pytest.mark.browser
NAME = '<b>粗</b> & "引号" <script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
INTRUDER = "<i>x</i>&amp;"  # a failed login's user name is logged as its actor and target
SETUP = f"""
from workbench.errors import AuthError
from workbench.office import accounts
accounts.add_user("ad1", "测试管理员", ["admin"], None, "Password-123")
accounts.add_user("dh1", {NAME!r}, ["district_handler"], "110105", "Password-123")
try:
    accounts.login({INTRUDER!r}, "not-the-password")
except AuthError:
    pass
"""
ENGLISH_KEY = re.compile(r"(^|\n)\s*[A-Za-z_]{3,}\s*[:：]")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("web-log") / "home", SETUP) as base:
        yield base


def cell(row, field: str) -> str:
    return row.locator(f'.tabulator-cell[tabulator-field="{field}"]').inner_text()


def test_log_details_are_words_escaped_once(server, browser) -> None:
    page = login(browser, server, "ad1")
    page.goto(server + "/log")
    page.locator("#wb-count").wait_for()
    added = page.locator(".tabulator-row", has_text="新增用户").filter(has_text="dh1").first
    added.wait_for()
    detail = cell(added, "详情")
    assert NAME in detail  # the display name as typed: escaped once, not run, no entities
    assert Role.DISTRICT_HANDLER.label in detail  # the role by its label, not district_handler
    for raw in ("display_name", "roles", "district_handler", "{", '"引号"]'):
        assert raw not in detail, detail
    assert not ENGLISH_KEY.search(detail), detail
    failed = page.locator(".tabulator-row", has_text="登录失败").first
    assert cell(failed, "操作人") == INTRUDER and cell(failed, "对象") == INTRUDER
    why = cell(failed, "详情")
    for raw in ("reason", "address", "unknown user", "{"):
        assert raw not in why, why
    assert re.search(r"[\u4e00-\u9fff]", why)
    assert page.evaluate("window.__xss") is None
    screenshot(page, "log-details")


def test_log_check_result_is_next_to_its_button(server, browser) -> None:
    page = login(browser, server, "ad1")
    page.goto(server + "/log")
    page.locator("#wb-count").wait_for()
    page.wait_for_load_state("networkidle")
    button = page.get_by_role("button", name="校验日志链", exact=True)
    button.click()
    result = page.locator(".alert", has_text="日志链").first
    result.wait_for()
    b, r = button.bounding_box(), result.bounding_box()
    assert 0 <= r["y"] - (b["y"] + b["height"]) < 120, (b, r)  # right under the buttons, not at the top
    screenshot(page, "log-check")


def test_users_page_offers_every_role_with_its_code(server, browser) -> None:
    page = login(browser, server, "ad1")
    page.goto(server + "/users")
    page.get_by_text("新增用户").first.wait_for()
    for role in Role:
        page.get_by_text(f"{role.label}（{role.value}）").first.wait_for()
    page.get_by_text("年金机构报表填报人（annuity_reporter）").first.wait_for()
    page.get_by_role("button", name="停用", exact=True).click()
    message = page.locator(".alert", has_text="请先选择用户").first
    message.wait_for()
    b = page.get_by_role("button", name="保存角色", exact=True).bounding_box()
    assert message.bounding_box()["y"] > b["y"]  # under the form that caused it
    screenshot(page, "users-roles")
