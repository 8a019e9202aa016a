"""No third-party resource: every script, style sheet, font and image of the web apps and of the
HTML reports comes from the product itself, so an office network without internet shows them
whole. A real chromium aborts (and records) every request to a host other than the loopback.

The web apps run with two server processes (`workbench serve --procs 2`). A page whose
websocket reaches another process than its HTML is rebuilt there, outside Panel's page
handler; that is where Panel used to leave its component style sheets on cdn.holoviz.org.
Besides loading pages until both processes serve, one test makes that case certain: the page
the browser receives names a Bokeh session that no process holds yet."""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from test_monthly import cli, ok
from web_support import PASSWORD, login_in, need_chromium, server_process

pytestmark = pytest.mark.browser
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
REMOTE = r"""\s*["']?\s*(?:https?:)?//[^\s"'>)]*"""  # an absolute or scheme-relative URL
URL_IN_MARKUP = re.compile(r"\b(?:src|href|srcset|action|poster|data)\s*=" + REMOTE, re.I)  # attributes
REMOTE_IMPORT = re.compile(r"(?:@import\s*(?:url\()?|url\(|\bimport\s*\(?|\bfrom)" + REMOTE, re.I)  # CSS, JS
SETUP = f"""
from test_office_publish import evaluation
from workbench.office.publish import publish
from workbench.office import accounts
publish([evaluation("YL-001", [("110101199001011234", "110105", "100.50"), ("110101199001015678", "110105", "20"),
                               ("110101199001019999", "110105", "7")])], "202406")
accounts.add_user("dh1", "测试区级", ["district_handler"], "110105", {PASSWORD!r})
accounts.add_user("ad1", "测试管理", ["admin"], None, {PASSWORD!r})
"""


