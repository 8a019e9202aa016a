"""问题统计 and 考核评分 in a real browser (Debian's chromium through Playwright) against
`workbench serve`: a city user sees the figures and interactive charts (toolbar with save,
zoom, reset and hover; the legend beside the bars, never over them), computed under a loading
indicator; a district user with no problems sees 暂无数据 instead of an empty chart frame; the
scoring page explains every score in words and names no parameter file or formula."""

from __future__ import annotations

import pytest
from web_support import login, login_in, screenshot, serving

pytestmark = pytest.mark.browser
SETUP = """
from test_office_publish import evaluation
from workbench.office.publish import publish
from workbench.office import accounts, scoring
publish([evaluation("SY-001", [("110101199001011234", "110105", "100.50"), ("110101199001015678", "110108", "20"),
                               ("110101199001019999", "110108", "3.25")])], "202406")
ch1 = accounts.add_user("ch1", "测试ch1", ["city_handler"], None, "Password-123")[0]
scoring.set_extra(ch1, "202406", "110105", "2", "专项检查表现突出")
accounts.add_user("dh2", "测试dh2", ["district_handler"], "110106", "Password-123")
"""
# Before any script of the page: count the progress indicators (apps/statistics.py progress,
# a new model each time) the page ever held, so a test can tell one was shown.
WATCH_LOADING = """(() => {
  const seen = new Set()
  window.__wbLoading = 0
  const look = () => {
    const docs = (window.Bokeh && window.Bokeh.documents) || []
    for (const doc of docs)
      for (const m of doc.all_models)
        if (Array.isArray(m.css_classes) && m.css_classes.includes("wb-progress")) seen.add(m.id)
    window.__wbLoading = seen.size
  }
  setInterval(look, 5)
})()"""
CHARTS = """() => {
  const out = []
  for (const m of Bokeh.documents[0].all_models) {
    if (!String(m.type).includes("Plot") && !String(m.type).includes("Figure")) continue
    if (!m.toolbar) continue
    const kinds = (list) => list.filter(r => String(r.type) === "Legend").length
    out.push({tools: m.toolbar.tools.map(t => String(t.type)), location: m.toolbar_location,
              autohide: m.toolbar.autohide, inside: kinds(m.center),
              outside: kinds(m.above) + kinds(m.right) + kinds(m.below) + kinds(m.left)})
  }
  return out
}"""


def drawn(page, name: str) -> None:
    """Wait for a chart drawn on a visible canvas (a screenshot ``<name>-failed`` when none comes)."""
    try:
        page.locator(".bk-tab").first.wait_for()
        page.locator("canvas:visible").first.wait_for()
    except Exception:
        screenshot(page, f"{name}-failed")
        raise


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("web-stats") / "home", SETUP) as base:
        yield base


def test_statistics_charts_are_interactive(server, browser) -> None:
    context = browser.new_context()
    context.add_init_script(WATCH_LOADING)

    page = login_in(context, server, "ch1")
    page.locator("a[href='/statistics']").click()
    page.wait_for_url(server + "/statistics")
    total = page.locator("#wb-stat-total")
    total.wait_for()
    assert page.evaluate("window.__wbLoading") > 0  # the figures came under a loading indicator
    text = total.inner_text()
    assert "问题数" in text and "123.75" in text  # 100.50 + 20 + 3.25
    assert page.locator(".wb-kpi", has_text="问题数").inner_text().split()[-1] == "3"
    drawn(page, "statistics-city")  # the chart by district
    page.get_by_text("朝阳区").first.wait_for()
    page.get_by_text("海淀区").first.wait_for()
    charts = page.evaluate(CHARTS)
    assert charts
    for chart in charts:
        for tool in ("SaveTool", "BoxZoomTool", "WheelZoomTool", "ResetTool", "HoverTool"):
            assert tool in chart["tools"], chart
        assert chart["location"] is not None and chart["autohide"] is False, chart  # shown, not on hover only
        assert chart["inside"] == 0 and chart["outside"] == 1, chart  # the legend never covers a bar
    page.locator(".bk-tool-icon-save").first.wait_for()  # the toolbar is drawn
    screenshot(page, "statistics-city")
    shown = page.evaluate("window.__wbLoading")
    page.get_by_role("combobox").filter(has_text="202406").select_option(label="全部期间")
    page.locator("#wb-stat-total", has_text="全部期间").wait_for()
    assert page.evaluate("window.__wbLoading") > shown  # a new period: a new indicator while it is computed
    page.locator(".bk-tab", has_text="按期间").first.click()
    page.locator("canvas:visible").first.wait_for()
    page.locator(".bk-tab", has_text="指标质量").first.click()
    page.get_by_text("属实占比").first.wait_for()
    context.close()


def test_empty_statistics_say_no_data(server, browser) -> None:
    page = login(browser, server, "dh2")
    page.goto(server + "/statistics")
    page.locator("#wb-stat-total").wait_for()
    page.locator(".wb-empty", has_text="暂无数据").first.wait_for()
    assert page.locator("canvas").count() == 0  # no empty chart frame
    screenshot(page, "statistics-empty")
    page.goto(server + "/scoring")
    page.locator(".wb-empty", has_text="暂无问题数据").first.wait_for()
    assert page.locator("canvas").count() == 0
    page.context.close()


def test_scoring_explains_scores_in_words(server, browser) -> None:
    page = login(browser, server, "ch1")
    page.goto(server + "/scoring")
    page.locator("#wb-archived", has_text="202406 未归档").wait_for()
    page.locator("canvas:visible").first.wait_for()
    page.get_by_text("综合评分").first.wait_for()
    explain = page.locator("#wb-explain")
    explain.wait_for()
    lines = explain.locator("li").all_inner_texts()
    assert len(lines) >= 5, lines  # four components, the extra score (and the total)
    assert all(len(line) > 10 for line in lines), lines
    page.locator("#wb-rules").wait_for()
    body = page.locator("body").inner_text()
    for raw in ("scoring.yaml", "parameters/", "min(1", "full_at", "when_empty"):
        assert raw not in body, raw
    charts = page.evaluate(CHARTS)
    assert charts and all(c["inside"] == 0 and "SaveTool" in c["tools"] for c in charts), charts
    page.get_by_role("combobox").filter(has_text="朝阳区").first.wait_for()  # the best score first
    assert "专项检查表现突出" in explain.inner_text()
    screenshot(page, "scoring-city")
    page.context.close()
