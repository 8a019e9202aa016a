"""End to end in a real browser (Debian's chromium through Playwright) against `workbench serve`:
a problem handled by the district, reviewed, accepted and approved by the city; a district
user kept out of another district's problem; HTML in comments shown as text; bad uploads
refused."""

from __future__ import annotations

import pytest
import yaml
from web_support import ROOT, login, serving

pytestmark = pytest.mark.browser
OWN_ID, OTHER_ID = "110101199001011234", "110101199001015678"
SETUP = f"""
from test_office_publish import evaluation
from workbench.office.publish import publish
from workbench.office import accounts
publish([evaluation("YL-001", [("{OWN_ID}", "110105", "100.50"), ("{OTHER_ID}", "110108", "20")])], "202406")
for user, role, district in [("dh1", "district_handler", "110105"), ("dr1", "district_reviewer", "110105"),
                             ("ch1", "city_handler", None), ("cr1", "city_reviewer", None)]:
    accounts.add_user(user, "测试" + user, [role], district, "Password-123")
"""


HOMES: dict[str, str] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import shutil

    root = tmp_path_factory.mktemp("web")
    params = root / "parameters"
    shutil.copytree(ROOT / "parameters", params)
    office = yaml.safe_load((params / "office.yaml").read_text(encoding="utf-8"))
    office["attachments"]["max_bytes"] = 2000  # small, so the browser can send a file over it
    (params / "office.yaml").write_text(yaml.safe_dump(office, allow_unicode=True), encoding="utf-8")
    HOMES["office"] = f"sqlite:///{root / 'home' / 'office.sqlite'}"
    with serving(root / "home", SETUP, params) as base:
        yield base


def open_problem(page, base: str, subject_tail: str) -> None:
    page.locator("a", has_text="#").first.wait_for()
    links = page.locator("a[href^='/problem?id=']")
    page.goto(base + links.first.get_attribute("href"))
    page.locator("#wb-state").wait_for()


def click(page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name=name, exact=True).click()


def act(page, name: str, label: str) -> None:
    """Click a workflow button and wait for the new state. A page that re-rendered just
    before (a save) may swallow the first click on a button it is replacing: click once
    more then; the second click of a taken action is refused by the workflow anyway."""
    click(page, name)
    try:
        page.locator("#wb-state", has_text=label).wait_for(timeout=15_000)
    except Exception:
        click(page, name)
    state_is(page, label)


def tab(page, name: str) -> None:
    page.locator(".bk-tab", has_text=name).first.click()


def state_is(page, label: str) -> None:
    try:
        page.locator("#wb-state", has_text=label).wait_for()
    except Exception:
        alerts = [a.inner_text() for a in page.locator(".alert").all()]
        page.screenshot(path="/tmp/e2e-fail.png", full_page=True)
        raise AssertionError(f"state is not {label}: {page.locator('#wb-state').inner_text()}; {alerts}") from None


def test_wrong_password_shows_one_chinese_message(server, browser) -> None:
    page = browser.new_context().new_page()
    page.goto(server + "/")
    page.fill("#username", "dh1")
    page.fill("#password", "wrong-password")
    page.click("#login")
    assert page.locator("#error").inner_text() == "用户名或密码错误"


