"""The problem page as its users see it: Chinese headings for every evidence column of every
indicator (from the contract's column meanings and the labels of derived columns), codes in
words, indicator texts without raw field names."""

from __future__ import annotations

import re

import pytest

from workbench import labels
from workbench.contract import TABLES

CJK = re.compile(r"[\u4e00-\u9fff]")
RAW_NAME = re.compile(r"[a-z]+_[a-z_]+")


@pytest.fixture(scope="module")
def evidence_columns(tmp_path_factory) -> dict[str, list[str]]:
    """Every registered indicator's evidence columns: its expression built (never executed)
    over an empty warehouse of the contract's tables; the runner keeps every column but the
    subject key and district as evidence."""
    import os

    from workbench.indicators import params as iparams
    from workbench.indicators.context import Context
    from workbench.indicators.registry import all_indicators
    from workbench.indicators.runner import build
    from workbench.warehouse import Warehouse

    home = tmp_path_factory.mktemp("labels")
    old = os.environ.get("WORKBENCH_HOME")
    os.environ["WORKBENCH_HOME"] = str(home)
    try:
        table = iparams.defaults()
        with Warehouse(f"duckdb://{home / 'warehouse.duckdb'}") as wh:
            wh.ensure_schema()
            out = {}
            for ind in all_indicators():
                expr = build(ind, Context(wh, "202406"), iparams.for_indicator(ind.code, ind.params, table, None))
                out[ind.code] = [c for c in expr.columns if c not in ("subject_key", "district_code")]
            return out
    finally:
        if old is None:
            os.environ.pop("WORKBENCH_HOME", None)
        else:
            os.environ["WORKBENCH_HOME"] = old


def test_every_contract_column_has_a_chinese_meaning() -> None:
    for t in TABLES:
        for c in t.columns:
            assert CJK.search(c.title), f"{t.name}.{c.name} has no Chinese title"
            assert len(c.meanings) == len(c.codes) and all(CJK.search(m) for m in c.meanings), f"{t.name}.{c.name}"


def test_every_evidence_column_of_every_indicator_has_a_chinese_heading(evidence_columns) -> None:
    assert len(evidence_columns) > 100
    missing = [f"{code}: {c}" for code, cols in evidence_columns.items() for c in cols
               if not labels.labelled(c, code) or not CJK.search(labels.column_label(c, code))]
    assert not missing, "evidence columns without a Chinese heading: " + "; ".join(missing)
    for code, cols in evidence_columns.items():
        headings, _ = labels.evidence_table([{labels.PERIOD_KEY: "202406", **dict.fromkeys(cols)}], code)
        assert len(set(headings)) == len(headings), f"{code}: two columns under one heading {headings}"
        assert not [h for h in headings if RAW_NAME.search(h)], f"{code}: {headings}"


def test_indicator_overrides_name_real_evidence_columns(evidence_columns) -> None:
    """Each indicator-specific heading is for a column that indicator has (none left stale)."""
    for code, names in labels.BY_INDICATOR.items():
        assert set(names) <= set(evidence_columns[code]), f"{code}: {set(names) - set(evidence_columns[code])}"


def test_indicator_texts_name_no_raw_field_or_code() -> None:
    """`appraisal_type 1` and its kind are said in words (初次鉴定); parameter names stay
    (they name the entry of parameters/indicators/)."""
    from workbench.indicators.registry import all_indicators

    coded = {c.name for t in TABLES for c in t.columns if c.codes} | {t.name for t in TABLES}
    for ind in all_indicators():
        for text in (ind.name, ind.description):
            assert not re.search(r"类型\s*[0-9]", text), f"{ind.code}: {text}"
            assert not [f for f in coded if re.search(rf"(?<![a-z_]){f}(?![a-z_])", text)], f"{ind.code}: {text}"


def test_descriptions_give_parameters_as_numbers() -> None:
    """What the problem page shows: a description's parameter names replaced by their current
    values (tables of values such as base_limits keep their name)."""
    from workbench.indicators import params as iparams
    from workbench.indicators.registry import all_indicators, get

    table = iparams.defaults()
    values = {i.code: iparams.for_indicator(i.code, i.params, table, None) for i in all_indicators()}
    gs005 = labels.describe(get("GS-005").description, values["GS-005"])
    assert gs005.startswith("工伤认定决定日期距申请日期超过 60 天"), gs005
    assert "不低于 50%" in labels.describe(get("PG-002").description, values["PG-002"])
    for ind in all_indicators():
        text = labels.describe(ind.description, values[ind.code])
        left = [n for n, v in values[ind.code].items() if not isinstance(v, list | dict | bool)
                and re.search(rf"(?<![A-Za-z0-9_]){n}(?![A-Za-z0-9_])", text)]
        assert not left, f"{ind.code}: {left} in {text}"
        assert CJK.search(text)


