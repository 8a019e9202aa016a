"""In a real browser (Debian's chromium through Playwright) against `workbench serve`: an
admin publishes a notice containing <script> that a district user sees as text; each message
appears next to the control that caused it (in view, not at the top of the page); tables page
in Chinese and are as high as their rows (no blank gap under them); a city handler builds the
discipline inspection package and is offered the zip."""

from __future__ import annotations

import pytest
from web_support import login as login_queue
from web_support import screenshot, serving

pytestmark = pytest.mark.browser
SCRIPT = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">请按时报送'
STAFF = 23  # more than a table page (apps/records.py ROWS)
SETUP = f"""
from workbench.office import accounts, staff
from workbench.office.staff import StaffInput
for user, role, district in [("ad1", "admin", None), ("dh1", "district_handler", "110105"),
                             ("ch1", "city_handler", None)]:
    accounts.add_user(user, "测试" + user, [role], district, "Password-123")
admin = next(a for a, _ in accounts.list_users() if a.username == "ad1")
for i in range({STAFF}):
    staff.add_staff(admin, StaffInput("district", f"人员{{i:02d}}", "朝阳区人社局", "科员", f"138000000{{i:02d}}",
                                      "110105"))
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


def click_centered(button) -> None:
    """Click ``button`` once it is in the middle of the view (where a user clicks it)."""
    button.evaluate("b => b.scrollIntoView({block: 'center'})")
    button.click()


def near(control, message, within: float = 120) -> None:
    """``message`` is beside ``control`` or right under it (at most ``within`` px lower) and
    starts in view (bounding boxes are relative to the viewport)."""
    c, m = control.bounding_box(), message.bounding_box()
    assert c and m, (c, m)
    assert c["y"] - 20 <= m["y"] <= c["y"] + c["height"] + within, (c, m)
    viewport = message.page.viewport_size
    assert 0 <= m["y"] <= viewport["height"] - 20, (m, viewport)


def test_notice_with_script_is_shown_as_text(server, browser) -> None:
    admin = login(browser, server, "ad1", "/notices")
    admin.get_by_label("标题").fill("关于报送<script>的通知")
    admin.get_by_label("标题").press("Tab")
    admin.get_by_label("内容").fill(SCRIPT)
    admin.get_by_label("内容").press("Tab")
    publish = admin.get_by_role("button", name="发布", exact=True)
    click_centered(publish)
    done = admin.locator(".alert", has_text="通知已发布").first
    done.wait_for()
    near(publish, done)
    screenshot(admin, "notices-published")

    dh = login(browser, server, "dh1", "/notices")
    dh.locator(".wb-notice-body").first.wait_for()
    assert dh.locator(".wb-notice-body").first.inner_text() == SCRIPT
    assert dh.locator(".wb-notice-title").first.inner_text() == "关于报送<script>的通知"
    assert dh.evaluate("window.__xss") is None
    assert dh.get_by_role("button", name="发布", exact=True).count() == 0  # no admin form


def test_notice_refusal_is_next_to_the_form(server, browser) -> None:
    admin = login(browser, server, "ad1", "/notices")
    admin.get_by_label("标题").fill("")
    admin.get_by_label("标题").press("Tab")
    click_centered(admin.get_by_role("button", name="发布", exact=True))
    refused = admin.locator(".alert.alert-danger:visible", has_text="标题").first
    refused.wait_for()
    near(admin.get_by_role("button", name="发布", exact=True), refused)
    screenshot(admin, "notices-refused")


def test_staff_table_pages_in_chinese_without_a_gap(server, browser) -> None:
    admin = login(browser, server, "ad1", "/records")
    admin.locator(".bk-tab", has_text="人员基础信息").first.click()
    table = admin.locator(".tabulator").first
    table.locator(".tabulator-row").first.wait_for()
    footer = table.locator(".tabulator-footer").inner_text()
    assert "首页" in footer and "下一页" in footer, footer
    for english in ("First", "Next", "Prev", "Last", "Page"):
        assert english not in footer, footer
    rows = table.locator(".tabulator-row")
    assert rows.count() < STAFF  # paged
    last_row = rows.nth(rows.count() - 1).bounding_box()
    box = table.bounding_box()
    footer_box = table.locator(".tabulator-footer").bounding_box()
    assert footer_box["y"] - (last_row["y"] + last_row["height"]) < 30, (last_row, footer_box)  # no blank rows
    heading = admin.get_by_text("维护人员信息").first.bounding_box()
    assert heading["y"] - (box["y"] + box["height"]) < 80, (box, heading)  # the form right under the table
    admin.locator(".tabulator-page", has_text="下一页").first.click()
    admin.get_by_text("人员2").first.wait_for()
    screenshot(admin, "records-staff")


def test_district_report_message_is_next_to_submit(server, browser) -> None:
    dh = login(browser, server, "dh1", "/records")
    dh.get_by_text("朝阳区上报").first.wait_for()
    dh.get_by_label("上报情况说明").fill("本月开展专项检查")
    dh.get_by_label("上报情况说明").press("Tab")
    dh.get_by_label("涉及金额（元）").fill("abc")
    dh.get_by_label("涉及金额（元）").press("Tab")
    submit = dh.get_by_role("button", name="提交", exact=True)
    click_centered(submit)
    refused = dh.locator(".alert.alert-danger:visible", has_text="涉及金额").first
    refused.wait_for()
    near(submit, refused)
    screenshot(dh, "records-report-refused")


def test_city_handler_is_offered_the_package(server, browser, tmp_path) -> None:
    ch = login(browser, server, "ch1", "/records")
    ch.locator(".bk-tab", has_text="纪检监察数据包").first.click()
    build = ch.get_by_role("button", name="生成数据包", exact=True)
    click_centered(build)
    done = ch.locator(".alert", has_text="数据包已生成").first
    done.wait_for()
    near(build, done)
    ch.get_by_text("下载数据包（zip）").wait_for()
    assert ch.get_by_text("statistics.csv").count() >= 1
    screenshot(ch, "records-package")
    with ch.expect_download() as got:
        ch.get_by_text("下载数据包（zip）").click()
    saved = tmp_path / "package.zip"
    got.value.save_as(saved)
    from workbench.office.package import verify

    assert verify(saved) == []
