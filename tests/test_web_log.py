"""In a real browser (Debian's chromium through Playwright) against `workbench serve`: the log
review page shows every record as text, escaped exactly once (HTML in a logged value is neither
run nor shown as entities such as ``&lt;``)."""

from __future__ import annotations

import json

import pytest
from web_support import login, serving

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


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("web-log") / "home", SETUP) as base:
        yield base


def cell(row, field: str) -> str:
    return row.locator(f'.tabulator-cell[tabulator-field="{field}"]').inner_text()


def test_log_records_are_escaped_once(server, browser) -> None:
    page = login(browser, server, "ad1")
    page.goto(server + "/log")
    page.locator("#wb-count").wait_for()
    added = page.locator(".tabulator-row", has_text="新增用户").filter(has_text="dh1").first
    added.wait_for()
    assert json.loads(cell(added, "详情")) == {"display_name": NAME, "roles": ["district_handler"]}
    failed = page.locator(".tabulator-row", has_text="登录失败").first
    assert cell(failed, "操作人") == INTRUDER and cell(failed, "对象") == INTRUDER
    assert json.loads(cell(failed, "详情")) == {"reason": "unknown user", "address": "-"}  # no address: a script
    assert page.evaluate("window.__xss") is None