def test_values_in_words() -> None:
    assert labels.value_text("appraisal_type", "1") == "初次鉴定（1）"
    assert labels.value_text("benefit_item", "11") == "基本养老金（11）"
    assert labels.value_text("insurance_type", "410") == "工伤保险（410）"
    assert labels.value_text("death_month", 2024 * 12 + 2) == "202403"
    assert labels.value_text("drop_rate", "0.125") == "12.50%"
    assert labels.value_text("source", "jm_benefit_pay") == "城乡居民养老待遇发放"
    assert labels.value_text("scheme", "3") == "机关养老"
    # status means different things in different tables: left as the code
    assert labels.value_text("status", "3") == "3"
    assert labels.value_text("id_no", "110101********1234") == "110101********1234"
    assert labels.value_text("amount", "12.50") == "12.50"


def test_evidence_table_headings_and_values() -> None:
    rows = [{"期间": "202406", "amount": "10.00", "pay_id": "P1", "benefit_item": "11", "period": "202405"}]
    headings, values = labels.evidence_table(rows, "YL-001")
    assert headings == ["期间", "问题金额（元）", "发放记录编号", "待遇项目", "所属期"]
    assert values == [["202406", "10.00", "P1", "基本养老金（11）", "202405"]]


# ----------------------------------------------------------------------------- the page object
DEAD_ID, CITY_ID, TWICE_ID = "110101195001011237", "110101195202023456", "110101195303034567"
EVIDENCE = [{"amount": "2500.00", "pay_id": "P202406001", "person_id": "SB0001", "period": "202406",
             "death_month": 2024 * 12 + 1, "benefit_item": "11", "id_no": DEAD_ID}]


def publish_demo(url: str | None = None) -> None:
    """Two YL-001 problems with real evidence columns: one of 朝阳区, one of the city level
    (110000); and the users who handle them (display names unlike their login names)."""
    from test_office_publish import evaluation

    from workbench.office import accounts
    from workbench.office.publish import publish

    ev = evaluation("YL-001", [(DEAD_ID, "110105", "2500.00"), (CITY_ID, "110000", "800.00")])
    for p in ev.problems:
        p.evidence = [{**EVIDENCE[0], "id_no": p.subject_key}]
    twice = evaluation("YL-010", [(TWICE_ID, "110105", "90.00")])
    twice.problems[0].evidence = [{"amount": "3.60", "person_id": "SB0003", "insurance_type": "110",
                                   "benefit_item": "11", "period": f"2024{m:02d}", "rows": 2}
                                  for m in range(1, 13) for _ in range(2)][:25]
    publish([ev, twice], "202406", url)
    for user, name, role, district in [("dh1", "张区办", "district_handler", "110105"),
                                       ("dr1", "李区审", "district_reviewer", "110105"),
                                       ("ch1", "王市办", "city_handler", None),
                                       ("cr1", "赵市审", "city_reviewer", None)]:
        accounts.add_user(user, name, [role], district, "Password-123", url=url)


@pytest.fixture
def office_page(office: str, monkeypatch: pytest.MonkeyPatch):
    """A page factory over a fresh office (SQLite and PostgreSQL) with ``publish_demo``'s data."""
    from workbench.office import accounts, db

    monkeypatch.setenv("WORKBENCH_OFFICE_DB", office)
    db.ready(office)
    publish_demo(office)

    def make(user: str, problem_id: int):
        from workbench.apps.problem import ProblemPage

        account = next(a for a, _ in accounts.list_users(url=office) if a.username == user)
        page = ProblemPage(account, problem_id=problem_id)
        page.__panel__()
        return page

    return make


def click(button) -> None:
    button.clicks += 1


def button(page, name: str):
    found = [w for w in page.action_area.select(pn_button()) if w.label == name]
    assert found, f"no button {name}: {[w.label for w in page.action_area.select(pn_button())]}"
    return found[0]


def pn_button():
    import panel as pn

    return pn.widgets.Button