def test_page_scripts_cannot_read_the_session_token(server, browser) -> None:
    """After login the page's scripts cannot read the session cookie, and the Bokeh session
    token embedded in the page holds the page key only: not the session token, not a Cookie
    header."""
    import json
    import re

    from bokeh.util.token import get_token_payload

    from workbench.office import accounts
    from workbench.web.auth import COOKIE, PAGE_COOKIE

    page = login(browser, server, "dh1")
    cookies = {c["name"]: c for c in page.context.cookies()}
    token = cookies[COOKIE]["value"]
    assert set(cookies) == {COOKIE} and cookies[COOKIE]["httpOnly"] and cookies[COOKIE]["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""
    html = page.content()
    assert token not in html
    embedded = re.findall(r'"token":\s*"([^"]+)"', html)
    assert len(embedded) == 1
    payload = get_token_payload(embedded[0])
    assert payload["cookies"] == {PAGE_COOKIE: accounts.page_key(token)}
    assert "Cookie" not in payload["headers"] and token not in json.dumps(payload)
    # and a page works on it: its websocket opens and it acts as dh1
    page.reload()
    page.locator("#wb-count", has_text="共 1 个问题").wait_for()


def test_problem_goes_through_district_and_city(server, browser) -> None:
    page = login(browser, server, "dh1")
    assert "共 1 个问题" in page.locator("#wb-count").inner_text()  # only their district
    page.get_by_text("110101********1234").first.wait_for()  # masked in the queue
    assert page.get_by_text(OWN_ID).count() == 0
    open_problem(page, server, "1234")
    problem_url = page.url
    state_is(page, "待处理")
    act(page, "开始处理", "区县处理中")
    tab(page, "核查结果")
    page.locator("select").filter(has_text="请选择").select_option(label="属实")
    page.get_by_label("涉及金额（元）").fill("100.50")
    page.get_by_label("追回金额（元）").fill("100.50")
    page.get_by_label("罚款（元）").fill("0")
    page.get_by_label("核查情况说明").fill("死亡后冒领已全额追回。")
    page.get_by_label("核查情况说明").press("Tab")
    click(page, "保存核查结果")
    page.get_by_text("核查结果已保存").wait_for()
    act(page, "提交核查结果", "区县待审核")

    # HTML in a comment is shown as text, never run
    tab(page, "意见交流")
    page.get_by_label("发表意见").fill("<img src=x onerror=\"window.__xss=1\"><b>已核实</b>")
    page.get_by_label("发表意见").press("Tab")
    click(page, "发送意见")
    page.locator(".wb-comment-body").first.wait_for()
    assert page.locator(".wb-comment-body").first.inner_text() == "<img src=x onerror=\"window.__xss=1\"><b>已核实</b>"
    assert page.evaluate("window.__xss") is None

    steps = (("dr1", "通过", "市级待审核"), ("ch1", "市级受理", "市级待审批"), ("cr1", "通过", "已办结"))
    for user, action, after in steps:
        p = login(browser, server, user)
        p.goto(problem_url)
        p.locator("#wb-state").wait_for()
        act(p, action, after)


def test_district_user_cannot_open_another_districts_problem(server, browser) -> None:
    dh = login(browser, server, "dh1")
    refused = 0
    for problem_id in (1, 2):  # published in this order: 110105 (theirs), then 110108
        dh.goto(f"{server}/problem?id={problem_id}")
        dh.locator("#wb-state").or_(dh.get_by_text("问题不存在或无权查看")).first.wait_for()
        if dh.get_by_text("问题不存在或无权查看").count():
            refused += 1
            assert dh.get_by_text(OTHER_ID[-4:]).count() == 0
    assert refused == 1  # the 110108 problem, by URL
    dh.goto(server + "/problem?id=999999")
    dh.get_by_text("问题不存在或无权查看").wait_for()


def test_bad_uploads_are_refused(server, browser, tmp_path) -> None:
    page = login(browser, server, "ch1")
    page.locator("#wb-count").wait_for()
    page.wait_for_load_state("networkidle")
    page.locator("select").filter(has_text="我的待办").select_option(label="全部未办结")  # not the city's work yet
    page.locator("#wb-count", has_text="共 2 个问题").or_(page.locator("#wb-count", has_text="共 1 个问题")).wait_for()
    open_problem(page, server, "")
    tab(page, "附件")
    for name, size, message in (("../../etc/evil.pdf", 10, "附件文件名不合法"), ("big.pdf", 5000, "附件不能超过"),
                                ("tool.exe", 10, "不支持的附件类型")):
        page.locator("input[type=file]").set_input_files(
            files=[{"name": name, "mimeType": "application/octet-stream", "buffer": b"x" * size}])
        page.wait_for_timeout(500)
        click(page, "上传")
        page.get_by_text(message, exact=False).first.wait_for()
    assert page.get_by_text("无附件").count() == 1


def test_crafted_request_with_a_district_session_cannot_touch_another_district(server, browser) -> None:
    """The session a district handler's browser holds, replayed against the service for the other
    district's problem (what any crafted websocket message ends in): refused, nothing changed."""
    from workbench.errors import PermissionDenied
    from workbench.office import accounts, comments, workflow
    from workbench.web.auth import COOKIE

    page = login(browser, server, "dh1")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == COOKIE)
    url = HOMES["office"]
    account = accounts.session_account(token, url=url)
    assert account.username == "dh1"
    other = 2  # the 110108 problem
    for attempt in (lambda: workflow.get(account, other, url=url),
                    lambda: workflow.act(account, other, "start", 1, url=url),
                    lambda: comments.comment(account, other, "越权", url=url),
                    lambda: workflow.reveal_subject(account, other, url=url)):
        with pytest.raises(PermissionDenied):
            attempt()
    city = accounts.Account(0, "check", "check", None, frozenset({accounts.Role.CITY_HANDLER}))
    assert workflow.get(city, other, url=url).state.value == "pending"
    assert workflow.history(city, other, url=url)["comments"] == []

