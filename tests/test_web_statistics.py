"""问题统计 and 考核评分 in a real browser (Debian's chromium through Playwright) against
`workbench serve`: a city user sees the figures, the charts and the district scores."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "Password-123"
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (scripts/system-packages.sh installs it)")
        pytest.skip("chromium is not installed")
    root = tmp_path_factory.mktemp("web-stats")
    env = {**os.environ, "WORKBENCH_HOME": str(root / "home"), "WORKBENCH_PARAMETERS": str(ROOT / "parameters")}
    env.pop("WORKBENCH_OFFICE_DB", None)
    setup = f"""
import sys; sys.path.insert(0, {str(ROOT / 'tests')!r})
from test_office_publish import evaluation
from workbench.office.publish import publish
from workbench.office import accounts
publish([evaluation("SY-001", [("110101199001011234", "110105", "100.50"), ("110101199001015678", "110108", "20"),
                               ("110101199001019999", "110108", "3.25")])], "202406")
accounts.add_user("ch1", "测试ch1", ["city_handler"], None, "{PASSWORD}")
"""
    subprocess.run([sys.executable, "-c", setup], env=env, check=True)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "workbench.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"workbench serve exited: {proc.stdout.read()}")
            time.sleep(0.5)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(20)


def test_city_user_sees_statistics_and_scores(server) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_context().new_page()
            page.set_default_timeout(60_000)
            page.goto(server + "/")
            page.fill("#username", "ch1")
            page.fill("#password", PASSWORD)
            page.click("#login")
            page.wait_for_url(server + "/")
            page.get_by_text("我的工作队列").first.wait_for()
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
        finally:
            browser.close()
