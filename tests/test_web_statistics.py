"""问题统计 and 考核评分 in a real browser (Debian's chromium through Playwright) against
`workbench serve`: a city user sees the figures, the charts and the district scores."""

from __future__ import annotations

import pytest
from web_support import chromium, login, serving

pytestmark = pytest.mark.browser
SETUP = """
from test_office_publish import evaluation
from workbench.office.publish import publish
from workbench.office import accounts
publish([evaluation("SY-001", [("110101199001011234", "110105", "100.50"), ("110101199001015678", "110108", "20"),
                               ("110101199001019999", "110108", "3.25")])], "202406")
accounts.add_user("ch1", "测试ch1", ["city_handler"], None, "Password-123")
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("web-stats") / "home", SETUP) as base:
        yield base


def test_city_user_sees_statistics_and_scores(server) -> None:
    with chromium() as browser:
        page = login(browser, server, "ch1")
        page.locator("a[href='/statistics']").click()
        page.wait_for_url(server + "/statistics")
        total = page.locator("#wb-stat-total")
        total.wait_for()
        text = total.inner_text()
        assert "问题数" in text and "123.75" in text  # 100.50 + 20 + 3.25
        assert page.locator(".wb-kpi", has_text="问题数").inner_text().split()[-1] == "3"
        page.locator("canvas").first.wait_for()  # the chart by district
        page.get_by_text("朝阳区").first.wait_for()
        page.get_by_text("海淀区").first.wait_for()
        page.locator(".bk-tab", has_text="指标质量").first.click()
        page.get_by_text("属实占比").first.wait_for()

        page.goto(server + "/scoring")
        page.locator("#wb-archived", has_text="202406 未归档").wait_for()
        page.locator("canvas").first.wait_for()
        page.get_by_text("综合评分").first.wait_for()
