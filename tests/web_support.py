"""What the browser tests share: `workbench serve` on a free port over a prepared home, and
Debian's chromium driven by Playwright (with the flags this machine needs)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "Password-123"
ROOT = Path(__file__).resolve().parents[1]


def need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (scripts/system-packages.sh installs it)")
        pytest.skip("chromium is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(home: Path, setup: str, parameters: Path | None = None) -> Iterator[str]:
    """Run ``setup`` (Python, with tests/ importable) in a fresh home, then `workbench serve`
    on it; yield the base URL; stop the server afterwards."""
    need_chromium()
    with server_process(home, setup, parameters) as (base, _):
        yield base


@contextlib.contextmanager
def server_process(home: Path, setup: str, parameters: Path | None = None,
                   procs: int | None = None, office: str | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """``serving`` without a browser: yield the base URL and the server process (``procs``:
    `--procs`, default the parameters'; ``office``: the office database URL, default SQLite
    in the home)."""
    env = {**os.environ, "WORKBENCH_HOME": str(home), "WORKBENCH_PARAMETERS": str(parameters or ROOT / "parameters")}
    env.pop("WORKBENCH_OFFICE_DB", None)
    if office:
        env["WORKBENCH_OFFICE_DB"] = office
    prelude = f"import sys; sys.path.insert(0, {str(ROOT / 'tests')!r})\n"
    subprocess.run([sys.executable, "-c", prelude + setup], env=env, check=True)
    port = free_port()
    more = [] if procs is None else ["--procs", str(procs)]
    proc = subprocess.Popen([sys.executable, "-m", "workbench.cli", "serve", "--port", str(port), *more], env=env,
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
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        proc.wait(20)


@contextlib.contextmanager
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def login_form(client, base: str, next_: str | None = None) -> str:
    """GET the login page with an httpx client (which keeps its pre-login cookie); return the
    form's CSRF token."""
    r = client.get(base + "/login", params={"next": next_} if next_ else None)
    assert r.status_code == 200, r.text[-500:]
    return re.search(r'name="csrf" value="([^"]*)"', r.text).group(1)


def http_login(client, base: str, user: str, password: str = PASSWORD, next_: str | None = None):
    """Log in over HTTP as the login form does (its CSRF token and pre-login cookie) with an
    httpx client; return the response (302 and the session cookie when it worked)."""
    token = login_form(client, base, next_)
    data = {"username": user, "password": password, "csrf": token, **({"next": next_} if next_ else {})}
    return client.post(base + "/login", data=data)


def login(browser, base: str, user: str, password: str = PASSWORD):
    """A new browser context logged in as ``user``, on the page it lands on (the work queue;
    an administrator's first page)."""
    return login_in(browser.new_context(accept_downloads=True), base, user, password)


def login_in(context, base: str, user: str, password: str = PASSWORD):
    """A new page of ``context`` (a test's own, with its hooks) logged in as ``user``, on the
    page it lands on at ``/`` (the work queue; an administrator's first page), its header shown."""
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(base + "/")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#login")
    page.wait_for_url(base + "/")
    page.locator("#wb-user").wait_for()
    return page


SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def screenshot(page, name: str) -> Path:
    """The whole page as artifacts/screenshots/<name>.png (gitignored; CI keeps them)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path), full_page=True)
    return path


def office_parameters(tmp_path: Path, section: str, **values: object) -> Path:
    """A parameters folder of our own (a copy of the shipped one) whose office.yaml has these
    values in ``section`` (``serve``, ``attachments``, …); for WORKBENCH_PARAMETERS."""
    import yaml

    params = tmp_path / "parameters"
    shutil.copytree(ROOT / "parameters", params)
    office = yaml.safe_load((params / "office.yaml").read_text(encoding="utf-8"))
    office[section].update(values)
    (params / "office.yaml").write_text(yaml.safe_dump(office, allow_unicode=True), encoding="utf-8")
    return params
