"""In a real browser (Debian's chromium through Playwright) against `workbench serve`: an
admin publishes a notice containing <script> that a district user sees as text; a city
handler builds the discipline inspection package and is offered the zip."""

from __future__ import annotations

import pytest
from web_support import login as login_queue
from web_support import serving

pytestmark = pytest.mark.browser
SCRIPT = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">请按时报送'
SETUP = """
from workbench.office import accounts
for user, role, district in [("ad1", "admin", None), ("dh1", "district_handler", "110105"),
                             ("ch1", "city_handler", None)]:
    accounts.add_user(user, "测试" + user, [role], district, "Password-123")
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("web-records") / "home", SETUP) as base:
        yield base


def login(browser, base: str, user: str, path: str):
    page = login_queue(browser, base, user)
    page.goto(base + path)
    page.locator("#wb-user").wait_for()
    page.wait_for_load_state("networkidle")
    return page


def test_notice_with_script_is_shown_as_text(server, browser) -> None:
    admin = login(browser, server, "ad1", "/notices")
    admin.get_by_label("标题").fill("关于报送<script>的通知")
    admin.get_by_label("标题").press("Tab")
    admin.get_by_label("内容").fill(SCRIPT)
    admin.get_by_label("内容").press("Tab")
    admin.get_by_role("button", name="发布", exact=True).click()
    admin.get_by_text("通知已发布").wait_for()

    dh = login(browser, server, "dh1", "/notices")
    dh.locator(".wb-notice-body").first.wait_for()
    assert dh.locator(".wb-notice-body").first.inner_text() == SCRIPT
    assert dh.locator(".wb-notice-title").first.inner_text() == "关于报送<script>的通知"
    assert dh.evaluate("window.__xss") is None
    assert dh.get_by_role("button", name="发布", exact=True).count() == 0  # no admin form


def test_city_handler_is_offered_the_package(server, browser, tmp_path) -> None:
    ch = login(browser, server, "ch1", "/records")
    ch.locator(".bk-tab", has_text="纪检监察数据包").first.click()
    ch.get_by_role("button", name="生成数据包", exact=True).click()
    ch.get_by_text("数据包已生成").wait_for()
    ch.get_by_text("下载数据包（zip）").wait_for()
    assert ch.get_by_text("statistics.csv").count() >= 1
    with ch.expect_download() as got:
        ch.get_by_text("下载数据包（zip）").click()
    saved = tmp_path / "package.zip"
    got.value.save_as(saved)
    from workbench.office.package import verify

    assert verify(saved) == []