class Blocker:
    """Playwright routing for a browser context: every request to a non-loopback host is
    aborted and recorded (page loads, style sheets, fonts, images, websockets)."""

    def __init__(self, context) -> None:
        self.refused: list[str] = []
        context.route("**/*", self._route)
        context.route_web_socket(re.compile(r".*"), self._websocket)
        context.on("request", self._seen)

    @staticmethod
    def local(url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about", "file"):
            return True
        return parts.hostname in LOCAL_HOSTS

    def _seen(self, request) -> None:
        if not self.local(request.url) and request.url not in self.refused:
            self.refused.append(request.url)

    def _route(self, route) -> None:
        if self.local(route.request.url):
            route.continue_()
        else:
            if route.request.url not in self.refused:
                self.refused.append(route.request.url)
            route.abort("blockedbyclient")

    def _websocket(self, ws) -> None:
        if self.local(ws.url):
            ws.connect_to_server()
        else:
            self.refused.append(ws.url)
            ws.close()


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`workbench serve --procs 2` over a home with three problems; yields (base URL, process).
    Its environment asks Bokeh for CDN resources (``BOKEH_RESOURCES=cdn``): the server serves
    its own all the same."""
    need_chromium()
    root = tmp_path_factory.mktemp("third-party")
    with contextlib.ExitStack() as stack:
        with pytest.MonkeyPatch.context() as env:  # in the server's environment only
            env.setenv("BOKEH_RESOURCES", "cdn")
            base, proc = stack.enter_context(server_process(root / "home", SETUP, procs=2))
        deadline = time.time() + 60
        while len(children(proc.pid)) < 2 and time.time() < deadline:
            time.sleep(0.2)
        assert len(children(proc.pid)) == 2
        yield base, proc


def blocked_login(browser, base: str, user: str):
    """A new blocking browser context logged in as ``user``; returns (page, blocker)."""
    context = browser.new_context()
    blocker = Blocker(context)
    return login_in(context, base, user), blocker


def settled(page, text: str) -> None:
    """Wait until the page shows ``text`` and its style sheets and fonts have loaded."""
    page.get_by_text(text).first.wait_for()
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")


TABLE_STATE = """() => {
  const roots = [document];
  for (let i = 0; i < roots.length; i++)
    for (const el of roots[i].querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
  const rules = (s) => { try { return Array.from(s.cssRules).map(r => r.cssText); } catch (e) { return []; } };
  const own = roots.filter(r => r !== document && r.querySelector('.tabulator-row'));
  const sheets = own.flatMap(r => Array.from(r.styleSheets));
  const hrefs = sheets.map(s => s.href).filter(Boolean);
  const rowRule = sheets.some(s => rules(s).some(t => /^\\.tabulator-row[ .{]/.test(t)));
  const rows = Array.from(own.flatMap(r => Array.from(r.querySelectorAll('.tabulator-row'))), el => {
    const b = el.getBoundingClientRect();
    return {top: b.top, bottom: b.bottom, height: b.height, width: b.width};
  });
  return {hrefs, rowRule, rows};
}"""


def assert_table_renders(page) -> None:
    """The queue's Tabulator has its style sheet in its own shadow root (a rule for
    .tabulator-row) and rows of a sane height, one below the other."""
    page.locator(".tabulator-row").nth(1).wait_for()
    state = page.evaluate(TABLE_STATE)
    assert state["rowRule"], state["hrefs"]
    rows = sorted(state["rows"], key=lambda r: r["top"])
    assert len(rows) >= 2, rows
    first, second = rows[0], rows[1]
    assert 15 <= first["height"] <= 80 and 15 <= second["height"] <= 80, rows
    assert second["top"] >= first["bottom"] - 1, rows  # no overlap
    assert first["width"] > 200, rows


def test_every_page_loads_nothing_from_a_third_party(server, browser) -> None:
    """The login page, the queue eight times (until both server processes have built pages)
    and every other page: no request leaves the loopback, and the queue's table renders."""
    base, proc = server
    workers = children(proc.pid)
    login_context = browser.new_context()
    anonymous = Blocker(login_context)
    login_page = login_context.new_page()
    login_page.goto(base + "/login")
    login_page.locator("#username").wait_for()
    login_page.wait_for_load_state("networkidle")
    assert anonymous.refused == []

    page, blocker = blocked_login(browser, base, "dh1")
    used = dict.fromkeys(workers, 0.0)
    loads = 0
    while loads < 8 or (min(used.values()) < 0.05 and loads < 24):
        before = {w: cpu_seconds(w) for w in workers}
        page.goto(base + "/")
        settled(page, "我的工作队列")
        assert_table_renders(page)
        for w in workers:
            used[w] += cpu_seconds(w) - before[w]
        loads += 1
    assert min(used.values()) >= 0.05, used  # both processes built pages
    pid = page.locator("a[href^='/problem?id=']").first.get_attribute("href")
    for path, text in [(pid, "问题"), ("/statistics", "问题统计"), ("/scoring", "考核评分"),
                       ("/notices", "通知公告"), ("/records", "监督上报")]:
        page.goto(base + path)
        settled(page, text)
    admin, admin_blocker = blocked_login(browser, base, "ad1")
    for path, text in [("/users", "用户管理"), ("/log", "日志审查")]:
        admin.goto(base + path)
        settled(admin, text)
    assert blocker.refused + admin_blocker.refused == [], blocker.refused + admin_blocker.refused


# Before any script of the page: the Bokeh token its websocket sends names a fresh session id
# (same page key, same user), so the server builds the page from the token, as a process that
# did not render the page's HTML does. Bokeh's tokens here are unsigned base64url JSON.
FRESH_SESSION = """(() => {
  const Native = window.WebSocket;
  const decode = s => atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
  const encode = s => btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  function Fresh(url, protocols) {
    if (Array.isArray(protocols) && protocols[0] === 'bokeh' && !protocols[1].includes('.')) {
      const payload = JSON.parse(decode(protocols[1]));
      payload.session_id = 'fresh' + crypto.randomUUID().replace(/-/g, '');
      window.wbFreshSessions = (window.wbFreshSessions || 0) + 1;
      protocols = ['bokeh', encode(JSON.stringify(payload))];
    }
    return new Native(url, protocols);
  }
  Fresh.prototype = Native.prototype;
  Object.assign(Fresh, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = Fresh;
})();"""


def test_a_page_rebuilt_by_another_process_loads_nothing_from_a_third_party(server, browser) -> None:
    """The page's websocket names a Bokeh session no process holds, as when it reaches another
    server process than the page's HTML: that process builds the page from the token, and its
    style sheets are still the server's own, the queue's table whole."""
    base, _ = server
    page, blocker = blocked_login(browser, base, "dh1")
    page.add_init_script(FRESH_SESSION)
    for _ in range(2):
        page.goto(base + "/")
        settled(page, "我的工作队列")
        page.locator("#wb-count", has_text="共 3 个问题").wait_for()
        assert page.evaluate("window.wbFreshSessions") == 1
        assert_table_renders(page)
    assert blocker.refused == [], blocker.refused


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> list[Path]:
    """The HTML reports `workbench monthly` writes for one month of a small synthetic city."""
    from workbench import synth

    root = tmp_path_factory.mktemp("reports")
    synth.generate(root / "landing", "202406", persons=600, seed=7, months=1)
    ok(cli(root / "home", "monthly", "--landing", str(root / "landing"), "--period", "202406", "--quiet"))
    found = sorted((root / "home" / "reports" / "202406").glob("*.html"))
    assert len(found) == 9, found  # one per source, indicators, statistics
    return found


def test_reports_name_no_remote_resource(reports) -> None:
    """No script, style sheet, image, font or module of a report is addressed by a remote (or
    scheme-relative) URL, and no script of a CDN is named anywhere in it."""
    for path in reports:
        text = path.read_text(encoding="utf-8")
        assert not URL_IN_MARKUP.findall(text), (path.name, URL_IN_MARKUP.findall(text)[:5])
        assert not REMOTE_IMPORT.findall(text), (path.name, REMOTE_IMPORT.findall(text)[:5])
        for host in ("cdnjs.cloudflare.com", "unpkg.com", "cdn.jsdelivr.net", "cdn.holoviz.org", "googleapis"):
            assert host not in text, (path.name, host)


def test_reports_open_whole_without_a_third_party(reports, browser) -> None:
    """Each report opens in a browser that reaches nothing beyond the machine, its charts shown
    (every image decoded, of a real size); a report with no chart still shows its tables."""
    need_chromium()
    context = browser.new_context()
    blocker = Blocker(context)
    page = context.new_page()
    charts = 0
    for path in reports:
        page.goto(path.as_uri())
        page.wait_for_load_state("networkidle")
        images = page.evaluate("""Array.from(document.images, i => ({complete: i.complete, width: i.naturalWidth,
                                                                      shown: i.getBoundingClientRect().width}))""")
        assert all(i["complete"] and i["width"] > 50 and i["shown"] > 50 for i in images), (path.name, images)
        assert page.locator("table").count() + len(images) > 0, path.name
        charts += len(images)
    assert charts >= 7, charts  # statistics.html alone has seven
    assert blocker.refused == [], blocker.refused