def test_page_stays_on_its_tab_and_updates_in_place(office_page) -> None:
    page = office_page("dh1", 1)
    click(button(page, "开始处理"))
    assert "区县处理中" in page.summary.object and page.action_msg.visible
    page.tabs.active = 4  # 核查结果
    assert page.finding_widgets and not page.finding_widgets[-1].disabled
    conclusion = next(w for w in page.finding_widgets if w.label == "核查结论")
    conclusion.value = next(v for v in conclusion.options.values() if v)
    for w in page.finding_widgets:
        if w.label in ("涉及金额（元）", "追回金额（元）", "罚款（元）"):
            w.value = "100"
        if w.label == "核查情况说明":
            w.value = "已核实。"
    save = page.finding_widgets[-1]
    click(save)
    tab_msg = page.tabs.objects[4].objects[0].objects[-1]
    assert tab_msg.visible and "核查结果已保存" in tab_msg.object, tab_msg.object
    assert page.tabs.active == 4  # still where the user acted
    page.tabs.active = 2  # 意见交流
    chat = page.tabs.objects[2].objects[0]
    text = next(w for w in chat.objects if getattr(w, "label", None) == "发表意见")
    text.value = "请尽快核实。\n" + "很长的意见" * 60
    click(next(w for w in chat.objects if getattr(w, "label", None) == "发送意见"))
    assert page.tabs.active == 2 and chat.objects[-1].visible and "意见已发送" in chat.objects[-1].object
    assert "张区办" in page.comments_pane.object and "很长的意见" * 60 in page.comments_pane.object
    assert text.value == ""


def test_history_shows_display_names_time_and_whole_opinions(office_page) -> None:
    page = office_page("dh1", 1)
    click(button(page, "开始处理"))
    page.tabs.active = 1
    shown = page.history_pane.object
    assert "张区办" in shown and "dh1" not in shown and "系统（月度运行）" in shown
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", shown)


def test_refusal_shown_next_to_the_action(office_page) -> None:
    page = office_page("dh1", 1)
    click(button(page, "开始处理"))
    dr = office_page("dr1", 1)
    assert not [b for b in dr.action_area.select(pn_button()) if b.label == "通过"]  # nothing to review yet
    assert page.action_msg.visible


def test_a_page_behind_someone_elses_change_shows_the_problem_as_it_is_now(office_page) -> None:
    mine, theirs = office_page("dh1", 1), office_page("dh1", 1)
    click(button(theirs, "开始处理"))
    click(button(mine, "开始处理"))  # built before their change: refused, then shown as it is now
    assert mine.action_msg.visible and mine.action_msg.alert_type == "danger"
    assert "区县处理中" in mine.summary.object
    assert "提交核查结果" in {b.label for b in mine.action_area.select(pn_button())}


def test_city_level_problem_offers_the_city_rows(office_page) -> None:
    """workflow.md: a city-level problem (110000) is started and submitted by the city handler,
    approved or returned by the city reviewer; district roles never see it."""
    ch = office_page("ch1", 2)
    assert "市级问题" in ch.summary.object
    click(button(ch, "开始处理"))
    assert "市级处理中" in ch.summary.object, ch.action_msg.object
    assert ch.finding_widgets == [] and ch.history_pane is None  # tabs not opened are not built
    ch.tabs.active = 4
    assert not ch.finding_widgets[-1].disabled
    conclusion = next(w for w in ch.finding_widgets if w.label == "核查结论")
    conclusion.value = next(v for v in conclusion.options.values() if v)
    for w in ch.finding_widgets:
        if w.label in ("涉及金额（元）", "追回金额（元）", "罚款（元）"):
            w.value = "0"
        if w.label == "核查情况说明":
            w.value = "市级已核实。"
    click(ch.finding_widgets[-1])
    click(button(ch, "提交核查结果"))
    assert "市级待审批" in ch.summary.object, ch.action_msg.object
    cr = office_page("cr1", 2)
    assert {"通过", "退回"} <= {b.label for b in cr.action_area.select(pn_button())}
    click(button(cr, "退回"))  # no opinion: refused next to the buttons
    assert cr.action_msg.visible and "意见" in cr.action_msg.object
    assert "市级待审批" in cr.summary.object
    click(button(cr, "通过"))
    assert "已办结" in cr.summary.object, cr.action_msg.object
    denied = office_page("dh1", 2)
    assert not hasattr(denied, "view")
    assert "问题不存在或无权查看" in str(denied.__panel__().objects[1].objects[0].object)


def test_evidence_under_chinese_headings_masked(office_page) -> None:
    page = office_page("dh1", 1)
    frame = page.evidence_table.value
    assert set(frame.columns) == {"期间", "问题金额（元）", "发放记录编号", "个人编号", "所属期", "死亡月份",
                                  "待遇项目", "公民身份号码"}
    row = frame.iloc[0].to_dict()
    assert row["死亡月份"] == "202402" and row["待遇项目"] == "基本养老金（11）"
    assert row["公民身份号码"] == DEAD_ID[:6] + "********" + DEAD_ID[-4:]


# ----------------------------------------------------------------------------- the browser
SETUP = """
from test_web_problem import publish_demo
publish_demo()
"""
LONG_OPINION = "退回理由：" + "证据不足，需补充发放明细与死亡证明原件。" * 30
RAW_HEADINGS = {"amount", "pay_id", "person_id", "period", "death_month", "benefit_item", "id_no", "case_id_no"}
VIEWPORT = {"width": 1366, "height": 768}
EVIDENCE_ROWS_SHOWN = 10  # apps/problem.py EVIDENCE_PAGE


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from web_support import serving

    with serving(tmp_path_factory.mktemp("web-problem") / "home", SETUP) as base:
        yield base


def open_as(browser, server: str, user: str, problem_id: int):
    from web_support import login_in

    page = login_in(browser.new_context(viewport=VIEWPORT), server, user)
    page.goto(f"{server}/problem?id={problem_id}")
    page.locator("#wb-state").wait_for()
    page.wait_for_load_state("networkidle")
    return page


def press(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def state_becomes(page, label: str) -> None:
    page.locator("#wb-state", has_text=label).wait_for(timeout=20_000)


def active_tab(page) -> str:
    return page.locator(".bk-tab.bk-active").first.inner_text().strip()


def open_tab(page, name: str) -> None:
    page.locator(".bk-tab", has_text=name).first.click()
    page.wait_for_load_state("networkidle")


def fill_findings(page, text: str) -> None:
    page.get_by_label("核查结论").select_option(label="属实")
    for label, value in (("涉及金额（元）", "2500.00"), ("追回金额（元）", "2500.00"), ("罚款（元）", "0")):
        page.get_by_label(label).fill(value)
        page.get_by_label(label).press("Tab")
    page.get_by_label("核查情况说明").fill(text)
    page.get_by_label("核查情况说明").press("Tab")
    page.wait_for_load_state("networkidle")


def box(page, locator) -> dict:
    locator.wait_for()
    return locator.bounding_box()


@pytest.mark.browser
def test_evidence_in_chinese_and_actions_above_the_fold(server, browser) -> None:
    from web_support import screenshot

    page = open_as(browser, server, "dh1", 1)
    headings = [h.strip() for h in page.locator(".tabulator-col-title").all_inner_texts() if h.strip()]
    assert "发放记录编号" in headings and "死亡月份" in headings and "待遇项目" in headings, headings
    assert not RAW_HEADINGS & set(headings), headings
    assert not [h for h in headings if RAW_NAME.search(h)], headings
    page.get_by_text("基本养老金（11）").first.wait_for()
    # 办理 without scrolling on a 1366×768 window, and no blank stretch after the page's content
    start = box(page, page.get_by_role("button", name="开始处理", exact=True))
    assert start["y"] + start["height"] <= VIEWPORT["height"], start
    assert page.evaluate("window.scrollY") == 0
    table = box(page, page.locator(".tabulator").first)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= max(VIEWPORT["height"], table["y"] + table["height"] + 200), (height, table)
    summary = box(page, page.locator(".wb-summary").first)
    assert start["y"] - (summary["y"] + summary["height"]) < 200, (summary, start)
    assert DEAD_ID not in page.content()  # masked as ever
    screenshot(page, "problem-evidence-and-actions")
    open_tab(page, "核查结果")
    open_tab(page, "证据")  # a taller tab seen once leaves no blank stretch behind
    table = box(page, page.locator(".tabulator").first)
    assert page.evaluate("document.documentElement.scrollHeight") <= max(
        VIEWPORT["height"], table["y"] + table["height"] + 200)


@pytest.mark.browser
def test_long_evidence_pages_in_chinese_without_a_gap(server, browser) -> None:
    from web_support import screenshot

    page = open_as(browser, server, "dh1", 3)
    start = box(page, page.get_by_role("button", name="开始处理", exact=True))
    assert start["y"] + start["height"] <= VIEWPORT["height"], start
    page.get_by_text("下一页").first.wait_for()  # the pager in Chinese
    assert page.get_by_text("Next", exact=True).count() == 0
    assert page.locator(".tabulator-row").count() == EVIDENCE_ROWS_SHOWN
    heads = {h.strip() for h in page.locator(".tabulator-col-title").all_inner_texts()}
    assert {"险种", "待遇项目", "记录条数", "所属期", "问题金额（元）"} <= heads, heads
    table = box(page, page.locator(".tabulator").first)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= max(VIEWPORT["height"], table["y"] + table["height"] + 200), (height, table)
    screenshot(page, "problem-long-evidence")


@pytest.mark.browser
def test_the_page_stays_where_the_user_acted_and_history_reads_well(server, browser) -> None:
    from web_support import screenshot

    page = open_as(browser, server, "dh1", 1)
    press(page, "开始处理")
    state_becomes(page, "区县处理中")
    ok = page.locator(".wb-actions .alert", has_text="已开始处理")
    ok.wait_for()
    open_tab(page, "核查结果")
    fill_findings(page, "死亡后冒领已全额追回。")
    press(page, "保存核查结果")
    saved = page.get_by_text("核查结果已保存")
    saved.wait_for()
    assert active_tab(page) == "核查结果"
    button = box(page, page.get_by_role("button", name="保存核查结果", exact=True))
    message = box(page, saved)
    assert 0 <= message["y"] - (button["y"] + button["height"]) < 120, (button, message)
    screenshot(page, "problem-findings-saved")

    open_tab(page, "意见交流")
    page.get_by_label("发表意见").fill("请区县复核死亡日期。")
    page.get_by_label("发表意见").press("Tab")
    page.wait_for_load_state("networkidle")
    press(page, "发送意见")
    page.get_by_text("意见已发送").wait_for()
    assert active_tab(page) == "意见交流"
    page.locator(".wb-comment", has_text="请区县复核死亡日期。").filter(has_text="张区办").wait_for()
    press(page, "提交核查结果")
    state_becomes(page, "区县待审核")
    assert active_tab(page) == "意见交流"

    review = open_as(browser, server, "dr1", 1)
    press(review, "退回")  # no opinion: refused, next to the button
    refused = review.locator(".wb-actions .alert", has_text="必须填写意见")
    refused.wait_for()
    where, back = box(review, refused), box(review, review.get_by_role("button", name="退回", exact=True))
    assert where["y"] + where["height"] <= VIEWPORT["height"] and where["y"] >= back["y"], (where, back)
    screenshot(review, "problem-return-refused")
    review.get_by_label("意见（退回、不予批准时必填）").fill(LONG_OPINION)
    review.get_by_label("意见（退回、不予批准时必填）").press("Tab")
    review.wait_for_load_state("networkidle")
    press(review, "退回")
    state_becomes(review, "区县处理中")
    open_tab(review, "处理记录")
    history = review.locator("#wb-history")
    history.wait_for()
    text = history.inner_text()
    assert "张区办" in text and "李区审" in text and "系统（月度运行）" in text
    assert "dh1" not in text and "dr1" not in text
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text), text
    opinion = review.locator(".wb-opinion", has_text="退回理由").first
    assert opinion.inner_text() == LONG_OPINION  # whole, not cut
    assert opinion.evaluate("e => e.scrollWidth <= e.clientWidth + 1")  # wrapped within its cell
    assert opinion.bounding_box()["height"] > 40
    screenshot(review, "problem-history")


@pytest.mark.browser
def test_city_level_problem_through_the_city_rows(server, browser) -> None:
    from web_support import screenshot

    hidden = open_as(browser, server, "ch1", 2)
    hidden.get_by_text("市级问题").first.wait_for()
    press(hidden, "开始处理")
    state_becomes(hidden, "市级处理中")
    open_tab(hidden, "核查结果")
    fill_findings(hidden, "市级核查：已追回。")
    press(hidden, "保存核查结果")
    hidden.get_by_text("核查结果已保存").wait_for()
    press(hidden, "提交核查结果")
    state_becomes(hidden, "市级待审批")
    hidden.locator(".wb-actions .alert", has_text="已提交核查结果").wait_for()
    assert hidden.get_by_role("button", name="提交核查结果", exact=True).count() == 0
    screenshot(hidden, "problem-city-submitted")
    reviewer = open_as(browser, server, "cr1", 2)
    for name in ("通过", "退回"):
        reviewer.get_by_role("button", name=name, exact=True).wait_for()
    press(reviewer, "通过")
    state_becomes(reviewer, "已办结")
    reviewer.locator("#wb-no-actions").wait_for()
    reviewer.locator(".wb-actions .alert", has_text="已通过，当前状态：已办结").wait_for()
    screenshot(reviewer, "problem-city-closed")
